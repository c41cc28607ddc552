/**
 * Condition-register instructions: Power ISA v3.0 Book I 2.5 (CR logical, mcrf) and 3.3.17
 * (mfcr, mfocrf, mtcrf, mtocrf).
 */
import { Flow, type Cpu, type FlowCode, type Op } from '../op.js';
import { CR_LO, getCrBit, getCrNibble, setCrBit, setCrNibble, setGpr } from './common.js';

function crLogical(c: Cpu, op: Op, f: (a: number, b: number) => number): FlowCode {
  setCrBit(c, op.BT, f(getCrBit(c, op.BA), getCrBit(c, op.BB)) & 1);
  return Flow.NEXT;
}

/** crand: v3.0 Book I 2.5.1, CR[BT] <- CR[BA] & CR[BB]. */
export const CRAND = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => a & b);
/** cror: v3.0 Book I 2.5.1, CR[BT] <- CR[BA] | CR[BB]. */
export const CROR = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => a | b);
/** crxor: v3.0 Book I 2.5.1, CR[BT] <- CR[BA] ^ CR[BB] (crclr when all equal). */
export const CRXOR = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => a ^ b);
/** crnand: v3.0 Book I 2.5.1, CR[BT] <- ¬(CR[BA] & CR[BB]). */
export const CRNAND = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => ~(a & b));
/** crnor: v3.0 Book I 2.5.1, CR[BT] <- ¬(CR[BA] | CR[BB]) (crnot). */
export const CRNOR = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => ~(a | b));
/** creqv: v3.0 Book I 2.5.1, CR[BT] <- ¬(CR[BA] ^ CR[BB]) (crset). */
export const CREQV = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => ~(a ^ b));
/** crandc: v3.0 Book I 2.5.1, CR[BT] <- CR[BA] & ¬CR[BB]. */
export const CRANDC = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => a & ~b);
/** crorc: v3.0 Book I 2.5.1, CR[BT] <- CR[BA] | ¬CR[BB]. */
export const CRORC = (c: Cpu, op: Op): FlowCode => crLogical(c, op, (a, b) => a | ~b);

/** mcrf: v3.0 Book I 2.5.1, CR field BF <- CR field BFA. */
export const MCRF = (c: Cpu, op: Op): FlowCode => {
  setCrNibble(c, op.BF, getCrNibble(c, op.BFA));
  return Flow.NEXT;
};

/** mfcr: v3.0 Book I 3.3.17, RT <- 32 zeros || CR. */
export const MFCR = (c: Cpu, op: Op): FlowCode => {
  setGpr(c, op.RT, 0, c.r[CR_LO]!);
  return Flow.NEXT;
};

/** The CR field index selected by a one-hot FXM, or -1 when FXM is not one-hot. */
function oneHotField(fxm: number): number {
  if (fxm === 0 || (fxm & (fxm - 1)) !== 0) return -1;
  return 7 - (31 - Math.clz32(fxm));
}

/**
 * mfocrf: v3.0 Book I 3.3.17, RT <- the CR field FXM selects, in place, other bits 0. With a
 * FXM that is not one-hot the result is undefined; qemu leaves RT unchanged, and so do we.
 */
export const MFOCRF = (c: Cpu, op: Op): FlowCode => {
  const f = oneHotField(op.FXM);
  if (f >= 0) setGpr(c, op.RT, 0, (c.r[CR_LO]! & (0xf << (28 - 4 * f))) >>> 0);
  return Flow.NEXT;
};

/** Expand FXM into a 32-bit mask of CR bits. */
export function fxmMask(fxm: number): number {
  let m = 0;
  for (let f = 0; f < 8; f++) if (fxm & (0x80 >>> f)) m |= 0xf << (28 - 4 * f);
  return m >>> 0;
}

/** mtcrf: v3.0 Book I 3.3.17, the CR fields FXM selects <- the same bits of (RS)[32:63]. */
export const MTCRF = (c: Cpu, op: Op): FlowCode => {
  const m = fxmMask(op.FXM);
  c.r[CR_LO] = ((c.r[CR_LO]! & ~m) | (c.r[2 * op.RS + 1]! & m)) >>> 0;
  return Flow.NEXT;
};
/** mtocrf: v3.0 Book I 3.3.17, as mtcrf for a one-hot FXM; otherwise undefined, a no-op as in qemu. */
export const MTOCRF = (c: Cpu, op: Op): FlowCode => (oneHotField(op.FXM) >= 0 ? MTCRF(c, op) : Flow.NEXT);
