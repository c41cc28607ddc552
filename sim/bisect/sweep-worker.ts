/**
 * A `sweep` worker thread (compiled to dist; see sim/cli/commands/sweep.ts): checks its share of
 * the window — every cycle c of [from, to] with c ≡ offset (mod stride), so every worker sees the
 * whole window's mix of cheap and expensive cycles — and posts each failing point and progress.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFirmware } from '../cli/firmware-loader.js';
import { applyFirmwareElfInWorker } from '../cli/firmware-elf-option.js';
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
}

const share = workerData as SweepShare;
await applyFirmwareElfInWorker(share.firmwareElf);
// A plugin path is loaded in this thread too (a built-in name resolves as before).
const factory = await loadFirmware(share.spec.firmware);
let done = 0;
const cycles: number[] = [];
for (let c = share.from + share.offset; c <= share.to; c += share.stride) cycles.push(c);
for (const p of sweepPoints(share.spec, factory, cycles)) {
  done++;
  parentPort!.postMessage({ type: 'point', done, point: p.failing.length > 0 ? p : null });
}
parentPort!.postMessage({ type: 'end', done });
