/**
 * Design section 5, written for the oracle from the text (not from the hostboot model): which
 * MDST/MDDT pairs a correct memory-preserving IPL must preserve, judged on clock-stop memory.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { HRMOR_BIT, MDST_MAX_ENTRIES, Ntuple, ProcDumpArea, SkibootMap, SpirahNtuple, FW_LOAD_AREA } from '../participants/layout.js';
import { PAGE_SIZE } from '../mem/physical-memory.js';
import { actCnt, physical, PROC_DUMP, readTable, tryRead } from './readers.js';

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface ExpectedPair {
  readonly index: number;
  readonly srcField: bigint;
  readonly destField: bigint;
  readonly size: number;
  readonly region: number;
}

export interface Expectation {
  /** A valid base was stashed, so preservation must run. */
  readonly preservationExpected: boolean;
  readonly validPairs: ExpectedPair[];
  /** Ranges whose post-preservation contents may differ from clock-stop (besides preserved destinations). */
  readonly reasonText: string;
}

/** A range by its address with bit 63 cleared (only bit 63: a 0x4… address is far outside RAM, not an alias). */
function span(start: bigint, sizeBytes: number): Span {
  const s = physical(start);
  return { start: s, end: s + sizeBytes };
}

export function overlap(a: Span, b: Span): boolean {
  return a.end > a.start && b.end > b.start && a.start < b.end && b.start < a.end;
}

/** Areas the reboot rewrites (section 5): skiboot image and fw-load-area, MDRT, metadata, register capture. */
export function rebootAreas(clockStop: PhysicalMemory): Span[] {
  const areas: Span[] = [
    { start: SkibootMap.SKIBOOT_BASE, end: SkibootMap.SKIBOOT_BASE + SkibootMap.SKIBOOT_SIZE },
    ...FW_LOAD_AREA.map(([s, n]) => ({ start: s, end: s + n })),
  ];
  const alloc = tryRead(() => ({ addr: clockStop.read64BE(PROC_DUMP + ProcDumpArea.allocAddr), size: clockStop.read32BE(PROC_DUMP + ProcDumpArea.allocSize) }));
  if (alloc !== undefined) areas.push(span(alloc.addr, alloc.size));
  return areas;
}

/** Is `base` a stashed skiboot base hostboot can use (SPIRA-H there describes 64-entry tables)? */
export function usableBase(clockStop: PhysicalMemory, base: bigint | undefined): boolean {
  if (base === undefined) return false;
  const b = base & ~HRMOR_BIT;
  if (b !== BigInt(SkibootMap.SKIBOOT_BASE)) {
    // Any other base points somewhere that is not skiboot: valid only if it happens to hold a SPIRA-H.
    if (b % BigInt(PAGE_SIZE) !== 0n || !clockStop.contains(b, SkibootMap.SKIBOOT_SIZE)) return false;
  }
  const at = Number(b) + SkibootMap.SPIRAH_OFF;
  const ok = tryRead(
    () =>
      clockStop.read16BE(at + SpirahNtuple.mdumpSrc + Ntuple.allocCnt) === MDST_MAX_ENTRIES &&
      clockStop.read16BE(at + SpirahNtuple.mdumpDst + Ntuple.allocCnt) === MDST_MAX_ENTRIES,
  );
  return ok === true;
}

export function expectedPairs(clockStop: PhysicalMemory, stashedBase: bigint | undefined): Expectation {
  if (!usableBase(clockStop, stashedBase)) {
    return { preservationExpected: false, validPairs: [], reasonText: 'no valid stashed base: normal reboot expected' };
  }
  const n = Math.min(actCnt(clockStop, SpirahNtuple.mdumpSrc), actCnt(clockStop, SpirahNtuple.mdumpDst), MDST_MAX_ENTRIES);
  const src = readTable(clockStop, SpirahNtuple.mdumpSrc, n);
  const dst = readTable(clockStop, SpirahNtuple.mdumpDst, n);
  const forbidden = rebootAreas(clockStop);
  const sources = src.map((e) => span(e.addr, e.size));
  const preservedDests: Span[] = [];
  const valid: ExpectedPair[] = [];
  for (let i = 0; i < n; i++) {
    const s = src[i]!;
    const d = dst[i]!;
    if (s.size !== d.size || s.size === 0 || s.region !== d.region) continue;
    if (!clockStop.contains(s.addr & ~HRMOR_BIT, s.size) || !clockStop.contains(d.addr & ~HRMOR_BIT, d.size)) continue;
    const dest = span(d.addr, d.size);
    if (sources.some((x) => overlap(dest, x))) continue;
    if (preservedDests.some((x) => overlap(dest, x))) continue;
    if (forbidden.some((x) => overlap(dest, x))) continue;
    preservedDests.push(dest);
    valid.push({ index: i, srcField: s.addr, destField: d.addr, size: s.size, region: s.region });
  }
  return { preservationExpected: true, validPairs: valid, reasonText: `${valid.length} of ${n} pairs valid` };
}

/**
 * Why pair `index` of the clock-stop tables is not valid by section 5, and which other pair (if
 * any) it conflicts with: the oracle uses it to tell a conflict the scenario made from a dump the
 * firmware or Linux lost on its own.
 */
export function whyInvalid(clockStop: PhysicalMemory, index: number): { text: string; otherPair: number | undefined } {
  const n = Math.min(actCnt(clockStop, SpirahNtuple.mdumpSrc), actCnt(clockStop, SpirahNtuple.mdumpDst), MDST_MAX_ENTRIES);
  if (index >= n) return { text: `pair ${index} is past act_cnt ${n}`, otherPair: undefined };
  const src = readTable(clockStop, SpirahNtuple.mdumpSrc, n);
  const dst = readTable(clockStop, SpirahNtuple.mdumpDst, n);
  const s = src[index]!;
  const d = dst[index]!;
  if (s.size !== d.size || s.size === 0 || s.region !== d.region) return { text: 'its MDST and MDDT fields disagree or its size is zero', otherPair: undefined };
  if (!clockStop.contains(s.addr & ~HRMOR_BIT, s.size) || !clockStop.contains(d.addr & ~HRMOR_BIT, d.size)) return { text: 'a range lies outside RAM', otherPair: undefined };
  const dest = span(d.addr, d.size);
  const srcHit = src.findIndex((x) => overlap(dest, span(x.addr, x.size)));
  if (srcHit >= 0) return { text: srcHit === index ? 'its destination overlaps its own source' : `its destination overlaps the source of pair ${srcHit}`, otherPair: srcHit === index ? undefined : srcHit };
  const valid = expectedPairs(clockStop, BigInt(SkibootMap.SKIBOOT_BASE)).validPairs;
  const destHit = valid.find((v) => v.index < index && overlap(dest, span(v.destField, v.size)));
  if (destHit !== undefined) return { text: `its destination overlaps the preserved destination of pair ${destHit.index}`, otherPair: destHit.index };
  if (rebootAreas(clockStop).some((x) => overlap(dest, x))) return { text: 'its destination overlaps an area the reboot rewrites (firmware memory)', otherPair: undefined };
  return { text: 'no rule of section 5 rejects it', otherPair: undefined };
}
