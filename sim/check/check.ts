/**
 * The property-based regression suite behind `mpipl-sim check`: generate scenarios, run each
 * against the firmware under test, and shrink every failure to a minimal counterexample that
 * breaks the same invariant.
 *
 * The seed space is split into rounds (a batch of runs with its own fast-check seed derived from
 * the user's seed and the round number), so `--shard I/N` takes every N-th round and the union of
 * all shards is exactly the unsharded run. No wall clock here: the caller decides when to stop.
 */
import fc from 'fast-check';
import { Digester } from '../core/digest.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { runScenario, type RunResult } from '../scenario/run.js';
import { MemorySink } from '../trace/events.js';
import type { FirmwareProfile } from '../participants/firmware.js';
import type { InvariantId } from '../oracle/invariants.js';
import { scenarioArb } from './arbitrary.js';
import { describeScenario } from './describe.js';

export const RUNS_PER_ROUND = 25;
/** Scenario runs one shrink may spend (a scenario costs ~0.05–0.3 s). */
export const SHRINK_RUNS_MAX = 80;

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface CheckOptions {
  readonly seed: string;
  readonly firmware: string;
  readonly profileFor: (spec: ScenarioSpec) => FirmwareProfile;
  /** Stop after this many runs (excluding shrinking). */
  readonly runs: number;
  readonly shard?: Shard;
  /** Asked before every scenario, also while shrinking (time budget, Ctrl-C). */
  readonly shouldStop?: () => boolean;
  /** A failing round whose invariant was already reported: counted, not shrunk again. */
  readonly onRepeat?: (invariant: InvariantId | 'cycle-limit') => void;
  /** After each scenario run (progress). */
  readonly onRun?: (runsDone: number) => void;
  /** Each generated (not shrinking) scenario with its result: `check --stats` counts these. */
  readonly onScenario?: (spec: ScenarioSpec, result: RunResult) => void;
  /** As soon as a failure is shrunk (so an interrupted check keeps it). */
  readonly onFailure?: (f: CheckFailure) => void;
  readonly ramSizeMaxBytes?: number;
  /** Generated scenarios' time mode (coupled: crashes aimed inside firmware, sim/check/firmware-crash-points.ts). */
  readonly timeMode?: 'charged' | 'coupled';
  /** Scenarios tried before the generated ones in the first round (the default scenario, corpus entries). */
  readonly examples?: readonly ScenarioSpec[];
}

export interface CheckFailure {
  readonly invariant: InvariantId | 'cycle-limit';
  readonly detail: string;
  readonly spec: ScenarioSpec;
  readonly description: string;
  /** fast-check replay coordinates of the original failure. */
  readonly round: number;
  readonly fcSeed: number;
  readonly fcPath: string;
  readonly shrinks: number;
}

export interface CheckReport {
  readonly runs: number;
  readonly rounds: number;
  readonly failures: readonly CheckFailure[];
}

/** The fast-check seed of round `g`: a pure function of the user's seed and the round. */
export function roundSeed(seed: string, g: number): number {
  const d = new Digester().text(seed).f64(g).done();
  return Number.parseInt(d.slice(0, 8), 16) | 0;
}

export function firstFailure(r: RunResult): { invariant: InvariantId | 'cycle-limit'; detail: string } | undefined {
  const bad = r.invariants.find((i) => !i.ok);
  if (bad !== undefined) return { invariant: bad.id, detail: bad.detail };
  if (r.note !== undefined) return { invariant: 'cycle-limit', detail: r.note };
  return undefined;
}

export function runCheck(o: CheckOptions): CheckReport {
  const arb = scenarioArb({ firmware: o.firmware, ...(o.ramSizeMaxBytes === undefined ? {} : { ramSizeMaxBytes: o.ramSizeMaxBytes }), ...(o.timeMode === undefined ? {} : { timeMode: o.timeMode }) });
  const shard = o.shard ?? { index: 0, count: 1 };
  const run = (spec: ScenarioSpec): RunResult => runScenario(spec, { sink: new MemorySink(), profile: o.profileFor(spec) });
  const failures: CheckFailure[] = [];
  const seen = new Set<string>();
  let runs = 0;
  let rounds = 0;
  // Checked before every scenario, so a time budget or Ctrl-C ends the check within one scenario;
  // once stopped, the rest of a round is skipped (fast-check still draws, nothing runs).
  let stopped = false;
  const stopNow = (): boolean => (stopped ||= o.shouldStop?.() ?? false);
  for (let g = shard.index; runs < o.runs && !stopNow(); g += shard.count) {
    rounds++;
    const fcSeed = roundSeed(o.seed, g);
    const numRuns = Math.min(RUNS_PER_ROUND, o.runs - runs);
    let roundRuns = 0;
    const examples = g === 0 ? (o.examples ?? []).map((e): [ScenarioSpec] => [e]) : [];
    const found = fc.check(
      fc.property(arb, (spec) => {
        if (stopNow()) return true;
        roundRuns++;
        o.onRun?.(runs + roundRuns);
        const result = run(spec);
        o.onScenario?.(spec, result);
        return firstFailure(result) === undefined;
      }),
      { seed: fcSeed, numRuns, endOnFailure: true, examples },
    );
    runs += roundRuns;
    if (!found.failed || found.counterexamplePath === null) continue;
    const original = found.counterexample![0];
    const target = firstFailure(run(original))!;
    if (seen.has(target.invariant)) {
      // Already reported: shrinking it again would only spend time (a broken firmware fails most rounds).
      o.onRepeat?.(target.invariant);
      continue;
    }
    // Shrink keeping the same invariant: replay the failing case and accept only candidates that
    // break that invariant again (a different failure is a different bug).
    // Shrinking is bounded by a run count, not by time, so the same seed always shrinks the same way:
    // past the budget every further candidate counts as passing and fast-check settles at once.
    let shrinkRuns = 0;
    const shrunk = fc.check(
      fc.property(arb, (spec) => {
        if (++shrinkRuns > SHRINK_RUNS_MAX || stopNow()) return true;
        const f = firstFailure(run(spec));
        return f === undefined || f.invariant !== target.invariant;
      }),
      { seed: fcSeed, path: found.counterexamplePath, numRuns: 1, examples },
    );
    const spec = shrunk.failed ? shrunk.counterexample![0] : original;
    const detail = firstFailure(run(spec)) ?? target;
    seen.add(target.invariant);
    if (detail.invariant !== target.invariant && seen.has(detail.invariant)) continue;
    seen.add(detail.invariant);
    o.onRun?.(runs);
    const failure: CheckFailure = { invariant: detail.invariant, detail: detail.detail, spec, description: describeScenario(spec), round: g, fcSeed, fcPath: found.counterexamplePath, shrinks: shrunk.numShrinks };
    failures.push(failure);
    o.onFailure?.(failure);
  }
  return { runs, rounds, failures };
}
