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

/**
 * High word of the unsigned 32 × 32 product. The double product is within 2^10 of the exact one
 * (it is below 2^64, whose ulp is 2^11), and subtracting the exact low word (Math.imul) leaves a
 * multiple of 2^32 off by less than 2^12, so rounding the quotient recovers the high word exactly.
 * Inputs are unsigned 32-bit numbers.
 */
export function mulhu32(a: number, b: number): number {
  return Math.round((a * b - (Math.imul(a, b) >>> 0)) / TWO32);
}

/** High word (as uint32) of the signed 32 × 32 product of int32 inputs; the same argument as mulhu32 (|product| ≤ 2^62). */
export function mulhs32(a: number, b: number): number {
  return Math.round((a * b - (Math.imul(a, b) >>> 0)) / TWO32) >>> 0;
}

/** Unsigned 32 × 32 → 64 product into `out`. */
export function mulu32(a: number, b: number, out: W64): void {
  const x = a >>> 0;
  const y = b >>> 0;
  out.lo = Math.imul(x, y) >>> 0;
  out.hi = mulhu32(x, y);
}

/** Low 64 bits of the 64 × 64 product (the same for signed and unsigned operands). */
export function mulLow64(aHi: number, aLo: number, bHi: number, bLo: number, out: W64): void {
  const x = aLo >>> 0;
  const y = bLo >>> 0;
  const hi = mulhu32(x, y) + Math.imul(aHi, bLo) + Math.imul(aLo, bHi);
  out.lo = Math.imul(x, y) >>> 0;
  out.hi = hi >>> 0;
}

/**
 * High 64 bits of the unsigned 128-bit product, by 32-bit limbs: each partial product is split
 * exactly with mulhu32 and the column sums stay below 2^35. `mulhdu` sits on GCC's
 * divide-by-constant path, so it must not use BigInt.
 */
export function mulHighU64(aHi: number, aLo: number, bHi: number, bLo: number, out: W64): void {
  const ah = aHi >>> 0, al = aLo >>> 0, bh = bHi >>> 0, bl = bLo >>> 0;
  // Column of bits 32..63: high(al·bl) + low(al·bh) + low(ah·bl); only its carry is kept.
  const c1 = mulhu32(al, bl) + (Math.imul(al, bh) >>> 0) + (Math.imul(ah, bl) >>> 0);
  const carry1 = Math.floor(c1 / TWO32);
  // Bits 64..95 and 96..127.
  const c2 = (Math.imul(ah, bh) >>> 0) + mulhu32(al, bh) + mulhu32(ah, bl) + carry1;
  out.lo = c2 >>> 0;
  out.hi = (mulhu32(ah, bh) + Math.floor(c2 / TWO32)) >>> 0;
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

/** Quotient and remainder of a 64-bit division, as halves. */
export interface DivMod64 {
  qHi: number;
  qLo: number;
  rHi: number;
  rLo: number;
}

export function divMod64(): DivMod64 {
  return { qHi: 0, qLo: 0, rHi: 0, rLo: 0 };
}

/** 2^21: a high word below it keeps the 64-bit value below 2^53, exact in a double. */
const EXACT_HI = 0x20_0000;

/**
 * Unsigned 64-bit a ÷ b (b ≠ 0) into `out`, exactly, without BigInt:
 * - both below 2^53: one double remainder (fmod is exact) and an exact division of a − r;
 * - b below 2^32: long division by 16-bit digits, every partial dividend below 2^48;
 * - otherwise the quotient is below 2^32: restoring division over the 64 dividend bits.
 */
export function divModU64(aHi: number, aLo: number, bHi: number, bLo: number, out: DivMod64): void {
  const ah = aHi >>> 0, al = aLo >>> 0, bh = bHi >>> 0, bl = bLo >>> 0;
  if (ah < EXACT_HI && bh < EXACT_HI) {
    const a = ah * TWO32 + al;
    const b = bh * TWO32 + bl;
    const r = a % b;
    const q = (a - r) / b;
    out.qHi = Math.floor(q / TWO32);
    out.qLo = q >>> 0;
    out.rHi = Math.floor(r / TWO32);
    out.rLo = r >>> 0;
    return;
  }
  if (bh === 0) {
    const r2 = ah % bl;
    const q2 = (ah - r2) / bl;
    const t1 = r2 * 65536 + (al >>> 16);
    const r1 = t1 % bl;
    const q1 = (t1 - r1) / bl;
    const t0 = r1 * 65536 + (al & 0xffff);
    const r0 = t0 % bl;
    const q0 = (t0 - r0) / bl;
    out.qHi = q2;
    out.qLo = (q1 * 65536 + q0) >>> 0;
    out.rHi = 0;
    out.rLo = r0;
    return;
  }
  // b ≥ 2^32: shift the dividend's bits into a remainder that stays below b (< 2^64); `top` is
  // the bit shifted out of the remainder, which makes it ≥ b.
  let rh = 0, rl = 0, q = 0;
  for (let i = 63; i >= 0; i--) {
    const bit = i >= 32 ? (ah >>> (i - 32)) & 1 : (al >>> i) & 1;
    const top = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = ((rl << 1) | bit) >>> 0;
    if (top !== 0 || rh > bh || (rh === bh && rl >= bl)) {
      const l = rl - bl;
      rh = (rh - bh - (l < 0 ? 1 : 0)) >>> 0;
      rl = l >>> 0;
      if (i < 32) q = (q | (1 << i)) >>> 0;
    }
  }
  out.qHi = 0;
  out.qLo = q;
  out.rHi = rh;
  out.rLo = rl;
}

/**
 * Signed 64-bit a ÷ b (b ≠ 0, not −2^63 ÷ −1) into `out`: the quotient truncates toward zero and
 * the remainder has the dividend's sign, as BigInt's / and %.
 */
export function divModS64(aHi: number, aLo: number, bHi: number, bLo: number, out: DivMod64): void {
  const an = (aHi | 0) < 0;
  const bn = (bHi | 0) < 0;
  let ah = aHi >>> 0, al = aLo >>> 0, bh = bHi >>> 0, bl = bLo >>> 0;
  if (an) {
    ah = (~ah + (al === 0 ? 1 : 0)) >>> 0;
    al = (-al) >>> 0;
  }
  if (bn) {
    bh = (~bh + (bl === 0 ? 1 : 0)) >>> 0;
    bl = (-bl) >>> 0;
  }
  divModU64(ah, al, bh, bl, out);
  if (an !== bn) {
    out.qHi = (~out.qHi + (out.qLo === 0 ? 1 : 0)) >>> 0;
    out.qLo = (-out.qLo) >>> 0;
  }
  if (an) {
    out.rHi = (~out.rHi + (out.rLo === 0 ? 1 : 0)) >>> 0;
    out.rLo = (-out.rLo) >>> 0;
  }
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
