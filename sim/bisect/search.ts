/**
 * Binary search for the first bad point of an integer domain, shared by every bisect: crash
 * cycles, firmware versions and machine cycles. The caller has established that `lo` is good and
 * `hi` is bad; the search keeps that invariant, so it returns a boundary (lo good, lo + 1 bad)
 * in ⌈log2(hi − lo)⌉ probes even when the predicate is not monotonic — callers that care say so.
 */
export function firstBad(lo: number, hi: number, bad: (x: number) => boolean): number {
  if (!(hi > lo)) throw new RangeError(`firstBad: need lo < hi, got ${lo}, ${hi}`);
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (bad(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A predicate that evaluates each point once and keeps every result (for reports and flips). */
export class Memo<T> {
  private readonly seen = new Map<number, T>();
  constructor(private readonly evaluate: (x: number) => T) {}
  at(x: number): T {
    const hit = this.seen.get(x);
    if (hit !== undefined) return hit;
    const v = this.evaluate(x);
    this.seen.set(x, v);
    return v;
  }
  has(x: number): boolean {
    return this.seen.has(x);
  }
  /** Every evaluated point in ascending order (numeric sort: Map order is insertion order). */
  points(): { at: number; value: T }[] {
    return [...this.seen.entries()].sort((a, b) => a[0] - b[0]).map(([at, value]) => ({ at, value }));
  }
  get size(): number {
    return this.seen.size;
  }
}
