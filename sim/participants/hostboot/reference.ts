/**
 * Reference hostboot: the memory-preserving IPL by design section 5 (where the spec says
 * UNSPECIFIED), with the facts of spec steps 16–18 and 3.3–4.6.
 *
 * Order matters and follows what real hostboot must do: read the tables and the processor dump
 * area of the crashed boot, copy, reload the payload images, then write the results (MDRT,
 * register data, the proc dump area fields, SPIRA-H mdump_res.act_cnt) into the fresh image.
 */
import type { FirmwareImages, Hostboot, HostbootResult } from '../firmware.js';
import type { IplHandoff, Platform } from '../platform.js';
import { TransactionError } from '../../core/errors.js';
import { hex } from '../../core/u64.js';
import { propString, propU64s, readU64s } from '../../machine/device-tree.js';
import { Slot, SPR_SLOT } from '../../cpu/state.js';
import { SPRS } from '../../cpu/spr.js';
import { PAGE_SIZE } from '../../mem/physical-memory.js';
import {
  DT_DUMP_NODE,
  FW_LOAD_AREA,
  HRMOR_BIT,
  MDRT_ENTRY_SIZE,
  MDST_ENTRY_SIZE,
  MDST_MAX_ENTRIES,
  MdrtEntry,
  MdstEntry,
  Ntuple,
  ProcDumpArea,
  RegEntry,
  RegId,
  RegType,
  SkibootMap,
  SpirahNtuple,
  ThreadHdr,
} from '../layout.js';

export interface TablePair {
  readonly index: number;
  readonly srcField: bigint;
  readonly destField: bigint;
  readonly srcRegion: number;
  readonly destRegion: number;
  readonly srcSize: number;
  readonly destSize: number;
}

interface Range {
  readonly start: number;
  readonly sizeBytes: number;
}

/** Register-entry order hostboot writes: GPRs, then NIP/MSR/CCR, then every SPR the thread has. */
export function captureEntries(p: Platform, pir: number): { type: number; num: number; value: bigint }[] {
  const t = p.thread(pir);
  const out: { type: number; num: number; value: bigint }[] = [];
  for (let g = 0; g < 32; g++) out.push({ type: RegType.GPR, num: g, value: t.gpr(g) });
  out.push({ type: RegType.SPR, num: RegId.NIP, value: t.get(Slot.NIP) });
  out.push({ type: RegType.SPR, num: RegId.MSR, value: t.get(Slot.MSR) });
  out.push({ type: RegType.SPR, num: RegId.CCR, value: t.get(Slot.CR) });
  for (const spr of SPRS) out.push({ type: RegType.SPR, num: spr.num, value: t.get(SPR_SLOT.get(spr.num)!) });
  return out;
}

/** The thread register header fields (spec 4.5) after the PIR and core state. */
export interface ThreadHeaderFields {
  readonly offset: number;
  readonly ecnt: number;
  readonly esize: number;
  readonly eactsz: number;
}

/** One thread's record at `at`: header (spec 4.5) and its register entries (spec 4.6). */
export function writeThreadRecord(p: Platform, at: number, pir: number, h: ThreadHeaderFields, entries: readonly { type: number; num: number; value: bigint }[]): void {
  p.mem.write32BE(at + ThreadHdr.pir, pir);
  p.mem.write8(at + ThreadHdr.coreState, p.thread(pir).coreState);
  p.mem.write32BE(at + ThreadHdr.offset, h.offset);
  p.mem.write32BE(at + ThreadHdr.ecnt, h.ecnt);
  p.mem.write32BE(at + ThreadHdr.esize, h.esize);
  p.mem.write32BE(at + ThreadHdr.eactsz, h.eactsz);
  entries.forEach((e, k) => {
    const r = at + ThreadHdr.SIZE + k * RegEntry.SIZE;
    p.mem.write32BE(r + RegEntry.regType, e.type);
    p.mem.write32BE(r + RegEntry.regNum, e.num);
    p.mem.write64BE(r + RegEntry.regVal, e.value);
  });
}

export class ReferenceHostboot implements Hostboot {
  normalIpl(p: Platform, images: FirmwareImages): void {
    p.emit('hostboot', 'ipl', { kind: 'normal' });
    this.loadImages(p, images);
    this.publishDumpNode(p, false);
    p.advance(p.cost.hostbootIplStartCycles);
  }

  mpiplIpl(p: Platform, handoff: IplHandoff, images: FirmwareImages): HostbootResult {
    p.emit('hostboot', 'ipl', { kind: 'mpipl', skibootBase: handoff.skibootBase === undefined ? 'none' : hex(handoff.skibootBase) });
    p.advance(p.cost.hostbootIplStartCycles);
    const base = this.validBase(p, handoff.skibootBase);
    if (base === undefined) {
      // Section 5: no valid stashed base or unreadable tables ⇒ normal reboot.
      p.emit('hostboot', 'copy', { result: 'no valid stashed base: normal reboot, nothing preserved' });
      this.normalIpl(p, images);
      return { preserved: false, mdrtEntries: 0, mpiplBoot: false };
    }
    let pairs: TablePair[];
    let allocAddrField: bigint;
    let allocSizeBytes: number;
    try {
      pairs = this.readPairs(p, base);
      allocAddrField = p.mem.read64BE(base + SkibootMap.PROC_DUMP_AREA_OFF + ProcDumpArea.allocAddr);
      allocSizeBytes = p.mem.read32BE(base + SkibootMap.PROC_DUMP_AREA_OFF + ProcDumpArea.allocSize);
    } catch (e) {
      if (!(e instanceof TransactionError)) throw e;
      p.emit('hostboot', 'copy', { result: `tables unreadable (${e.message}): normal reboot` });
      this.normalIpl(p, images);
      return { preserved: false, mdrtEntries: 0, mpiplBoot: false };
    }
    const regCapture: Range = { start: Number(allocAddrField & ~HRMOR_BIT), sizeBytes: allocSizeBytes };
    const preserved = this.preserve(p, base, pairs, regCapture);
    this.loadImages(p, images);
    this.writeMdrt(p, base, preserved);
    this.captureRegisters(p, base, allocAddrField, allocSizeBytes);
    const mpiplBoot = preserved.length > 0;
    this.publishDumpNode(p, mpiplBoot);
    return { preserved: true, mdrtEntries: preserved.length, mpiplBoot };
  }

  /** A stashed base is usable when the SPIRA-H it points at describes the tables we expect. */
  protected validBase(p: Platform, stashed: bigint | undefined): number | undefined {
    if (stashed === undefined) return undefined;
    const b = stashed & ~HRMOR_BIT;
    if (b % BigInt(PAGE_SIZE) !== 0n || !p.mem.contains(b, SkibootMap.SKIBOOT_SIZE)) return undefined;
    const base = Number(b);
    const spirah = base + SkibootMap.SPIRAH_OFF;
    const src = p.mem.read16BE(spirah + SpirahNtuple.mdumpSrc + Ntuple.allocCnt);
    const dst = p.mem.read16BE(spirah + SpirahNtuple.mdumpDst + Ntuple.allocCnt);
    return src === MDST_MAX_ENTRIES && dst === MDST_MAX_ENTRIES ? base : undefined;
  }

  /** MDST/MDDT pairs i < act_cnt (the smaller of the two counts when a failed remove desynced them). */
  protected readPairs(p: Platform, base: number): TablePair[] {
    const spirah = base + SkibootMap.SPIRAH_OFF;
    const srcCnt = Math.min(p.mem.read16BE(spirah + SpirahNtuple.mdumpSrc + Ntuple.actCnt), MDST_MAX_ENTRIES);
    const dstCnt = Math.min(p.mem.read16BE(spirah + SpirahNtuple.mdumpDst + Ntuple.actCnt), MDST_MAX_ENTRIES);
    const mdst = base + Number(p.mem.read64BE(spirah + SpirahNtuple.mdumpSrc + Ntuple.addr));
    const mddt = base + Number(p.mem.read64BE(spirah + SpirahNtuple.mdumpDst + Ntuple.addr));
    const pairs: TablePair[] = [];
    for (let i = 0; i < Math.min(srcCnt, dstCnt); i++) {
      const s = mdst + i * MDST_ENTRY_SIZE;
      const d = mddt + i * MDST_ENTRY_SIZE;
      pairs.push({
        index: i,
        srcField: p.mem.read64BE(s + MdstEntry.addr),
        destField: p.mem.read64BE(d + MdstEntry.addr),
        srcRegion: p.mem.read8(s + MdstEntry.dataRegion),
        destRegion: p.mem.read8(d + MdstEntry.dataRegion),
        srcSize: p.mem.read32BE(s + MdstEntry.size),
        destSize: p.mem.read32BE(d + MdstEntry.size),
      });
    }
    return pairs;
  }

  /** Areas the reboot itself rewrites (section 5): no destination may overlap them. */
  protected rebootWrites(p: Platform, base: number, regCapture: Range): Range[] {
    const ranges: Range[] = [
      { start: SkibootMap.SKIBOOT_BASE, sizeBytes: SkibootMap.SKIBOOT_SIZE },
      { start: base + SkibootMap.MDRT_TABLE_OFF, sizeBytes: SkibootMap.MDRT_TABLE_SIZE },
      { start: base + SkibootMap.DUMP_METADATA_AREA_OFF, sizeBytes: SkibootMap.DUMP_METADATA_AREA_SIZE },
      regCapture,
    ];
    const fw = p.dt.get(DT_DUMP_NODE, 'fw-load-area');
    const cells = fw === undefined ? FW_LOAD_AREA.flat().map(BigInt) : readU64s(fw);
    for (let i = 0; i + 1 < cells.length; i += 2) ranges.push({ start: Number(cells[i]!), sizeBytes: Number(cells[i + 1]!) });
    return ranges;
  }

  /** Section 5 validity, then the copies, in table order. Returns the preserved pairs. */
  protected preserve(p: Platform, base: number, pairs: TablePair[], regCapture: Range): TablePair[] {
    const forbidden = this.rebootWrites(p, base, regCapture);
    const sources = pairs.map((x) => ({ start: Number(x.srcField & ~HRMOR_BIT), sizeBytes: x.srcSize }));
    const preservedDests: Range[] = [];
    const preserved: TablePair[] = [];
    for (const pair of pairs) {
      const reason = this.skipReason(p, pair, sources, preservedDests, forbidden);
      const src = pair.srcField & ~HRMOR_BIT;
      const dest = pair.destField & ~HRMOR_BIT;
      if (reason !== undefined) {
        p.emit('hostboot', 'copy', { index: pair.index, src: hex(src), dest: hex(dest), size: hex(pair.srcSize), region: hex(pair.srcRegion), result: `skipped: ${reason}` });
        continue;
      }
      p.mem.copy(Number(dest), Number(src), pair.srcSize);
      p.advance(Math.ceil(pair.srcSize / PAGE_SIZE) * p.cost.copyCyclesPerPage);
      preservedDests.push({ start: Number(dest), sizeBytes: pair.srcSize });
      preserved.push(pair);
      p.emit('hostboot', 'copy', { index: pair.index, src: hex(src), dest: hex(dest), size: hex(pair.srcSize), region: hex(pair.srcRegion), result: 'preserved' });
    }
    return preserved;
  }

  protected skipReason(p: Platform, pair: TablePair, sources: Range[], preservedDests: Range[], forbidden: Range[]): string | undefined {
    if (pair.srcSize !== pair.destSize) return 'MDST and MDDT sizes differ';
    if (pair.srcSize === 0) return 'size is zero';
    if (pair.srcRegion !== pair.destRegion) return 'MDST and MDDT regions differ';
    const src = pair.srcField & ~HRMOR_BIT;
    const dest = pair.destField & ~HRMOR_BIT;
    if (!p.mem.contains(src, pair.srcSize)) return 'source outside RAM';
    if (!p.mem.contains(dest, pair.srcSize)) return 'destination outside RAM';
    const d: Range = { start: Number(dest), sizeBytes: pair.srcSize };
    if (sources.some((s) => overlaps(d, s))) return 'destination overlaps a source';
    if (preservedDests.some((x) => overlaps(d, x))) return 'destination overlaps a preserved destination';
    if (forbidden.some((x) => overlaps(d, x))) return 'destination overlaps an area the reboot rewrites';
    return undefined;
  }

  protected loadImages(p: Platform, images: FirmwareImages): void {
    p.mem.writeBytes(SkibootMap.SKIBOOT_BASE, images.skiboot);
    p.mem.writeBytes(SkibootMap.KERNEL_LOAD_BASE, images.kernel);
    p.mem.writeBytes(SkibootMap.INITRAMFS_LOAD_BASE, images.initramfs);
  }

  /** One MDRT entry per preserved pair with the registered fields; the rest zeroed; act_cnt set. */
  protected writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    const mdrt = base + SkibootMap.MDRT_TABLE_OFF;
    p.mem.fill(mdrt, SkibootMap.MDRT_TABLE_SIZE, 0);
    preserved.forEach((pair, i) => {
      const at = mdrt + i * MDRT_ENTRY_SIZE;
      p.mem.write64BE(at + MdrtEntry.srcAddr, pair.srcField);
      p.mem.write64BE(at + MdrtEntry.destAddr, pair.destField);
      p.mem.write8(at + MdrtEntry.dataRegion, pair.srcRegion);
      p.mem.write32BE(at + MdrtEntry.size, pair.srcSize);
    });
    p.mem.write16BE(base + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpRes + Ntuple.actCnt, preserved.length);
    p.emit('hostboot', 'mdrt-write', { entries: preserved.length, address: hex(mdrt) });
  }

  /** Every thread, offset 0x10, CR and full XER included; nothing if `alloc_size` is too small. */
  protected captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
    const area = base + SkibootMap.PROC_DUMP_AREA_OFF;
    const pirs = p.topology.threads.map((t) => t.pir);
    const ecnt = captureEntries(p, pirs[0]!).length;
    const threadSize = ThreadHdr.SIZE + ecnt * RegEntry.SIZE;
    const actSize = pirs.length * threadSize;
    const dest = Number(allocAddrField & ~HRMOR_BIT);
    p.mem.write32BE(area + ProcDumpArea.threadSize, threadSize);
    p.mem.write8(area + ProcDumpArea.version, ProcDumpArea.FORMAT_P9);
    if (allocSizeBytes < actSize || !p.mem.contains(dest, actSize)) {
      p.mem.write64BE(area + ProcDumpArea.destAddr, 0n);
      p.mem.write32BE(area + ProcDumpArea.actSize, 0);
      p.emit('hostboot', 'regs-capture', { threads: 0, result: `register area too small (${allocSizeBytes} < ${actSize}): no CPU data` });
      return;
    }
    pirs.forEach((pir, i) => {
      const at = dest + i * threadSize;
      p.mem.fill(at, ThreadHdr.SIZE, 0);
      writeThreadRecord(p, at, pir, { offset: ThreadHdr.SIZE - ThreadHdr.offset, ecnt, esize: RegEntry.SIZE, eactsz: RegEntry.SIZE }, captureEntries(p, pir));
    });
    p.mem.write64BE(area + ProcDumpArea.destAddr, allocAddrField);
    p.mem.write32BE(area + ProcDumpArea.actSize, actSize);
    p.advance(pirs.length * p.cost.regCaptureCyclesPerThread);
    p.emit('hostboot', 'regs-capture', { threads: pirs.length, dest: hex(dest), threadSize, actSize });
  }

  /** `/ibm,opal/dump` as the HDAT path creates it (spec step 1, 5.8), with `mpipl-boot` iff asked. */
  protected publishDumpNode(p: Platform, mpiplBoot: boolean): void {
    p.dt.set(DT_DUMP_NODE, 'compatible', propString('ibm,opal-dump'));
    p.dt.set(DT_DUMP_NODE, 'fw-load-area', propU64s(FW_LOAD_AREA.flat().map(BigInt)));
    if (mpiplBoot) p.dt.set(DT_DUMP_NODE, 'mpipl-boot', new Uint8Array(0));
    else p.dt.remove(DT_DUMP_NODE, 'mpipl-boot');
  }
}

function overlaps(a: Range, b: Range): boolean {
  return a.sizeBytes > 0 && b.sizeBytes > 0 && a.start < b.start + b.sizeBytes && b.start < a.start + a.sizeBytes;
}
