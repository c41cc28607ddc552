/**
 * `check --stats` (in the spirit of fast-check's statistics): how often each generator case of
 * design section 6 — and each case issue 11 added — occurred in a run, how many scenarios took a
 * dump, and how often each invariant was judged and not judged. Classification reads the scenario
 * only; outcomes read the run result (an invariant result without a `judged` field was judged).
 */
import type { ScenarioSpec } from '../scenario/scenario.js';
import type { RunResult } from '../scenario/run.js';
import type { InvariantResult } from '../oracle/invariants.js';
import { FILL_BATCH_ADDS } from './arbitrary.js';

const MiB = 2 ** 20;
const PAGE = 0x1_0000;

/** A generator case: its name, whether it is one design section 6 lists, and the test. */
interface Case {
  readonly name: string;
  readonly section6: boolean;
  readonly holds: (s: ScenarioSpec) => boolean;
}

const adds = (s: ScenarioSpec) => s.ops.filter((o) => o.call === 'ADD_RANGE');
const sizeOf = (a: readonly string[]): bigint => BigInt(a[2] ?? '0');
const addrOf = (a: readonly string[], i: number): bigint => BigInt(a[i] ?? '0');
const near = (v: bigint, unit: bigint, slack: bigint): boolean => v >= unit - slack && (((v % unit) + slack) % unit) <= 2n * slack && v > 0n;
const withTag = (s: ScenarioSpec, tag: bigint) => s.ops.filter((o) => o.call === 'REGISTER_TAG' && BigInt(o.args[0] ?? '0') === tag);

/** The cases, in the order the table prints them. */
export const GENERATOR_CASES: readonly Case[] = [
  { name: 'ADD_RANGE', section6: true, holds: (s) => adds(s).length > 0 },
  { name: 'REMOVE_RANGE', section6: true, holds: (s) => s.ops.some((o) => o.call === 'REMOVE_RANGE') },
  { name: 'REMOVE_ALL', section6: true, holds: (s) => s.ops.some((o) => o.call === 'REMOVE_ALL') },
  { name: 'FREE_PRESERVED_MEMORY', section6: true, holds: (s) => s.ops.some((o) => o.call === 'FREE_PRESERVED_MEMORY') },
  { name: 'REGISTER_TAG', section6: true, holds: (s) => s.ops.some((o) => o.call === 'REGISTER_TAG') },
  { name: 'full tables (act_cnt ≥ 63)', section6: true, holds: (s) => s.tableWrites.some((w) => (w.actCnt ?? 0) >= 63) },
  {
    name: 'duplicate or overlapping ranges',
    section6: true,
    holds: (s) => {
      const a = adds(s);
      return a.some((x, i) => a.some((y, j) => j > i && (addrOf(x.args, 0) === addrOf(y.args, 0) || addrOf(x.args, 1) === addrOf(y.args, 1) || (addrOf(x.args, 1) < addrOf(y.args, 1) + sizeOf(y.args) && addrOf(y.args, 1) < addrOf(x.args, 1) + sizeOf(x.args)))));
    },
  },
  { name: 'size around a page multiple', section6: true, holds: (s) => adds(s).some((o) => near(sizeOf(o.args), BigInt(PAGE), 1n) && sizeOf(o.args) < 32n * BigInt(MiB)) },
  { name: 'size around a 32 MiB multiple', section6: true, holds: (s) => adds(s).some((o) => near(sizeOf(o.args), 32n * BigInt(MiB), BigInt(PAGE)) && sizeOf(o.args) < 1n << 32n) },
  { name: 'size around a 4 GiB multiple', section6: true, holds: (s) => adds(s).some((o) => sizeOf(o.args) >= (1n << 32n) - 0x1000n) },
  { name: 'address past RAM', section6: true, holds: (s) => adds(s).some((o) => [0, 1].some((i) => (addrOf(o.args, i) & 0x0fff_ffff_ffff_ffffn) + sizeOf(o.args) > BigInt(s.config.ramSizeBytes))) },
  { name: 'address with top bits set', section6: true, holds: (s) => adds(s).some((o) => [0, 1].some((i) => addrOf(o.args, i) >> 60n !== 0n)) },
  { name: 'never-stashed base', section6: true, holds: (s) => s.faults.dropStash === true },
  { name: 'too-small register area', section6: true, holds: (s) => s.faults.allocSizeBytes !== undefined },
  { name: 'raw (malformed) table writes', section6: true, holds: (s) => s.tableWrites.length > 0 },
  { name: 'crash before registration (< 800 cycles)', section6: true, holds: (s) => (s.crashes[0]?.afterBootCycles ?? Infinity) < 800 },
  { name: 'crash while registering (800–1 500)', section6: true, holds: (s) => { const c = s.crashes[0]?.afterBootCycles ?? -1; return c >= 800 && c < 1_500; } },
  { name: 'crash after registration (≥ 1 500)', section6: true, holds: (s) => (s.crashes[0]?.afterBootCycles ?? -1) >= 1_500 },
  { name: 'guest-initiated crash (trap)', section6: true, holds: (s) => s.crashes.some((c) => c.trapAfterIterations !== undefined) },
  { name: 'crash on a thread other than the boot thread', section6: true, holds: (s) => s.crashes.some((c) => c.pir !== 0) },
  { name: 'several crashes', section6: true, holds: (s) => s.crashes.length > 1 },
  // Issue 11.
  { name: 'seeded memory patterns', section6: false, holds: (s) => s.patterns === true },
  { name: 'k·32 MiB + r size (r < 64 KiB + 2)', section6: false, holds: (s) => adds(s).some((o) => { const v = sizeOf(o.args) & 0xffff_ffffn; return v > 32n * BigInt(MiB) && v % (32n * BigInt(MiB)) !== 0n && v % (32n * BigInt(MiB)) <= BigInt(PAGE + 1); }) },
  { name: 'k·4 GiB + r size', section6: false, holds: (s) => adds(s).some((o) => sizeOf(o.args) >= 1n << 32n && (sizeOf(o.args) & 0xffff_ffffn) <= 0x1_0001n) },
  { name: 'MPIPL chain without release (OPAL abort before release)', section6: false, holds: (s) => s.crashes.some((c, k) => k > 0 && c.source === 'opal' && c.beforeRelease === true) },
  { name: 'capture kernel crashes before release', section6: false, holds: (s) => s.crashes.some((c, k) => k > 0 && c.beforeRelease === true && c.source !== 'opal') },
  { name: 'OPAL abort', section6: false, holds: (s) => s.crashes.some((c) => c.source === 'opal') },
  { name: 'REGISTER_TAG(KERNEL, 0)', section6: false, holds: (s) => withTag(s, 2n).some((o) => BigInt(o.args[1] ?? '1') === 0n) },
  { name: 'KERNEL tag re-registered', section6: false, holds: (s) => withTag(s, 2n).some((o) => BigInt(o.args[1] ?? '0') !== 0n) },
  { name: 'table hole (zero entry)', section6: false, holds: (s) => s.tableWrites.some((w) => BigInt(w.addr) === 0n && w.sizeBytes === 0) },
  { name: 'same-index MDST/MDDT pair', section6: false, holds: (s) => s.tableWrites.some((w) => w.table === 'MDST' && s.tableWrites.some((v) => v.table === 'MDDT' && v.index === w.index && v.boot === w.boot && BigInt(v.addr) !== 0n)) },
  { name: 'MDST/MDDT sizes disagree at one index', section6: false, holds: (s) => s.tableWrites.some((w) => w.table === 'MDST' && s.tableWrites.some((v) => v.table === 'MDDT' && v.index === w.index && v.boot === w.boot && v.sizeBytes !== w.sizeBytes)) },
  { name: 'act_cnt set on one table only', section6: false, holds: (s) => s.tableWrites.some((w) => w.actCnt !== undefined && !s.tableWrites.some((v) => v.table !== w.table && v.boot === w.boot && v.actCnt === w.actCnt)) },
  { name: 'full table, then ADD_RANGE', section6: false, holds: (s) => s.tableWrites.some((w) => (w.actCnt ?? 0) >= 63 && adds(s).some((o) => o.boot === w.boot && o.afterBootCycles > w.afterBootCycles)) },
  { name: 'tables filled by ADD_RANGE, then more', section6: false, holds: (s) => [...new Set(adds(s).map((o) => o.boot))].some((b) => adds(s).filter((o) => o.boot === b).length >= FILL_BATCH_ADDS) },
  { name: 'boot memory top above skiboot', section6: false, holds: (s) => Array.isArray(s.linux['bootMemRegions']) && (s.linux['bootMemRegions'] as { startBytes: number; sizeBytes: number }[]).some((r) => r.startBytes + r.sizeBytes > 0x3000_0000) },
  { name: 'kernel’s RAM view not starting at 0', section6: false, holds: (s) => Array.isArray(s.linux['bootMemRegions']) && ((s.linux['bootMemRegions'] as { startBytes: number }[])[0]?.startBytes ?? 0) > 0 },
  { name: 'pinned dump-area start', section6: false, holds: (s) => s.linux['reserveDumpAreaStartBytes'] !== undefined },
  { name: 'platform-reserved range near the dump area', section6: false, holds: (s) => (s.reservedRanges ?? []).length > 0 },
  { name: 'CPUs panicking in the same cycle', section6: false, holds: (s) => s.crashes.some((c) => (c.alsoPanic ?? []).some((a) => a.afterCycles === 0)) },
  { name: 'a CPU panicking within the crash path', section6: false, holds: (s) => s.crashes.some((c) => (c.alsoPanic ?? []).some((a) => a.afterCycles > 0)) },
  { name: 'reboot in the first kernel (fast reboot)', section6: false, holds: (s) => (s.reboots ?? []).some((r) => r.boot === 0) },
  { name: 'reboot after a crash (fast refused after an MPIPL boot)', section6: false, holds: (s) => (s.reboots ?? []).some((r) => r.boot > 0) },
];

export interface InvariantCounts {
  judged: number;
  notJudged: number;
  failed: number;
}

export interface CheckStats {
  scenarios: number;
  /** Scenarios in which at least one MPIPL booted with preserved data. */
  dumpsTaken: number;
  cases: Record<string, { section6: boolean; count: number }>;
  invariants: Record<string, InvariantCounts>;
}

export function emptyStats(): CheckStats {
  const cases: CheckStats['cases'] = {};
  for (const c of GENERATOR_CASES) cases[c.name] = { section6: c.section6, count: 0 };
  return { scenarios: 0, dumpsTaken: 0, cases, invariants: {} };
}

/** Was this verdict a judgement? (`judged` absent: the oracle judged it.) */
function wasJudged(r: InvariantResult): boolean {
  return r.judged !== false;
}

/** Count one scenario and its result into `stats`. */
export function addToStats(stats: CheckStats, spec: ScenarioSpec, result: RunResult): void {
  stats.scenarios++;
  for (const c of GENERATOR_CASES) if (c.holds(spec)) stats.cases[c.name]!.count++;
  if (result.crashes.some((c) => c.mpiplBoot)) stats.dumpsTaken++;
  for (const r of result.invariants) {
    const n = (stats.invariants[r.id] ??= { judged: 0, notJudged: 0, failed: 0 });
    if (wasJudged(r)) n.judged++;
    else n.notJudged++;
    if (!r.ok) n.failed++;
  }
}

/** Add one worker's counts into `into` (check --stats with several workers). */
export function mergeStats(into: CheckStats, from: CheckStats): void {
  into.scenarios += from.scenarios;
  into.dumpsTaken += from.dumpsTaken;
  for (const [name, c] of Object.entries(from.cases)) (into.cases[name] ??= { section6: c.section6, count: 0 }).count += c.count;
  for (const [id, n] of Object.entries(from.invariants)) {
    const t = (into.invariants[id] ??= { judged: 0, notJudged: 0, failed: 0 });
    t.judged += n.judged;
    t.notJudged += n.notJudged;
    t.failed += n.failed;
  }
}

function pct(n: number, of: number): string {
  return of === 0 ? '—' : `${((100 * n) / of).toFixed(1)}%`;
}

/** The statistics as Markdown tables (printed by `check --stats`, pasted into docs/invariants.md). */
export function formatStats(s: CheckStats): string {
  const lines: string[] = [];
  lines.push(`${s.scenarios} scenarios, ${s.dumpsTaken} took a dump (${pct(s.dumpsTaken, s.scenarios)})`, '');
  lines.push('| generator case | design §6 | scenarios | share |', '|---|---|---:|---:|');
  for (const c of GENERATOR_CASES) {
    const n = s.cases[c.name]!.count;
    lines.push(`| ${c.name} | ${c.section6 ? 'yes' : 'issue 11'} | ${n} | ${pct(n, s.scenarios)} |`);
  }
  lines.push('', '| invariant | judged | not judged | failed |', '|---|---:|---:|---:|');
  for (const id of Object.keys(s.invariants).sort()) {
    const n = s.invariants[id]!;
    lines.push(`| ${id} | ${n.judged} | ${n.notJudged} | ${n.failed} |`);
  }
  return `${lines.join('\n')}\n`;
}
