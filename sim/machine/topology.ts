/**
 * Chips × cores × threads and POWER9 PIR numbering: PIR = chip << 8 | core << 2 | thread
 * (skiboot include/chip.h, P9_PIR2GCID / P9_PIR2COREID / P9_PIR2THREADID).
 */
import type { MachineConfig } from './config.js';

export interface ThreadId {
  readonly chip: number;
  readonly core: number;
  readonly thread: number;
  readonly pir: number;
}

export function p9Pir(chip: number, core: number, thread: number): number {
  return (chip << 8) | (core << 2) | thread;
}

export class Topology {
  /** Every thread, in PIR order (the scheduler's and hostboot's order). */
  readonly threads: readonly ThreadId[];
  readonly chipIds: readonly number[];

  constructor(config: MachineConfig) {
    const threads: ThreadId[] = [];
    for (let chip = 0; chip < config.chips; chip++) {
      for (let core = 0; core < config.coresPerChip; core++) {
        for (let thread = 0; thread < config.threadsPerCore; thread++) {
          threads.push({ chip, core, thread, pir: p9Pir(chip, core, thread) });
        }
      }
    }
    this.threads = threads;
    this.chipIds = Array.from({ length: config.chips }, (_, i) => i);
  }

  get cpuMaxPir(): number {
    return this.threads[this.threads.length - 1]!.pir;
  }

  hasPir(pir: number): boolean {
    return this.threads.some((t) => t.pir === pir);
  }

  /** The chip skiboot marks `primary` (chip 0 here). */
  get primaryChip(): number {
    return 0;
  }
}
