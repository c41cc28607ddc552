/**
 * Compare, trap and select: Power ISA v3.0 Book I 3.3.10 (cmp*, cmprb, cmpeqb, setb), 3.3.11
 * (tw, td, twi, tdi) and 3.3.12 (isel).
 */
import { Flow, type Cpu, type FlowCode, type Op } from '../op.js';
import { cmps64, cmpu64 } from '../bits.js';
import { getCrBit, getCrNibble, setCrField, setCrNibble, setGpr, signHi } from './common.js';

/** LT/GT/EQ nibble of a -1/0/1 comparison. */
const NIBBLE_OF = [8, 2, 4] as const;
const nibble = (cmp: number): number => NIBBLE_OF[cmp + 1]!;

/**
 * cmp: v3.0 Book I 3.3.10, CR field BF <- signed compare of (RA) and (RB); L=0 compares the low
 * words sign-extended, L=1 the doublewords.
 */
export const CMP = (c: Cpu, op: Op): FlowCode => {
  const aLo = c.r[2 * op.RA + 1]!, bLo = c.r[2 * op.RB + 1]!;
  const r = op.L ? cmps64(c.r[2 * op.RA]!, aLo, c.r[2 * op.RB]!, bLo) : cmps64(signHi(aLo), aLo, signHi(bLo), bLo);
  setCrField(c, op.BF, nibble(r));
  return Flow.NEXT;
};
/** cmpl: v3.0 Book I 3.3.10, unsigned compare; L=0 compares the low words. */
export const CMPL = (c: Cpu, op: Op): FlowCode => {
  const aLo = c.r[2 * op.RA + 1]!, bLo = c.r[2 * op.RB + 1]!;
  const r = op.L ? cmpu64(c.r[2 * op.RA]!, aLo, c.r[2 * op.RB]!, bLo) : cmpu64(0, aLo, 0, bLo);
  setCrField(c, op.BF, nibble(r));
  return Flow.NEXT;
};
/** cmpi: v3.0 Book I 3.3.10, signed compare with EXTS(SI) (prepared in xHi/xLo). */
export const CMPI = (c: Cpu, op: Op): FlowCode => {
  const aLo = c.r[2 * op.RA + 1]!;
  const r = op.L ? cmps64(c.r[2 * op.RA]!, aLo, op.xHi, op.xLo) : cmps64(signHi(aLo), aLo, op.xHi, op.xLo);
  setCrField(c, op.BF, nibble(r));
  return Flow.NEXT;
};
/** cmpli: v3.0 Book I 3.3.10, unsigned compare with 48 zeros || UI. */
export const CMPLI = (c: Cpu, op: Op): FlowCode => {
  const aLo = c.r[2 * op.RA + 1]!;
  const r = op.L ? cmpu64(c.r[2 * op.RA]!, aLo, 0, op.UI) : cmpu64(0, aLo, 0, op.UI);
  setCrField(c, op.BF, nibble(r));
  return Flow.NEXT;
};

/** Is byte `x` inside [lo, hi]? */
const inByteRange = (x: number, word: number, shift: number): boolean =>
  x >= ((word >>> shift) & 0xff) && x <= ((word >>> (shift + 8)) & 0xff);

/** cmprb: v3.0 Book I 3.3.10, CR field BF <- 0 || in_range || 00 for the byte (RA)[56:63]. */
export const CMPRB = (c: Cpu, op: Op): FlowCode => {
  const x = c.r[2 * op.RA + 1]! & 0xff;
  const b = c.r[2 * op.RB + 1]!;
  const inRange = inByteRange(x, b, 0) || (op.L === 1 && inByteRange(x, b, 16));
  setCrNibble(c, op.BF, inRange ? 4 : 0);
  return Flow.NEXT;
};
/** cmpeqb: v3.0 Book I 3.3.10, CR field BF <- 0 || match || 00 where match = some byte of RB equals (RA)[56:63]. */
export const CMPEQB = (c: Cpu, op: Op): FlowCode => {
  const x = c.r[2 * op.RA + 1]! & 0xff;
  const h = c.r[2 * op.RB]!;
  const l = c.r[2 * op.RB + 1]!;
  let match = false;
  for (let s = 0; s < 32; s += 8) if (((h >>> s) & 0xff) === x || ((l >>> s) & 0xff) === x) match = true;
  setCrNibble(c, op.BF, match ? 4 : 0);
  return Flow.NEXT;
};
/** setb: v3.0 Book I 3.3.10, RT <- -1 if CR field BFA has LT, else 1 if GT, else 0. */
export const SETB = (c: Cpu, op: Op): FlowCode => {
  const f = getCrNibble(c, op.BFA);
  if (f & 8) setGpr(c, op.RT, 0xffff_ffff, 0xffff_ffff);
  else if (f & 4) setGpr(c, op.RT, 0, 1);
  else setGpr(c, op.RT, 0, 0);
  return Flow.NEXT;
};
/** isel: v3.0 Book I 3.3.12, RT <- CR[BC] ? (RA|0) : (RB). */
export const ISEL = (c: Cpu, op: Op): FlowCode => {
  if (getCrBit(c, op.BC)) {
    if (op.RA === 0) setGpr(c, op.RT, 0, 0);
    else setGpr(c, op.RT, c.r[2 * op.RA]!, c.r[2 * op.RA + 1]!);
  } else {
    setGpr(c, op.RT, c.r[2 * op.RB]!, c.r[2 * op.RB + 1]!);
  }
  return Flow.NEXT;
};

/**
 * The trap condition of v3.0 Book I 3.3.11: TO bits 0-4 select <, >, =, <u, >u (MSB first).
 * Exported for tests; `signedCmp`/`unsignedCmp` are -1/0/1.
 */
export function trapHolds(to: number, signedCmp: number, unsignedCmp: number): boolean {
  return (
    ((to & 16) !== 0 && signedCmp < 0) ||
    ((to & 8) !== 0 && signedCmp > 0) ||
    ((to & 4) !== 0 && signedCmp === 0) ||
    ((to & 2) !== 0 && unsignedCmp < 0) ||
    ((to & 1) !== 0 && unsignedCmp > 0)
  );
}

/** tw: v3.0 Book I 3.3.11, trap on the low words compared as signed and unsigned. */
export const TW = (c: Cpu, op: Op): FlowCode => {
  const a = c.r[2 * op.RA + 1]!, b = c.r[2 * op.RB + 1]!;
  return trapHolds(op.TO, cmps64(signHi(a), a, signHi(b), b), cmpu64(0, a, 0, b)) ? Flow.TRAP : Flow.NEXT;
};
/** twi: v3.0 Book I 3.3.11, as tw against EXTS(SI). */
export const TWI = (c: Cpu, op: Op): FlowCode => {
  const a = c.r[2 * op.RA + 1]!;
  return trapHolds(op.TO, cmps64(signHi(a), a, op.xHi, op.xLo), cmpu64(0, a, 0, op.xLo)) ? Flow.TRAP : Flow.NEXT;
};
/** td: v3.0 Book I 3.3.11, trap on the doublewords. */
export const TD = (c: Cpu, op: Op): FlowCode => {
  const aHi = c.r[2 * op.RA]!, aLo = c.r[2 * op.RA + 1]!, bHi = c.r[2 * op.RB]!, bLo = c.r[2 * op.RB + 1]!;
  return trapHolds(op.TO, cmps64(aHi, aLo, bHi, bLo), cmpu64(aHi, aLo, bHi, bLo)) ? Flow.TRAP : Flow.NEXT;
};
/** tdi: v3.0 Book I 3.3.11, as td against EXTS(SI). */
export const TDI = (c: Cpu, op: Op): FlowCode => {
  const aHi = c.r[2 * op.RA]!, aLo = c.r[2 * op.RA + 1]!;
  return trapHolds(op.TO, cmps64(aHi, aLo, op.xHi, op.xLo), cmpu64(aHi, aLo, op.xHi, op.xLo)) ? Flow.TRAP : Flow.NEXT;
};
