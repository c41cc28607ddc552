/**
 * `mpipl-sim check [--runs N | --time SECONDS] [--seed S] [--firmware F] [--corpus DIR]
 *                  [--workers K] [--shard I/N] [--json]`
 *
 * Prints the seed first. Every failure is shrunk, written as a trace into the corpus at once (so
 * an interrupted check keeps it) and printed in the spec's vocabulary. Exit 1 on any failure.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags, stringFlag } from '../args.js';
import { UsageError } from '../../core/errors.js';
import { parseSeed } from '../../core/prng.js';
import { resolveProfile } from '../../firmware/profiles.js';
import { runCheck, type CheckFailure, type CheckReport, type Shard } from '../../check/check.js';
import { recordRun } from '../recording.js';
import { loadFirmware } from '../firmware-loader.js';
import { appliedFirmwareElfOption } from '../firmware-elf-option.js';
import { deriveScenario } from '../../scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../machine/config.js';
import { progressBar } from '../progress.js';
import { hostNowMs } from '../host-clock.js';

const FLAGS = {
  runs: { type: 'string' },
  time: { type: 'string' },
  seed: { type: 'string' },
  firmware: { type: 'string' },
  corpus: { type: 'string' },
  workers: { type: 'string' },
  shard: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const DEFAULT_CHECK_RUNS = 200;

export function parseShard(text: string | undefined): Shard {
  if (text === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (m === null) throw new UsageError(`--shard: expected I/N such as 0/4, got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 4096 || index >= count) throw new UsageError(`--shard: need 0 ≤ I < N ≤ 4096, got ${text}`);
  return { index, count };
}

/** File-system-safe corpus name for a counterexample. */
export function corpusName(firmware: string, f: CheckFailure): string {
  const fw = firmware.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${fw}-${f.invariant}-r${f.round}.mpt`;
}

export interface CheckSettings {
  seed: string;
  firmware: string;
  runs: number;
  deadlineMs: number | undefined;
  shard: Shard;
  workers: number;
  corpus: string | undefined;
  /** `--firmware-elf` as the parent applied it (sim/cli/firmware-elf-option.ts): worker threads load the same ELFs. */
  firmwareElf?: { readonly text: string; readonly base: string } | undefined;
}

function settingsFrom(argv: string[]): { s: CheckSettings; json: boolean } {
  const p = parseFlags(argv, FLAGS, false);
  const seedText = stringFlag(p, 'seed') ?? '1';
  const seed = parseSeed(seedText);
  if (seed === undefined) throw new UsageError(`--seed: "${seedText}" is not a seed`);
  const firmware = stringFlag(p, 'firmware') ?? 'reference';
  const time = intFlag(p, 'time', 7 * 24 * 3600);
  const runsFlag = intFlag(p, 'runs', 100_000_000);
  if (time !== undefined && runsFlag !== undefined) throw new UsageError('give --runs or --time, not both');
  const runs = runsFlag ?? (time !== undefined ? Number.MAX_SAFE_INTEGER : DEFAULT_CHECK_RUNS);
  const workers = intFlag(p, 'workers', 64) ?? 1;
  if (workers < 1) throw new UsageError('--workers: at least 1');
  const corpus = stringFlag(p, 'corpus');
  return {
    s: { seed, firmware, runs, deadlineMs: time === undefined ? undefined : hostNowMs() + time * 1000, shard: parseShard(stringFlag(p, 'shard')), workers, corpus, firmwareElf: appliedFirmwareElfOption() },
    json: boolFlag(p, 'json'),
  };
}

/** One process's share of a check (the whole check when K = 1). */
export function checkInProcess(s: CheckSettings, onRun: (n: number) => void, onFailure: (f: CheckFailure) => void, stop: () => boolean): CheckReport {
  const factory = resolveProfile(s.firmware);
  return runCheck({
    seed: s.seed,
    firmware: s.firmware,
    profileFor: factory,
    runs: s.runs,
    shard: s.shard,
    shouldStop: () => stop() || (s.deadlineMs !== undefined && hostNowMs() > s.deadlineMs),
    // The default scenario of the seed runs first: most single bugs already show there.
    examples: [deriveScenario(s.seed, DEFAULT_CONFIG, s.firmware)],
    onRun,
    onFailure,
  });
}

export const checkCommand: Command = async (argv: string[], io: CliIo) => {
  const { s, json } = settingsFrom(argv);
  await loadFirmware(s.firmware); // an unknown firmware or a broken plugin is a usage error before anything runs
  if (s.corpus !== undefined) mkdirSync(s.corpus, { recursive: true });
  if (!json) io.stdout(`mpipl-sim check  seed=${s.seed}  firmware=${s.firmware}  ${s.deadlineMs === undefined ? `runs=${s.runs}` : 'time-limited'}  shard=${s.shard.index}/${s.shard.count}  workers=${s.workers}\n`);
  const bar = progressBar(io, 'check', s.runs === Number.MAX_SAFE_INTEGER ? 0 : s.runs, 'scenarios');
  const failures: { f: CheckFailure; trace: string | null }[] = [];
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const reported = new Set<string>();
  const onFailure = (f: CheckFailure): void => {
    // Workers dedupe their own failures; across workers one counterexample per invariant is kept.
    if (reported.has(f.invariant)) return;
    reported.add(f.invariant);
    let trace: string | null = null;
    if (s.corpus !== undefined) {
      trace = join(s.corpus, corpusName(s.firmware, f));
      recordRun(f.spec, resolveProfile(s.firmware)(f.spec), trace, 'events');
    }
    failures.push({ f, trace });
    if (!json) io.stdout(`FAIL ${f.invariant}: ${f.description} → ${f.invariant}: ${f.detail}${trace === null ? '' : `\n     trace: ${trace}`}\n`);
  };
  let runs = 0;
  try {
    if (s.workers === 1) {
      const report = checkInProcess(s, (n) => bar.update(n), onFailure, () => interrupted);
      runs = report.runs;
    } else {
      runs = await checkWithWorkers(s, (n) => bar.update(n), onFailure);
    }
  } finally {
    bar.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const verdict = failures.length === 0 ? 'pass' : 'fail';
  if (json) {
    io.stdout(
      `${JSON.stringify(
        {
          verdict,
          runs,
          seed: s.seed,
          firmware: s.firmware,
          shard: `${s.shard.index}/${s.shard.count}`,
          failures: failures.map(({ f, trace }) => ({ invariant: f.invariant, detail: f.detail, trace, shrunk: f.description, shrinks: f.shrinks, scenario: f.spec })),
        },
        null,
        2,
      )}\n`,
    );
  } else io.stdout(`${verdict === 'pass' ? 'PASS' : 'FAIL'}: ${runs} scenarios, ${failures.length} failure(s)\n`);
  return verdict === 'pass' ? 0 : 1;
};

/** Split the work over K worker threads: worker w takes shard (I·K + w)/(N·K) and runs/K runs. */
async function checkWithWorkers(s: CheckSettings, onProgress: (n: number) => void, onFailure: (f: CheckFailure) => void): Promise<number> {
  const workerUrl = new URL('../check-worker.js', import.meta.url);
  const done: number[] = new Array<number>(s.workers).fill(0);
  const jobs = Array.from({ length: s.workers }, (_, w) => {
    const share: CheckSettings = {
      ...s,
      shard: { index: s.shard.index * s.workers + w, count: s.shard.count * s.workers },
      runs: s.runs === Number.MAX_SAFE_INTEGER ? s.runs : Math.floor(s.runs / s.workers) + (w < s.runs % s.workers ? 1 : 0),
      workers: 1,
      corpus: undefined,
    };
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(fileURLToPath(workerUrl), { workerData: share });
      worker.on('message', (m: { type: string; n?: number; failure?: CheckFailure }) => {
        if (m.type === 'run') {
          done[w] = m.n!;
          onProgress(done.reduce((a, b) => a + b, 0));
        } else if (m.type === 'failure') onFailure(m.failure!);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`check worker ${w} exited with ${code}`))));
    });
  });
  await Promise.all(jobs);
  return done.reduce((a, b) => a + b, 0);
}
