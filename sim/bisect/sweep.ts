/**
 * `sweep`: check one scenario at every crash cycle of a window and report the failing cycles as
 * compressed ranges (`174000–174020: mdrt-sound`).
 *
 * One base run goes through the window with its crash held back; at each cycle the running
 * machine is forked (Machine.fork: copy-on-write memory, copied participants) and the fork crashes
 * there and runs to its verdict — the prefix is never re-run. A firmware that cannot be forked (a
 * proxied participant, a queued closure) falls back to one full re-run per cycle.
 */
import type { ScenarioSpec } from '../scenario/scenario.js';
import type { ProfileFactory } from '../firmware/profiles.js';
import { withCrashAt } from './crash.js';
import { runQuiet } from './probe.js';
import { startScenario, type RunResult, type ScenarioHarness } from '../scenario/run.js';
import { ForkError } from '../machine/machine.js';
import type { TraceSink } from '../trace/events.js';

const NULL_SINK: TraceSink = { event: () => {} };

export interface SweepPoint {
  readonly cycle: number;
  /** Failing invariant ids (sorted; 'cycle-limit' when the run did not finish); empty = pass. */
  readonly failing: readonly string[];
}

export function sweepPoint(spec: ScenarioSpec, profileFor: ProfileFactory, cycle: number): SweepPoint {
  return pointOf(cycle, runQuiet(withCrashAt(spec, cycle), profileFor));
}

function pointOf(cycle: number, r: RunResult): SweepPoint {
  const ids = new Set<string>();
  for (const i of r.invariants) if (!i.ok) ids.add(i.id);
  if (r.note !== undefined) ids.add('cycle-limit');
  return { cycle, failing: [...ids].sort() };
}

/**
 * Check the crash cycles `cycles` (ascending) of one scenario, forking a single base run at each.
 * Yields one point per cycle, in order.
 */
export function* sweepPoints(spec: ScenarioSpec, profileFor: ProfileFactory, cycles: readonly number[]): Generator<SweepPoint> {
  if (cycles.length === 0) return;
  const held = withCrashAt(spec, cycles[0]!);
  const base = startScenario(held, { sink: NULL_SINK, profile: profileFor(held) });
  base.holdCrashes = true;
  base.m.powerOn();
  for (let k = 0; k < cycles.length; k++) {
    const c = cycles[k]!;
    base.m.runUntil(c, () => base.finished);
    let fork: ScenarioHarness;
    try {
      fork = base.m.fork(NULL_SINK).hooks as ScenarioHarness;
    } catch (e) {
      if (!(e instanceof ForkError)) throw e;
      for (const rest of cycles.slice(k)) yield sweepPoint(spec, profileFor, rest);
      return;
    }
    yield fork.releaseHeldCrash(c) ? pointOf(c, fork.complete()) : sweepPoint(spec, profileFor, c);
  }
}

/** Check every cycle in [from, to], in order. */
export function sweepWindow(spec: ScenarioSpec, profileFor: ProfileFactory, from: number, to: number, onPoint?: (p: SweepPoint) => void): SweepPoint[] {
  const failing: SweepPoint[] = [];
  const cycles = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  for (const p of sweepPoints(spec, profileFor, cycles)) {
    onPoint?.(p);
    if (p.failing.length > 0) failing.push(p);
  }
  return failing;
}

export interface FailingRange {
  readonly from: number;
  readonly to: number;
  readonly failing: readonly string[];
}

/** Merge consecutive cycles that fail the same invariants (input: failing points, any order). */
export function compressRanges(points: readonly SweepPoint[]): FailingRange[] {
  const sorted = [...points].sort((a, b) => a.cycle - b.cycle);
  const out: { from: number; to: number; failing: readonly string[]; key: string }[] = [];
  for (const p of sorted) {
    if (p.failing.length === 0) continue;
    const key = p.failing.join(',');
    const last = out[out.length - 1];
    if (last !== undefined && last.key === key && last.to === p.cycle - 1) last.to = p.cycle;
    else out.push({ from: p.cycle, to: p.cycle, failing: p.failing, key });
  }
  return out.map(({ from, to, failing }) => ({ from, to, failing }));
}

export function renderRange(r: FailingRange): string {
  return `${r.from === r.to ? `${r.from}` : `${r.from}–${r.to}`}: ${r.failing.join(', ')}`;
}
