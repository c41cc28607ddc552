/**
 * Partial re-runs: run a scenario to a cycle and look at the machine there. Every bisect is built
 * on these, because a run is deterministic — the same scenario and firmware stopped at the same
 * cycle always give the same digest — so two firmwares can be compared at any cycle without a
 * recording of that cycle.
 */
import type { Machine } from '../machine/machine.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { runScenario, startScenario, type RunResult, type ScenarioHarness } from '../scenario/run.js';
import { ForkError } from '../machine/machine.js';
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
  /** The run's result; undefined for a forked probe, which stops without finishing the scenario. */
  readonly result: RunResult | undefined;
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

/**
 * Digest probes that move forward by forking one running machine instead of re-running from
 * power-on (snapshot forking). A probe at cycle s forks the base (kept at the last cycle the caller
 * `advance`d to) and runs the fork on to s; `advance(s)` makes that fork the new base, so a
 * bisection whose lower bound only rises pays each stretch of cycles once. A probe before the
 * base, or a firmware that cannot be forked, falls back to a full re-run — same answer, slower.
 */
export class ForkingProber {
  private base: ScenarioHarness | undefined;
  private readonly forks = new Map<number, ScenarioHarness>();
  reruns = 0;
  forked = 0;

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly profileFor: ProfileFactory,
  ) {
    const h = startScenario(spec, { sink: NULL_SINK, profile: profileFor(spec) });
    h.m.powerOn();
    this.base = h;
  }

  digestAt(stopAtCycle: number): DigestProbe {
    const base = this.base;
    if (base !== undefined && stopAtCycle >= base.m.cycle()) {
      try {
        const f = base.m.fork(NULL_SINK).hooks as ScenarioHarness;
        f.m.runUntil(Math.min(this.spec.maxCycles, stopAtCycle), () => f.finished);
        this.forks.set(stopAtCycle, f);
        this.forked++;
        return { digest: f.m.digest(), stoppedAtCycle: f.m.cycle() };
      } catch (e) {
        if (!(e instanceof ForkError)) throw e;
        this.base = undefined; // this firmware cannot be forked: re-run from now on
      }
    }
    this.reruns++;
    return digestAt(this.spec, this.profileFor, stopAtCycle);
  }

  /**
   * The machine (and its events) stopped at `stopAtCycle`, forked from the base when the base is
   * not past it: the events are then those of cycles ≥ the base's cycle only (the base stopped at
   * the start of its cycle, so every event of a later cycle is there). Falls back to a full re-run
   * (all events) as `digestAt` does.
   */
  machineAt(stopAtCycle: number): MachineProbe & { readonly fromCycle: number } {
    const base = this.base;
    if (base !== undefined && stopAtCycle >= base.m.cycle()) {
      try {
        const sink = new MemorySink();
        const fromCycle = base.m.cycle();
        const f = base.m.fork(sink).hooks as ScenarioHarness;
        f.m.runUntil(Math.min(this.spec.maxCycles, stopAtCycle), () => f.finished);
        this.forked++;
        return { machine: f.m, events: sink.events, result: undefined, fromCycle };
      } catch (e) {
        if (!(e instanceof ForkError)) throw e;
        this.base = undefined;
      }
    }
    this.reruns++;
    return { ...machineAt(this.spec, this.profileFor, stopAtCycle), fromCycle: 0 };
  }

  /** The caller will not probe below `cycle` again: continue from the fork that reached it. */
  advance(cycle: number): void {
    const f = this.forks.get(cycle);
    if (f !== undefined && this.base !== undefined) this.base = f;
    this.forks.clear();
  }
}
