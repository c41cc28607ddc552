/**
 * Fixed-point logical instructions: Power ISA v3.0 Book I 3.3.13 (and/or/xor families, extend,
 * count, popcount, parity, cmpb). All are bitwise on both words; Rc=1 sets CR0 from the 64-bit
 * result.
 */
import { Flow, type Cpu, type FlowCode, type Op } from '../op.js';
import { ctz32, popcount32 } from '../bits.js';
import { setCr0, signHi } from './common.js';

/** Write RA and, when the row or the Rc bit asks, CR0. */
function result(c: Cpu, op: Op, hi: number, lo: number): FlowCode {
  const h = hi >>> 0;
  const l = lo >>> 0;
  c.r[2 * op.RA] = h;
  c.r[2 * op.RA + 1] = l;
  if (op.Rc) setCr0(c, h, l);
  return Flow.NEXT;
}

const sHi = (c: Cpu, op: Op): number => c.r[2 * op.RS]!;
const sLo = (c: Cpu, op: Op): number => c.r[2 * op.RS + 1]!;
const bHi = (c: Cpu, op: Op): number => c.r[2 * op.RB]!;
const bLo = (c: Cpu, op: Op): number => c.r[2 * op.RB + 1]!;

/** and: v3.0 Book I 3.3.13, RA <- (RS) & (RB). */
export const AND = (c: Cpu, op: Op): FlowCode => result(c, op, sHi(c, op) & bHi(c, op), sLo(c, op) & bLo(c, op));
/** or: v3.0 Book I 3.3.13, RA <- (RS) | (RB) (also `mr`). */
export const OR = (c: Cpu, op: Op): FlowCode => result(c, op, sHi(c, op) | bHi(c, op), sLo(c, op) | bLo(c, op));
/** xor: v3.0 Book I 3.3.13, RA <- (RS) ^ (RB). */
export const XOR = (c: Cpu, op: Op): FlowCode => result(c, op, sHi(c, op) ^ bHi(c, op), sLo(c, op) ^ bLo(c, op));
/** nand: v3.0 Book I 3.3.13, RA <- ¬((RS) & (RB)). */
export const NAND = (c: Cpu, op: Op): FlowCode => result(c, op, ~(sHi(c, op) & bHi(c, op)), ~(sLo(c, op) & bLo(c, op)));
/** nor: v3.0 Book I 3.3.13, RA <- ¬((RS) | (RB)) (also `not`). */
export const NOR = (c: Cpu, op: Op): FlowCode => result(c, op, ~(sHi(c, op) | bHi(c, op)), ~(sLo(c, op) | bLo(c, op)));
/** eqv: v3.0 Book I 3.3.13, RA <- ¬((RS) ^ (RB)). */
export const EQV = (c: Cpu, op: Op): FlowCode => result(c, op, ~(sHi(c, op) ^ bHi(c, op)), ~(sLo(c, op) ^ bLo(c, op)));
/** andc: v3.0 Book I 3.3.13, RA <- (RS) & ¬(RB). */
export const ANDC = (c: Cpu, op: Op): FlowCode => result(c, op, sHi(c, op) & ~bHi(c, op), sLo(c, op) & ~bLo(c, op));
/** orc: v3.0 Book I 3.3.13, RA <- (RS) | ¬(RB). */
export const ORC = (c: Cpu, op: Op): FlowCode => result(c, op, sHi(c, op) | ~bHi(c, op), sLo(c, op) | ~bLo(c, op));

/** andi.: v3.0 Book I 3.3.13, RA <- (RS) & (48 zeros || UI); always sets CR0. */
export const ANDI_DOT = (c: Cpu, op: Op): FlowCode => {
  const lo = (sLo(c, op) & op.xLo) >>> 0;
  c.r[2 * op.RA] = 0;
  c.r[2 * op.RA + 1] = lo;
  setCr0(c, 0, lo);
  return Flow.NEXT;
};
/** andis.: v3.0 Book I 3.3.13, RA <- (RS) & (32 zeros || UI || 16 zeros); always sets CR0. Same handler, prepared mask. */
export const ANDIS_DOT = ANDI_DOT;
/** ori / oris: v3.0 Book I 3.3.13, RA <- (RS) | prepared immediate (`ori 0,0,0` is the nop). */
export const ORI = (c: Cpu, op: Op): FlowCode => {
  c.r[2 * op.RA] = sHi(c, op);
  c.r[2 * op.RA + 1] = (sLo(c, op) | op.xLo) >>> 0;
  return Flow.NEXT;
};
/** xori / xoris: v3.0 Book I 3.3.13, RA <- (RS) ^ prepared immediate. */
export const XORI = (c: Cpu, op: Op): FlowCode => {
  c.r[2 * op.RA] = sHi(c, op);
  c.r[2 * op.RA + 1] = (sLo(c, op) ^ op.xLo) >>> 0;
  return Flow.NEXT;
};

/** extsb: v3.0 Book I 3.3.13, RA <- EXTS((RS)[56:63]). */
export const EXTSB = (c: Cpu, op: Op): FlowCode => {
  const v = (sLo(c, op) << 24) >> 24;
  return result(c, op, signHi(v), v);
};
/** extsh: v3.0 Book I 3.3.13, RA <- EXTS((RS)[48:63]). */
export const EXTSH = (c: Cpu, op: Op): FlowCode => {
  const v = (sLo(c, op) << 16) >> 16;
  return result(c, op, signHi(v), v);
};
/** extsw: v3.0 Book I 3.3.13, RA <- EXTS((RS)[32:63]). */
export const EXTSW = (c: Cpu, op: Op): FlowCode => {
  const v = sLo(c, op);
  return result(c, op, signHi(v), v);
};

/** cntlzw: v3.0 Book I 3.3.13, leading zeros of (RS)[32:63]. */
export const CNTLZW = (c: Cpu, op: Op): FlowCode => result(c, op, 0, Math.clz32(sLo(c, op)));
/** cntlzd: v3.0 Book I 3.3.13, leading zeros of (RS). */
export const CNTLZD = (c: Cpu, op: Op): FlowCode => {
  const h = sHi(c, op);
  return result(c, op, 0, h !== 0 ? Math.clz32(h) : 32 + Math.clz32(sLo(c, op)));
};
/** cnttzw: v3.0 Book I 3.3.13, trailing zeros of (RS)[32:63]. */
export const CNTTZW = (c: Cpu, op: Op): FlowCode => result(c, op, 0, ctz32(sLo(c, op)));
/** cnttzd: v3.0 Book I 3.3.13, trailing zeros of (RS). */
export const CNTTZD = (c: Cpu, op: Op): FlowCode => {
  const l = sLo(c, op);
  return result(c, op, 0, l !== 0 ? ctz32(l) : 32 + ctz32(sHi(c, op)));
};

/** Population count of each byte of a word, left in that byte. */
export function popcntBytes(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x5555_5555);
  v = (v & 0x3333_3333) + ((v >>> 2) & 0x3333_3333);
  return (v + (v >>> 4)) & 0x0f0f_0f0f;
}

/** popcntb: v3.0 Book I 3.3.13, each byte of RA <- number of ones in that byte of RS. */
export const POPCNTB = (c: Cpu, op: Op): FlowCode => {
  c.r[2 * op.RA] = popcntBytes(sHi(c, op));
  c.r[2 * op.RA + 1] = popcntBytes(sLo(c, op));
  return Flow.NEXT;
};
/** popcntw: v3.0 Book I 3.3.13, each word of RA <- number of ones in that word of RS. */
export const POPCNTW = (c: Cpu, op: Op): FlowCode => {
  c.r[2 * op.RA] = popcount32(sHi(c, op));
  c.r[2 * op.RA + 1] = popcount32(sLo(c, op));
  return Flow.NEXT;
};
/** popcntd: v3.0 Book I 3.3.13, RA <- number of ones in RS. */
export const POPCNTD = (c: Cpu, op: Op): FlowCode => {
  // Read RS before writing RA: they may be the same register.
  const n = popcount32(sHi(c, op)) + popcount32(sLo(c, op));
  c.r[2 * op.RA] = 0;
  c.r[2 * op.RA + 1] = n;
  return Flow.NEXT;
};

/** Parity of the least significant bit of each byte of a word. */
function byteLsbParity(x: number): number {
  const v = x & 0x0101_0101;
  return (v ^ (v >>> 8) ^ (v >>> 16) ^ (v >>> 24)) & 1;
}

/** prtyw: v3.0 Book I 3.3.13, each word of RA <- parity of the low bits of its bytes. */
export const PRTYW = (c: Cpu, op: Op): FlowCode => {
  c.r[2 * op.RA] = byteLsbParity(sHi(c, op));
  c.r[2 * op.RA + 1] = byteLsbParity(sLo(c, op));
  return Flow.NEXT;
};
/** prtyd: v3.0 Book I 3.3.13, RA <- parity of the low bits of all eight bytes. */
export const PRTYD = (c: Cpu, op: Op): FlowCode => {
  const p = byteLsbParity(sHi(c, op)) ^ byteLsbParity(sLo(c, op));
  c.r[2 * op.RA] = 0;
  c.r[2 * op.RA + 1] = p;
  return Flow.NEXT;
};

/** Bytes of a and b that are equal become 0xff, the others 0x00. */
export function cmpbWord(a: number, b: number): number {
  let out = 0;
  for (let shift = 0; shift < 32; shift += 8) {
    if (((a >>> shift) & 0xff) === ((b >>> shift) & 0xff)) out |= 0xff << shift;
  }
  return out >>> 0;
}

/** cmpb: v3.0 Book I 3.3.13, byte-wise equality mask of (RS) and (RB). */
export const CMPB = (c: Cpu, op: Op): FlowCode => {
  c.r[2 * op.RA] = cmpbWord(sHi(c, op), bHi(c, op));
  c.r[2 * op.RA + 1] = cmpbWord(sLo(c, op), bLo(c, op));
  return Flow.NEXT;
};
