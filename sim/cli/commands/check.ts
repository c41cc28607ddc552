/**
 * `mpipl-sim check [--runs N | --time SECONDS] [--seed S] [--firmware F] [--corpus DIR]
 *                  [--workers K] [--shard I/N] [--json]`
 *
 * Prints the seed first. Every failure is shrunk, written as a trace into the corpus at once (so
 * an interrupted check keeps it) and printed in the spec's vocabulary. Exit 1 on any failure.
 */
import { accessSync, mkdirSync, statSync, constants as fsConstants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags, stringFlag } from '../args.js';
import { UsageError } from '../../core/errors.js';
import { parseSeed } from '../../core/prng.js';
import { resolveProfile } from '../../firmware/profiles.js';
import { parseTimeMode } from './run.js';
import type { TimeMode } from '../../machine/cost-model.js';
import type { ScenarioSpec } from '../../scenario/scenario.js';
import { runCheck, type CheckFailure, type CheckReport, type Shard } from '../../check/check.js';
import { recordRun } from '../recording.js';
import { loadFirmware } from '../firmware-loader.js';
import { appliedFirmwareElfOption } from '../firmware-elf-option.js';
import { deriveScenario } from '../../scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../machine/config.js';
import { progressBar } from '../progress.js';
import { WatchdogBoard, watch, watchdogLimitMs, workerScript } from '../watchdog.js';
import { addToStats, emptyStats, formatStats, mergeStats, type CheckStats } from '../../check/stats.js';

const FLAGS = {
  runs: { type: 'string' },
  time: { type: 'string' },
  seed: { type: 'string' },
  firmware: { type: 'string' },
  corpus: { type: 'string' },
  workers: { type: 'string' },
  shard: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  stats: { type: 'boolean' },
  'time-mode': { type: 'string' },
} as const;

export const DEFAULT_CHECK_RUNS = 200;

/** A scenario in `mode` (charged leaves it as it is: older traces stay byte-identical). */
export function inTimeMode(spec: ScenarioSpec, mode: TimeMode | undefined): ScenarioSpec {
  return mode === 'coupled' ? { ...spec, timeMode: 'coupled' } : spec;
}

export function parseShard(text: string | undefined): Shard {
  if (text === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (m === null) throw new UsageError(`--shard: expected I/N such as 0/4, got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 4096 || index >= count) throw new UsageError(`--shard: need 0 ≤ I < N ≤ 4096, got ${text}`);
  return { index, count };
}

/** File-system-safe corpus name for a counterexample: seed and round keep two seeds' files apart. */
export function corpusName(firmware: string, seed: string, f: CheckFailure): string {
  const fw = firmware.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${fw}-${f.invariant}-s${seed.slice(0, 40)}-r${f.round}.mpt`;
}

/** Ctrl-C: the exit status a shell gives a process ended by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;
/** JS heap per check worker (memory of simulated RAM is outside it, in copy-on-write pages). */
export const WORKER_HEAP_MB = 768;

export interface CheckSettings {
  seed: string;
  firmware: string;
  runs: number;
  /** Host-time budget in ms from the start of the workers (undefined: --runs). */
  timeMs: number | undefined;
  shard: Shard;
  workers: number;
  corpus: string | undefined;
  /** Count generator cases and judgements (check --stats). */
  stats: boolean;
  /** `--firmware-elf` as the parent applied it (sim/cli/firmware-elf-option.ts): worker threads load the same ELFs. */
  firmwareElf?: { readonly text: string; readonly base: string } | undefined;
  /** `--time-mode coupled`: scenarios in coupled time, crashes aimed inside firmware. */
  timeMode?: TimeMode;
}

/** `--corpus DIR`: an existing directory we can write, or a new one (created now, one line on failure). */
function prepareCorpus(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new UsageError(`--corpus: cannot create directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return;
  }
  if (!st.isDirectory()) throw new UsageError(`--corpus: ${dir} exists and is not a directory`);
  try {
    accessSync(dir, fsConstants.W_OK | fsConstants.X_OK);
  } catch {
    throw new UsageError(`--corpus: directory ${dir} is not writable`);
  }
}

function settingsFrom(argv: string[], io: CliIo): { s: CheckSettings; json: boolean; verbose: boolean } {
  const p = parseFlags(argv, FLAGS, false);
  const seedText = stringFlag(p, 'seed') ?? '1';
  const seed = parseSeed(seedText);
  if (seed === undefined) throw new UsageError(`--seed: "${seedText}" is not a seed`);
  const firmware = stringFlag(p, 'firmware') ?? 'reference';
  const time = intFlag(p, 'time', 7 * 24 * 3600);
  const runsFlag = intFlag(p, 'runs', 100_000_000);
  if (time !== undefined && runsFlag !== undefined) throw new UsageError('give --runs or --time, not both');
  if (runsFlag === 0) throw new UsageError('--runs: at least 1 (a check of nothing cannot pass)');
  if (time === 0) throw new UsageError('--time: at least 1 second (a check of nothing cannot pass)');
  const runs = runsFlag ?? (time !== undefined ? Number.MAX_SAFE_INTEGER : DEFAULT_CHECK_RUNS);
  let workers = intFlag(p, 'workers', 4096) ?? 1;
  if (workers < 1) throw new UsageError('--workers: at least 1');
  const cores = availableParallelism();
  if (workers > cores) {
    io.stderr(`mpipl-sim check: --workers ${workers} capped at ${cores}, the number of cores (more only adds memory)\n`);
    workers = cores;
  }
  const corpus = stringFlag(p, 'corpus');
  return {
    s: { seed, firmware, runs, timeMs: time === undefined ? undefined : time * 1000, shard: parseShard(stringFlag(p, 'shard')), workers, corpus, stats: boolFlag(p, 'stats'), firmwareElf: appliedFirmwareElfOption(), timeMode: parseTimeMode(stringFlag(p, 'time-mode')) },
    json: boolFlag(p, 'json'),
    verbose: boolFlag(p, 'verbose'),
  };
}

/** One worker's share of a check. `stop` is asked before every scenario. */
export function checkInProcess(
  s: CheckSettings,
  onRun: (n: number) => void,
  onFailure: (f: CheckFailure) => void,
  stop: () => boolean,
  onRepeat: (invariant: string) => void = () => {},
  stats?: CheckStats,
): CheckReport {
  const factory = resolveProfile(s.firmware);
  return runCheck({
    seed: s.seed,
    firmware: s.firmware,
    profileFor: factory,
    runs: s.runs,
    shard: s.shard,
    shouldStop: stop,
    // The default scenario of the seed runs first: most single bugs already show there.
    examples: [inTimeMode(deriveScenario(s.seed, DEFAULT_CONFIG, s.firmware), s.timeMode)],
    ...(s.timeMode === undefined ? {} : { timeMode: s.timeMode }),
    onRun,
    onFailure,
    onRepeat,
    ...(stats === undefined ? {} : { onScenario: (spec, result) => addToStats(stats, spec, result) }),
  });
}

interface Finding {
  readonly f: CheckFailure | undefined;
  readonly invariant: string;
  readonly detail: string;
  readonly description: string;
  readonly trace: string | null;
  /** Further failing rounds of the same invariant (not shrunk again). */
  repeats: number;
}

export const checkCommand: Command = async (argv: string[], io: CliIo) => {
  const { s, json, verbose } = settingsFrom(argv, io);
  await loadFirmware(s.firmware); // an unknown firmware or a broken plugin is a usage error before anything runs
  if (s.corpus !== undefined) prepareCorpus(s.corpus);
  if (!json) io.stdout(`mpipl-sim check  seed=${s.seed}  firmware=${s.firmware}  ${s.timeMs === undefined ? `runs=${s.runs}` : `time=${s.timeMs / 1000}s`}  shard=${s.shard.index}/${s.shard.count}  workers=${s.workers}\n`);
  const bar = progressBar(io, 'check', s.runs === Number.MAX_SAFE_INTEGER ? 0 : s.runs, 'scenarios');
  const findings = new Map<string, Finding>();
  const print = (text: string): void => bar.interrupt(() => io.stdout(text));
  const onFailure = (f: CheckFailure): void => {
    // Workers dedupe their own failures; across workers one counterexample per invariant is kept.
    const known = findings.get(f.invariant);
    if (known !== undefined) {
      known.repeats++;
      return;
    }
    let trace: string | null = null;
    if (s.corpus !== undefined) {
      trace = join(s.corpus, corpusName(s.firmware, s.seed, f));
      recordRun(f.spec, resolveProfile(s.firmware)(f.spec), trace, 'events');
    }
    findings.set(f.invariant, { f, invariant: f.invariant, detail: f.detail, description: f.description, trace, repeats: 0 });
    if (!json) print(`FAIL ${f.invariant}: ${f.description} → ${f.invariant}: ${f.detail}${trace === null ? '' : `\n     trace: ${trace}`}\n`);
  };
  const onRepeat = (invariant: string): void => {
    const known = findings.get(invariant);
    if (known !== undefined) known.repeats++;
  };
  const outcome = await checkWithWorkers(s, (n) => bar.update(n), onFailure, onRepeat);
  bar.stop();
  if (outcome.hang !== undefined) {
    const h = outcome.hang;
    const detail = h.text;
    findings.set('firmware-sane', { f: undefined, invariant: 'firmware-sane', detail, description: h.scenario, trace: null, repeats: 0 });
    if (!json) io.stdout(`FAIL firmware-sane: ${h.scenario} → firmware-fault: ${detail}  (firmware ${s.firmware})\n`);
  }
  const runs = outcome.runs;
  const stats = outcome.stats;
  const list = [...findings.values()];
  const verdict = outcome.interrupted ? 'interrupted' : list.length === 0 ? 'pass' : 'fail';
  if (json) {
    io.stdout(
      `${JSON.stringify(
        {
          verdict,
          runs,
          seed: s.seed,
          firmware: s.firmware,
          shard: `${s.shard.index}/${s.shard.count}`,
          failures: list.map((x) => ({ invariant: x.invariant, detail: x.detail, trace: x.trace, shrunk: x.description, shrinks: x.f?.shrinks ?? 0, repeats: x.repeats, scenario: x.f?.spec ?? null })),
          ...(stats === undefined ? {} : { stats }),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    if (stats !== undefined) io.stdout(formatStats(stats));
    for (const x of list) if (x.repeats > 0) io.stdout(`  ${x.invariant}: failed in ${x.repeats} more round(s), not shrunk again\n`);
    if (outcome.interrupted) io.stdout(`interrupted: ${runs} scenarios, ${list.length} failure(s)${s.corpus === undefined ? '' : `; counterexamples kept in ${s.corpus}`}\n`);
    else io.stdout(`${verdict === 'pass' ? 'PASS' : 'FAIL'}: ${runs} scenarios, ${list.length} failure(s)\n`);
  }
  if (verbose) for (const x of list) if (x.f !== undefined) io.stderr(`${x.invariant}: ${JSON.stringify(x.f.spec)}\n`);
  if (outcome.interrupted) return EXIT_INTERRUPTED;
  return list.length === 0 ? 0 : 1;
};

interface WorkersOutcome {
  runs: number;
  interrupted: boolean;
  hang: { text: string; scenario: string } | undefined;
  /** Every worker's counts merged (check --stats). */
  stats: CheckStats | undefined;
}

/**
 * Run the check in K worker threads (K = 1 too: the main thread stays free to hear Ctrl-C and to
 * watch for plugin code that never returns). Worker w takes shard (I·K + w)/(N·K) and runs/K runs.
 * Ctrl-C sets the shared stop flag, which every worker reads before each scenario; a worker that
 * has not finished a second later (a long scenario), or on a second Ctrl-C, is terminated.
 */
async function checkWithWorkers(s: CheckSettings, onProgress: (n: number) => void, onFailure: (f: CheckFailure) => void, onRepeat: (invariant: string) => void): Promise<WorkersOutcome> {
  const board = WatchdogBoard.create(s.workers);
  const done: number[] = new Array<number>(s.workers).fill(0);
  const lastScenario: string[] = new Array<string>(s.workers).fill('(starting)');
  const workers: Worker[] = [];
  const outcome: WorkersOutcome = { runs: 0, interrupted: false, hang: undefined, stats: s.stats ? emptyStats() : undefined };
  const terminateAll = (): void => {
    for (const w of workers) void w.terminate();
  };
  let sigints = 0;
  const onSigint = (): void => {
    sigints++;
    outcome.interrupted = true;
    board.requestStop();
    if (sigints > 1) terminateAll();
    else setTimeout(terminateAll, 1000).unref();
  };
  process.on('SIGINT', onSigint);
  const stopWatching = watch(board, watchdogLimitMs(), (h) => {
    if (outcome.hang !== undefined) return;
    outcome.hang = { text: h.text, scenario: lastScenario[h.slot]! };
    board.requestStop();
    terminateAll();
  }, true);
  const deadline = s.timeMs === undefined ? undefined : setTimeout(() => board.requestStop(), s.timeMs);
  deadline?.unref();
  const jobs = Array.from({ length: s.workers }, (_, w) => {
    const share: CheckSettings = {
      ...s,
      shard: { index: s.shard.index * s.workers + w, count: s.shard.count * s.workers },
      runs: s.runs === Number.MAX_SAFE_INTEGER ? s.runs : Math.floor(s.runs / s.workers) + (w < s.runs % s.workers ? 1 : 0),
      workers: 1,
      corpus: undefined,
    };
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(fileURLToPath(workerScript('../check-worker.js', import.meta.url)), {
        workerData: { settings: share, board: board.buffer, slots: s.workers, slot: w },
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      });
      workers.push(worker);
      worker.on('message', (m: { type: string; n?: number; failure?: CheckFailure; invariant?: string; stats?: CheckStats }) => {
        if (m.type === 'run') {
          done[w] = m.n!;
          lastScenario[w] = `seed ${s.seed}, scenario ${m.n! + 1} of shard ${share.shard.index}/${share.shard.count}`;
          onProgress(done.reduce((a, b) => a + b, 0));
        } else if (m.type === 'failure') onFailure(m.failure!);
        else if (m.type === 'repeat') onRepeat(m.invariant!);
        else if (m.type === 'stats' && outcome.stats !== undefined) mergeStats(outcome.stats, m.stats!);
      });
      worker.on('error', (e) => {
        if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') reject(new UsageError(`check worker ${w} ran out of memory (${WORKER_HEAP_MB} MiB heap) in: ${lastScenario[w]}`));
        else reject(e);
      });
      // A worker terminated by Ctrl-C or the watchdog exits with 1: that is the stop, not a failure.
      worker.on('exit', (code) => (code === 0 || outcome.interrupted || outcome.hang !== undefined ? resolve() : reject(new Error(`check worker ${w} exited with ${code}`))));
    });
  });
  try {
    await Promise.all(jobs);
  } finally {
    stopWatching();
    if (deadline !== undefined) clearTimeout(deadline);
    process.removeListener('SIGINT', onSigint);
    terminateAll();
  }
  outcome.runs = done.reduce((a, b) => a + b, 0);
  return outcome;
}
