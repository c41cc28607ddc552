/**
 * A `check` worker thread: runs its shard and reports progress, the scenario it is on, failures
 * and repeats. It stops before the next scenario once the shared stop flag is set (Ctrl-C, --time,
 * the watchdog), and its plugin calls are visible on the watchdog board (sim/cli/watchdog.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkInProcess, type CheckSettings } from './commands/check.js';
import { loadFirmware } from './firmware-loader.js';
import { WatchdogBoard } from './watchdog.js';
import { setGuardMonitor } from '../firmware/guard.js';
import { emptyStats } from '../check/stats.js';
import { applyFirmwareElfInWorker } from './firmware-elf-option.js';

const { settings, board: buffer, slots, slot } = workerData as { settings: CheckSettings; board: SharedArrayBuffer; slots: number; slot: number };
const board = new WatchdogBoard(buffer, slots);
const monitor = board.monitor(slot);
setGuardMonitor(monitor);
await applyFirmwareElfInWorker(settings.firmwareElf);
monitor.enter(`loading ${settings.firmware}`);
await loadFirmware(settings.firmware);
monitor.exit();
const stats = settings.stats ? emptyStats() : undefined;
const report = checkInProcess(
  settings,
  (n) => {
    // Every scenario is progress the watchdog sees (built-in firmware makes no guarded calls).
    monitor.note(`scenario ${n}`);
    parentPort!.postMessage({ type: 'run', n });
  },
  (failure) => parentPort!.postMessage({ type: 'failure', failure }),
  () => board.stopRequested(),
  (invariant) => parentPort!.postMessage({ type: 'repeat', invariant }),
  stats,
);
if (stats !== undefined) parentPort!.postMessage({ type: 'stats', stats });
parentPort!.postMessage({ type: 'run', n: report.runs });
