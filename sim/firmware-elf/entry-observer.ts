/**
 * A hook for watching firmware entries instruction by instruction (the build-vs-build bisect,
 * docs/bisect.md "Effect alignment"). The runner asks `entryObserver()` once per entry; with none
 * installed (every ordinary run) it steps exactly as before. With one, it steps through
 * `Interpreter.stepObserved` and reports each retired instruction, each service call and the end.
 *
 * The observer is process-wide and installed only around a run a bisect makes itself
 * (`withEntryObserver`), so no participant or machine carries it: forks and traces are unchanged.
 * The interface speaks in registers and addresses, not in time: a coupled-mode runner can report
 * the same calls the same way.
 */
import type { ThreadState } from '../cpu/state.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { RetiredMemWrite, RetiredRegWrite } from '../trace/events.js';
import type { Platform } from '../participants/platform.js';
import type { EntryPoint } from '../elf/symtab.js';
import type { FirmwareElf } from './loader.js';

export interface EntryStart {
  readonly elf: FirmwareElf;
  readonly entry: EntryPoint;
  readonly p: Platform;
  readonly bus: PhysicalMemory;
  readonly pir: number;
  readonly args: readonly bigint[];
  /** The firmware context's registers (live: read them in the callbacks). */
  readonly thread: ThreadState;
}

/** One entry being watched. */
export interface EntrySession {
  /** Before each instruction (the registers it reads are in `thread` now). */
  beforeStep(): void;
  /**
   * After each retired instruction: its address, word, the GPRs/SPRs it wrote, the bytes it stored
   * and the real address its load or store used (meaningful for loads and stores only).
   */
  retired(nip: bigint, word: number, registers: readonly RetiredRegWrite[], stores: readonly RetiredMemWrite[], address: number): void;
  /** A service call (callthru at `nip`) with r3 = number, r4.. = args, and its result (undefined: it ended the entry). */
  service(nip: bigint, number: bigint, args: readonly bigint[], result: bigint | undefined): void;
  /** The entry returned (or a service ended it) with `result`. */
  end(result: bigint): void;
  /** The entry faulted. */
  fault(kind: string, detail: string, nip: bigint): void;
}

export interface EntryObserver {
  begin(start: EntryStart): EntrySession;
}

let active: EntryObserver | undefined;

export function entryObserver(): EntryObserver | undefined {
  return active;
}

/** Run `body` with `observer` watching every firmware entry it makes; restores the previous one. */
export function withEntryObserver<T>(observer: EntryObserver, body: () => T): T {
  const previous = active;
  active = observer;
  try {
    return body();
  } finally {
    active = previous;
  }
}
