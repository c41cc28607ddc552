/**
 * The predecoded instruction and the contract between table rows and the interpreter.
 *
 * Decode runs once per instruction word (sim/cpu/interpreter.ts caches the result per page), so
 * an Op carries every field already extracted and sign-extended, plus whatever a row's `prepare`
 * precomputes (rotate masks). Every Op has the same properties in the same order, which keeps the
 * hot `op.exec(cpu, op)` call site working on one object shape.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { ThreadState } from '../cpu/state.js';

/** What a handler tells the interpreter to do next. */
export const Flow = {
  /** Retire; NIP <- NIP + 4. */
  NEXT: 0,
  /** Retire; the handler already wrote NIP (taken branch). */
  JUMP: 1,
  /** A trap condition held: nothing changed, NIP stays at the trap. */
  TRAP: 2,
  /** An interrupt other than a trap: nothing retired; `Cpu.fault` holds the cause. */
  FAULT: 3,
} as const;
export type FlowCode = (typeof Flow)[keyof typeof Flow];

/** Interrupt causes a handler can raise (the Linux signal a user-mode process would get). */
export type FaultKind = 'illegal' | 'privileged' | 'storage' | 'alignment' | 'syscall';

/**
 * The part of PhysicalMemory that handlers use (the page TLB and the checked accessors). Named so
 * that another memory can stand behind a Cpu: the full-level trace codec runs instructions on a
 * sparse model memory of its own (traces/exec-model.ts).
 */
export type CpuMemory = Pick<
  PhysicalMemory,
  'sizeBytes' | 'pageEpoch' | 'readablePage' | 'writablePage' | 'read8' | 'write8' | 'read32BE' | 'read32LE' | 'write32BE' | 'write32LE' | 'fill'
>;

/**
 * The machine as a handler sees it. The interpreter implements this; handlers read and write
 * registers through `r` (hi/lo halves per slot, see sim/cpu/state.ts) and memory through the
 * interpreter's accessors, which apply the real-mode address rule and the MSR[LE] byte order.
 */
export interface Cpu {
  /** Register halves of the running thread: r[2*slot] high word, r[2*slot+1] low word. */
  r: Uint32Array;
  readonly thread: ThreadState;
  readonly mem: CpuMemory;
  /** Data accesses are little-endian (MSR[LE] = 1). */
  le: boolean;
  /** Instructions retired by this interpreter; the time base is derived from it. */
  retired: number;
  /**
   * The time base when the machine derives it from its clock (cost model `timeBase: 'cycles'`);
   * undefined: the time base is `retired`.
   */
  timeBaseSource?: (() => number) | undefined;
  /** Effective address of the last `ea*` computation (update forms write it to RA). */
  eaHi: number;
  eaLo: number;
  /**
   * One-entry read and write TLBs of page objects (sim/isa/sem/load-store.ts), valid while
   * `tlbEpoch` equals the memory's `pageEpoch`.
   */
  tlbEpoch: number;
  rIndex: number;
  rPage: Uint8Array;
  wIndex: number;
  wPage: Uint8Array;
  /** Record an interrupt and return Flow.FAULT. */
  raise(kind: FaultKind, detail: string): FlowCode;
  /** `sc` was executed: hand the thread to the system-call handler. */
  systemCall(): FlowCode;
}

export type Handler = (c: Cpu, op: Op) => FlowCode;

export class Op {
  exec: Handler;
  readonly word: number;
  // Fields, named as in sim/isa/forms.ts; a field the row's form lacks stays 0.
  RT = 0; RS = 0; RA = 0; RB = 0; RC = 0; Rc = 0; OE = 0;
  SI = 0; UI = 0; D = 0; DS = 0; LI = 0; AA = 0; LK = 0;
  BO = 0; BI = 0; BD = 0; BH = 0; BT = 0; BA = 0; BB = 0; BF = 0; BFA = 0; BC = 0;
  L = 0; TO = 0; TH = 0; SH = 0; MB = 0; ME = 0; SPR = 0; TBR = 0; FXM = 0; LEV = 0;
  /** Precomputed by a row's `prepare`: rotate masks, sign-extended immediates as halves. */
  xHi = 0;
  xLo = 0;
  yHi = 0;
  yLo = 0;

  constructor(exec: Handler, word: number) {
    this.exec = exec;
    this.word = word;
  }
}
