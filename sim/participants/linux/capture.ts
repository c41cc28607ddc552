/**
 * The capture kernel's dump processing: the tag queries and metadata checks of
 * opal_fadump_dt_scan (spec step 22, 6.6), the crash-info header checks (6.6), the CPU notes
 * (7.2) and the ELF core header (7.1) that /proc/vmcore is built from (step 23).
 *
 * Both exported buffers are written into machine memory inside the capture kernel's own boot
 * memory (the export area of options.ts), which never overlaps the preserved copies: those lie
 * above boot_mem_top. /proc/vmcore readers (the oracle) read the ELF header at elfcorehdr_addr and
 * each segment's data at its p_offset, as the kernel's vmcore code does.
 */
import { TransactionError } from '../../core/errors.js';
import { hex } from '../../core/u64.js';
import { MpiplOp, MpiplTag, OpalRc, OpalToken, rcName } from '../opal-api.js';
import { CORE_STATE_INACTIVE, OpalMpiplFadump, RegEntry, RegId, RegType, ThreadHdr } from '../layout.js';
import {
  CrashInfoHeader,
  Elf,
  FADUMP_CPU_UNKNOWN,
  FADUMP_CRASH_INFO_MAGIC,
  FADUMP_CRASH_INFO_MAGIC_OLD,
  FADUMP_MAX_MEM_REGS,
  FadumpMemStruct,
  HDAT_FADUMP_CPU_DATA_VER,
  NOTE_HDR_SIZE,
  OPAL_FADUMP_VERSION,
  PAGE_OFFSET,
  PRSTATUS_NOTE_SIZE,
  PT_REGS_SIZE,
  PT_REGS_WORDS,
  PtRegs,
  SprNum,
} from './constants.js';
import { ByteBuilder, alignUp, bswap64, subtractRanges, type Range } from './bytes.js';
import { cpuMaskSize, fadumpAreaSize, readMetadata } from './fadump-mem.js';
import { writeEhdr, writePhdr, writePrstatusNote, type Phdr } from './elf.js';
import { firmwareReservedRanges } from './dt-scan.js';
import type { KernelCtx } from './context.js';

/** One boot-memory region as the metadata describes it (values as read, not trusted). */
export interface DumpRegion {
  readonly src: bigint;
  readonly dest: bigint;
  readonly size: bigint;
}

/** The dump the capture kernel found (Linux fw_dump after opal_fadump_get_config). Plain data. */
export interface DumpConf {
  readonly metadataAddr: number;
  readonly regionCnt: number;
  readonly registeredRegions: number;
  /** rgn[0 .. min(region_cnt, 128)). */
  readonly regions: readonly DumpRegion[];
  /** Regions whose copies exist: the registered prefix. */
  readonly savedRegions: number;
  readonly bootMemTop: bigint;
  readonly bootMemorySize: bigint;
  /** reserve_dump_area_start = boot_mem_dest_addr = rgn[0].dest. */
  readonly bootMemDestAddr: bigint;
  readonly fadumphdrAddr: bigint;
  /** QUERY_TAG(CPU) value (0 = no CPU metadata). */
  readonly cpuMetaAddr: bigint;
}

export type CaptureScan = { readonly active: false; readonly reason: string } | { readonly active: true; readonly dump: DumpConf };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function inRam(ctx: KernelCtx, addr: bigint, sizeBytes: number): boolean {
  return addr >= 0n && addr + BigInt(sizeBytes) <= BigInt(ctx.p.mem.sizeBytes);
}

/** OPAL_MPIPL_QUERY_TAG with the kernel's result buffer (a BE u64 in boot memory). */
function queryTag(ctx: KernelCtx, tag: bigint): bigint {
  return ctx.p.opalCall(ctx.pir, OpalToken.MPIPL_QUERY_TAG, [tag, BigInt(ctx.layout.queryBufferAddr)]);
}

/**
 * opal_fadump_dt_scan with `mpipl-boot` present (spec step 22, 6.6): QUERY_TAG(KERNEL), the
 * metadata checks, QUERY_TAG(CPU), then opal_fadump_get_config.
 */
export function scanCaptureTags(ctx: KernelCtx): CaptureScan {
  const buf = ctx.layout.queryBufferAddr;
  const rc = queryTag(ctx, MpiplTag.KERNEL);
  // The result variable: be64 as OPAL wrote it, then converted in place to CPU order. Keeping
  // it in memory in that form reproduces the stale-value rule of the CPU query below (6.6).
  const kernelAddr = ctx.p.mem.read64BE(buf);
  ctx.km.w64(buf, kernelAddr);
  if (rc !== OpalRc.SUCCESS || kernelAddr === 0n) {
    ctx.log('err', `Failed to get Kernel metadata (${rcName(rc)})`);
    return { active: false, reason: `QUERY_TAG(KERNEL) ${rc !== OpalRc.SUCCESS ? `failed (${rcName(rc)})` : 'returned 0'}` };
  }
  if (!inRam(ctx, kernelAddr, FadumpMemStruct.SIZE)) {
    // Linux would dereference __va(addr); we cannot read outside RAM, so there is no dump.
    ctx.log('err', `Kernel metadata at ${hex(kernelAddr)} is not in memory`);
    return { active: false, reason: `kernel metadata ${hex(kernelAddr)} outside RAM` };
  }
  const metadataAddr = Number(kernelAddr);
  const md = readMetadata(ctx.km, metadataAddr);
  if (md.version !== OPAL_FADUMP_VERSION) {
    ctx.log('warn', `Supported kernel metadata version: ${OPAL_FADUMP_VERSION}, firmware: ${md.version}`);
    ctx.log('warn', 'WARNING: Kernel metadata format mismatch identified! Core file maybe corrupted..');
  }
  if (md.registeredRegions === 0) {
    ctx.log('info', 'Kernel regions not registered with F/W for MPIPL');
    return { active: false, reason: 'registered_regions is 0' };
  }
  // QUERY_TAG(CPU): the return code is ignored and the variable is used if non-zero (6.6). A call
  // that fails without writing leaves the KERNEL value (CPU order) to be converted again.
  queryTag(ctx, MpiplTag.CPU);
  const cpuMetaAddr = ctx.p.mem.read64BE(buf);
  ctx.log('info', 'Firmware-assisted dump is active.');

  if (md.regionCnt > FADUMP_MAX_MEM_REGS) {
    ctx.log('warn', `Kernel metadata region_cnt ${md.regionCnt} exceeds ${FADUMP_MAX_MEM_REGS}; using the first ${FADUMP_MAX_MEM_REGS}`);
  }
  // boot_mem_top = sum(sizes) + holes (spec step 22).
  let size = 0n;
  let holes = 0n;
  let lastEnd = 0n;
  for (const r of md.regions) {
    if (r.src > lastEnd) holes += r.src - lastEnd;
    lastEnd = r.src + r.size;
    size += r.size;
  }
  const savedRegions = Math.min(md.registeredRegions, md.regions.length);
  if (md.regionCnt > md.registeredRegions) {
    ctx.log('warn', 'Not all memory regions were saved!!!');
    ctx.log('warn', '  Unsaved memory regions:');
    for (let i = savedRegions; i < md.regions.length; i++) {
      const r = md.regions[i]!;
      ctx.log('warn', `  [${String(i).padStart(3, '0')}]: base=${hex(r.src)}, size=${hex(r.size)}`);
    }
  }
  return {
    active: true,
    dump: {
      metadataAddr,
      regionCnt: md.regionCnt,
      registeredRegions: md.registeredRegions,
      regions: md.regions,
      savedRegions,
      bootMemTop: size + holes,
      bootMemorySize: size,
      bootMemDestAddr: ctx.km.r64(metadataAddr + FadumpMemStruct.rgn + FadumpMemStruct.rgnDest),
      fadumphdrAddr: md.fadumphdrAddr,
      cpuMetaAddr,
    },
  };
}

// ------------------------------------------------------------------ crash-info header (6.6)

export interface CrashInfo {
  readonly crashingCpu: number;
  readonly vmcoreinfoRaddr: bigint;
  readonly vmcoreinfoSize: bigint;
  /** The kernel-saved pt_regs of the crashing CPU (native words as read). */
  readonly regs: readonly bigint[];
}

export type HeaderCheck = { readonly ok: true; readonly info: CrashInfo } | { readonly ok: false; readonly reason: string };

/** is_fadump_header_compatible (spec 6.6), then the fields the rest of the processing uses. */
export function checkCrashInfoHeader(ctx: KernelCtx, dump: DumpConf): HeaderCheck {
  const h = dump.fadumphdrAddr;
  const ownMaskSz = cpuMaskSize(ctx.o);
  if (!inRam(ctx, h, CrashInfoHeader.regs + PT_REGS_SIZE)) {
    ctx.log('err', `Crash info header at ${hex(h)} is not in memory`);
    return { ok: false, reason: `crash info header ${hex(h)} outside RAM` };
  }
  const a = Number(h);
  const magic = ctx.km.r64(a + CrashInfoHeader.magicNumber);
  if (magic === FADUMP_CRASH_INFO_MAGIC_OLD) {
    ctx.log('err', 'Old magic number, can\'t process the dump.');
    return { ok: false, reason: 'crash info header: old magic number' };
  }
  if (magic !== FADUMP_CRASH_INFO_MAGIC) {
    if (magic === bswap64(FADUMP_CRASH_INFO_MAGIC)) {
      ctx.log('err', 'Endianness mismatch between the crashed and fadump kernels.');
      return { ok: false, reason: 'crash info header: endianness mismatch' };
    }
    ctx.log('err', 'Crash info header is corrupted.');
    return { ok: false, reason: 'crash info header: corrupted' };
  }
  const ptRegsSz = ctx.km.r32(a + CrashInfoHeader.ptRegsSz);
  const cpuMaskSz = ctx.km.r32(a + CrashInfoHeader.cpuMaskSz);
  if (ptRegsSz !== PT_REGS_SIZE || cpuMaskSz !== ownMaskSz) {
    ctx.log('err', `Crash info header size mismatch: pt_regs ${ptRegsSz} (own ${PT_REGS_SIZE}), cpu_mask ${cpuMaskSz} (own ${ownMaskSz}).`);
    return { ok: false, reason: 'crash info header: size mismatch' };
  }
  const regs: bigint[] = [];
  for (let i = 0; i < PT_REGS_WORDS; i++) regs.push(ctx.km.r64(a + CrashInfoHeader.regs + 8 * i));
  return {
    ok: true,
    info: {
      crashingCpu: ctx.km.r32(a + CrashInfoHeader.crashingCpu),
      vmcoreinfoRaddr: ctx.km.r64(a + CrashInfoHeader.vmcoreinfoRaddr),
      vmcoreinfoSize: ctx.km.r64(a + CrashInfoHeader.vmcoreinfoSize),
      regs,
    },
  };
}

// ------------------------------------------------------------------ CPU data (6.6, 7.2, 5.4)

/** struct opal_mpipl_fadump as the CPU tag describes it (spec 4.8, BE). */
export interface CpuMeta {
  readonly cpuDataVersion: number;
  readonly cpuDataSize: number;
  readonly regionCnt: number;
  readonly region0: DumpRegion;
}

export function readOpalMpiplFadump(ctx: KernelCtx, addr: bigint): { version: number; crashingPir: number; cpuDataVersion: number; cpuDataSize: number; regionCnt: number; regions: DumpRegion[] } | undefined {
  if (!inRam(ctx, addr, OpalMpiplFadump.regions)) return undefined;
  const a = Number(addr);
  const m = ctx.p.mem;
  const regionCnt = m.read32BE(a + OpalMpiplFadump.regionCnt);
  const regions: DumpRegion[] = [];
  // Never more than the caller can use (8 for the OPAL core, 1 for CPU data); stop at RAM's end.
  for (let i = 0; i < Math.min(regionCnt, 8); i++) {
    const r = a + OpalMpiplFadump.regions + i * OpalMpiplFadump.REGION_SIZE;
    if (!inRam(ctx, BigInt(r), OpalMpiplFadump.REGION_SIZE)) break;
    regions.push({ src: m.read64BE(r), dest: m.read64BE(r + 8), size: m.read64BE(r + 16) });
  }
  return {
    version: m.read8(a + OpalMpiplFadump.version),
    crashingPir: m.read32BE(a + OpalMpiplFadump.crashingPir),
    cpuDataVersion: m.read32BE(a + OpalMpiplFadump.cpuDataVersion),
    cpuDataSize: m.read32BE(a + OpalMpiplFadump.cpuDataSize),
    regionCnt,
    regions,
  };
}

/** The CPU metadata, or undefined when there is none (tag 0 or not readable). */
export function readCpuMeta(ctx: KernelCtx, addr: bigint): CpuMeta | undefined {
  if (addr === 0n) return undefined;
  const f = readOpalMpiplFadump(ctx, addr);
  if (f === undefined) return undefined;
  // region[0] is read whatever region_cnt says (Linux does not check it).
  const r0 = Number(addr) + OpalMpiplFadump.regions;
  if (!inRam(ctx, BigInt(r0), OpalMpiplFadump.REGION_SIZE)) return undefined;
  const m = ctx.p.mem;
  return {
    cpuDataVersion: f.cpuDataVersion,
    cpuDataSize: f.cpuDataSize,
    regionCnt: f.regionCnt,
    region0: { src: m.read64BE(r0), dest: m.read64BE(r0 + 8), size: m.read64BE(r0 + 16) },
  };
}

/** is_opal_fadump_cpu_data_valid (spec 6.6). */
export function isCpuDataValid(meta: CpuMeta | undefined): meta is CpuMeta {
  return meta !== undefined && meta.cpuDataSize !== 0 && BigInt(meta.cpuDataSize) <= meta.region0.size;
}

/** Reads beyond this many register entries per thread are not done (a guard for absurd ecnt). */
export const REG_ENTRIES_READ_MAX = 4096;

/** spec 5.4: one register entry into a pt_regs; unknown entries are ignored, later ones win. */
export function setRegvalRegnum(regs: bigint[], regType: number, regNum: number, value: bigint): void {
  if (regType === RegType.GPR) {
    if (regNum < 32) regs[PtRegs.GPR0 + regNum] = value;
    return;
  }
  switch (regNum) {
    case SprNum.CTR: regs[PtRegs.CTR] = value; break;
    case SprNum.LR: regs[PtRegs.LINK] = value; break;
    case SprNum.XER: regs[PtRegs.XER] = value; break;
    case SprNum.DAR: regs[PtRegs.DAR] = value; break;
    case SprNum.DSISR: regs[PtRegs.DSISR] = value; break;
    case RegId.NIP: regs[PtRegs.NIP] = value; break;
    case RegId.MSR: regs[PtRegs.MSR] = value; break;
    case RegId.CCR: regs[PtRegs.CCR] = value; break;
    default: break;
  }
}

/** The register-array geometry Linux takes from the FIRST thread header (spec 7.2 step 3, 7.4). */
export interface RegGeometry {
  readonly regsOffset: number;
  readonly regEsize: number;
  readonly regsCnt: number;
}

export function readRegGeometry(ctx: KernelCtx, base: number): RegGeometry {
  const m = ctx.p.mem;
  return {
    regsOffset: 8 + m.read32BE(base + ThreadHdr.offset),
    regEsize: m.read32BE(base + ThreadHdr.esize),
    regsCnt: m.read32BE(base + ThreadHdr.ecnt),
  };
}

/** opal_fadump_read_regs: the entries of one thread as a zeroed-then-filled pt_regs (values from BE). */
export function readThreadRegs(ctx: KernelCtx, threadBase: number, g: RegGeometry): bigint[] {
  const m = ctx.p.mem;
  const regs = new Array<bigint>(PT_REGS_WORDS).fill(0n);
  const n = Math.min(g.regsCnt, REG_ENTRIES_READ_MAX);
  for (let k = 0; k < n; k++) {
    const e = threadBase + g.regsOffset + k * g.regEsize;
    setRegvalRegnum(regs, m.read32BE(e + RegEntry.regType), m.read32BE(e + RegEntry.regNum), m.read64BE(e + RegEntry.regVal));
  }
  return regs;
}

export type CpuNotes = { readonly ok: true; readonly bytes: Uint8Array; readonly usedBytes: number; readonly notes: number } | { readonly ok: false; readonly reason: string };

/**
 * opal_fadump_build_cpu_notes (spec 7.2). The buffer has room for num_cpus notes and a
 * terminating empty note header; `usedBytes` is the length of the notes actually written.
 */
export function buildCpuNotes(ctx: KernelCtx, fdh: CrashInfo, meta: CpuMeta | undefined, capacityBytes: number): CpuNotes {
  const valid = isCpuDataValid(meta);
  let numCpus = 1;
  if (valid) {
    if (meta.cpuDataVersion !== HDAT_FADUMP_CPU_DATA_VER) {
      ctx.log('warn', `Supported CPU state data version: ${HDAT_FADUMP_CPU_DATA_VER}, firmware: ${meta.cpuDataVersion}`);
      ctx.log('warn', 'WARNING: F/W using newer/older CPU state data format!!');
    }
    const n = meta.region0.size / BigInt(meta.cpuDataSize);
    numCpus = n > MAX_SAFE ? Number.MAX_SAFE_INTEGER : Number(n);
  } else {
    ctx.log('warn', 'CPU state data not available/invalid, appending only crashing CPU\'s register data');
  }
  const bufSize = numCpus * PRSTATUS_NOTE_SIZE + NOTE_HDR_SIZE;
  if (bufSize > capacityBytes) {
    ctx.log('err', `Failed to allocate ${numCpus} CPU notes (-ENOMEM)`);
    return { ok: false, reason: `cannot allocate notes for ${numCpus} CPUs` };
  }
  const b = new ByteBuilder(bufSize, ctx.km.le);
  let off = 0;
  let notes = 0;
  if (valid) {
    const base = meta.region0.dest;
    const size = meta.cpuDataSize;
    try {
      if (!inRam(ctx, base, ThreadHdr.SIZE)) throw new TransactionError(Number(base > MAX_SAFE ? MAX_SAFE : base), ThreadHdr.SIZE, false);
      const b0 = Number(base);
      const g = readRegGeometry(ctx, b0);
      if (g.regsCnt > REG_ENTRIES_READ_MAX) ctx.log('warn', `Register entry count ${g.regsCnt} capped at ${REG_ENTRIES_READ_MAX}`);
      for (let i = 0; i < numCpus; i++) {
        const tb = b0 + i * size;
        const pir = ctx.p.mem.read32BE(tb + ThreadHdr.pir);
        if (pir === fdh.crashingCpu) {
          // The crashing CPU's registers are the ones the kernel saved at panic time.
          off = writePrstatusNote(b, off, fdh.regs);
          notes++;
          continue;
        }
        if (ctx.p.mem.read8(tb + ThreadHdr.coreState) === CORE_STATE_INACTIVE) continue;
        off = writePrstatusNote(b, off, readThreadRegs(ctx, tb, g));
        notes++;
      }
    } catch (e) {
      if (!(e instanceof TransactionError)) throw e;
      // Linux would fault reading __va() of a bad address; we report the dump as unusable.
      ctx.log('err', `Processor dump data is not readable (${e.message})`);
      return { ok: false, reason: 'CPU data outside RAM' };
    }
  }
  if (notes === 0) {
    if (fdh.crashingCpu === FADUMP_CPU_UNKNOWN) {
      ctx.log('err', 'No CPU notes: crashing CPU unknown and no usable CPU data (-ENODEV)');
      return { ok: false, reason: 'no CPU notes (-ENODEV)' };
    }
    off = writePrstatusNote(b, off, fdh.regs);
    notes++;
  }
  // The terminating empty note header is already zero in the buffer.
  return { ok: true, bytes: b.bytes, usedBytes: off, notes };
}

// ------------------------------------------------------------------ ELF core header (7.1)

/**
 * Memory above boot_mem_top that /proc/vmcore exposes: RAM [boot_mem_top, ramSize) minus the
 * firmware-reserved ranges (treated as no-map: firmware rewrites them at every boot, and their
 * content belongs in the OPAL core), split around the first kernel's reserved dump area.
 */
export function memoryAboveBootMem(ctx: KernelCtx, dump: DumpConf): Range[] {
  const ram = ctx.p.mem.sizeBytes;
  const clamp = (v: bigint): number => (v < 0n ? 0 : v > BigInt(ram) ? ram : Number(v));
  const top = clamp(dump.bootMemTop);
  const areaStart = clamp(dump.bootMemDestAddr);
  const areaEnd = clamp(dump.bootMemDestAddr + BigInt(fadumpAreaSize(ctx.o, Number(dump.bootMemorySize > MAX_SAFE ? MAX_SAFE : dump.bootMemorySize))));
  const holes = [...firmwareReservedRanges(ctx.p.dt), { start: areaStart, end: areaEnd }];
  return subtractRanges([{ start: top, end: ram }], holes);
}

export interface ElfCoreHeader {
  readonly bytes: Uint8Array;
  readonly phnum: number;
  readonly loads: number;
}

/** The ELF core header of spec 7.1, with PT_NOTE #0 pointing at the CPU notes. */
export function buildElfCoreHeader(ctx: KernelCtx, dump: DumpConf, fdh: CrashInfo, notesAddr: number, notesSize: number): ElfCoreHeader {
  const above = memoryAboveBootMem(ctx, dump);
  const phnum = 2 + dump.savedRegions + above.length;
  const b = new ByteBuilder(Elf.EHDR_SIZE + phnum * Elf.PHDR_SIZE, ctx.km.le);
  writeEhdr(b, phnum);
  const rwx = Elf.PF_R | Elf.PF_W | Elf.PF_X;
  const note = (addr: bigint, size: bigint): Phdr => ({ type: Elf.PT_NOTE, flags: 0, offset: addr, vaddr: 0n, paddr: addr, filesz: size, memsz: size, align: 0n });
  writePhdr(b, 0, note(BigInt(notesAddr), BigInt(notesSize)));
  writePhdr(b, 1, note(fdh.vmcoreinfoRaddr, fdh.vmcoreinfoSize));
  let copyOffset = dump.bootMemDestAddr;
  let i = 2;
  for (let r = 0; r < dump.savedRegions; r++) {
    const reg = dump.regions[r]!;
    writePhdr(b, i++, { type: Elf.PT_LOAD, flags: rwx, offset: copyOffset, vaddr: PAGE_OFFSET | reg.src, paddr: reg.src, filesz: reg.size, memsz: reg.size, align: 0n });
    copyOffset += reg.size;
  }
  for (const r of above) {
    const start = BigInt(r.start);
    const len = BigInt(r.end - r.start);
    writePhdr(b, i++, { type: Elf.PT_LOAD, flags: rwx, offset: start, vaddr: PAGE_OFFSET | start, paddr: start, filesz: len, memsz: len, align: 0n });
  }
  return { bytes: b.bytes, phnum, loads: dump.savedRegions + above.length };
}

// ------------------------------------------------------------------ invalidate (6.5, step 25)

/** fadump_invalidate_release_mem's firmware side: invalidate (FREE_PRESERVED_MEMORY), then cleanup. */
export function invalidateAndCleanup(ctx: KernelCtx): void {
  const rc = ctx.p.opalCall(ctx.pir, OpalToken.MPIPL_UPDATE, [MpiplOp.FREE_PRESERVED_MEMORY, 0n, 0n, 0n]);
  if (rc !== OpalRc.SUCCESS) ctx.log('err', `Failed to invalidate - unexpected Error(${rcName(rc)}).`);
  const rc2 = ctx.p.opalCall(ctx.pir, OpalToken.MPIPL_REGISTER_TAG, [MpiplTag.KERNEL, 0n]);
  if (rc2 !== OpalRc.SUCCESS) ctx.log('warn', `Failed to reset kernel metadata tag (${rcName(rc2)})!`);
}

/** Page-aligned bump allocation inside the export area. */
export function allocExport(ctx: KernelCtx, cursor: number, sizeBytes: number): { addr: number; next: number } | undefined {
  const addr = alignUp(cursor, ctx.o.pageSizeBytes);
  const next = alignUp(addr + sizeBytes, ctx.o.pageSizeBytes);
  return next <= ctx.layout.exportEnd ? { addr, next } : undefined;
}
