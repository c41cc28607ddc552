/**
 * The mutants of issue 11's oracle classes (sim/firmware/mutants/oracle-classes.ts): each is
 * killed on its pinned scenario (the shrunk counterexample `check --seed 1` found, stored in
 * mutant-scenarios.json) by the judgement it was written for, `reference` passes the very same
 * scenario, and every verdict the mutant fails is one of the new judgements — the invariants that
 * existed before issue 11 pass it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.js';
import type { ScenarioSpec } from '../../sim/scenario/scenario.js';
import { referenceProfile, resolveProfile } from '../../sim/firmware/profiles.js';
import { MUTANTS, ORACLE_CLASS_MUTANTS } from '../../sim/firmware/mutants.js';
import { MemorySink } from '../../sim/trace/events.js';
import type { InvariantResult } from '../../sim/oracle/invariants.js';

const pinned = JSON.parse(readFileSync(new URL('./mutant-scenarios.json', import.meta.url), 'utf8')) as Record<string, { invariant: string; spec: ScenarioSpec }>;

/** Invariant ids issue 11 added. */
const NEW_IDS = new Set(['mdrt-exact', 'cpu-format', 'registration-effective']);
/** The wording of the judgements issue 11 added to older invariants. */
const NEW_RULES = [/^normal IPL: /, /mpipl_metadata crashing_pir/, /OPAL: crashing_pir .* but PIR .* panicked/, /^first note is PIR/, /^dump lost: /, /oracle error while judging/];

function isNewJudgement(r: InvariantResult): boolean {
  return NEW_IDS.has(r.id) || NEW_RULES.some((re) => re.test(r.detail));
}

function failures(spec: ScenarioSpec, firmware: string): InvariantResult[] {
  const profile = firmware === 'reference' ? referenceProfile(spec) : resolveProfile(firmware)(spec);
  const r = runScenario({ ...spec, firmware }, { sink: new MemorySink(), profile });
  expect(r.note).toBeUndefined();
  return r.invariants.filter((i) => !i.ok);
}

describe('issue 11 mutants', () => {
  it('are in the built-in catalogue, at least 12 of them, each with a pinned scenario', () => {
    expect(ORACLE_CLASS_MUTANTS.length).toBeGreaterThanOrEqual(12);
    for (const m of ORACLE_CLASS_MUTANTS) {
      expect(MUTANTS).toContain(m);
      expect(pinned[m.name], m.name).toBeDefined();
    }
  });

  for (const m of ORACLE_CLASS_MUTANTS) {
    it(`${m.name}: killed by ${pinned[m.name]?.invariant ?? '?'} through a new judgement; reference passes`, () => {
      const { invariant, spec } = pinned[m.name]!;
      expect(failures(spec, 'reference')).toEqual([]);
      const bad = failures(spec, `mutant:${m.name}`);
      expect(bad.map((r) => r.id)).toContain(invariant);
      // The uninitialised MDRT is caught by mdrt-sound too; its class is "the oracle never crashes".
      if (m.name === 'hostboot-mdrt-uninitialised-buffer') {
        expect(bad.some((r) => r.id === 'mdrt-exact')).toBe(true);
        return;
      }
      const old = bad.filter((r) => !isNewJudgement(r));
      expect(old, `older invariants also fail: ${old.map((r) => `${r.id}: ${r.detail}`).join('; ')}`).toEqual([]);
    });
  }
});
