/**
 * 64-bit arithmetic on (high word, low word) pairs of plain numbers.
 *
 * The interpreter keeps every 64-bit register as two 32-bit halves (sim/cpu/state.ts) because
 * BigInt arithmetic is tens of times slower in V8. These helpers are the only place that knows
 * how to carry, multiply, rotate and count across the halves. Results go into a caller-owned
 * `W64` (no allocation on the hot path); inputs are unsigned 32-bit numbers (`>>> 0` form) or
 * int32 — every helper normalises what it reads.
 */

/** A 64-bit result: `hi` and `lo` are unsigned 32-bit numbers. */
export interface W64 {
  hi: number;
  lo: number;
}

export function w64(): W64 {
  return { hi: 0, lo: 0 };
}

const TWO32 = 4294967296;

/** Low word of (aHi:aLo) + (bHi:bLo) + carryIn, with the carries out of bit 32 and bit 0 (IBM numbering). */
export interface AddOut extends W64 {
  /** Carry out of the 64-bit sum (XER[CA]). */
  ca: number;
  /** Carry out of the low 32-bit sum (XER[CA32]). */
  ca32: number;
  /** Signed overflow of the 64-bit sum (XER[OV]). */
  ov: number;
  /** Signed overflow of the low 32-bit sum (XER[OV32]). */
  ov32: number;
}

export function addOut(): AddOut {
  return { hi: 0, lo: 0, ca: 0, ca32: 0, ov: 0, ov32: 0 };
}

/**
 * a + b + carryIn over 64 bits with every XER effect computed. Signed overflow is the classic
 * "operands have the same sign and the result's sign differs" rule, which also holds with a
 * carry-in of 0 or 1 (Power ISA v3.0 Book I 3.3.9 defines OV/OV32 this way for XO-form adds).
 */
export function add64(aHi: number, aLo: number, bHi: number, bLo: number, carryIn: number, out: AddOut): void {
  const sLo = (aLo >>> 0) + (bLo >>> 0) + carryIn;
  const c32 = sLo > 0xffff_ffff ? 1 : 0;
  const sHi = (aHi >>> 0) + (bHi >>> 0) + c32;
  const lo = sLo >>> 0;
  const hi = sHi >>> 0;
  out.lo = lo;
  out.hi = hi;
  out.ca32 = c32;
  out.ca = sHi > 0xffff_ffff ? 1 : 0;
  out.ov = ((aHi ^ hi) & (bHi ^ hi)) >>> 31;
  out.ov32 = ((aLo ^ lo) & (bLo ^ lo)) >>> 31;
}

/** Unsigned 32 × 32 → 64 product into `out`. Splits into 16-bit halves so every partial is exact. */
export function mulu32(a: number, b: number, out: W64): void {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const mid = a1 * b0 + a0 * b1; // < 2^33, exact in a double
  const p11 = a1 * b1;
  const lo = p00 + (mid % 65536) * 65536; // < 2^33
  out.lo = lo >>> 0;
  out.hi = (p11 + Math.floor(mid / 65536) + Math.floor(lo / TWO32)) >>> 0;
}

const mulScratch = w64();

/** Low 64 bits of the 64 × 64 product (the same for signed and unsigned operands). */
export function mulLow64(aHi: number, aLo: number, bHi: number, bLo: number, out: W64): void {
  mulu32(aLo >>> 0, bLo >>> 0, mulScratch);
  const cross = (Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) | 0;
  out.lo = mulScratch.lo;
  out.hi = (mulScratch.hi + cross) >>> 0;
}

const limbA = new Uint32Array(4);
const limbB = new Uint32Array(4);
const limbP = new Float64Array(8);

/**
 * High 64 bits of the unsigned 128-bit product, via 16-bit limbs (each partial product < 2^32,
 * column sums stay far below 2^53). `mulhdu` sits on GCC's divide-by-constant path, so it must
 * not use BigInt.
 */
export function mulHighU64(aHi: number, aLo: number, bHi: number, bLo: number, out: W64): void {
  limbA[0] = aLo & 0xffff; limbA[1] = aLo >>> 16; limbA[2] = aHi & 0xffff; limbA[3] = aHi >>> 16;
  limbB[0] = bLo & 0xffff; limbB[1] = bLo >>> 16; limbB[2] = bHi & 0xffff; limbB[3] = bHi >>> 16;
  limbP.fill(0);
  for (let i = 0; i < 4; i++) {
    const ai = limbA[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < 4; j++) limbP[i + j] = limbP[i + j]! + ai * limbB[j]!;
  }
  // Propagate carries through the 16-bit columns; only the top four columns are kept.
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    const v = limbP[k]! + carry;
    limbP[k] = v % 65536;
    carry = Math.floor(v / 65536);
  }
  out.lo = (limbP[4]! + limbP[5]! * 65536) >>> 0;
  out.hi = (limbP[6]! + limbP[7]! * 65536) >>> 0;
}

/** High 64 bits of the signed 128-bit product: unsigned high part corrected for negative operands. */
export function mulHighS64(aHi: number, aLo: number, bHi: number, bLo: number, out: W64): void {
  mulHighU64(aHi, aLo, bHi, bLo, out);
  // (a - 2^64·sa)(b - 2^64·sb) = ab - 2^64(sa·b + sb·a) mod 2^128: subtract b when a < 0, a when b < 0.
  let hi = out.hi;
  let lo = out.lo;
  if (aHi >>> 31) {
    const l = lo - (bLo >>> 0);
    hi = (hi - (bHi >>> 0) - (l < 0 ? 1 : 0)) >>> 0;
    lo = l >>> 0;
  }
  if (bHi >>> 31) {
    const l = lo - (aLo >>> 0);
    hi = (hi - (aHi >>> 0) - (l < 0 ? 1 : 0)) >>> 0;
    lo = l >>> 0;
  }
  out.hi = hi;
  out.lo = lo;
}

/** Rotate (hi:lo) left by n (0..63). */
export function rotl64(hi: number, lo: number, n: number, out: W64): void {
  let h = hi >>> 0;
  let l = lo >>> 0;
  if (n & 32) {
    const t = h;
    h = l;
    l = t;
  }
  const s = n & 31;
  if (s === 0) {
    out.hi = h;
    out.lo = l;
    return;
  }
  out.hi = ((h << s) | (l >>> (32 - s))) >>> 0;
  out.lo = ((l << s) | (h >>> (32 - s))) >>> 0;
}

export function rotl32(x: number, n: number): number {
  const s = n & 31;
  return s === 0 ? x >>> 0 : ((x << s) | (x >>> (32 - s))) >>> 0;
}

/**
 * MASK(mb, me) of Power ISA v3.0 Book I 3.3.14: ones from bit mb to bit me (0 = MSB), wrapping
 * around when mb > me.
 */
export function mask64(mb: number, me: number, out: W64): void {
  const hi = maskRange(mb, me, 0);
  const lo = maskRange(mb, me, 32);
  if (mb <= me) {
    out.hi = hi;
    out.lo = lo;
  } else {
    // Wrapped: everything except the bits strictly between me and mb.
    const gapHi = me + 1 <= mb - 1 ? maskRange(me + 1, mb - 1, 0) : 0;
    const gapLo = me + 1 <= mb - 1 ? maskRange(me + 1, mb - 1, 32) : 0;
    out.hi = ~gapHi >>> 0;
    out.lo = ~gapLo >>> 0;
  }
}

/** Bits first..last (IBM numbering, first <= last) of a 64-bit mask, restricted to the word at `base`. */
function maskRange(first: number, last: number, base: number): number {
  if (first > last) return 0;
  const f = Math.max(first, base) - base;
  const l = Math.min(last, base + 31) - base;
  if (f > 31 || l < 0 || f > l) return 0;
  // IBM bit f..l of a 32-bit word: (all ones >>> f) with the bits after l cleared.
  const upper = 0xffff_ffff >>> f;
  const lower = l === 31 ? 0 : 0xffff_ffff >>> (l + 1);
  return (upper & ~lower) >>> 0;
}

export function popcount32(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x5555_5555);
  v = (v & 0x3333_3333) + ((v >>> 2) & 0x3333_3333);
  v = (v + (v >>> 4)) & 0x0f0f_0f0f;
  return Math.imul(v, 0x0101_0101) >>> 24;
}

export function ctz32(x: number): number {
  const v = x >>> 0;
  if (v === 0) return 32;
  return 31 - Math.clz32(v & -v);
}

/** Unsigned compare of two 64-bit values: -1, 0 or 1. */
export function cmpu64(aHi: number, aLo: number, bHi: number, bLo: number): number {
  const ah = aHi >>> 0;
  const bh = bHi >>> 0;
  if (ah !== bh) return ah < bh ? -1 : 1;
  const al = aLo >>> 0;
  const bl = bLo >>> 0;
  return al === bl ? 0 : al < bl ? -1 : 1;
}

/** Signed compare of two 64-bit values: -1, 0 or 1. */
export function cmps64(aHi: number, aLo: number, bHi: number, bLo: number): number {
  const ah = aHi | 0;
  const bh = bHi | 0;
  if (ah !== bh) return ah < bh ? -1 : 1;
  const al = aLo >>> 0;
  const bl = bLo >>> 0;
  return al === bl ? 0 : al < bl ? -1 : 1;
}

/** (hi:lo) as bigint: for the cold paths (64-bit division) and for tests. */
export function toBig(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function fromBig(v: bigint, out: W64): void {
  out.hi = Number((v >> 32n) & 0xffff_ffffn);
  out.lo = Number(v & 0xffff_ffffn);
}

/** Signed interpretation of a 64-bit value as bigint. */
export function toBigSigned(hi: number, lo: number): bigint {
  return BigInt.asIntN(64, toBig(hi, lo));
}
