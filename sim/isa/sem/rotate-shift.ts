/**
 * Rotate and shift: Power ISA v3.0 Book I 3.3.14 (rlw*, rld*) and 3.3.14.2 (sl*, sr*, sra*,
 * extswsli). Rotate masks are computed once per instruction word by the rows' `prepare`
 * (MASK(mb, me) into Op.xHi/xLo) because they depend only on the encoding.
 */
import { Flow, type Cpu, type FlowCode, type Op } from '../op.js';
import { mask64, rotl32, rotl64, w64 } from '../bits.js';
import { setCa, setCr0, signHi } from './common.js';

const rot = w64();
const m = w64();

function result(c: Cpu, op: Op, hi: number, lo: number): FlowCode {
  const h = hi >>> 0;
  const l = lo >>> 0;
  c.r[2 * op.RA] = h;
  c.r[2 * op.RA + 1] = l;
  if (op.Rc) setCr0(c, h, l);
  return Flow.NEXT;
}

/** Row `prepare` for rlw*: MASK(MB+32, ME+32). */
export function prepareMaskWord(op: Op): void {
  mask64(op.MB + 32, op.ME + 32, m);
  op.xHi = m.hi;
  op.xLo = m.lo;
}
/** Row `prepare` for rldicl / rldcl: MASK(mb, 63). */
export function prepareMaskLeft(op: Op): void {
  mask64(op.MB, 63, m);
  op.xHi = m.hi;
  op.xLo = m.lo;
}
/** Row `prepare` for rldicr / rldcr: MASK(0, me); the MD/MDS field at bits 21-26 is `me` here. */
export function prepareMaskRight(op: Op): void {
  mask64(0, op.MB, m);
  op.xHi = m.hi;
  op.xLo = m.lo;
}
/** Row `prepare` for rldic / rldimi: MASK(mb, 63 - sh). */
export function prepareMaskClear(op: Op): void {
  mask64(op.MB, 63 - op.SH, m);
  op.xHi = m.hi;
  op.xLo = m.lo;
}

/** rlwinm: v3.0 Book I 3.3.14.1, RA <- ROTL32((RS)[32:63], SH) & MASK(MB+32, ME+32). */
export const RLWINM = (c: Cpu, op: Op): FlowCode => {
  // ROTL32 replicates the rotated word into both halves, so one rotate serves both.
  const r = rotl32(c.r[2 * op.RS + 1]!, op.SH);
  return result(c, op, r & op.xHi, r & op.xLo);
};
/** rlwnm: v3.0 Book I 3.3.14.1, as rlwinm with the rotate count from (RB)[59:63]. */
export const RLWNM = (c: Cpu, op: Op): FlowCode => {
  const r = rotl32(c.r[2 * op.RS + 1]!, c.r[2 * op.RB + 1]! & 31);
  return result(c, op, r & op.xHi, r & op.xLo);
};
/** rlwimi: v3.0 Book I 3.3.14.1, RA <- (r & m) | ((RA) & ¬m). */
export const RLWIMI = (c: Cpu, op: Op): FlowCode => {
  const r = rotl32(c.r[2 * op.RS + 1]!, op.SH);
  const aHi = c.r[2 * op.RA]!;
  const aLo = c.r[2 * op.RA + 1]!;
  return result(c, op, (r & op.xHi) | (aHi & ~op.xHi), (r & op.xLo) | (aLo & ~op.xLo));
};

/** rldicl, rldicr, rldic: v3.0 Book I 3.3.14.1, RA <- ROTL64((RS), sh) & prepared mask. */
export const RLDIC_ANY = (c: Cpu, op: Op): FlowCode => {
  rotl64(c.r[2 * op.RS]!, c.r[2 * op.RS + 1]!, op.SH, rot);
  return result(c, op, rot.hi & op.xHi, rot.lo & op.xLo);
};
/** rldcl, rldcr: v3.0 Book I 3.3.14.1, rotate count from (RB)[58:63]. */
export const RLDC_ANY = (c: Cpu, op: Op): FlowCode => {
  rotl64(c.r[2 * op.RS]!, c.r[2 * op.RS + 1]!, c.r[2 * op.RB + 1]! & 63, rot);
  return result(c, op, rot.hi & op.xHi, rot.lo & op.xLo);
};
/** rldimi: v3.0 Book I 3.3.14.1, RA <- (r & m) | ((RA) & ¬m), m = MASK(mb, 63 - sh). */
export const RLDIMI = (c: Cpu, op: Op): FlowCode => {
  rotl64(c.r[2 * op.RS]!, c.r[2 * op.RS + 1]!, op.SH, rot);
  const aHi = c.r[2 * op.RA]!;
  const aLo = c.r[2 * op.RA + 1]!;
  return result(c, op, (rot.hi & op.xHi) | (aHi & ~op.xHi), (rot.lo & op.xLo) | (aLo & ~op.xLo));
};

/** slw: v3.0 Book I 3.3.14.2, RA <- 32 zeros || (RS)[32:63] << (RB)[59:63], 0 if (RB)[58] = 1. */
export const SLW = (c: Cpu, op: Op): FlowCode => {
  const n = c.r[2 * op.RB + 1]! & 63;
  return result(c, op, 0, n < 32 ? c.r[2 * op.RS + 1]! << n : 0);
};
/** srw: v3.0 Book I 3.3.14.2, logical right shift of the low word, 0 if (RB)[58] = 1. */
export const SRW = (c: Cpu, op: Op): FlowCode => {
  const n = c.r[2 * op.RB + 1]! & 63;
  return result(c, op, 0, n < 32 ? c.r[2 * op.RS + 1]! >>> n : 0);
};

/** Shared by sraw and srawi: arithmetic word shift, CA = CA32 = negative and ones shifted out. */
function srawBy(c: Cpu, op: Op, n: number): FlowCode {
  const s = c.r[2 * op.RS + 1]! | 0;
  let v: number;
  let lost: number;
  if (n < 32) {
    v = s >> n;
    lost = n === 0 ? 0 : s & ((1 << n) - 1);
  } else {
    v = s >> 31;
    lost = s;
  }
  const ca = s < 0 && lost !== 0 ? 1 : 0;
  setCa(c, ca, ca);
  return result(c, op, signHi(v), v);
}
/** sraw: v3.0 Book I 3.3.14.2, shift count (RB)[58:63]. */
export const SRAW = (c: Cpu, op: Op): FlowCode => srawBy(c, op, c.r[2 * op.RB + 1]! & 63);
/** srawi: v3.0 Book I 3.3.14.2, shift count SH. */
export const SRAWI = (c: Cpu, op: Op): FlowCode => srawBy(c, op, op.SH);

/** sld: v3.0 Book I 3.3.14.2, RA <- (RS) << (RB)[58:63], 0 if (RB)[57] = 1. */
export const SLD = (c: Cpu, op: Op): FlowCode => {
  const n = c.r[2 * op.RB + 1]! & 127;
  const h = c.r[2 * op.RS]!;
  const l = c.r[2 * op.RS + 1]!;
  if (n >= 64) return result(c, op, 0, 0);
  if (n >= 32) return result(c, op, l << (n - 32), 0);
  if (n === 0) return result(c, op, h, l);
  return result(c, op, (h << n) | (l >>> (32 - n)), l << n);
};
/** srd: v3.0 Book I 3.3.14.2, logical right shift, 0 if (RB)[57] = 1. */
export const SRD = (c: Cpu, op: Op): FlowCode => {
  const n = c.r[2 * op.RB + 1]! & 127;
  const h = c.r[2 * op.RS]!;
  const l = c.r[2 * op.RS + 1]!;
  if (n >= 64) return result(c, op, 0, 0);
  if (n >= 32) return result(c, op, 0, h >>> (n - 32));
  if (n === 0) return result(c, op, h, l);
  return result(c, op, h >>> n, (l >>> n) | (h << (32 - n)));
};

/** Shared by srad and sradi: 64-bit arithmetic shift, CA = CA32 = negative and ones shifted out. */
function sradBy(c: Cpu, op: Op, n: number): FlowCode {
  const h = c.r[2 * op.RS]! | 0;
  const l = c.r[2 * op.RS + 1]! >>> 0;
  let rh: number;
  let rl: number;
  let lost: boolean;
  if (n === 0) {
    rh = h;
    rl = l;
    lost = false;
  } else if (n < 32) {
    rh = h >> n;
    rl = (l >>> n) | (h << (32 - n));
    lost = (l & ((1 << n) - 1)) !== 0;
  } else if (n < 64) {
    rh = h >> 31;
    rl = h >> (n - 32);
    lost = l !== 0 || (n > 32 && (h & ((1 << (n - 32)) - 1)) !== 0);
  } else {
    rh = h >> 31;
    rl = h >> 31;
    lost = (h | l) !== 0;
  }
  const ca = h < 0 && lost ? 1 : 0;
  setCa(c, ca, ca);
  return result(c, op, rh, rl);
}
/** srad: v3.0 Book I 3.3.14.2, shift count (RB)[57:63]. */
export const SRAD = (c: Cpu, op: Op): FlowCode => sradBy(c, op, c.r[2 * op.RB + 1]! & 127);
/** sradi: v3.0 Book I 3.3.14.2, shift count sh. */
export const SRADI = (c: Cpu, op: Op): FlowCode => sradBy(c, op, op.SH);

/** extswsli: v3.0 Book I 3.3.14.2, RA <- EXTS((RS)[32:63]) << sh. */
export const EXTSWSLI = (c: Cpu, op: Op): FlowCode => {
  const l = c.r[2 * op.RS + 1]!;
  const h = signHi(l);
  const n = op.SH;
  if (n === 0) return result(c, op, h, l);
  if (n >= 32) return result(c, op, l << (n - 32), 0);
  return result(c, op, (h << n) | (l >>> (32 - n)), l << n);
};
