/**
 * The skiboot payload image as hostboot loads it from flash: code bytes, SPIRA-H with its
 * n-tuples (spec 3.3), the processor dump area slot, and the built-in MDST (two console entries,
 * skiboot hdata/spira.c init_mdst_table) that `opal_mpipl_init` erases when MPIPL is supported.
 *
 * The bytes are a fixed function of this module (not of the run seed): flash contents belong to
 * the firmware profile and are part of its content hash.
 */
import { Prng } from '../../core/prng.js';
import { DumpRegion, DumpType } from '../opal-api.js';
import { HRMOR_BIT, MDRT_MAX_ENTRIES, MDRT_ENTRY_SIZE, MDST_ENTRY_SIZE, MDST_MAX_ENTRIES, MdstEntry, Ntuple, ProcDumpArea, SkibootMap, SpirahNtuple } from '../layout.js';

/** Bytes of the loaded image: up to the end of the MDDT plus room; the rest of SKIBOOT_SIZE is bss. */
export const SKIBOOT_IMAGE_SIZE_BYTES = 0x20000;
/** Where skiboot's code ends in the image; code bytes fill [0, CODE_END) around the fixed tables. */
const CODE_SIZE_BYTES = 0x10000;
/** Offsets of the OPAL entry points inside the image (published as opal-*-address). */
export const OPAL_BOOT_OFF = 0x10;
export const OPAL_ENTRY_OFF = 0x2000;

export function buildSkibootImage(): Uint8Array {
  const img = new Uint8Array(SKIBOOT_IMAGE_SIZE_BYTES);
  const dv = new DataView(img.buffer);
  // Code: a fixed pseudo-random pattern stands in for instructions; only its identity matters.
  new Prng('skiboot-image-v1').fill(img.subarray(0, CODE_SIZE_BYTES));
  const ntuple = (off: number, addr: bigint, allocCnt: number, actCnt: number, len: number): void => {
    const at = SkibootMap.SPIRAH_OFF + off;
    dv.setBigUint64(at + Ntuple.addr, addr, false);
    dv.setUint16(at + Ntuple.allocCnt, allocCnt, false);
    dv.setUint16(at + Ntuple.actCnt, actCnt, false);
    dv.setUint32(at + Ntuple.allocLen, len, false);
    dv.setUint32(at + Ntuple.actLen, len, false);
  };
  // SPIRA-H header eyecatcher, so a dump reader can tell the area apart.
  img.set(new TextEncoder().encode('SPIRAH'), SkibootMap.SPIRAH_OFF + 2);
  ntuple(SpirahNtuple.mdumpSrc, BigInt(SkibootMap.MDST_TABLE_OFF), MDST_MAX_ENTRIES, 2, MDST_ENTRY_SIZE);
  ntuple(SpirahNtuple.mdumpDst, BigInt(SkibootMap.MDDT_TABLE_OFF), MDST_MAX_ENTRIES, 0, MDST_ENTRY_SIZE);
  // mdump_res: relative to the payload base on P9 HDAT boots; act_cnt starts at the full 1024.
  ntuple(SpirahNtuple.mdumpRes, BigInt(SkibootMap.MDRT_TABLE_OFF), MDRT_MAX_ENTRIES, MDRT_MAX_ENTRIES, MDRT_ENTRY_SIZE);
  ntuple(SpirahNtuple.procDumpArea, BigInt(SkibootMap.PROC_DUMP_AREA_OFF), 1, 1, ProcDumpArea.SIZE_USED);
  // Built-in MDST: in-memory console and HBRT log, DUMP_TYPE_SYSDUMP, 1 MiB each.
  const mdst = (i: number, addr: number, region: number): void => {
    const at = SkibootMap.MDST_TABLE_OFF + i * MDST_ENTRY_SIZE;
    dv.setBigUint64(at + MdstEntry.addr, BigInt(addr) | HRMOR_BIT, false);
    img[at + MdstEntry.dataRegion] = region;
    img[at + MdstEntry.dumpType] = DumpType.SYSDUMP;
    dv.setUint32(at + MdstEntry.size, 0x10_0000, false);
  };
  mdst(0, SkibootMap.SKIBOOT_BASE + SkibootMap.INMEM_CON_OFF, DumpRegion.CONSOLE);
  mdst(1, SkibootMap.SKIBOOT_BASE + SkibootMap.HBRT_CON_OFF, DumpRegion.HBRT_LOG);
  return img;
}
