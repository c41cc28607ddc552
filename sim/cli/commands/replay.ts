/**
 * `mpipl-sim replay FILE|DIR... [--firmware NAME] [--json]` (design sections 7 and 8): re-run each
 * recorded scenario from its header and compare every event, checkpoint and the footer with the
 * recording, stopping at the first difference.
 *
 * Exit codes follow `git bisect run`: 0 every trace replays exactly; 1 some trace diverges;
 * 125 none diverges but some trace cannot be run by this build (newer format, unknown firmware).
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
      out.push(...readdirSync(p).filter((n) => n.endsWith('.mpt')).sort().map((n) => join(p, n)));
    } else out.push(p);
  }
  return out;
}

export interface ReplayOutcome {
  readonly file: string;
  readonly status: 'ok' | 'diverged' | 'cannot-test';
  readonly result?: CompareResult;
  readonly message?: string;
}

export function replayFile(file: string, firmware: string | undefined): ReplayOutcome {
  const it = readTrace(file);
  const first = it.next();
  if (first.done || first.value.type !== 'header') throw new UsageError(`${file}: no header`);
  try {
    const { items } = rerun(first.value.header, firmware);
    const result = compareStreams(it, items);
    return { file, status: result.ok ? 'ok' : 'diverged', result };
  } catch (e) {
    if (e instanceof CannotTestError) return { file, status: 'cannot-test', message: e.message };
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
      if (o.status === 'cannot-test') io.stdout(`${o.file}: cannot test: ${o.message}\n`);
      else if (o.result?.ok) io.stdout(`${o.file}: replay matches (${o.result.itemsCompared} items)\n`);
      else io.stdout(`${o.file}: ${renderDivergence(o.result!)}`);
    }
  }
  return exitCodeOf(outcomes);
};

function verdictOf(outcomes: ReplayOutcome[]): string {
  if (outcomes.some((o) => o.status === 'diverged')) return 'diverged';
  if (outcomes.some((o) => o.status === 'cannot-test')) return 'cannot-test';
  return 'pass';
}

function exitCodeOf(outcomes: ReplayOutcome[]): number {
  if (outcomes.some((o) => o.status === 'diverged')) return ExitCode.finding;
  if (outcomes.some((o) => o.status === 'cannot-test')) return ExitCode.cannotTest;
  return ExitCode.pass;
}
