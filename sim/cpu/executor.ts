/**
 * What runs on a thread between boot and crash: real machine code through the interpreter, or
 * the cheap synthetic workload. The machine asks an executor to retire at most one instruction
 * per thread per cycle and acts on the outcome.
 */
import type { ThreadState } from './state.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { RetiredMemWrite, RetiredRegWrite } from '../trace/events.js';

/** Receives one retired instruction's address, word and effects (the machine adds cycle and PIR). */
export type InstructionObserver = (nip: bigint, word: number, regs: RetiredRegWrite[], mem: RetiredMemWrite[]) => void;

/** Step outcomes, as small integers because this is the hot path. */
export const Step = {
  /** One instruction retired (or the thread idles). */
  RETIRED: 0,
  /** A trap instruction fired: the kernel's program-check handler panics (crash from the guest). */
  TRAP: 1,
  /** The thread branched to `opal-entry-address`: dispatch an OPAL call (token r0, args r3–r10). */
  OPAL_ENTRY: 2,
  /** An architected interrupt other than a trap (illegal instruction, storage error); recorded, then the kernel panics. */
  FAULT: 3,
} as const;
export type StepOutcome = (typeof Step)[keyof typeof Step];

export interface Executor {
  /** Retire at most one instruction of `t`. */
  step(t: ThreadState, mem: PhysicalMemory): StepOutcome;
  /**
   * As `step`, and when an instruction retires, report it with its register and memory effects
   * (`full` traces). A separate method so the unobserved `step` carries no observation cost.
   */
  stepObserved?(t: ThreadState, mem: PhysicalMemory, observe: InstructionObserver): StepOutcome;
  /** Human description of the last FAULT (cause and address), for the crash event. */
  lastFault?(): string;
  /** Executors that read the time base take it from here when the machine's cost model derives it from cycles. */
  timeBaseSource?: (() => number) | undefined;
}
