/**
 * Firmware ABI v1: the numbers shared with the C side (firmware/include/mpipl-fw.h). Both sides
 * implement docs/firmware-elf.md; a change here is a change there, and the other way round.
 */
import { SkibootMap } from '../participants/layout.js';

export const FW_ABI_VERSION = 1;

/** The service instruction (Mambo's callthru: primary opcode 0, extended opcode 856). */
export const FW_CALLTHRU_WORD = 0x000e_aeb0;
/** `attn`: a firmware abort (fault kind `attn`), as skiboot's assert ends. */
export const FW_ATTN_WORD = 0x0000_0200;

/** LR at every entry: never mapped; NIP reaching it means the entry returned with its result in r3. */
export const FW_RETURN_TRAMPOLINE = 0x0000_7fff_ffff_f000n;

/** Services, r3 = number, r4..r10 = arguments, result in r3. */
export const FwSvc = {
  CONSOLE_WRITE: 0x00,
  EXIT: 0x1f,
  LOG: 0x100,
  ABORT: 0x101,
  XSCOM_READ: 0x110,
  XSCOM_WRITE: 0x111,
  DT_GET: 0x120,
  DT_SET: 0x121,
  DT_REMOVE: 0x122,
  DT_HAS_NODE: 0x123,
  MACHINE_INFO: 0x130,
  PIR_AT: 0x131,
  THREAD_REGS: 0x140,
  COPY: 0x150,
  FILL: 0x151,
  DELAY: 0x160,
  EVENT: 0x170,
  LOAD_IMAGES: 0x180,
  REBOOT: 0x181,
} as const;

export const SERVICE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(FwSvc).map(([k, v]) => [v, `FW_SVC_${k}`]));

/** FW_SVC_MACHINE_INFO keys. */
export const FwInfo = {
  NR_CHIPS: 0,
  CORES_PER_CHIP: 1,
  THREADS_PER_CORE: 2,
  CPU_MAX_PIR: 3,
  RAM_BYTES: 4,
  BOOT_PIR: 5,
  SKIBOOT_BASE: 6,
  TB_HZ: 7,
  ABI_VERSION: 8,
  NR_THREADS: 9,
} as const;

/** The dispatcher's answer for a token the ELF does not implement ("NOTHANDL"). */
export const FW_OPAL_NOT_HANDLED = 0x4e4f_5448_414e_444cn;

/** -1 as a 64-bit result (no device, absent, outside RAM). */
export const FW_RESULT_ERROR = 0xffff_ffff_ffff_ffffn;

/** Bound on a NUL-terminated string a service reads. */
export const FW_STRING_MAX_BYTES = 4096;
/** Bound on one FW_SVC_CONSOLE_WRITE or FW_SVC_DT_* buffer (a device-tree property or a console chunk). */
export const FW_BUFFER_MAX_BYTES = 1 << 20;

/** Per-entry instruction budget: an entry that retires more is a firmware fault (`budget`). */
export const FW_ENTRY_INSTRUCTION_BUDGET = 50_000_000;
/** Cycles a service costs beyond what the cost model charges for its work (the callthru itself). */
export const FW_SERVICE_CYCLES = 1;

/** The skiboot ELF's window: inside the skiboot region, clear of the fixed tables hostboot and Linux use. */
export const SKIBOOT_WINDOW = { start: SkibootMap.SKIBOOT_BASE, sizeBytes: SkibootMap.SKIBOOT_SIZE } as const;
export const FW_SKIBOOT_LINK_ADDR = 0x3002_0000;
/** skiboot's heap region (linker symbols `__fw_heap_start`/`__fw_heap_end`). */
export const FW_SKIBOOT_HEAP = { start: SkibootMap.SKIBOOT_BASE + SkibootMap.HEAP_OFF, sizeBytes: SkibootMap.HEAP_SIZE } as const;
/** The CPU stacks skiboot reserves: [SKIBOOT_BASE + SKIBOOT_SIZE + pir * STACK_SIZE, +STACK_SIZE). */
export const FW_SKIBOOT_STACKS_BASE = SkibootMap.SKIBOOT_BASE + SkibootMap.SKIBOOT_SIZE;
export const FW_STACK_SIZE = SkibootMap.STACK_SIZE;

/** Ranges (offsets from SKIBOOT_BASE) a skiboot ELF segment must stay clear of. */
export const SKIBOOT_FORBIDDEN: readonly { readonly name: string; readonly start: number; readonly end: number }[] = [
  { name: 'SPIRA-H', start: SkibootMap.SPIRAH_OFF, end: SkibootMap.SPIRAH_OFF + SkibootMap.SPIRAH_SIZE },
  { name: 'the processor dump area', start: SkibootMap.PROC_DUMP_AREA_OFF, end: SkibootMap.PROC_DUMP_AREA_OFF + SkibootMap.PROC_DUMP_AREA_SIZE },
  { name: 'MDST', start: SkibootMap.MDST_TABLE_OFF, end: SkibootMap.MDST_TABLE_OFF + SkibootMap.MDST_TABLE_SIZE },
  { name: 'MDDT', start: SkibootMap.MDDT_TABLE_OFF, end: SkibootMap.MDDT_TABLE_OFF + SkibootMap.MDDT_TABLE_SIZE },
  { name: 'the in-memory consoles', start: SkibootMap.INMEM_CON_OFF, end: SkibootMap.HBRT_CON_OFF + SkibootMap.HBRT_CON_LEN },
  { name: 'MDRT', start: SkibootMap.MDRT_TABLE_OFF, end: SkibootMap.MDRT_TABLE_OFF + SkibootMap.MDRT_TABLE_SIZE },
  { name: 'the metadata area', start: SkibootMap.DUMP_METADATA_AREA_OFF, end: SkibootMap.DUMP_METADATA_AREA_OFF + SkibootMap.DUMP_METADATA_AREA_SIZE },
];

/** The hostboot ELF's private window: not RAM, invisible to Linux and to the oracle. */
export const FW_HOSTBOOT_BASE = 0x0000_7000_0000_0000;
export const FW_HOSTBOOT_SIZE = 0x0400_0000;

/** Stack frame below the stack top at entry (ELFv2 needs 32 bytes; 112 keeps ELFv1 safe). */
export const FW_ENTRY_FRAME_BYTES = 112;
/** `struct fw_cpu { u32 pir, chip, core, thread; }` sits in the bottom 16 bytes of the thread's stack. */
export const FW_CPU_SIZE = 16;
/** `struct fw_ipl_handoff { u32 chip; u32 has_base; u64 skiboot_base; }`. */
export const FW_IPL_HANDOFF_SIZE = 16;
/** `struct fw_ipl_result { u32 preserved, mdrt_entries, mpipl_boot, pad; }`. */
export const FW_IPL_RESULT_SIZE = 16;

/** Entry-point symbols; every one optional (absent: the base profile's TS step). */
export const SKIBOOT_ENTRIES = ['mpipl_fw_reserve_mem', 'mpipl_fw_init', 'mpipl_fw_opal_call', 'mpipl_fw_terminate'] as const;
export const HOSTBOOT_ENTRIES = ['mpipl_fw_mpipl_ipl', 'mpipl_fw_normal_ipl'] as const;
export type SkibootEntry = (typeof SKIBOOT_ENTRIES)[number];
export type HostbootEntry = (typeof HOSTBOOT_ENTRIES)[number];

export type FirmwareElfParticipant = 'skiboot' | 'hostboot';
