/**
 * System instructions: Power ISA v3.0 Book I 3.3.17 (mfspr, mtspr), Book II 4.6 (mftb), Book III
 * 6.5 (the decrementer, counting under a cycle-derived time base),
 * Book III 4.4 (mfmsr, mtmsrd), Book II 4.4 (storage barriers), and sc (Book III 3.3.1).
 */
import { Flow, type Cpu, type FlowCode, type Op } from '../op.js';
import { DEC_SLOT, SPR_SLOT, SPR_BY_NAME, decrementerStored, decrementerValue } from '../../cpu/state.js';
import { SPR_CTRL_WRITE } from '../../cpu/spr.js';
import { MSR_HI, MSR_LO, MSR_PR_LO, XER_CA, XER_CA32, XER_HI, XER_LO, XER_OV, XER_OV32, XER_SO, setGpr } from './common.js';

const SPR_XER = 1;
const SPR_TB = 268;
const SPR_TBU = 269;
/** XER bits that exist: SO, OV, CA, OV32, CA32 and the 7-bit string byte count. */
const XER_WRITABLE = XER_SO | XER_OV | XER_CA | XER_OV32 | XER_CA32 | 0x7f;
const CTRL_SLOT = SPR_SLOT.get(SPR_BY_NAME.get('CTRL')!.num)!;
const READ_ONLY_SPRS = new Set([...SPR_BY_NAME.values()].filter((s) => s.readOnly).map((s) => s.num));
/** 2^32, for splitting the retired count into time-base halves. */
const TWO32 = 4294967296;

const isProblemState = (c: Cpu): boolean => (c.r[MSR_LO]! & MSR_PR_LO) !== 0;
/** SPR numbers with spr[0] = 1 (value bit 0x10) are privileged (v3.0 Book I 3.3.17). */
const isPrivilegedSpr = (n: number): boolean => (n & 0x10) !== 0;

/**
 * The time base as of now: the machine's clock scaled to tb_hz when the cost model says so
 * (`timeBaseSource`), otherwise one tick per retired instruction. Deterministic either way (no
 * host clock).
 */
function timeBase(c: Cpu, out: { hi: number; lo: number }): void {
  const v = c.timeBaseSource === undefined ? c.retired : c.timeBaseSource();
  out.hi = Math.floor(v / TWO32) >>> 0;
  out.lo = v >>> 0;
}
const tb = { hi: 0, lo: 0 };

/**
 * An SPR the row cannot reach: from problem state a privileged number is a privileged-instruction
 * interrupt; an unknown non-privileged number is illegal; an unknown privileged number in
 * privileged state is a no-op (v3.0 Book III 4.4.4).
 */
function sprAccessFault(c: Cpu, spr: number, what: string): FlowCode {
  if (isPrivilegedSpr(spr) && isProblemState(c)) return c.raise('privileged', `${what} SPR ${spr} in problem state`);
  if (isPrivilegedSpr(spr)) return Flow.NEXT;
  return c.raise('illegal', `${what} of unknown SPR ${spr}`);
}

/** mfspr: v3.0 Book I 3.3.17, RT <- SPR(spr). */
export const MFSPR = (c: Cpu, op: Op): FlowCode => {
  const spr = op.SPR;
  if (spr === SPR_TB || spr === SPR_TBU) {
    timeBase(c, tb);
    setGpr(c, op.RT, spr === SPR_TB ? tb.hi : 0, spr === SPR_TB ? tb.lo : tb.hi);
    return Flow.NEXT;
  }
  const slot = SPR_SLOT.get(spr);
  if (slot === undefined || (isPrivilegedSpr(spr) && isProblemState(c))) return sprAccessFault(c, spr, 'mfspr');
  if (slot === DEC_SLOT && c.timeBaseSource !== undefined) {
    // Counting down at the time base (cost-2): 32 bits, zero-extended (no LD mode; sim/cpu/state.ts DEC_SLOT).
    setGpr(c, op.RT, 0, decrementerValue(c.r[2 * slot + 1]!, c.timeBaseSource()));
    return Flow.NEXT;
  }
  setGpr(c, op.RT, c.r[2 * slot]!, c.r[2 * slot + 1]!);
  return Flow.NEXT;
};

/** mtspr: v3.0 Book I 3.3.17, SPR(spr) <- (RS). Read-only SPRs (PIR, PVR) ignore the write. */
export const MTSPR = (c: Cpu, op: Op): FlowCode => {
  const spr = op.SPR;
  const hi = c.r[2 * op.RS]!;
  const lo = c.r[2 * op.RS + 1]!;
  if (spr === SPR_XER) {
    c.r[XER_HI] = 0;
    c.r[XER_LO] = (lo & XER_WRITABLE) >>> 0;
    return Flow.NEXT;
  }
  const slot = spr === SPR_CTRL_WRITE ? CTRL_SLOT : SPR_SLOT.get(spr);
  if (slot === undefined || (isPrivilegedSpr(spr) && isProblemState(c))) return sprAccessFault(c, spr, 'mtspr');
  if (READ_ONLY_SPRS.has(spr)) return Flow.NEXT;
  if (slot === DEC_SLOT && c.timeBaseSource !== undefined) {
    // Bits 32:63 of RS start the count now; the slot keeps the time-base-0 form (sim/cpu/state.ts DEC_SLOT).
    c.r[2 * slot] = 0;
    c.r[2 * slot + 1] = decrementerStored(lo, c.timeBaseSource());
    return Flow.NEXT;
  }
  c.r[2 * slot] = hi;
  c.r[2 * slot + 1] = lo;
  return Flow.NEXT;
};

/** mftb: v3.0 Book II 4.6, RT <- TB (TBR 268) or 32 zeros || TBU (TBR 269). */
export const MFTB = (c: Cpu, op: Op): FlowCode => {
  if (op.TBR !== SPR_TB && op.TBR !== SPR_TBU) return c.raise('illegal', `mftb of TBR ${op.TBR}`);
  timeBase(c, tb);
  setGpr(c, op.RT, op.TBR === SPR_TB ? tb.hi : 0, op.TBR === SPR_TB ? tb.lo : tb.hi);
  return Flow.NEXT;
};

/** mfmsr: v3.0 Book III 4.4.3, RT <- MSR (privileged). */
export const MFMSR = (c: Cpu, op: Op): FlowCode => {
  if (isProblemState(c)) return c.raise('privileged', 'mfmsr in problem state');
  setGpr(c, op.RT, c.r[MSR_HI]!, c.r[MSR_LO]!);
  return Flow.NEXT;
};

/** MSR bits mtmsrd L=0 leaves alone: HV (bit 3), ME (bit 51), LE (bit 63), as halves. */
const MTMSRD_KEEP_HI = 0x1000_0000;
const MTMSRD_KEEP_LO = 0x0000_1001;
/** EE (48) and RI (62): the only bits mtmsrd L=1 writes. */
const MSR_EE_RI_LO = 0x0000_8002;
/** EE, IR (58) and DR (59) are forced on when the new MSR has PR set. */
const MSR_EE_IR_DR_LO = 0x0000_8030;

/**
 * mtmsrd: v3.0 Book III 4.4.3 (privileged). L=1 writes EE and RI only; L=0 writes everything
 * except HV, ME and LE, and setting PR also sets EE, IR and DR.
 */
export const MTMSRD = (c: Cpu, op: Op): FlowCode => {
  if (isProblemState(c)) return c.raise('privileged', 'mtmsrd in problem state');
  const sHi = c.r[2 * op.RS]!;
  const sLo = c.r[2 * op.RS + 1]!;
  if (op.L) {
    c.r[MSR_LO] = ((c.r[MSR_LO]! & ~MSR_EE_RI_LO) | (sLo & MSR_EE_RI_LO)) >>> 0;
    return Flow.NEXT;
  }
  let lo = (c.r[MSR_LO]! & MTMSRD_KEEP_LO) | (sLo & ~MTMSRD_KEEP_LO);
  if (sLo & MSR_PR_LO) lo |= MSR_EE_IR_DR_LO;
  c.r[MSR_HI] = ((c.r[MSR_HI]! & MTMSRD_KEEP_HI) | (sHi & ~MTMSRD_KEEP_HI)) >>> 0;
  c.r[MSR_LO] = lo >>> 0;
  return Flow.NEXT;
};

/** sync (hwsync, lwsync, ptesync), eieio, isync: v3.0 Book II 4.4, ordering only; one thread sees its own accesses in order. */
export const BARRIER = (): FlowCode => Flow.NEXT;

/** sc: v3.0 Book III 3.3.1 (system call interrupt), handed to the machine's system-call handler. */
export const SC = (c: Cpu): FlowCode => c.systemCall();

/**
 * Firmware-ABI words (docs/firmware-elf-runtime.md). Outside firmware they are what they were
 * before they had rows: an illegal instruction, with the same program-interrupt text, so a guest
 * sees no difference. The firmware runner (sim/firmware-elf/runner.ts) is the executor hook: it
 * recognises the word at the faulting NIP and runs the service or reports the firmware fault.
 */
const illegalWord = (c: Cpu, word: number): FlowCode => c.raise('illegal', `illegal instruction 0x${(word >>> 0).toString(16).padStart(8, '0')}`);

/** callthru (Mambo's 0x000EAEB0, primary 0, XO 856): a firmware service call; r3 = service, r4.. = arguments. */
export const CALLTHRU = (c: Cpu, op: Op): FlowCode => illegalWord(c, op.word);

/** attn (0x00000200, primary 0, XO 256): the support-processor attention skiboot's assert ends in; a firmware abort. */
export const ATTN = (c: Cpu, op: Op): FlowCode => illegalWord(c, op.word);
