/**
 * Partial re-runs: run a scenario to a cycle and look at the machine there. Every bisect is built
 * on these, because a run is deterministic — the same scenario and firmware stopped at the same
 * cycle always give the same digest — so two firmwares can be compared at any cycle without a
 * recording of that cycle.
 */
import type { Machine } from '../machine/machine.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { runScenario, type RunResult } from '../scenario/run.js';
import type { ProfileFactory } from '../firmware/profiles.js';
import { MemorySink, type SimEvent, type TraceSink } from '../trace/events.js';

/** Drops events: probes only want the digest, and building events nobody reads costs time. */
export const NULL_SINK: TraceSink = { event: () => {} };

export interface DigestProbe {
  readonly digest: string;
  /** Where the machine really stopped: later than asked when a firmware step (an IPL, a copy) spans the cycle. */
  readonly stoppedAtCycle: number;
}

export function digestAt(spec: ScenarioSpec, profileFor: ProfileFactory, stopAtCycle: number): DigestProbe {
  const r = runScenario(spec, { sink: NULL_SINK, profile: profileFor(spec), stopAtCycle });
  return { digest: r.finalDigest, stoppedAtCycle: r.finalCycle };
}

export interface MachineProbe {
  readonly machine: Machine;
  readonly events: readonly SimEvent[];
  readonly result: RunResult;
}

/** The machine (and the events so far) where a run stopped at `stopAtCycle`. */
export function machineAt(spec: ScenarioSpec, profileFor: ProfileFactory, stopAtCycle: number): MachineProbe {
  const sink = new MemorySink();
  let machine: Machine | undefined;
  const result = runScenario(spec, {
    sink,
    profile: profileFor(spec),
    stopAtCycle,
    onStop: (m) => {
      machine = m;
    },
  });
  if (machine === undefined) throw new Error('runScenario did not call onStop');
  return { machine, events: sink.events, result };
}

/** Run a whole scenario without recording (the oracle's verdict is what bisects want). */
export function runQuiet(spec: ScenarioSpec, profileFor: ProfileFactory): RunResult {
  return runScenario(spec, { sink: NULL_SINK, profile: profileFor(spec) });
}
