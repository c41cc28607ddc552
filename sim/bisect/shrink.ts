/**
 * `shrink`: delta debugging over a failing scenario. Candidates are reductions of one dimension
 * at a time — fewer crashes, ops and raw table writes (ddmin: halves, then quarters … then single
 * elements), no fault injections or Linux options, fewer chips, cores and threads, less RAM, fewer
 * and smaller boot-memory regions, an earlier crash point, a shorter release delay — and a
 * candidate is kept only if it breaks the SAME invariant (a different failure is a different bug).
 * Greedy to a fixpoint, within a budget of runs.
 */
import { UsageError } from '../core/errors.js';
import { configFromObject, configToObject, LIMITS, type MachineConfig } from '../machine/config.js';
import { Topology } from '../machine/topology.js';
import type { CrashPoint, ScenarioSpec } from '../scenario/scenario.js';
import type { ProfileFactory } from '../firmware/profiles.js';
import { firstFailure } from '../check/check.js';
import { runQuiet } from './probe.js';

export const DEFAULT_SHRINK_RUNS_MAX = 300;

export interface ShrinkResult {
  readonly spec: ScenarioSpec;
  readonly invariant: string;
  readonly detail: string;
  /** Scenario runs spent, and candidates kept. */
  readonly runs: number;
  readonly accepted: number;
  /** The budget ran out before a fixpoint. */
  readonly budgetExhausted: boolean;
}

export interface ShrinkInput {
  readonly spec: ScenarioSpec;
  readonly profileFor: ProfileFactory;
  readonly runsMax?: number;
  readonly onRun?: (runs: number, accepted: number) => void;
}

/** Fails with `target`? Invalid candidates (a config the machine rejects) simply do not fail alike. */
function failsWith(spec: ScenarioSpec, profileFor: ProfileFactory, target: string): { detail: string } | undefined {
  try {
    const f = firstFailure(runQuiet(spec, profileFor));
    return f !== undefined && f.invariant === target ? { detail: f.detail } : undefined;
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError) return undefined;
    throw e;
  }
}

export function shrinkScenario(i: ShrinkInput): ShrinkResult {
  const runsMax = i.runsMax ?? DEFAULT_SHRINK_RUNS_MAX;
  const first = firstFailure(runQuiet(i.spec, i.profileFor));
  if (first === undefined) throw new UsageError('trace does not fail; nothing to shrink');
  const target = first.invariant;
  let current = i.spec;
  let detail = first.detail;
  let runs = 1;
  let accepted = 0;
  let progress = true;
  while (progress && runs < runsMax) {
    progress = false;
    for (const candidate of candidates(current)) {
      if (runs >= runsMax) break;
      runs++;
      const f = failsWith(candidate, i.profileFor, target);
      i.onRun?.(runs, accepted + (f === undefined ? 0 : 1));
      if (f === undefined) continue;
      current = candidate;
      detail = f.detail;
      accepted++;
      progress = true;
      break; // restart from the biggest reductions of the new scenario
    }
  }
  return { spec: current, invariant: target, detail, runs, accepted, budgetExhausted: progress && runs >= runsMax };
}

/** ddmin's complements: drop chunks of size n/2, n/4, …, 1 (largest first). */
function* dropChunks<T>(xs: readonly T[]): Generator<T[]> {
  if (xs.length === 0) return;
  yield [];
  for (let size = Math.floor(xs.length / 2); size >= 1; size = size === 1 ? 0 : Math.max(1, Math.floor(size / 2))) {
    for (let at = 0; at < xs.length; at += size) yield [...xs.slice(0, at), ...xs.slice(at + size)];
  }
}

/** Smaller versions of a count: 1, then halfway, then one less. */
function smallerInts(n: number, min: number): number[] {
  const out = new Set<number>();
  if (n > min) {
    out.add(min);
    out.add(Math.max(min, Math.floor(n / 2)));
    out.add(n - 1);
  }
  out.delete(n);
  return [...out].sort((a, b) => a - b);
}

function withConfig(spec: ScenarioSpec, over: Partial<Record<string, string | number>>): ScenarioSpec | undefined {
  let config: MachineConfig;
  try {
    config = configFromObject({ ...configToObject(spec.config), ...over });
  } catch {
    return undefined;
  }
  // Crashes on threads the smaller machine lacks move to its last thread (same boot, same cycle).
  const topo = new Topology(config);
  const lastPir = topo.threads[topo.threads.length - 1]!.pir;
  const crashes: CrashPoint[] = spec.crashes.map((c) => (topo.hasPir(c.pir) ? c : { ...c, pir: lastPir }));
  return { ...spec, config, crashes };
}

function* candidates(s: ScenarioSpec): Generator<ScenarioSpec> {
  // Fewer crashes (a later boot's ops and writes go with its crash).
  for (const n of smallerInts(s.crashes.length, 1)) {
    yield { ...s, crashes: s.crashes.slice(0, n), ops: s.ops.filter((o) => o.boot <= n), tableWrites: s.tableWrites.filter((w) => w.boot <= n) };
  }
  for (const ops of dropChunks(s.ops)) yield { ...s, ops };
  for (const tableWrites of dropChunks(s.tableWrites)) yield { ...s, tableWrites };
  for (const k of Object.keys(s.faults).sort()) {
    const faults: Record<string, unknown> = { ...s.faults };
    delete faults[k];
    yield { ...s, faults };
  }
  yield* linuxCandidates(s);
  const c = s.config;
  for (const chips of smallerInts(c.chips, 1)) yield* some(withConfig(s, { chips }));
  for (const coresPerChip of smallerInts(c.coresPerChip, 1)) yield* some(withConfig(s, { coresPerChip }));
  for (const threadsPerCore of smallerInts(c.threadsPerCore, 1)) yield* some(withConfig(s, { threadsPerCore }));
  for (let ram = Math.floor(c.ramSizeBytes / 2); ram >= LIMITS.ramSizeMinBytes; ram = Math.floor(ram / 2)) {
    yield* some(withConfig(s, { ramSize: `0x${ram.toString(16)}` }));
  }
  // An earlier crash point: halfway towards the start of its boot (or of the run).
  for (let k = 0; k < s.crashes.length; k++) {
    const cr = s.crashes[k]!;
    const moved: CrashPoint | undefined =
      cr.atCycle !== undefined && cr.atCycle > 1
        ? { ...cr, atCycle: Math.floor(cr.atCycle / 2) }
        : cr.afterBootCycles !== undefined && cr.afterBootCycles > 0
          ? { ...cr, afterBootCycles: Math.floor(cr.afterBootCycles / 2) }
          : undefined;
    if (moved !== undefined) yield { ...s, crashes: s.crashes.map((x, j) => (j === k ? moved : x)) };
  }
  if (s.releaseAfterCycles > 1) yield { ...s, releaseAfterCycles: Math.floor(s.releaseAfterCycles / 2) };
}

function* some<T>(x: T | undefined): Generator<T> {
  if (x !== undefined) yield x;
}

interface Region {
  startBytes: number;
  sizeBytes: number;
}

function* linuxCandidates(s: ScenarioSpec): Generator<ScenarioSpec> {
  const keys = Object.keys(s.linux).sort();
  for (const k of keys) {
    const linux: Record<string, unknown> = { ...s.linux };
    delete linux[k];
    yield { ...s, linux };
  }
  const regions = s.linux['bootMemRegions'];
  if (!Array.isArray(regions) || !regions.every(isRegion)) return;
  const rs = regions as Region[];
  if (rs.length > 1) for (const kept of dropChunks(rs)) if (kept.length > 0) yield { ...s, linux: { ...s.linux, bootMemRegions: kept } };
  // Halve a region, keeping it page-aligned (64 KiB covers every page size Linux uses here).
  for (let k = 0; k < rs.length; k++) {
    const r = rs[k]!;
    const half = Math.floor(r.sizeBytes / 2 / 0x1_0000) * 0x1_0000;
    if (half > 0) yield { ...s, linux: { ...s.linux, bootMemRegions: rs.map((x, j) => (j === k ? { ...x, sizeBytes: half } : x)) } };
  }
}

function isRegion(r: unknown): r is Region {
  return typeof r === 'object' && r !== null && typeof (r as Region).startBytes === 'number' && typeof (r as Region).sizeBytes === 'number';
}

/** A size measure for before/after reports: the things shrinking removes. */
export function scenarioSize(s: ScenarioSpec): Record<string, number> {
  const regions = s.linux['bootMemRegions'];
  return {
    crashes: s.crashes.length,
    ops: s.ops.length,
    tableWrites: s.tableWrites.length,
    threads: s.config.chips * s.config.coresPerChip * s.config.threadsPerCore,
    ramSizeBytes: s.config.ramSizeBytes,
    linuxOptions: Object.keys(s.linux).length,
    bootMemRegions: Array.isArray(regions) ? regions.length : 1,
  };
}
