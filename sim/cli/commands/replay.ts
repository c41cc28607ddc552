/**
 * `mpipl-sim replay FILE|DIR... [--firmware NAME] [--json]` (design sections 7 and 8): re-run each
 * recorded scenario from its header and compare every event, checkpoint and the footer with the
 * recording, stopping at the first difference.
 *
 * Every trace gets its own line. Exit codes combine per-file outcomes for `git bisect run`: 1 if
 * any trace diverges; else 2 if any is bad input (damaged, not a trace); else 125 only when every
 * trace is one this build cannot run (newer format, unknown firmware); else 0. Nothing to replay
 * (an empty directory) is bad input: a check that checked nothing must not pass.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo, Command } from '../io.js';
import { boolFlag, parseFlags, stringFlag } from '../args.js';
import { CannotTestError, ExitCode, UsageError } from '../../core/errors.js';
import { readTrace } from '../../../traces/reader.js';
import { compareStreams, renderDivergence, canonicalItem, type CompareResult } from '../../../traces/replay.js';
import { rerun } from '../recording.js';
import { loadFirmware } from '../firmware-loader.js';
import { progressBar } from '../progress.js';

/** Trace files named on the command line, directories expanded to their `.mpt` files in name order. */
export function traceFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`no such file or directory: ${p}`);
    }
    if (st.isDirectory()) {
      const found = readdirSync(p).filter((n) => n.endsWith('.mpt')).sort().map((n) => join(p, n));
      if (found.length === 0) throw new UsageError(`${p}: no .mpt traces in this directory`);
      out.push(...found);
    } else out.push(p);
  }
  return out;
}

export interface ReplayOutcome {
  readonly file: string;
  readonly status: 'ok' | 'diverged' | 'cannot-test' | 'bad-input';
  readonly result?: CompareResult;
  readonly message?: string;
}

export function replayFile(file: string, firmware: string | undefined): ReplayOutcome {
  const it = readTrace(file);
  try {
    const first = it.next();
    if (first.done || first.value.type !== 'header') throw new UsageError(`${file}: no header`);
    const { items } = rerun(first.value.header, firmware);
    const result = compareStreams(it, items);
    return { file, status: result.ok ? 'ok' : 'diverged', result };
  } catch (e) {
    if (e instanceof CannotTestError) return { file, status: 'cannot-test', message: e.message };
    if (e instanceof UsageError) return { file, status: 'bad-input', message: e.message };
    throw e;
  } finally {
    it.return();
  }
}

export const replayCommand: Command = async (argv: string[], io: CliIo) => {
  const p = parseFlags(argv, { firmware: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (p.positionals.length === 0) throw new UsageError('expected at least one trace FILE or DIR');
  const files = traceFiles(p.positionals);
  const firmware = stringFlag(p, 'firmware');
  if (firmware !== undefined) await loadFirmware(firmware);
  const bar = progressBar(io, 'replay', files.length, 'traces');
  const outcomes = files.map((f, i) => {
    const o = replayFile(f, firmware);
    bar.update(i + 1);
    return o;
  });
  bar.stop();
  if (boolFlag(p, 'json')) {
    const doc = outcomes.map((o) => {
      const r = o.result;
      if (r === undefined || r.ok) return { file: o.file, status: o.status, itemsCompared: r?.ok ? r.itemsCompared : 0, message: o.message ?? null };
      return {
        file: o.file,
        status: o.status,
        firstDivergentCycle: r.cycle,
        recorded: r.recorded === undefined ? null : canonicalItem(r.recorded),
        replayed: r.replayed === undefined ? null : canonicalItem(r.replayed),
        differences: r.differences,
      };
    });
    io.stdout(`${JSON.stringify({ verdict: verdictOf(outcomes), traces: doc }, null, 2)}\n`);
  } else {
    for (const o of outcomes) {
      if (o.status === 'cannot-test') io.stderr(`mpipl-sim replay: ${o.file}: cannot test: ${o.message}\n`);
      else if (o.status === 'bad-input') io.stderr(`mpipl-sim replay: ${o.message!.startsWith(o.file) ? o.message : `${o.file}: ${o.message}`}\n`);
      else if (o.result?.ok) io.stdout(`${o.file}: replay matches (${o.result.itemsCompared} items)\n`);
      else io.stdout(`${o.file}: ${renderDivergence(o.result!)}`);
    }
  }
  return exitCodeOf(outcomes);
};

function verdictOf(outcomes: ReplayOutcome[]): string {
  return { [ExitCode.finding]: 'diverged', [ExitCode.usage]: 'bad-input', [ExitCode.cannotTest]: 'cannot-test', [ExitCode.pass]: 'pass' }[exitCodeOf(outcomes)]!;
}

/** Any divergence → 1; else any bad trace → 2; else 125 only if nothing could be tested; else 0. */
export function exitCodeOf(outcomes: readonly Pick<ReplayOutcome, 'status'>[]): number {
  if (outcomes.some((o) => o.status === 'diverged')) return ExitCode.finding;
  if (outcomes.some((o) => o.status === 'bad-input')) return ExitCode.usage;
  if (outcomes.length > 0 && outcomes.every((o) => o.status === 'cannot-test')) return ExitCode.cannotTest;
  return ExitCode.pass;
}
