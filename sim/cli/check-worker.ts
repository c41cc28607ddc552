/** A `check --workers K` worker thread: runs its shard and reports progress and failures. */
import { parentPort, workerData } from 'node:worker_threads';
import { checkInProcess, type CheckSettings } from './commands/check.js';
import { loadFirmware } from './firmware-loader.js';
import { applyFirmwareElfInWorker } from './firmware-elf-option.js';

const settings = workerData as CheckSettings;
await applyFirmwareElfInWorker(settings.firmwareElf);
await loadFirmware(settings.firmware);
const report = checkInProcess(
  settings,
  (n) => parentPort!.postMessage({ type: 'run', n }),
  (failure) => parentPort!.postMessage({ type: 'failure', failure }),
  () => false,
);
parentPort!.postMessage({ type: 'run', n: report.runs });
