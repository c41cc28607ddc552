/**
 * Commands that run a firmware plugin (`--firmware ./my-firmware.js`) run in a worker thread, so
 * that plugin code that never returns — an infinite loop in `opalCall`, a top-level `await` that
 * never settles — ends as a finding instead of hanging the tool (design section 10). This thread
 * forwards the worker's output, watches the board its participant-call guard writes
 * (sim/cli/watchdog.ts) and answers a hang with a verdict naming the firmware and the call:
 * `firmware-fault: skiboot.opalCall did not return within 20 s (watchdog)`, exit 1. Work outside
 * plugin calls is watched too, with the idle rule `check` applies (sim/cli/watchdog.ts
 * IDLE_LIMIT_FACTOR): a closure the plugin scheduled (`platform.schedule`) that loops forever is
 * not inside a guarded call, but it stops all progress on the board — every plugin call and every
 * point a command notes (noteProgress) — and after 10× the limit that is a hang as well.
 *
 * `check` supervises its own workers the same way (sim/cli/commands/check.ts).
 * MPIPL_SIM_WATCHDOG_SECONDS changes the limit (tests use a short one).
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './io.js';
import { isPluginPath } from './firmware-loader.js';
import { WatchdogBoard, watch, watchdogLimitMs, workerScript, type Hang } from './watchdog.js';
import { ExitCode } from '../core/errors.js';

/** JS heap of the sandbox worker. */
const SANDBOX_HEAP_MB = 1024;

/**
 * The plugin paths a command line names: `--firmware X` / `--firmware=X`, and for
 * `bisect firmware V1 V2… --trace FILE…` every version that is a path. Empty: nothing to sandbox.
 */
export function pluginFirmwaresIn(name: string, argv: readonly string[]): string[] {
  const plugins: string[] = [];
  const versions = name === 'bisect' && argv[0] === 'firmware';
  let inTraces = false;
  for (let i = versions ? 1 : 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('--')) inTraces = a === '--trace';
    const v = a === '--firmware' ? argv[++i] : a.startsWith('--firmware=') ? a.slice('--firmware='.length) : versions && !inTraces && !a.startsWith('-') ? a : undefined;
    if (v !== undefined && isPluginPath(v)) plugins.push(v);
  }
  return plugins;
}

type FromWorker = { type: 'out'; data: string | Uint8Array } | { type: 'err'; data: string } | { type: 'done'; code: number };

export function runSandboxed(name: string, argv: readonly string[], plugins: readonly string[], io: CliIo): Promise<number> {
  const firmware = plugins.join(', ');
  const board = WatchdogBoard.create(1);
  const limitMs = watchdogLimitMs();
  return new Promise<number>((resolve, reject) => {
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      stopWatching();
      process.removeListener('SIGINT', onSigint);
      resolve(code);
    };
    const fault = (text: string): void => {
      io.stdout(`firmware-fault: ${text}  (firmware ${firmware}, invariant firmware-sane)\nverdict: FAIL\n`);
      finish(ExitCode.finding);
    };
    const worker = new Worker(fileURLToPath(workerScript('./sandbox-worker.js', import.meta.url)), {
      workerData: { argv: [name, ...argv], board: board.buffer, plugins, isTty: io.isTty },
      resourceLimits: { maxOldGenerationSizeMb: SANDBOX_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    const onSigint = (): void => {
      void worker.terminate();
      io.stderr(`mpipl-sim ${name}: interrupted\n`);
      finish(130);
    };
    process.on('SIGINT', onSigint);
    const stopWatching = watch(
      board,
      limitMs,
      (h: Hang) => {
        void worker.terminate();
        fault(h.text);
      },
      true,
    );
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'out') io.stdout(m.data);
      else if (m.type === 'err') io.stderr(m.data);
      else finish(m.code);
    });
    worker.on('error', (e) => {
      if (finished) return;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_WORKER_OUT_OF_MEMORY') return fault(`${board.read(0).activity || 'the run'} ran out of memory (${SANDBOX_HEAP_MB} MiB heap)`);
      finished = true;
      stopWatching();
      process.removeListener('SIGINT', onSigint);
      reject(e);
    });
    worker.on('exit', () => {
      if (finished) return;
      // The worker's event loop emptied before the command finished: only a promise that never
      // settles does that — in practice the plugin's top-level await.
      const s = board.read(0);
      fault(`${s.depth > 0 ? s.activity : 'the plugin'} never finished: a promise that never settles (a top-level await?)`);
    });
  });
}
