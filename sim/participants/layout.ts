/**
 * The memory map and byte layouts every participant and the oracle agree on (spec sections 3 and 4).
 * Offsets are named exactly as the sources name them; each table cites its spec section.
 */

/** HRMOR_BIT: bit 63, ORed by skiboot into firmware-table addresses (spec 3.1). */
export const HRMOR_BIT = 1n << 63n;

/** spec 3.1 (skiboot include/mem-map.h). */
export const SkibootMap = {
  SKIBOOT_BASE: 0x3000_0000,
  SPIRAH_OFF: 0x10000,
  SPIRAH_SIZE: 0x300,
  PROC_DUMP_AREA_OFF: 0x10300,
  PROC_DUMP_AREA_SIZE: 0x100,
  MDST_TABLE_OFF: 0x10c00,
  MDST_TABLE_SIZE: 0x400,
  MDDT_TABLE_OFF: 0x11000,
  MDDT_TABLE_SIZE: 0x400,
  HEAP_OFF: 0x60_0000,
  HEAP_SIZE: 0xa0_0000,
  INMEM_CON_OFF: 0x100_0000,
  INMEM_CON_LEN: 0x10_0000,
  HBRT_CON_OFF: 0x110_0000,
  HBRT_CON_LEN: 0x10_0000,
  MDRT_TABLE_OFF: 0x1c0_0000,
  MDRT_TABLE_SIZE: 0x8000,
  DUMP_METADATA_AREA_OFF: 0x1c0_8000,
  DUMP_METADATA_AREA_SIZE: 0x8000,
  SKIBOOT_SIZE: 0x1c1_0000,
  STACK_SIZE: 0x8000,
  KERNEL_LOAD_BASE: 0x2000_0000,
  KERNEL_LOAD_SIZE: 0x800_0000,
  INITRAMFS_LOAD_BASE: 0x2800_0000,
  INITRAMFS_LOAD_SIZE: 0x800_0000,
  /** ARCH_REGS_DATA_SIZE_PER_CHIP (skiboot core/opal-dump.c). */
  ARCH_REGS_DATA_SIZE_PER_CHIP: 0x8_0000,
} as const;

export const MDST_ENTRY_SIZE = 16;
export const MDST_MAX_ENTRIES = SkibootMap.MDST_TABLE_SIZE / MDST_ENTRY_SIZE; // 64
export const MDRT_ENTRY_SIZE = 32;
export const MDRT_MAX_ENTRIES = SkibootMap.MDRT_TABLE_SIZE / MDRT_ENTRY_SIZE; // 1024

/** MDST/MDDT entry (spec 4.1): addr BE64 @0, data_region @8, dump_type @9, reserved BE16 @0xA, size BE32 @0xC. */
export const MdstEntry = { addr: 0x0, dataRegion: 0x8, dumpType: 0x9, reserved: 0xa, size: 0xc } as const;

/** MDRT entry (spec 4.2). */
export const MdrtEntry = { srcAddr: 0x00, destAddr: 0x08, dataRegion: 0x10, dumpType: 0x11, reserved: 0x12, size: 0x14, padding: 0x18 } as const;

/** SPIRA-H n-tuple offsets inside SPIRA-H (spec 3.3) and n-tuple fields (spec 4.3). */
export const SpirahNtuple = { mdumpSrc: 0x0a0, mdumpDst: 0x0c0, mdumpRes: 0x0e0, procDumpArea: 0x100 } as const;
export const Ntuple = { addr: 0x00, allocCnt: 0x08, actCnt: 0x0a, allocLen: 0x0c, actLen: 0x10, tceOff: 0x14 } as const;

/** Processor dump area (spec 4.4). */
export const ProcDumpArea = {
  threadSize: 0x00,
  version: 0x04,
  allocAddr: 0x10,
  allocSize: 0x1c,
  destAddr: 0x20,
  actSize: 0x2c,
  SIZE_USED: 0x30,
  FORMAT_P9: 0x1,
} as const;

/** Thread register header (spec 4.5) and register entry (spec 4.6). */
export const ThreadHdr = { pir: 0x00, coreState: 0x04, offset: 0x08, ecnt: 0x0c, esize: 0x10, eactsz: 0x14, SIZE: 24 } as const;
export const RegEntry = { regType: 0x0, regNum: 0x4, regVal: 0x8, SIZE: 16 } as const;
export const RegType = { GPR: 0x01, SPR: 0x02, TIMA: 0x03 } as const;
export const RegId = { NIP: 0x7d0, MSR: 0x7d1, CCR: 0x7d2 } as const;
export const CORE_STATE_INACTIVE = 0x0f;

/** struct mpipl_metadata (spec 4.7), skiboot-native (big-endian) and packed. */
export const MpiplMetadata = { crashingPir: 0x00, kernelTag: 0x04, bootMemSize: 0x0c, SIZE: 20 } as const;

/** struct opal_mpipl_fadump (spec 4.8). */
export const OpalMpiplFadump = { version: 0x00, crashingPir: 0x08, cpuDataVersion: 0x0c, cpuDataSize: 0x10, regionCnt: 0x14, regions: 0x18, REGION_SIZE: 24 } as const;

/** SBE XSCOM registers and values (spec 5.6). */
export const SbeReg = {
  MBOX0: 0x000d0050,
  MBOX_COUNT: 8,
  PSU_SBE_DOORBELL_REG_RW: 0x000d0060,
  PSU_SBE_DOORBELL_REG_AND: 0x000d0061,
  PSU_SBE_DOORBELL_REG_OR: 0x000d0062,
  PSU_HOST_DOORBELL_REG_RW: 0x000d0063,
  PSU_HOST_DOORBELL_REG_AND: 0x000d0064,
  PSU_HOST_DOORBELL_REG_OR: 0x000d0065,
  SBE_CONTROL_REG_RW: 0x00050008,
} as const;

export const SbeBits = {
  HOST_SBE_MSG_WAITING: 1n << 63n,
  SBE_HOST_RESPONSE_WAITING: 1n << 63n,
  SBE_HOST_MSG_READ: 1n << 62n,
  SBE_CONTROL_REG_S0: 1n << 49n,
  SBE_CONTROL_REG_S1: 1n << 48n,
} as const;

export const SbeCmd = { STASH_MPIPL_CONFIG: 0xd707, CONTROL_TIMER: 0xd401 } as const;
export const SBE_STASH_KEY_SKIBOOT_BASE = 0x03n;

/** fw-load-area (spec 5.8): two ranges the firmware overwrites on every boot. */
export const FW_LOAD_AREA: readonly (readonly [number, number])[] = [
  [SkibootMap.KERNEL_LOAD_BASE, SkibootMap.KERNEL_LOAD_SIZE],
  [SkibootMap.INITRAMFS_LOAD_BASE, SkibootMap.INITRAMFS_LOAD_SIZE],
];

export const DT_DUMP_NODE = '/ibm,opal/dump';
export const DT_OPAL_NODE = '/ibm,opal';
export const DT_RESERVED = '/reserved-memory';

/** Derived reservations (spec 3.2). */
export function opalDumpSize(cpuMaxPir: number): number {
  return SkibootMap.SKIBOOT_SIZE + (cpuMaxPir + 1) * SkibootMap.STACK_SIZE;
}
