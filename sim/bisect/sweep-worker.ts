/**
 * A `sweep` worker thread (compiled to dist; see sim/cli/commands/sweep.ts): checks its share of
 * the window — every cycle c of [from, to] with c ≡ offset (mod stride), so every worker sees the
 * whole window's mix of cheap and expensive cycles — and posts each failing point and progress.
 *
 * Its plugin calls and every point it finishes are written to its slot of the watchdog board
 * (sim/cli/watchdog.ts), so the sweeping thread can end a worker stuck in plugin code with a
 * verdict instead of hanging (design section 10).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFirmware } from '../cli/firmware-loader.js';
import { applyFirmwareElfInWorker } from '../cli/firmware-elf-option.js';
import { WatchdogBoard } from '../cli/watchdog.js';
import { setGuardMonitor } from '../firmware/guard.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { sweepPoints } from './sweep.js';

export interface SweepShare {
  readonly spec: ScenarioSpec;
  readonly from: number;
  readonly to: number;
  readonly offset: number;
  readonly stride: number;
  /** `--firmware-elf` as the parent applied it: the worker registers the same ELF profile. */
  readonly firmwareElf?: { readonly text: string; readonly base: string } | undefined;
  /** The watchdog board (one slot per worker) and this worker's slot. */
  readonly board: SharedArrayBuffer;
  readonly slots: number;
}

const share = workerData as SweepShare;
const monitor = new WatchdogBoard(share.board, share.slots).monitor(share.offset);
setGuardMonitor(monitor);
await applyFirmwareElfInWorker(share.firmwareElf);
// A plugin path is loaded in this thread too (a built-in name resolves as before).
monitor.enter(`loading ${share.spec.firmware}`);
const factory = await loadFirmware(share.spec.firmware);
monitor.exit();
let done = 0;
const cycles: number[] = [];
for (let c = share.from + share.offset; c <= share.to; c += share.stride) cycles.push(c);
for (const p of sweepPoints(share.spec, factory, cycles)) {
  done++;
  monitor.note(`crash cycle ${p.cycle}`);
  parentPort!.postMessage({ type: 'point', done, point: p.failing.length > 0 ? p : null });
}
parentPort!.postMessage({ type: 'end', done });
