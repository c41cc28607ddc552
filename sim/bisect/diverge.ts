/**
 * The fine stage of `bisect diverge` (design sections 1 and 7): given the last cycle where a
 * recording and a re-run under another firmware were known equal (a matching checkpoint) and the
 * cycle of the first item that differs, find the exact cycle where their states part, by
 * ⌈log2(window)⌉ pairs of partial re-runs that compare machine digests (both runs deterministic).
 *
 * The coarse stage — one streaming comparison of the recorded events and checkpoints with the
 * re-run's — lives with the trace reader in sim/cli (sim/ does not import traces/).
 *
 * Cycle semantics: a run stopped at cycle s holds the state at the start of cycle s (every action
 * and instruction of cycles < s done). "State diverges at cycle d" means the stops at d agree and
 * the stops at d + 1 differ. A firmware step (clock stop → hostboot → IPL, a copy) runs as one
 * action that advances the clock by its cost, so no stop falls inside it; when the state boundary
 * is such a step and the first differing event lies inside it, that event's cycle is the finest
 * answer there is, and the report says the step spans [startCycle, endCycle].
 */
import type { ScenarioSpec } from '../scenario/scenario.js';
import type { ProfileFactory } from '../firmware/profiles.js';
import type { SimEvent } from '../trace/events.js';
import { Memo } from './search.js';
import { ForkingProber, machineAt } from './probe.js';
import { diffMachines, instructionsAt, sharedDigest, type InstructionAt, type SharedStateFilter, type StateDiff } from './state-diff.js';

export interface NarrowInput {
  readonly spec: ScenarioSpec;
  /** The firmware the trace was recorded with, and the one under test. */
  readonly recorded: ProfileFactory;
  readonly candidate: ProfileFactory;
  /** Cycle of the last checkpoint both streams agreed on (0 when none). */
  readonly lastEqualCycle: number;
  /** Cycle of the first differing item, and whether that item is a checkpoint (a digest). */
  readonly firstItemCycle: number;
  readonly firstItemIsCheckpoint: boolean;
  /**
   * Compare shared state only (two builds of a firmware: state-diff.ts SharedStateFilter). Probes
   * then re-run both sides to each stop (a fork's digest is the whole machine's).
   */
  readonly shared?: SharedStateFilter;
}

export interface Narrowed {
  readonly firstDivergentCycle: number;
  /** True when the machines' states part (at firstDivergentCycle); false when only events differ. */
  readonly stateDiverged: boolean;
  /** Set when the divergence is inside one firmware step that spans these cycles. */
  readonly atomicStep: { readonly startCycle: number; readonly endCycle: number } | undefined;
  /** State after the divergent cycle: recorded firmware (a) vs candidate (b). */
  readonly stateDiff: StateDiff;
  /** Events each run emitted at firstDivergentCycle. */
  readonly eventsAt: { readonly recorded: readonly SimEvent[]; readonly candidate: readonly SimEvent[] };
  /** What the threads whose registers differ were executing in that cycle. */
  readonly instructions: readonly InstructionAt[];
  /** Partial re-runs made (a digest probe runs both firmwares: two re-runs). */
  readonly reruns: number;
}

export function narrowDivergence(n: NarrowInput): Narrowed {
  const { spec, recorded, candidate } = n;
  let runs = 0;
  /** Stops that landed past their cycle: a firmware step spanning the stop ran to its end. */
  const overshot = new Set<number>();
  // Both runs move forward by forking (ForkingProber): a probe that finds the states equal
  // becomes the base the next, later probes fork from.
  const proberA = new ForkingProber(spec, recorded);
  const proberB = new ForkingProber(spec, candidate);
  const shared = n.shared;
  const differs = new Memo<boolean>((s) => {
    runs += 2;
    if (shared !== undefined) {
      const ma = machineAt(spec, recorded, s);
      const mb = machineAt(spec, candidate, s);
      if (ma.machine.cycle() > s && mb.machine.cycle() > s) overshot.add(s);
      return sharedDigest(ma.machine, shared) !== sharedDigest(mb.machine, shared);
    }
    const a = proberA.digestAt(s);
    const b = proberB.digestAt(s);
    if (a.stoppedAtCycle > s && b.stoppedAtCycle > s) overshot.add(s);
    const equal = a.digest === b.digest;
    if (equal) {
      proberA.advance(s);
      proberB.advance(s);
    }
    return !equal;
  });

  // A matching checkpoint taken inside a firmware step (clock stop) is not a start-of-cycle state;
  // check the lower bound instead of trusting it, and fall back to power-on (cycle 0).
  let lo = Math.min(n.lastEqualCycle, n.firstItemCycle);
  if (differs.at(lo)) lo = 0;
  let stop: number | undefined;
  if (lo === 0 && differs.at(0)) {
    stop = 0; // the power-on IPL itself differs
  } else {
    let hi: number | undefined;
    if (n.firstItemIsCheckpoint && n.firstItemCycle > lo && differs.at(n.firstItemCycle)) hi = n.firstItemCycle;
    else if (differs.at(n.firstItemCycle + 1)) hi = n.firstItemCycle + 1;
    if (hi !== undefined) stop = searchStops(lo, hi, (s) => differs.at(s), (s) => overshot.has(s));
  }

  // stop = first stop cycle whose states differ; the divergence happened in cycle stop − 1.
  const stateDiverged = stop !== undefined;
  let divergent = stop === undefined ? n.firstItemCycle : Math.max(0, stop - 1);
  const after = stop ?? n.firstItemCycle + 1;
  // Forked from the probers' bases (the last equal stop, below `after`): no prefix re-run.
  const a = proberA.machineAt(after);
  const b = proberB.machineAt(after);
  runs += 2;
  let atomicStep: Narrowed['atomicStep'];
  const overshoot = Math.min(a.machine.cycle(), b.machine.cycle());
  if (stateDiverged && overshoot > after) {
    atomicStep = { startCycle: divergent, endCycle: overshoot };
    if (n.firstItemCycle >= divergent && n.firstItemCycle <= overshoot) divergent = n.firstItemCycle;
  }
  const stateDiff = diffMachines(a.machine, b.machine, 16, shared);
  const eventsAt = { recorded: a.events.filter((e) => e.cycle === divergent), candidate: b.events.filter((e) => e.cycle === divergent) };

  // The threads whose registers differ, as they were at the start of the divergent cycle (equal
  // in both runs there, so the recorded firmware's machine tells).
  let instructions: InstructionAt[] = [];
  const pirs = stateDiff.threads.map((t) => Number(t.pir));
  if (pirs.length > 0 && atomicStep === undefined && stop !== undefined && stop > 0) {
    const before = proberA.machineAt(stop - 1);
    runs++;
    instructions = instructionsAt(before.machine, pirs);
  }
  return { firstDivergentCycle: divergent, stateDiverged, atomicStep, stateDiff, eventsAt, instructions, reruns: runs };
}

/**
 * firstBad, with one shortcut for the common case of a firmware step (clock stop → hostboot →
 * IPL runs as one action): the first differing stop that overshot is most likely right after
 * such a step began, so try the stop just above `lo` once before halving on (one extra probe at
 * most; the search invariant — lo equal, hi different — is kept either way).
 */
function searchStops(lo: number, hi: number, differs: (s: number) => boolean, overshot: (s: number) => boolean): number {
  let tried = false;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (!differs(mid)) {
      lo = mid;
      continue;
    }
    hi = mid;
    if (!tried && overshot(mid) && hi - lo > 2) {
      tried = true;
      if (differs(lo + 1)) return lo + 1;
      lo = lo + 1;
    }
  }
  return hi;
}
