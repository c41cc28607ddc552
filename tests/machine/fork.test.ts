/**
 * Snapshot forking: a machine forked at cycle c and crashed there ends exactly like a fresh run
 * whose crash was planned at c — same verdict, same invariant details, same final digest — and
 * the original machine runs on unaffected by its forks.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runScenario, startScenario, type ScenarioHarness } from '../../sim/scenario/run.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile, resolveProfile } from '../../sim/firmware/profiles.js';
import { MemorySink } from '../../sim/trace/events.js';
import { ForkError } from '../../sim/machine/machine.js';

const quiet = { event: () => {} };

function fresh(spec: ScenarioSpec, firmware = 'reference') {
  const r = runScenario(spec, { sink: quiet, profile: resolveProfile(firmware)(spec) });
  return { verdict: r.verdict, digest: r.finalDigest, invariants: r.invariants.map((i) => `${i.id}:${i.ok}:${i.detail}`) };
}

function forkedAt(spec: ScenarioSpec, cycle: number, firmware = 'reference') {
  const base = startScenario(spec, { sink: quiet, profile: resolveProfile(firmware)(spec) });
  base.holdCrashes = true;
  base.m.powerOn();
  base.m.runUntil(cycle, () => base.finished);
  const f = base.m.fork(quiet);
  const h = f.hooks as ScenarioHarness;
  expect(h.releaseHeldCrash(cycle)).toBe(true);
  const r = h.complete();
  return { verdict: r.verdict, digest: r.finalDigest, invariants: r.invariants.map((i) => `${i.id}:${i.ok}:${i.detail}`), base };
}

describe('Machine.fork', () => {
  it('a fork crashed at c ends exactly like a fresh run crashing at c', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 170_400, max: 176_000 }), fc.constantFrom('machine-code', 'synthetic'), (seed, cycle, workload) => {
        const spec = deriveScenario(String(seed), { ...DEFAULT_CONFIG, workload: workload as 'machine-code' | 'synthetic' }, 'reference', { crashAt: cycle });
        const a = fresh(spec);
        const b = forkedAt(spec, cycle);
        expect(b.invariants).toEqual(a.invariants);
        expect(b.verdict).toBe(a.verdict);
        expect(b.digest).toBe(a.digest);
      }),
      { seed: 20261125, numRuns: 25 },
    );
  });

  it('the original keeps running unaffected after forks', () => {
    const spec = deriveScenario('3', DEFAULT_CONFIG, 'reference', { crashAt: 172_000 });
    const base = startScenario(spec, { sink: quiet, profile: referenceProfile(spec) });
    base.m.powerOn();
    base.m.runUntil(171_000, () => base.finished);
    for (let i = 0; i < 3; i++) {
      const f = base.m.fork(quiet);
      (f.hooks as ScenarioHarness).complete();
    }
    const r = base.complete();
    expect(r.finalDigest).toBe(fresh(spec).digest);
  });

  it('works for the qemu profile (its shared SBE/hostboot state is carried over)', () => {
    const spec = deriveScenario('2', DEFAULT_CONFIG, 'qemu', { crashAt: 173_000 });
    expect(forkedAt(spec, 173_000, 'qemu').invariants).toEqual(fresh(spec, 'qemu').invariants);
  });

  it('refuses a machine whose queue holds a closure', () => {
    const spec = deriveScenario('1', DEFAULT_CONFIG, 'reference');
    const h = startScenario(spec, { sink: new MemorySink(), profile: referenceProfile(spec) });
    h.m.powerOn();
    h.m.schedule(10, 'a closure', () => {});
    expect(() => h.m.fork(quiet)).toThrow(ForkError);
  });

  it('a fork reports to its own sink, instructions included', () => {
    const spec = deriveScenario('4', DEFAULT_CONFIG, 'reference', { crashAt: 172_500 });
    let baseInsns = 0;
    const base = startScenario(spec, { sink: { event: () => {}, instruction: () => void baseInsns++ }, profile: referenceProfile(spec) });
    base.holdCrashes = true;
    base.m.powerOn();
    base.m.runUntil(172_500, () => base.finished);
    const before = baseInsns;
    let forkInsns = 0;
    let forkEvents = 0;
    const f = base.m.fork({ event: () => void forkEvents++, instruction: () => void forkInsns++ });
    const h = f.hooks as ScenarioHarness;
    h.releaseHeldCrash(172_500);
    h.complete();
    expect(baseInsns).toBe(before);
    expect(forkInsns).toBeGreaterThan(0);
    expect(forkEvents).toBeGreaterThan(0);
  });
});
