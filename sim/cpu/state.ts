/**
 * Architected state of one hardware thread.
 *
 * Hot state stays out of BigInt (design section 2): every 64-bit register is a pair of 32-bit
 * halves in one Uint32Array, `r[2 * slot]` = high word, `r[2 * slot + 1]` = low word. The
 * interpreter works on the halves directly; everything else uses the bigint accessors, which are
 * API edges. Snapshot and restore copy the one array, so they are cheap.
 */
import { SPRS, type SprInfo } from './spr.js';
import { hiLoToBigInt } from '../core/u64.js';

/** Register slots. GPR n is slot n. */
export const Slot = {
  NIP: 32,
  MSR: 33,
  LR: 34,
  CTR: 35,
  /** Full 64-bit XER: SO (bit 32 in IBM numbering = 0x80000000 of the low word), OV, CA, OV32, CA32, byte count. */
  XER: 36,
  /** CR is 32 bits: the low word of its slot; the high word stays 0. */
  CR: 37,
} as const;

const FIRST_SPR_SLOT = 38;

/** SPR number → slot, for mfspr/mtspr and the register-capture format. XER/LR/CTR map to their own slots. */
export const SPR_SLOT: ReadonlyMap<number, number> = (() => {
  const m = new Map<number, number>();
  let next = FIRST_SPR_SLOT;
  for (const s of SPRS) {
    if (s.name === 'XER') m.set(s.num, Slot.XER);
    else if (s.name === 'LR') m.set(s.num, Slot.LR);
    else if (s.name === 'CTR') m.set(s.num, Slot.CTR);
    else m.set(s.num, next++);
  }
  return m;
})();

export const SLOT_COUNT = FIRST_SPR_SLOT + SPRS.length - 3;

export const SPR_BY_NAME: ReadonlyMap<string, SprInfo> = new Map(SPRS.map((s) => [s.name, s]));

export function sprSlot(name: string): number {
  const info = SPR_BY_NAME.get(name);
  const slot = info === undefined ? undefined : SPR_SLOT.get(info.num);
  if (slot === undefined) throw new RangeError(`unknown SPR ${name}`);
  return slot;
}

/**
 * The decrementer (DEC, SPR 22), Power ISA v3.0 Book III 6.5. Under cost-1 (time base 'retired')
 * its slot is plain storage. Under a cycle-derived time base (cost-2) it counts down at the time
 * base frequency, and the slot holds, instead of the architected value, the value the counter had
 * (would have had) at time base 0: `stored = written + TB(at write)` mod 2^32, so that
 * `value(now) = stored - TB(now)` mod 2^32 = written - (TB(now) - TB(at write)).
 *
 * Why this and not the written value plus an anchor (the TB of the write) kept beside the
 * registers: the stored form does not change as time passes, so every copy of the register array
 * (ThreadState.snapshot/restore, Machine.fork's deep copy, a coupled call's saved registers, the
 * digest a checkpoint hashes and a replay recomputes) is already complete and stays right whatever
 * cycle it is read at; an anchor would be state that each of those places has to carry, and one
 * that forgets it is wrong silently. What has to know the form is where the architected value is
 * observed, and that is a short list: mfspr and mtspr (sim/isa/sem/system.ts), the register
 * writes a `full` trace records (Interpreter.stepObserved), and the clock stop, which is where
 * everything else (the oracle's clock-stop snapshot, hostboot's register capture, the QEMU-style
 * state save, a checkstopped machine's threads) looks: Machine.stopDecrementers rewrites every
 * DEC slot to its architected value at the clock-stop cycle (the counter stops with the clocks),
 * and Machine.resetThreads starts the count again at the next IPL.
 *
 * POWER9 is modelled without Large Decrementer mode (LPCR[LD] = 0; LPCR is plain storage and its
 * LD bit is not looked at): DEC is 32 bits and mfspr reads it zero-extended, as QEMU's
 * cpu_ppc_load_decr does outside LD mode (LD mode is the one that sign-extends). Decrementer
 * interrupts are not modelled: nothing is delivered when the value goes negative (no guest or
 * firmware here enables MSR[EE] with vectors installed).
 */
export const DEC_SLOT = sprSlot('DEC');

const TWO32 = 4294967296;

/** The architected DEC value at time base `tb`, from its stored (time-base-0) form `storedLo`. */
export function decrementerValue(storedLo: number, tb: number): number {
  return (storedLo - (tb % TWO32)) >>> 0;
}

/** Rewrite the DEC slot of register array `r` from its stored form to its architected value at `tb`. */
export function decrementerToValue(r: Uint32Array, tb: number): void {
  r[2 * DEC_SLOT] = 0;
  r[2 * DEC_SLOT + 1] = decrementerValue(r[2 * DEC_SLOT + 1]!, tb);
}

/** The stored (time-base-0) form of DEC written as `valueLo` at time base `tb`. */
export function decrementerStored(valueLo: number, tb: number): number {
  return (valueLo + (tb % TWO32)) >>> 0;
}

/** MSR bits used by the machine (Power ISA v3.0 Book III 4.2.1). */
export const MSR = {
  SF: 1n << 63n,
  HV: 1n << 60n,
  EE: 1n << 15n,
  PR: 1n << 14n,
  ME: 1n << 12n,
  IR: 1n << 5n,
  DR: 1n << 4n,
  RI: 1n << 1n,
  LE: 1n << 0n,
} as const;

/** XER bits in the low word (IBM bits 32.. of the 64-bit XER). */
export const XER = {
  SO: 0x8000_0000,
  OV: 0x4000_0000,
  CA: 0x2000_0000,
  OV32: 0x0008_0000,
  CA32: 0x0004_0000,
} as const;

export type ThreadRun = 'running' | 'stopped';

export class ThreadState {
  readonly r = new Uint32Array(SLOT_COUNT * 2);
  run: ThreadRun = 'stopped';
  /** HDAT core_state (spec 4.5): 0x00–0x0E stop level, 0x0F inactive. */
  coreState = 0;

  constructor(readonly pir: number) {
    this.setSpr('PIR', BigInt(pir));
  }

  get(slot: number): bigint {
    return hiLoToBigInt(this.r[2 * slot]!, this.r[2 * slot + 1]!);
  }

  set(slot: number, value: bigint): void {
    this.r[2 * slot] = Number((value >> 32n) & 0xffff_ffffn);
    this.r[2 * slot + 1] = Number(value & 0xffff_ffffn);
  }

  gpr(n: number): bigint {
    return this.get(n);
  }

  setGpr(n: number, value: bigint): void {
    this.set(n, value);
  }

  spr(name: string): bigint {
    return this.get(sprSlot(name));
  }

  setSpr(name: string, value: bigint): void {
    this.set(sprSlot(name), value);
  }

  /** CR as a 32-bit unsigned number. */
  get cr(): number {
    return this.r[2 * Slot.CR + 1]!;
  }

  set cr(v: number) {
    this.r[2 * Slot.CR] = 0;
    this.r[2 * Slot.CR + 1] = v >>> 0;
  }

  snapshot(): ThreadSnapshot {
    return { pir: this.pir, coreState: this.coreState, run: this.run, r: this.r.slice() };
  }

  restore(s: ThreadSnapshot): void {
    this.r.set(s.r);
    this.coreState = s.coreState;
    this.run = s.run;
  }
}

/** Frozen copy of one thread's state, taken by the oracle and by checkpoints. */
export interface ThreadSnapshot {
  readonly pir: number;
  readonly coreState: number;
  readonly run: ThreadRun;
  readonly r: Uint32Array;
}

export function snapGet(s: ThreadSnapshot, slot: number): bigint {
  return hiLoToBigInt(s.r[2 * slot]!, s.r[2 * slot + 1]!);
}


/** The registers `run --json` reports for a thread (design section 8). */
export interface RegisterView {
  nip: bigint;
  msr: bigint;
  cr: bigint;
  xer: bigint;
  lr: bigint;
  ctr: bigint;
  gpr: bigint[];
}

export function registerView(s: ThreadSnapshot): RegisterView {
  return {
    nip: snapGet(s, Slot.NIP),
    msr: snapGet(s, Slot.MSR),
    cr: snapGet(s, Slot.CR),
    xer: snapGet(s, Slot.XER),
    lr: snapGet(s, Slot.LR),
    ctr: snapGet(s, Slot.CTR),
    gpr: Array.from({ length: 32 }, (_, i) => snapGet(s, i)),
  };
}
