/**
 * The property suite itself (design section 6, issue 5): on `reference` a fixed-seed budget of
 * generated scenarios passes every invariant; on a mutant it finds the bug and shrinks it to a
 * counterexample of at most a handful of OPAL calls that breaks the same invariant.
 */
import { describe, expect, it } from 'vitest';
import { runCheck } from '../sim/check/check.js';
import { resolveProfile, referenceProfile } from '../sim/firmware/profiles.js';
import { runScenario } from '../sim/scenario/run.js';
import { MemorySink } from '../sim/trace/events.js';
import { PROPS_SEED } from './seed.js';

describe('check', () => {
  it('reference passes a fixed-seed budget of generated scenarios', () => {
    const report = runCheck({ seed: String(PROPS_SEED), firmware: 'reference', profileFor: referenceProfile, runs: 40 });
    expect(report.failures.map((f) => `${f.invariant}: ${f.description} → ${f.detail}`)).toEqual([]);
    expect(report.runs).toBe(40);
  });

  it('finds a mutant in generated scenarios and shrinks it, keeping the invariant', () => {
    const firmware = 'mutant:hostboot-mdrt-dest-is-src';
    const report = runCheck({ seed: String(PROPS_SEED), firmware, profileFor: resolveProfile(firmware), runs: 50 });
    const f = report.failures[0];
    expect(f).toBeDefined();
    expect(f!.spec.ops.length).toBeLessThanOrEqual(5);
    expect(f!.spec.crashes.length).toBe(1);
    // The shrunk scenario still fails the same invariant, and reference passes it.
    const again = runScenario(f!.spec, { sink: new MemorySink(), profile: resolveProfile(firmware)(f!.spec) });
    expect(again.invariants.some((i) => i.id === f!.invariant && !i.ok)).toBe(true);
    expect(runScenario(f!.spec, { sink: new MemorySink(), profile: referenceProfile(f!.spec) }).verdict).toBe('pass');
  });

  it('shards split the rounds deterministically: the union is the unsharded run', () => {
    const seen: string[][] = [[], [], []];
    const collect = (i: number) => (spec: Parameters<typeof referenceProfile>[0]) => {
      seen[i]!.push(JSON.stringify(spec));
      return referenceProfile(spec);
    };
    // No failures, so no shrinking runs: every profile request is one generated scenario.
    expect(runCheck({ seed: 's', firmware: 'reference', profileFor: collect(0), runs: 50 }).failures).toEqual([]);
    expect(runCheck({ seed: 's', firmware: 'reference', profileFor: collect(1), runs: 25, shard: { index: 0, count: 2 } }).failures).toEqual([]);
    expect(runCheck({ seed: 's', firmware: 'reference', profileFor: collect(2), runs: 25, shard: { index: 1, count: 2 } }).failures).toEqual([]);
    expect([...seen[1]!, ...seen[2]!].sort()).toEqual([...seen[0]!].sort());
  });
});
