/**
 * Every named mutant is killed: on a pinned scenario (a seed of `deriveScenario`, tailored where
 * the bug needs it) the mutant fails the named invariant while `reference` passes the very same
 * scenario. The scenarios were found by trying seeds 1..3 on the default machine, a 2-chip
 * machine, and a boot memory split into two regions.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile, resolveProfile } from '../../sim/firmware/profiles.js';
import { LATE_CLASS_MUTANTS, MUTANTS, ORACLE_CLASS_MUTANTS } from '../../sim/firmware/mutants.js';
import { GENERATOR_CLASS_MUTANTS } from '../../sim/firmware/mutants/generator-classes.js';
import { MemorySink } from '../../sim/trace/events.js';
import type { InvariantId } from '../../sim/oracle/invariants.js';
import { UsageError } from '../../sim/core/errors.js';

type Variant = 'default' | 'twoChips' | 'twoRegions';

const SCENARIOS: Record<Variant, (seed: string) => ScenarioSpec> = {
  default: (seed) => deriveScenario(seed, DEFAULT_CONFIG, 'reference'),
  twoChips: (seed) => deriveScenario(seed, { ...DEFAULT_CONFIG, chips: 2 }, 'reference'),
  // Region 0 ends where the last thread’s arena (its stack) ends, so its last page holds live data.
  twoRegions: (seed) => ({
    ...deriveScenario(seed, DEFAULT_CONFIG, 'reference'),
    linux: { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x840_0000 }, { startBytes: 0x840_0000, sizeBytes: 0x3000_0000 - 0x840_0000 }] },
  }),
};

/** Mutant → [scenario, seed, the invariant that must fail]. */
const KILLS: Record<string, [Variant, string, InvariantId]> = {
  // S0 goes to the secondary chip first (spec 6.3), whose SBE kept no base.
  'sbe-stash-primary-only': ['twoChips', '2', 'mpipl-boot'],
  'sbe-s0-without-clock-stop': ['default', '1', 'mpipl-boot'],
  'sbe-stash-key-as-value': ['default', '1', 'mpipl-boot'],
  'hostboot-copy-short-page': ['twoRegions', '1', 'mdrt-sound'],
  'hostboot-copy-direction-swapped': ['default', '1', 'mdrt-sound'],
  'hostboot-mdrt-dest-is-src': ['default', '1', 'mdrt-complete'],
  'hostboot-reg-offset-0x18': ['default', '1', 'cpu-state'],
  'hostboot-omits-cr-xer': ['default', '1', 'vmcore'],
  'hostboot-regs-core-pir': ['default', '1', 'cpu-state'],
  'hostboot-act-size-one-thread': ['default', '1', 'cpu-state'],
  'hostboot-proc-dump-before-reload': ['default', '1', 'cpu-state'],
  'skiboot-query-tag-swaps-kernel-boot-mem': ['default', '1', 'tags'],
  'skiboot-query-tag-not-big-endian': ['default', '1', 'tags'],
  'skiboot-opal-tag-keeps-hrmor': ['default', '1', 'tags'],
  'skiboot-cpu-tag-size-one-thread': ['default', '1', 'tags'],
  'skiboot-opal-tag-all-mdrt-regions': ['default', '1', 'tags'],
  'skiboot-zeroes-metadata-before-reading-tags': ['default', '1', 'tags'],
  'skiboot-add-range-swaps-mdst-mddt': ['default', '1', 'vmcore'],
  // Needs a crash on chip 1, where PIR (0x1xx) and logical id differ.
  'linux-crashing-cpu-logical-id': ['twoChips', '2', 'crash-info'],
  'linux-crash-regs-after-crash-path': ['default', '1', 'crash-info'],
  'linux-ptload-offset-is-src': ['default', '1', 'vmcore'],
  // Needs two boot-memory regions for the running sum to matter.
  'linux-ptload-offset-not-accumulated': ['twoRegions', '1', 'vmcore'],
};

function failed(spec: ScenarioSpec, profile = referenceProfile(spec)): Set<InvariantId> {
  const r = runScenario(spec, { sink: new MemorySink(), profile });
  expect(r.note).toBeUndefined();
  return new Set(r.invariants.filter((i) => !i.ok).map((i) => i.id));
}

const referenceFailures = new Map<string, Set<InvariantId>>();

describe('mutant catalogue', () => {
  it('has at least 15 mutants with unique names, one-line descriptions and spread over participants', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(15);
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) {
      expect(m.name).toMatch(/^(sbe|hostboot|skiboot|linux)-[a-z0-9-]+$/);
      expect(m.name.startsWith(`${m.participant}-`)).toBe(true);
      expect(m.description.length).toBeGreaterThan(20);
      expect(m.description).not.toContain('\n');
    }
    const by = new Set(MUTANTS.map((m) => m.participant));
    for (const p of ['hostboot', 'skiboot', 'linux'] as const) expect(by.has(p)).toBe(true);
  });

  it('every mutant has a pinned killing scenario', () => {
    // The issue-11 oracle-class mutants pin their (shrunk) scenarios in tests/oracle/oracle-mutants.test.ts,
    // the generator-class mutants theirs in tests/check/generator-classes.test.ts, the late-class
    // mutants theirs in tests/firmware/late-mutants.test.ts.
    const pinnedElsewhere = new Set([...ORACLE_CLASS_MUTANTS, ...GENERATOR_CLASS_MUTANTS, ...LATE_CLASS_MUTANTS].map((m) => m.name));
    expect(Object.keys(KILLS).sort()).toEqual(MUTANTS.map((m) => m.name).filter((n) => !pinnedElsewhere.has(n)).sort());
  });

  it('resolves as --firmware mutant:NAME, and unknown mutants are usage errors', () => {
    const spec = SCENARIOS.default('1');
    for (const m of MUTANTS) expect(resolveProfile(`mutant:${m.name}`)(spec).name).toBe(`mutant:${m.name}`);
    expect(() => resolveProfile('mutant:no-such-bug')).toThrow(UsageError);
  });
});

describe('every mutant is killed where reference passes', () => {
  // Mutants pinned elsewhere (see 'every mutant has a pinned killing scenario') have no entry here.
  for (const m of MUTANTS) {
    const kill = KILLS[m.name];
    if (kill === undefined) continue;
    it(`${m.name} fails ${kill[2]} (${kill[0]} seed ${kill[1]})`, () => {
      const [variant, seed, invariant] = kill;
      const spec = SCENARIOS[variant](seed);
      const key = `${variant}/${seed}`;
      if (!referenceFailures.has(key)) referenceFailures.set(key, failed(spec));
      expect([...referenceFailures.get(key)!]).toEqual([]);
      expect([...failed(spec, m.make(spec))]).toContain(invariant);
    });
  }
});
