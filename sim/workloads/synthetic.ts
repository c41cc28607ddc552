/**
 * The synthetic workload: a cheap stand-in for machine code that still leaves a rich,
 * cycle-dependent state behind. Every retired "instruction" advances an xorshift state kept in
 * r31 (so the thread's registers are its whole state: snapshots and replays need nothing else),
 * stores a doubleword in the thread's arena, and changes GPRs, CR, XER, LR, CTR and NIP.
 *
 * Contract (the same as the machine-code workloads): r3 = arena base, r4 = arena size in bytes.
 */
import { Step, type Executor, type InstructionObserver, type StepOutcome } from '../cpu/executor.js';
import { Slot, SLOT_COUNT, type ThreadState } from '../cpu/state.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { changedRegisters } from '../cpu/observe.js';
import { hiLoToBigInt } from '../core/u64.js';

/** The word `full` traces record for a synthetic step: it has no machine code, so no word (0 is illegal). */
export const SYNTHETIC_WORD = 0;

/** Fake text: NIP walks a 64 KiB loop in kernel text so a dump's NIP values look like code addresses. */
const TEXT_BASE = 0x0000_0000_0010_0000;
const TEXT_SIZE_BYTES = 0x1_0000;

export class SyntheticWorkload implements Executor {
  /** Real address of the last step's doubleword store, or -1 (arena too small): for stepObserved. */
  private lastStoreAddress = -1;
  private readonly registersBefore = new Uint32Array(SLOT_COUNT * 2);

  /** `step`, reporting the step as an instruction with its register and memory effects. */
  stepObserved(t: ThreadState, mem: PhysicalMemory, observe: InstructionObserver): StepOutcome {
    this.registersBefore.set(t.r);
    const nip = hiLoToBigInt(t.r[2 * Slot.NIP]!, t.r[2 * Slot.NIP + 1]!);
    const outcome = this.step(t, mem);
    const a = this.lastStoreAddress;
    observe(nip, SYNTHETIC_WORD, changedRegisters(this.registersBefore, t.r), a < 0 ? [] : [{ addr: BigInt(a), bytes: mem.readBytes(a, 8) }]);
    return outcome;
  }

  step(t: ThreadState, mem: PhysicalMemory): StepOutcome {
    const r = t.r;
    // xorshift32 pair on r31's halves: cheap, full-period, no BigInt.
    let hi = r[62]!;
    let lo = r[63]!;
    lo ^= lo << 13;
    lo ^= lo >>> 17;
    lo ^= lo << 5;
    hi ^= hi << 7;
    hi ^= hi >>> 9;
    hi ^= lo;
    r[62] = hi >>> 0;
    r[63] = lo >>> 0;
    const base = r[6]! * 0x1_0000_0000 + r[7]!; // r3 = slot 3 → words 6 (hi), 7 (lo)
    const size = r[9]!; // r4 low word: arena size (≤ 4 GiB)
    this.lastStoreAddress = -1;
    if (size >= 8) {
      const off = (lo >>> 0) % size & ~7;
      mem.write32BE(base + off, hi >>> 0);
      mem.write32BE(base + off + 4, lo >>> 0);
      this.lastStoreAddress = base + off;
    }
    // Registers a crash would capture: rotate a window of GPRs, update CR/XER/LR/CTR/NIP.
    const g = 10 + (lo & 15); // r10..r25
    r[2 * g] = hi >>> 0;
    r[2 * g + 1] = (lo + r[2 * g + 1]!) >>> 0;
    r[2 * Slot.CR + 1] = (r[2 * Slot.CR + 1]! ^ hi) >>> 0;
    r[2 * Slot.XER + 1] = hi & 0xe00c_007f; // SO/OV/CA, OV32/CA32 and the byte count only
    r[2 * Slot.CTR + 1] = (r[2 * Slot.CTR + 1]! - 1) >>> 0;
    if ((lo & 0xff) === 0) {
      r[2 * Slot.LR] = 0;
      r[2 * Slot.LR + 1] = TEXT_BASE + ((lo >>> 8) % TEXT_SIZE_BYTES & ~3);
    }
    const nip = r[2 * Slot.NIP + 1]!;
    r[2 * Slot.NIP] = 0;
    r[2 * Slot.NIP + 1] = nip >= TEXT_BASE && nip < TEXT_BASE + TEXT_SIZE_BYTES - 4 ? nip + 4 : TEXT_BASE;
    return Step.RETIRED;
  }
}
