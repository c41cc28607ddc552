/**
 * `sweep`: check one scenario at every crash cycle of a window and report the failing cycles as
 * compressed ranges (`174000–174020: mdrt-sound`).
 *
 * Each cycle is a full re-run with the first crash moved there. The design asks for forking a
 * running machine at the window's start instead of re-running the prefix; the machine cannot be
 * forked yet (participants schedule closures on its event queue), see docs/bisect.md.
 */
import type { ScenarioSpec } from '../scenario/scenario.js';
import type { ProfileFactory } from '../firmware/profiles.js';
import { withCrashAt } from './crash.js';
import { runQuiet } from './probe.js';

export interface SweepPoint {
  readonly cycle: number;
  /** Failing invariant ids (sorted; 'cycle-limit' when the run did not finish); empty = pass. */
  readonly failing: readonly string[];
}

export function sweepPoint(spec: ScenarioSpec, profileFor: ProfileFactory, cycle: number): SweepPoint {
  const r = runQuiet(withCrashAt(spec, cycle), profileFor);
  const ids = new Set<string>();
  for (const i of r.invariants) if (!i.ok) ids.add(i.id);
  if (r.note !== undefined) ids.add('cycle-limit');
  return { cycle, failing: [...ids].sort() };
}

/** Check every cycle in [from, to], in order. */
export function sweepWindow(spec: ScenarioSpec, profileFor: ProfileFactory, from: number, to: number, onPoint?: (p: SweepPoint) => void): SweepPoint[] {
  const failing: SweepPoint[] = [];
  for (let c = from; c <= to; c++) {
    const p = sweepPoint(spec, profileFor, c);
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
