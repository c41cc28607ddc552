/**
 * `mpipl-sim sweep [--seed N] [--config FILE] [--firmware NAME] --from CYCLE --to CYCLE
 *                  [--workers K] [--json]`
 *
 * Checks one scenario with its first crash at every cycle of [from, to] and reports every failing
 * cycle, consecutive cycles that fail alike compressed into ranges (`174000–174020: mdrt-sound`),
 * and the rate in cycles checked per second. Each cycle is a fork of one running base machine
 * (sim/bisect/sweep.ts; a full re-run when the firmware cannot be forked);
 * with K > 1 the window is dealt out round-robin to K worker threads running the built dist.
 *
 * Exit codes: 0 no cycle fails; 1 some cycle fails; 2 usage or bad input.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags } from '../args.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { loadFirmware } from '../firmware-loader.js';
import { appliedFirmwareElfOption } from '../firmware-elf-option.js';
import type { ScenarioSpec } from '../../scenario/scenario.js';
import { compressRanges, renderRange, sweepWindow, type SweepPoint } from '../../bisect/sweep.js';
import type { SweepShare } from '../../bisect/sweep-worker.js';
import { scenarioFromFlags } from './run.js';
import { progressBar } from '../progress.js';
import { hostNowMs } from '../host-clock.js';

const FLAGS = {
  seed: { type: 'string' },
  config: { type: 'string' },
  firmware: { type: 'string' },
  'crash-pir': { type: 'string' },
  crashes: { type: 'string' },
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
  try {
    if (workers <= 1 || path === undefined) {
      let done = 0;
      failing = sweepWindow(spec, profileFor, from, to, () => bar.update(++done));
    } else {
      failing = await sweepWithWorkers(path, spec, from, to, workers, (n) => bar.update(n));
    }
  } finally {
    bar.stop();
  }
  const seconds = Math.max((hostNowMs() - startMs) / 1000, 1e-3);
  const ranges = compressRanges(failing);
  const rate = cycles / seconds;
  if (boolFlag(p, 'json')) {
    io.stdout(
      `${JSON.stringify(
        {
          verdict: ranges.length === 0 ? 'pass' : 'fail',
          seed: spec.seed,
          firmware: spec.firmware,
          from,
          to,
          cyclesChecked: cycles,
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
    const L = [`mpipl-sim sweep  seed=${spec.seed}  firmware=${spec.firmware}  crash cycles ${from}–${to} (${cycles})  workers=${workers}`];
    for (const r of ranges) L.push(renderRange(r));
    L.push(`${ranges.length === 0 ? 'PASS' : 'FAIL'}: ${failing.length} of ${cycles} crash cycles fail${ranges.length === 0 ? '' : ` (${ranges.length} range(s))`}; ${rate.toFixed(1)} cycles/s`);
    io.stdout(`${L.join('\n')}\n`);
  }
  return ranges.length === 0 ? ExitCode.pass : ExitCode.finding;
};

/** Worker w checks cycles from + w, from + w + K, …; the failing points are merged afterwards. */
async function sweepWithWorkers(path: string, spec: ScenarioSpec, from: number, to: number, workers: number, onProgress: (done: number) => void): Promise<SweepPoint[]> {
  const done = new Array<number>(workers).fill(0);
  const failing: SweepPoint[] = [];
  const jobs = Array.from({ length: workers }, (_, w) => {
    const share: SweepShare = { spec, from, to, offset: w, stride: workers, firmwareElf: appliedFirmwareElfOption() };
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(path, { workerData: share });
      worker.on('message', (m: { type: string; done: number; point?: SweepPoint | null }) => {
        done[w] = m.done;
        if (m.point) failing.push(m.point);
        onProgress(done.reduce((a, b) => a + b, 0));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sweep worker ${w} exited with ${code}`))));
    });
  });
  await Promise.all(jobs);
  return failing;
}
