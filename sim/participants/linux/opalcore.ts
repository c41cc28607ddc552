/**
 * The OPAL core (spec 7.3; step 24, opalcore_init): a big-endian ELF core of OPAL's memory as
 * preserved by the MPIPL, exported at /sys/firmware/opal/mpipl/core. The header and notes are
 * built once into a host buffer; PT_LOAD data is read from machine memory at each region's
 * destination on every read, as the kernel's read handler does.
 */
import { TransactionError } from '../../core/errors.js';
import { hex } from '../../core/u64.js';
import type { PhysicalMemory } from '../../mem/physical-memory.js';
import { readPieces, type BytePiece } from '../../mem/byte-source.js';
import type { CoreFile } from '../firmware.js';
import { MpiplTag, OPAL_MPIPL_VERSION, OpalRc, OpalToken, rcName } from '../opal-api.js';
import { CORE_STATE_INACTIVE, ThreadHdr } from '../layout.js';
import { AUXV_NOTE_SIZE, Elf, HDAT_FADUMP_CPU_DATA_VER, MAX_PT_LOAD_CNT, PRSTATUS_NOTE_SIZE, SIGTERM, SIGUSR1 } from './constants.js';
import { ByteBuilder, alignUp } from './bytes.js';
import { writeAuxvNote, writeEhdr, writePhdr, writePrstatusNote } from './elf.js';
import { readOpalMpiplFadump, readRegGeometry, readThreadRegs } from './capture.js';
import { opalAddress } from './dt-scan.js';
import { EXPORT_AREA_SIZE } from './options.js';
import type { KernelCtx } from './context.js';

/** One PT_LOAD of the file: `sizeBytes` bytes at file offset `fileOffset`, read from memory at `dest`. */
export interface OpalCoreSegment {
  readonly fileOffset: number;
  readonly dest: number;
  readonly sizeBytes: number;
}

export class OpalCoreFile implements CoreFile {
  constructor(
    private readonly mem: PhysicalMemory,
    /** ELF header, program headers and notes, zero-padded to the first segment's offset. */
    readonly prefix: Uint8Array,
    readonly segments: readonly OpalCoreSegment[],
    readonly sizeBytes: number,
  ) {}

  /** Bytes [offset, offset + sizeBytes) of the file, cut at its end. Memory outside RAM reads as zeros. */
  read(offset: number, sizeBytes: number): Uint8Array {
    return readPieces(this.pieces(offset, sizeBytes));
  }

  /**
   * The same bytes as `read`, as pieces (sim/mem/byte-source.ts): the header and notes as host
   * bytes, PT_LOAD data as ranges of machine memory, gaps and memory outside RAM as zeros. `read`
   * is built on this, so the two always agree.
   */
  pieces(offset: number, sizeBytes: number): BytePiece[] {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(sizeBytes) || offset < 0 || sizeBytes < 0) {
      throw new RangeError(`opalcore read(${offset}, ${sizeBytes})`);
    }
    const end = Math.min(this.sizeBytes, offset + sizeBytes);
    const out: BytePiece[] = [];
    let at = offset;
    const zerosTo = (to: number): void => {
      if (to > at) out.push({ bytes: new Uint8Array(to - at) });
      at = Math.max(at, to);
    };
    if (at < end && at < this.prefix.length) {
      const to = Math.min(end, this.prefix.length);
      out.push({ bytes: this.prefix.subarray(at, to) });
      at = to;
    }
    // Segments are laid out in file order without overlap (buildOpalCore).
    for (const s of this.segments) {
      const from = Math.max(at, s.fileOffset);
      const to = Math.min(end, s.fileOffset + s.sizeBytes);
      if (from >= to) continue;
      zerosTo(from);
      const src = s.dest + (from - s.fileOffset);
      const inRamEnd = Math.max(src, Math.min(src + (to - from), this.mem.sizeBytes));
      if (src < inRamEnd) out.push({ mem: this.mem, address: src, sizeBytes: inRamEnd - src });
      at = from + (inRamEnd - src);
      zerosTo(to);
    }
    zerosTo(end);
    return out;
  }
}

export type OpalCoreResult = { readonly ok: true; readonly core: OpalCoreFile } | { readonly ok: false; readonly reason: string };

function queryTag(ctx: KernelCtx, tag: bigint): { rc: bigint; value: bigint } {
  const rc = ctx.p.opalCall(ctx.pir, OpalToken.MPIPL_QUERY_TAG, [tag, BigInt(ctx.layout.queryBufferAddr)]);
  return { rc, value: ctx.p.mem.read64BE(ctx.layout.queryBufferAddr) };
}

/**
 * opalcore_init (spec 7.3). `kernelInitiated`: the crash-info header named a crashing CPU, so the
 * crash came through the kernel's panic path (SIGUSR1), otherwise OPAL terminated (SIGTERM).
 */
export function buildOpalCore(ctx: KernelCtx, kernelInitiated: boolean): OpalCoreResult {
  const opalTag = queryTag(ctx, MpiplTag.OPAL);
  if (opalTag.rc !== OpalRc.SUCCESS || opalTag.value === 0n) {
    ctx.log('err', `Failed to get OPAL metadata (${rcName(opalTag.rc)})`);
    return { ok: false, reason: 'no OPAL metadata' };
  }
  const cpuTag = queryTag(ctx, MpiplTag.CPU);
  if (cpuTag.rc !== OpalRc.SUCCESS || cpuTag.value === 0n) {
    ctx.log('err', `Failed to get CPU metadata (${rcName(cpuTag.rc)})`);
    return { ok: false, reason: 'no CPU metadata' };
  }
  const opal = readOpalMpiplFadump(ctx, opalTag.value);
  const cpu = readOpalMpiplFadump(ctx, cpuTag.value);
  if (opal === undefined || cpu === undefined) {
    ctx.log('err', `OPAL core metadata at ${hex(opal === undefined ? opalTag.value : cpuTag.value)} is not in memory`);
    return { ok: false, reason: 'OPAL core metadata outside RAM' };
  }
  if (opal.version !== OPAL_MPIPL_VERSION) ctx.log('warn', `Supported OPAL metadata version: ${OPAL_MPIPL_VERSION}, firmware: ${opal.version}`);
  if (cpu.cpuDataVersion !== HDAT_FADUMP_CPU_DATA_VER) ctx.log('warn', `Supported CPU data version: ${HDAT_FADUMP_CPU_DATA_VER}, firmware: ${cpu.cpuDataVersion}`);
  if (opal.regionCnt > MAX_PT_LOAD_CNT) ctx.log('warn', `OPAL core: region_cnt ${opal.regionCnt} clamped to ${MAX_PT_LOAD_CNT}`);
  const regions = opal.regions.slice(0, MAX_PT_LOAD_CNT);
  if (regions.length === 0) {
    ctx.log('err', 'OPAL core: no OPAL memory region to export');
    return { ok: false, reason: 'no OPAL regions' };
  }
  const cpu0 = cpu.regions[0];
  if (cpu0 === undefined || cpu0.dest === 0n || cpu.cpuDataSize === 0 || BigInt(cpu.cpuDataSize) > cpu0.size) {
    ctx.log('err', 'OPAL core: CPU state data is not valid');
    return { ok: false, reason: 'invalid CPU data' };
  }
  const numCpusBig = cpu0.size / BigInt(cpu.cpuDataSize);
  const notesSize = Number(numCpusBig) * PRSTATUS_NOTE_SIZE + AUXV_NOTE_SIZE;
  if (numCpusBig > BigInt(EXPORT_AREA_SIZE) || notesSize > EXPORT_AREA_SIZE) {
    ctx.log('err', `OPAL core: cannot allocate notes for ${numCpusBig} CPUs (-ENOMEM)`);
    return { ok: false, reason: 'notes too large' };
  }
  const numCpus = Number(numCpusBig);
  const ptloadCnt = regions.length;
  const hdrSize = Elf.EHDR_SIZE + (ptloadCnt + 1) * Elf.PHDR_SIZE;

  // Notes: slot 0 belongs to the crashing CPU, the others follow from slot 1, then NT_AUXV. When
  // no thread has the crashing PIR and all are active, Linux writes one note past its buffer; the
  // extra bytes are not part of the file, so we build in a larger scratch and keep notesSize.
  const nb = new ByteBuilder(notesSize + PRSTATUS_NOTE_SIZE + AUXV_NOTE_SIZE, false);
  let bufp = PRSTATUS_NOTE_SIZE;
  try {
    const base = Number(cpu0.dest);
    const g = readRegGeometry(ctx, base);
    for (let i = 0; i < numCpus; i++) {
      const tb = base + i * cpu.cpuDataSize;
      if (ctx.p.mem.read8(tb + ThreadHdr.coreState) === CORE_STATE_INACTIVE) continue;
      const pir = ctx.p.mem.read32BE(tb + ThreadHdr.pir);
      // cpu_endian = false: values stay as firmware wrote them (BE), which a BE ELF shows as is.
      const regs = readThreadRegs(ctx, tb, g);
      if (pir === opal.crashingPir) {
        writePrstatusNote(nb, 0, regs, { pid: 100 + pir, ppid: 1, cursig: kernelInitiated ? SIGUSR1 : SIGTERM });
      } else {
        bufp = writePrstatusNote(nb, bufp, regs, { pid: 100 + pir, ppid: 1 });
      }
    }
  } catch (e) {
    if (!(e instanceof TransactionError)) throw e;
    ctx.log('err', `OPAL core: CPU state data is not readable (${e.message})`);
    return { ok: false, reason: 'CPU data outside RAM' };
  }
  writeAuxvNote(nb, bufp, opalAddress(ctx.p.dt, 'opal-boot-address'));

  const dataOffset = alignUp(hdrSize + notesSize, ctx.o.pageSizeBytes);
  const hb = new ByteBuilder(dataOffset, false);
  writeEhdr(hb, 1 + ptloadCnt);
  writePhdr(hb, 0, { type: Elf.PT_NOTE, flags: 0, offset: BigInt(hdrSize), vaddr: 0n, paddr: 0n, filesz: BigInt(notesSize), memsz: BigInt(notesSize), align: 0n });
  hb.bytes.set(nb.bytes.subarray(0, notesSize), hdrSize);
  const opalBase = opalAddress(ctx.p.dt, 'opal-base-address');
  const segments: OpalCoreSegment[] = [];
  let paddr = 0;
  regions.forEach((r, i) => {
    const size = Number(r.size);
    const p = BigInt(paddr);
    writePhdr(hb, 1 + i, { type: Elf.PT_LOAD, flags: Elf.PF_R | Elf.PF_W | Elf.PF_X, offset: BigInt(dataOffset + paddr), vaddr: opalBase + p, paddr: p, filesz: r.size, memsz: r.size, align: 0n });
    // region[i].src is not used: the data is the preserved copy at dest (spec 7.3).
    segments.push({ fileOffset: dataOffset + paddr, dest: r.dest > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(r.dest), sizeBytes: size });
    paddr += size;
  });
  return { ok: true, core: new OpalCoreFile(ctx.p.mem, hb.bytes, segments, dataOffset + paddr) };
}
