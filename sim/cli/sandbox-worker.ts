/**
 * The worker side of sim/cli/sandbox.ts: load the plugin with the watchdog watching, then run the
 * command, sending its output to the supervising thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runCli } from './main.js';
import { loadFirmware } from './firmware-loader.js';
import { setProgressNote, WatchdogBoard } from './watchdog.js';
import { setGuardMonitor } from '../firmware/guard.js';
import { UsageError } from '../core/errors.js';

const { argv, board: buffer, plugins, isTty } = workerData as { argv: string[]; board: SharedArrayBuffer; plugins: string[]; isTty: boolean };
const monitor = new WatchdogBoard(buffer, 1).monitor(0);
setGuardMonitor(monitor);
setProgressNote(monitor.note);
const post = (m: unknown): void => parentPort!.postMessage(m);
for (const firmware of plugins) {
  monitor.enter(`loading the plugin ${firmware}`);
  try {
    await loadFirmware(firmware);
  } catch (e) {
    // A plugin that fails to load is reported by the command itself, as a usage error.
    if (!(e instanceof UsageError)) throw e;
  }
  monitor.exit();
}
const code = await runCli(argv, {
  stdout: (s) => post({ type: 'out', data: s }),
  stderr: (s) => post({ type: 'err', data: s }),
  isTty,
});
post({ type: 'done', code });
