/**
 * The generator classes of issue 11 and their mutants: each mutant is killed on a scenario of its
 * class (shrunk from `check --seed 1`) where `reference` passes, and the same bug passes both the
 * seed's default scenario and that scenario with the class's new ingredient taken out — which is
 * why the old generator could not find it.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { GENERATOR_CLASS_MUTANTS } from '../../sim/firmware/mutants/generator-classes.js';
import { MUTANTS } from '../../sim/firmware/mutants.js';
import { MemorySink } from '../../sim/trace/events.js';
import type { InvariantId } from '../../sim/oracle/invariants.js';
import { referenceDumpArea } from '../../sim/scenario/patterns.js';

const GiB = 2 ** 30;

function failed(spec: ScenarioSpec, mutant?: string): InvariantId[] {
  const profile = mutant === undefined ? referenceProfile(spec) : GENERATOR_CLASS_MUTANTS.find((m) => m.name === mutant)!.make(spec);
  const r = runScenario(spec, { sink: new MemorySink(), profile });
  expect(r.note).toBeUndefined();
  return r.invariants.filter((i) => !i.ok).map((i) => i.id);
}

function scenario(over: Partial<ScenarioSpec>): ScenarioSpec {
  return { ...deriveScenario('0', DEFAULT_CONFIG, 'reference'), ...over };
}

const synthetic = (over: Partial<typeof DEFAULT_CONFIG>) => ({ ...DEFAULT_CONFIG, workload: 'synthetic' as const, ...over });

/** 0x2000001 bytes from boot memory into the scratch area: one byte past a 32 MiB chunk. */
const chunkTail = scenario({
  config: synthetic({ coresPerChip: 1, ramSizeBytes: 16 * GiB }),
  crashes: [{ afterBootCycles: 2439, pir: 0 }],
  ops: [{ boot: 0, afterBootCycles: 0, call: 'ADD_RANGE', args: ['0xa000000', '0x3f0000000', '0x2000001'] }],
  patterns: true,
});

/** A registered kernel crashes; OPAL aborts in the capture kernel before release: a second MPIPL with fewer regions. */
const chain = scenario({
  config: { ...DEFAULT_CONFIG, coresPerChip: 1, ramSizeBytes: 16 * GiB, kernelEndian: 'big' },
  workloadName: 'scribble',
  crashes: [{ afterBootCycles: 1500, pir: 0 }, { afterBootCycles: 0, pir: 0, beforeRelease: true, source: 'opal' }],
  linux: { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x800_0000 }, { startBytes: 0x1000_0000, sizeBytes: 0x400_0000 }, { startBytes: 0x2c00_0000, sizeBytes: 0x400_0000 }] },
  patterns: true,
});

/** Both tables declared full (act_cnt 64) with one valid pair at the end: 61 all-zero entries before it. */
const holes = scenario({
  config: synthetic({ coresPerChip: 1, threadsPerCore: 1, ramSizeBytes: 8 * GiB, kernelEndian: 'big' }),
  crashes: [{ afterBootCycles: 1605, pir: 0 }],
  tableWrites: [
    { boot: 0, afterBootCycles: 1500, table: 'MDST', index: 63, addr: '0x800000000c000000', region: 0x80, sizeBytes: 0x10000, actCnt: 64 },
    { boot: 0, afterBootCycles: 1500, table: 'MDDT', index: 63, addr: '0x80000001f0800000', region: 0x80, sizeBytes: 0x10000, actCnt: 64 },
  ],
  patterns: true,
});

/** The same index written in both tables, MDDT 64 KiB longer than MDST. */
const sizesDisagree = scenario({
  config: synthetic({ coresPerChip: 2, threadsPerCore: 2, ramSizeBytes: 2 * GiB }),
  crashes: [{ afterBootCycles: 2132, pir: 5 }],
  tableWrites: [
    { boot: 0, afterBootCycles: 1500, index: 2, region: 0x80, table: 'MDST', addr: '0x800000000deb0000', sizeBytes: 0x40000, actCnt: 3 },
    { boot: 0, afterBootCycles: 1500, index: 2, region: 0x80, table: 'MDDT', addr: '0x80000000703c0000', sizeBytes: 0x50000, actCnt: 3 },
  ],
  patterns: true,
});

/** PIR 0x101 panics, and PIR 0 in the same cycle. */
const together = scenario({
  config: { ...DEFAULT_CONFIG, chips: 2, coresPerChip: 1, threadsPerCore: 2 },
  workloadName: 'scribble',
  crashes: [{ afterBootCycles: 1500, pir: 0x101, alsoPanic: [{ pir: 0, afterCycles: 0 }] }],
});

/** A 1 MiB range the platform reserves (and rewrites at every IPL) right where the crash-info header would go. */
function reservedAtHeader(): ScenarioSpec {
  const base = scenario({ crashes: [{ afterBootCycles: 3000, pir: 2 }] });
  const plan = referenceDumpArea(base)!;
  return { ...base, reservedRanges: [{ startBytes: plan.fadumphdrAddr, sizeBytes: 0x10_0000 }] };
}

/** Mutant → its killing scenario, the invariant, and the scenario without the class's ingredient. */
const CLASSES: Record<string, { spec: () => ScenarioSpec; invariant: InvariantId; without: () => ScenarioSpec }> = {
  'hostboot-copy-whole-pages-only': { spec: () => chunkTail, invariant: 'mdrt-sound', without: () => ({ ...chunkTail, patterns: false }) },
  'hostboot-chunk-count-float': { spec: () => chunkTail, invariant: 'mdrt-sound', without: () => ({ ...chunkTail, patterns: false }) },
  'hostboot-mdrt-count-by-scan': { spec: () => chain, invariant: 'mdrt-sound', without: () => ({ ...chain, crashes: [chain.crashes[0]!, { afterBootCycles: 0, pir: 0 }] }) },
  'hostboot-stops-at-zero-entry': { spec: () => holes, invariant: 'mdrt-complete', without: () => ({ ...holes, tableWrites: holes.tableWrites.map((w) => ({ ...w, index: 2, actCnt: 3 })) }) },
  'hostboot-copies-mddt-size': { spec: () => sizesDisagree, invariant: 'no-collateral-writes', without: () => ({ ...sizesDisagree, patterns: false }) },
  'linux-crash-fadump-race': { spec: () => together, invariant: 'crash-info', without: () => ({ ...together, crashes: [{ afterBootCycles: 1500, pir: 0x101, alsoPanic: [{ pir: 0, afterCycles: 40 }] }] }) },
  'linux-reserve-check-copies-only': { spec: reservedAtHeader, invariant: 'vmcore', without: () => ({ ...reservedAtHeader(), reservedRanges: [] }) },
};

describe('generator-class mutants', () => {
  it('are registered as built-in mutants, one scenario each', () => {
    for (const m of GENERATOR_CLASS_MUTANTS) expect(MUTANTS).toContain(m);
    expect(Object.keys(CLASSES).sort()).toEqual(GENERATOR_CLASS_MUTANTS.map((m) => m.name).sort());
  });

  for (const [name, c] of Object.entries(CLASSES)) {
    it(`${name}: killed by ${c.invariant} where reference passes`, () => {
      const spec = c.spec();
      expect(failed(spec)).toEqual([]);
      expect(failed(spec, name)).toContain(c.invariant);
    });

    it(`${name}: passes the default scenario and the scenario without its class`, () => {
      expect(failed(deriveScenario('1', DEFAULT_CONFIG, 'reference'), name)).toEqual([]);
      expect(failed(deriveScenario('2', DEFAULT_CONFIG, 'reference', { crashes: 2 }), name)).toEqual([]);
      // mdrt-exact (the oracle's half of issue 11) also sees a copy of the MDDT size without the
      // class: the MDRT entry then records the wrong size. Only the older invariants must miss it.
      const withoutClass = failed(c.without(), name).filter((id) => !(name === 'hostboot-copies-mddt-size' && id === 'mdrt-exact'));
      expect(withoutClass).toEqual([]);
    });
  }
});
