/**
 * Branches: Power ISA v3.0 Book I 2.4 (b, bc, bclr, bcctr, bctar). Targets are computed from
 * the current NIP (still the CIA while a handler runs); LR gets CIA + 4 when LK = 1, after the
 * target was read, so `blrl` jumps to the old LR.
 */
import { Flow, type Cpu, type FlowCode, type Op } from '../op.js';
import { sprSlot } from '../../cpu/state.js';
import { CTR_HI, CTR_LO, LR_HI, LR_LO, NIP_HI, NIP_LO, getCrBit } from './common.js';

const TAR_HI = 2 * sprSlot('TAR');
const TAR_LO = TAR_HI + 1;

/** LR <- CIA + 4. */
function link(c: Cpu): void {
  const lo = c.r[NIP_LO]! + 4;
  c.r[LR_HI] = (c.r[NIP_HI]! + (lo > 0xffff_ffff ? 1 : 0)) >>> 0;
  c.r[LR_LO] = lo >>> 0;
}

/** NIP <- (AA ? 0 : CIA) + displacement (prepared as halves in xHi/xLo). */
function jumpRelative(c: Cpu, op: Op): FlowCode {
  if (op.AA) {
    c.r[NIP_HI] = op.xHi;
    c.r[NIP_LO] = op.xLo;
  } else {
    const lo = c.r[NIP_LO]! + op.xLo;
    c.r[NIP_HI] = (c.r[NIP_HI]! + op.xHi + (lo > 0xffff_ffff ? 1 : 0)) >>> 0;
    c.r[NIP_LO] = lo >>> 0;
  }
  return Flow.JUMP;
}

/** b, ba, bl, bla: v3.0 Book I 2.4, NIP <- (AA ? 0 : CIA) + EXTS(LI || 0b00). */
export const B = (c: Cpu, op: Op): FlowCode => {
  if (op.LK) link(c);
  return jumpRelative(c, op);
};

/**
 * The BO decision of v3.0 Book I 2.4: decrement CTR unless BO_2, then
 * ctr_ok = BO_2 | ((CTR != 0) ^ BO_3), cond_ok = BO_0 | (CR[BI] == BO_1).
 */
function conditionHolds(c: Cpu, bo: number, bi: number, mayUseCtr: boolean): boolean {
  let ctrOk = true;
  if (mayUseCtr && (bo & 4) === 0) {
    const lo = c.r[CTR_LO]!;
    const nLo = (lo - 1) >>> 0;
    const nHi = (c.r[CTR_HI]! - (lo === 0 ? 1 : 0)) >>> 0;
    c.r[CTR_LO] = nLo;
    c.r[CTR_HI] = nHi;
    ctrOk = ((nHi | nLo) !== 0) !== ((bo & 2) !== 0);
  }
  const condOk = (bo & 16) !== 0 || getCrBit(c, bi) === ((bo >>> 3) & 1);
  return ctrOk && condOk;
}

/** bc: v3.0 Book I 2.4, conditional branch to (AA ? 0 : CIA) + EXTS(BD || 0b00). */
export const BC = (c: Cpu, op: Op): FlowCode => {
  const taken = conditionHolds(c, op.BO, op.BI, true);
  if (op.LK) link(c);
  return taken ? jumpRelative(c, op) : Flow.NEXT;
};

/** bclr: v3.0 Book I 2.4, conditional branch to LR[0:61] || 0b00. */
export const BCLR = (c: Cpu, op: Op): FlowCode => {
  const taken = conditionHolds(c, op.BO, op.BI, true);
  const hi = c.r[LR_HI]!;
  const lo = c.r[LR_LO]! & ~3;
  if (op.LK) link(c);
  if (!taken) return Flow.NEXT;
  c.r[NIP_HI] = hi;
  c.r[NIP_LO] = lo >>> 0;
  return Flow.JUMP;
};

/**
 * bcctr: v3.0 Book I 2.4, conditional branch to CTR[0:61] || 0b00. BO_2 = 0 (decrement CTR)
 * is an invalid form; qemu raises an illegal-instruction interrupt, and so do we.
 */
export const BCCTR = (c: Cpu, op: Op): FlowCode => {
  if ((op.BO & 4) === 0) return c.raise('illegal', 'invalid form: bcctr with CTR decrement');
  const taken = conditionHolds(c, op.BO, op.BI, false);
  const hi = c.r[CTR_HI]!;
  const lo = c.r[CTR_LO]! & ~3;
  if (op.LK) link(c);
  if (!taken) return Flow.NEXT;
  c.r[NIP_HI] = hi;
  c.r[NIP_LO] = lo >>> 0;
  return Flow.JUMP;
};

/** bctar: v3.0 Book I 2.4, conditional branch to TAR[0:61] || 0b00. */
export const BCTAR = (c: Cpu, op: Op): FlowCode => {
  const taken = conditionHolds(c, op.BO, op.BI, true);
  const hi = c.r[TAR_HI]!;
  const lo = c.r[TAR_LO]! & ~3;
  if (op.LK) link(c);
  if (!taken) return Flow.NEXT;
  c.r[NIP_HI] = hi;
  c.r[NIP_LO] = lo >>> 0;
  return Flow.JUMP;
};
