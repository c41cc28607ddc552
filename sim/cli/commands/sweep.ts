/**
 * `mpipl-sim sweep [--seed N] [--config FILE] [--firmware NAME] --from CYCLE --to CYCLE
 *                  [--time-mode charged|coupled] [--workers K] [--json]`
 *
 * Checks one scenario with its first crash at every cycle of [from, to] and reports every failing
 * cycle, consecutive cycles that fail alike compressed into ranges (`174000–174020: mdrt-sound`),
 * and the rate in cycles checked per second. Each cycle is a fork of one running base machine
 * (sim/bisect/sweep.ts; a full re-run when the firmware cannot be forked);
 * with K > 1 the window is dealt out round-robin to K worker threads running the built dist.
 * The workers are watched (sim/cli/watchdog.ts): one stuck in plugin code, or — with a plugin —
 * making no progress for 10× the limit, is terminated with the others, and the sweep ends with what was checked so
 * far and a `firmware-fault: … (watchdog)` verdict.
 *
 * Exit codes: 0 no cycle fails; 1 some cycle fails (or the watchdog ended the sweep); 2 usage or bad input.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags } from '../args.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { isPluginPath, loadFirmware } from '../firmware-loader.js';
import { appliedFirmwareElfOption } from '../firmware-elf-option.js';
import type { ScenarioSpec } from '../../scenario/scenario.js';
import { compressRanges, renderRange, sweepWindow, type SweepPoint } from '../../bisect/sweep.js';
import type { SweepShare } from '../../bisect/sweep-worker.js';
import { scenarioFromFlags } from './run.js';
import { progressBar } from '../progress.js';
import { hostNowMs } from '../host-clock.js';
import { noteProgress, WatchdogBoard, watch, watchdogLimitMs, type Hang } from '../watchdog.js';

const FLAGS = {
  seed: { type: 'string' },
  config: { type: 'string' },
  firmware: { type: 'string' },
  'crash-pir': { type: 'string' },
  crashes: { type: 'string' },
  'time-mode': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  workers: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const CYCLE_MAX = 2 ** 50;
/** A window is checked cycle by cycle; beyond this it is a typo, not a plan. */
export const SWEEP_WINDOW_MAX_CYCLES = 10_000_000;

/** The worker module, compiled: absent when running from the TypeScript sources (tests). */
function workerPath(): string | undefined {
  const path = fileURLToPath(new URL('../../bisect/sweep-worker.js', import.meta.url));
  return existsSync(path) ? path : undefined;
}

export const sweepCommand: Command = async (argv: string[], io: CliIo) => {
  const p = parseFlags(argv, FLAGS, false);
  const from = intFlag(p, 'from', CYCLE_MAX);
  const to = intFlag(p, 'to', CYCLE_MAX);
  if (from === undefined || to === undefined) throw new UsageError('--from CYCLE and --to CYCLE are required');
  if (to < from) throw new UsageError(`--to ${to} is below --from ${from}`);
  const cycles = to - from + 1;
  if (cycles > SWEEP_WINDOW_MAX_CYCLES) throw new UsageError(`the window holds ${cycles} cycles, at most ${SWEEP_WINDOW_MAX_CYCLES}`);
  const spec = scenarioFromFlags(p);
  if (to >= spec.maxCycles) throw new UsageError(`--to: crash cycles must be below the scenario's cycle limit ${spec.maxCycles}`);
  const profileFor = await loadFirmware(spec.firmware); // a plugin path, like run and check
  const workersAsked = intFlag(p, 'workers', 256);
  if (workersAsked === 0) throw new UsageError('--workers: at least 1');
  const path = workerPath();
  const workers = Math.min(workersAsked ?? availableParallelism(), cycles, path === undefined ? 1 : 256);

  const bar = progressBar(io, 'sweep', cycles, 'cycles');
  const startMs = hostNowMs();
  let failing: SweepPoint[];
  let checked = cycles;
  let hang: Hang | undefined;
  try {
    if (workers <= 1 || path === undefined) {
      let done = 0;
      failing = sweepWindow(spec, profileFor, from, to, (pt) => {
        noteProgress(`sweep: crash cycle ${pt.cycle}`);
        bar.update(++done);
      });
    } else {
      ({ failing, checked, hang } = await sweepWithWorkers(path, spec, from, to, workers, (n) => bar.update(n)));
    }
  } finally {
    bar.stop();
  }
  const seconds = Math.max((hostNowMs() - startMs) / 1000, 1e-3);
  const ranges = compressRanges(failing);
  const rate = cycles / seconds;
  const faultLine = hang === undefined ? undefined : `firmware-fault: ${hang.text}  (firmware ${spec.firmware}, invariant firmware-sane)`;
  if (boolFlag(p, 'json')) {
    io.stdout(
      `${JSON.stringify(
        {
          verdict: ranges.length === 0 && hang === undefined ? 'pass' : 'fail',
          seed: spec.seed,
          firmware: spec.firmware,
          ...(spec.timeMode === undefined ? {} : { timeMode: spec.timeMode }),
          from,
          to,
          cyclesChecked: checked,
          ...(faultLine === undefined ? {} : { firmwareFault: faultLine.slice('firmware-fault: '.length) }),
          failingCycles: failing.length,
          ranges: ranges.map((r) => ({ from: r.from, to: r.to, invariants: r.failing })),
          workers,
          seconds: Number(seconds.toFixed(3)),
          cyclesPerSecond: Number(rate.toFixed(1)),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const L = [`mpipl-sim sweep  seed=${spec.seed}  firmware=${spec.firmware}${spec.timeMode === undefined ? '' : `  time-mode=${spec.timeMode}`}  crash cycles ${from}–${to} (${cycles})  workers=${workers}`];
    for (const r of ranges) L.push(renderRange(r));
    if (faultLine !== undefined) {
      L.push(faultLine);
      L.push(`FAIL: stopped by the watchdog after ${checked} of ${cycles} crash cycles; ${failing.length} of them fail${ranges.length === 0 ? '' : ` (${ranges.length} range(s))`}`);
    } else L.push(`${ranges.length === 0 ? 'PASS' : 'FAIL'}: ${failing.length} of ${cycles} crash cycles fail${ranges.length === 0 ? '' : ` (${ranges.length} range(s))`}; ${rate.toFixed(1)} cycles/s`);
    io.stdout(`${L.join('\n')}\n`);
  }
  return ranges.length === 0 && hang === undefined ? ExitCode.pass : ExitCode.finding;
};

/**
 * Worker w checks cycles from + w, from + w + K, …; the failing points are merged afterwards. A
 * worker the watchdog finds stuck ends the sweep: every worker is terminated and the points
 * already reported are kept.
 */
async function sweepWithWorkers(
  path: string,
  spec: ScenarioSpec,
  from: number,
  to: number,
  workers: number,
  onProgress: (done: number) => void,
): Promise<{ failing: SweepPoint[]; checked: number; hang: Hang | undefined }> {
  const done = new Array<number>(workers).fill(0);
  const failing: SweepPoint[] = [];
  const board = WatchdogBoard.create(workers);
  const running: Worker[] = [];
  let hang: Hang | undefined;
  // The idle rule is for closures a plugin queued; built-in firmware always progresses, and a
  // base run to a late window may rightly take minutes before its first point.
  const elf = appliedFirmwareElfOption();
  const plugin = isPluginPath(spec.firmware) || (elf !== undefined && isPluginPath(elf.base));
  const stopWatching = watch(
    board,
    watchdogLimitMs(),
    (h) => {
      if (hang !== undefined) return;
      hang = h;
      for (const w of running) void w.terminate();
    },
    plugin,
  );
  // This thread may itself be watched (a plugin sweep runs in the sandbox): while it watches its
  // workers it is alive, and a stuck worker is this watchdog's to report, with the points so far.
  const alive = setInterval(() => noteProgress(`sweep: watching ${workers} workers`), 100);
  alive.unref();
  const jobs = Array.from({ length: workers }, (_, w) => {
    const share: SweepShare = { spec, from, to, offset: w, stride: workers, firmwareElf: appliedFirmwareElfOption(), board: board.buffer, slots: workers };
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(path, { workerData: share });
      running.push(worker);
      worker.on('message', (m: { type: string; done: number; point?: SweepPoint | null }) => {
        done[w] = m.done;
        if (m.point) failing.push(m.point);
        onProgress(done.reduce((a, b) => a + b, 0));
      });
      worker.on('error', (e) => (hang === undefined ? reject(e) : resolve()));
      // A worker the watchdog terminated exits with 1: that is the stop, not a failure.
      worker.on('exit', (code) => (code === 0 || hang !== undefined ? resolve() : reject(new Error(`sweep worker ${w} exited with ${code}`))));
    });
  });
  try {
    await Promise.all(jobs);
  } finally {
    stopWatching();
    clearInterval(alive);
    for (const w of running) void w.terminate();
  }
  return { failing, checked: done.reduce((a, b) => a + b, 0), hang };
}
