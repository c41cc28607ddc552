/**
 * `bisect crash`: the first crash cycle in [good, bad] at which a scenario breaks an invariant.
 * The crash point is the first crash's absolute cycle; everything else in the scenario is kept.
 *
 * A binary search assumes the outcome is monotonic in the window (passes before some cycle, fails
 * from it on). It often is not — a crash in the middle of a registration call, or one that lands
 * on a cycle a firmware step swallows, can pass between failing cycles — so after the search a
 * bounded number of extra points are checked (one per stratum of the window, the point inside the
 * stratum drawn from a PRNG seeded by the window, so the same question always probes the same
 * cycles), and every pass/fail flip among all probed points is listed.
 */
import { UsageError } from '../core/errors.js';
import { Prng } from '../core/prng.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import type { ProfileFactory } from '../firmware/profiles.js';
import { firstFailure } from '../check/check.js';
import { firstBad, Memo } from './search.js';
import { runQuiet } from './probe.js';

export const DEFAULT_EXTRA_SAMPLES = 8;

/** The scenario with its first crash moved to absolute cycle `cycle` (same thread). */
export function withCrashAt(spec: ScenarioSpec, cycle: number): ScenarioSpec {
  const first = spec.crashes[0];
  if (first === undefined) throw new UsageError('the scenario has no crash to move');
  return { ...spec, crashes: [{ atCycle: cycle, pir: first.pir }, ...spec.crashes.slice(1)] };
}

export interface CrashOutcome {
  readonly cycle: number;
  readonly fails: boolean;
  /** The first failing invariant (or 'cycle-limit') and its detail, when the run fails. */
  readonly invariant?: string;
  readonly detail?: string;
}

export function crashOutcome(spec: ScenarioSpec, profileFor: ProfileFactory, cycle: number): CrashOutcome {
  const s = withCrashAt(spec, cycle);
  const f = firstFailure(runQuiet(s, profileFor));
  return f === undefined ? { cycle, fails: false } : { cycle, fails: true, invariant: f.invariant, detail: f.detail };
}

export interface Flip {
  readonly fromCycle: number;
  readonly toCycle: number;
  readonly from: 'pass' | 'fail';
  readonly to: 'pass' | 'fail';
}

export interface CrashBisectResult {
  readonly goodCycle: number;
  readonly badCycle: number;
  readonly firstBadCycle: number;
  readonly failure: CrashOutcome;
  /** Every probed point in cycle order (ends, search, extra samples). */
  readonly probed: readonly CrashOutcome[];
  /** Outcome changes between neighbouring probed points; one pass→fail flip when monotonic. */
  readonly flips: readonly Flip[];
  readonly monotonic: boolean;
  readonly extraSamples: number;
}

export interface CrashBisectInput {
  readonly spec: ScenarioSpec;
  readonly profileFor: ProfileFactory;
  readonly goodCycle: number;
  readonly badCycle: number;
  readonly extraSamples?: number;
  /** After each scenario run (progress). */
  readonly onProbe?: (o: CrashOutcome) => void;
}

export function bisectCrash(i: CrashBisectInput): CrashBisectResult {
  const { spec, profileFor, goodCycle, badCycle } = i;
  if (!(goodCycle < badCycle)) throw new UsageError(`--good ${goodCycle} must be below --bad ${badCycle}`);
  const memo = new Memo<CrashOutcome>((c) => {
    const o = crashOutcome(spec, profileFor, c);
    i.onProbe?.(o);
    return o;
  });
  const good = memo.at(goodCycle);
  if (good.fails) throw new UsageError(`--good ${goodCycle}: the scenario fails there (${good.invariant}), expected a pass`);
  const bad = memo.at(badCycle);
  if (!bad.fails) throw new UsageError(`--bad ${badCycle}: the scenario passes there, expected a failure`);

  const firstBadCycle = firstBad(goodCycle, badCycle, (c) => memo.at(c).fails);

  // Extra points: stratified over the open window, jittered by a PRNG seeded from the question.
  const extra = Math.max(0, Math.min(i.extraSamples ?? DEFAULT_EXTRA_SAMPLES, badCycle - goodCycle - 1));
  const prng = new Prng(`${spec.seed}`).stream(`bisect-crash/${goodCycle}/${badCycle}`);
  const width = (badCycle - goodCycle - 1) / Math.max(extra, 1);
  for (let k = 0; k < extra; k++) {
    const lo = goodCycle + 1 + Math.floor(k * width);
    const hi = Math.max(lo, goodCycle + Math.floor((k + 1) * width));
    memo.at(prng.int(lo, hi));
  }

  const probed = memo.points().map((p) => p.value);
  const flips: Flip[] = [];
  for (let k = 1; k < probed.length; k++) {
    const x = probed[k - 1]!;
    const y = probed[k]!;
    if (x.fails !== y.fails) flips.push({ fromCycle: x.cycle, toCycle: y.cycle, from: x.fails ? 'fail' : 'pass', to: y.fails ? 'fail' : 'pass' });
  }
  return { goodCycle, badCycle, firstBadCycle, failure: memo.at(firstBadCycle), probed, flips, monotonic: flips.length <= 1, extraSamples: extra };
}
