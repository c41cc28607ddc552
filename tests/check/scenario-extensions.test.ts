/**
 * The scenario fields issue 11 added are validated eagerly (one-line UsageError naming the field),
 * `check --stats` counts what the generator reached, participant state survives a fork, and the
 * bisect/shrink/sweep commands take plugin paths like run and check.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { validateScenarioExtensions } from '../../sim/scenario/validate-extensions.js';
import { validateScenario } from '../../sim/scenario/validate.js';
import { patternPages } from '../../sim/scenario/patterns.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { UsageError } from '../../sim/core/errors.js';
import { runCheck } from '../../sim/check/check.js';
import { emptyStats, addToStats, formatStats, GENERATOR_CASES } from '../../sim/check/stats.js';
import { scenarioArb } from '../../sim/check/arbitrary.js';
import { referenceProfile, resolveProfile } from '../../sim/firmware/profiles.js';
import { startScenario } from '../../sim/scenario/run.js';
import { MemorySink } from '../../sim/trace/events.js';
import { qemuMpiplState } from '../../sim/participants/qemu-state.js';
import { cli } from '../helpers/cli.js';

const base = deriveScenario('1', DEFAULT_CONFIG, 'reference');
const bad = (over: Partial<ScenarioSpec>) => () => validateScenarioExtensions({ ...base, ...over } as ScenarioSpec);

describe('scenario extensions are validated', () => {
  it('accepts the default scenario and every generated one', () => {
    expect(validateScenarioExtensions(base)).toBe(base);
    for (const s of fc.sample(scenarioArb({ firmware: 'reference' }), { seed: 7, numRuns: 200 })) expect(() => validateScenarioExtensions(s)).not.toThrow();
  });

  it.each<[string, Partial<ScenarioSpec>, RegExp]>([
    ['unknown crash key', { crashes: [{ afterBootCycles: 1, pir: 0, when: 3 } as never] }, /crashes\[0\]: unknown key "when"/],
    ['missing PIR', { crashes: [{ afterBootCycles: 1, pir: 0x99 }] }, /crashes\[0\]\.pir: PIR 0x99 does not exist/],
    ['two placements', { crashes: [{ afterBootCycles: 1, atCycle: 5, pir: 0 }] }, /exactly one of/],
    ['bad source', { crashes: [{ afterBootCycles: 1, pir: 0, source: 'hostboot' as never }] }, /source: expected "kernel" or "opal"/],
    ['alsoPanic on a trap', { crashes: [{ trapAfterIterations: 3, pir: 0, alsoPanic: [{ pir: 1, afterCycles: 0 }] }] }, /needs an injected crash/],
    ['alsoPanic too late', { crashes: [{ afterBootCycles: 1, pir: 0, alsoPanic: [{ pir: 1, afterCycles: 10 ** 9 }] }] }, /afterCycles: expected an integer/],
    ['patterns not boolean', { patterns: 'yes' as never }, /patterns: expected a boolean/],
    ['reserved over skiboot', { reservedRanges: [{ startBytes: 0x3000_0000, sizeBytes: 0x10_0000 }] }, /must not overlap skiboot/],
    ['reserved past RAM', { reservedRanges: [{ startBytes: 0xffff_0000, sizeBytes: 0x10_0000 }] }, /inside RAM/],
    ['reserved unaligned', { reservedRanges: [{ startBytes: 0x4000_0001, sizeBytes: 0x10_0000 }] }, /whole 4 KiB pages/],
    ['reserved too big', { reservedRanges: [{ startBytes: 0x4000_0000, sizeBytes: 0x1000_0000 }] }, /sizeBytes: expected an integer/],
  ])('%s is a usage error', (_name, over, message) => {
    expect(bad(over)).toThrow(UsageError);
    expect(bad(over)).toThrow(message);
  });

  it('patterns stay clear of the kernel, the workloads, skiboot and the dump area', () => {
    const spec: ScenarioSpec = { ...base, patterns: true, ops: [{ boot: 0, afterBootCycles: 0, call: 'ADD_RANGE', args: ['0x0', '0xf0000000', '0x34000000'] }] };
    const pages = patternPages(spec, 0, [{ base: 0x0800_0000, sizeBytes: 0x80_0000 }], { start: 0xec00_0000, end: 0xec20_0000 });
    expect(pages.length).toBeGreaterThan(0);
    for (const p of pages) {
      expect(p >= 0x0800_0000 && p < 0x0880_0000).toBe(false); // arenas
      expect(p < 0x0104_0000).toBe(false); // kernel image, data, export area
      expect(p >= 0x3000_0000 && p < 0x6500_0000).toBe(false); // skiboot and the dump area
    }
    expect(patternPages({ ...spec, patterns: false }, 0, [], { start: 0, end: 0 })).toEqual([]);
  });
});

describe('check --stats', () => {
  it('counts every generated scenario once, its cases and the judgements', () => {
    const stats = emptyStats();
    const report = runCheck({ seed: 'stats', firmware: 'reference', profileFor: referenceProfile, runs: 30, onScenario: (s, r) => addToStats(stats, s, r) });
    expect(report.failures).toEqual([]);
    expect(stats.scenarios).toBe(30);
    expect(stats.dumpsTaken).toBeGreaterThan(0);
    expect(stats.invariants['mdrt-sound']!.judged).toBeGreaterThan(0);
    expect(Object.keys(stats.cases)).toEqual(GENERATOR_CASES.map((c) => c.name));
    expect(formatStats(stats)).toContain('| seeded memory patterns | issue 11 |');
  });

  it('is in check --json, and several workers merge their counts', async () => {
    const r = await cli('check', '--runs', '3', '--seed', '4', '--json', '--stats');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stats.scenarios).toBe(3);
    const w = await cli('check', '--runs', '4', '--seed', '4', '--json', '--stats', '--workers', '2');
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout).stats.scenarios).toBe(4);
  });
});

describe('participant state', () => {
  it('QEMU’s machine-wide MPIPL state is copied into a fork and evolves independently', () => {
    const spec = deriveScenario('1', DEFAULT_CONFIG, 'qemu');
    const h = startScenario(spec, { sink: new MemorySink(), profile: resolveProfile('qemu')(spec) });
    h.m.powerOn();
    h.m.runUntil(3_000_000, () => h.bootIndex >= 1);
    const before = qemuMpiplState(h.m);
    expect(before.skibootBase).not.toBe(0n);
    const f = h.m.fork(new MemorySink());
    const copy = qemuMpiplState(f);
    expect(copy).not.toBe(before);
    expect(copy.skibootBase).toBe(before.skibootBase);
    expect(copy.mdrtImage).toEqual(before.mdrtImage);
    copy.skibootBase = 0x1234n;
    expect(qemuMpiplState(h.m).skibootBase).toBe(before.skibootBase);
  });
});

describe('plugin paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpipl-gen-'));
  const plugin = join(dir, 'same.mjs');
  writeFileSync(plugin, "export default ({ reference }) => ({ ...reference, name: 'same-as-reference' });\n");

  it('sweep and bisect crash load a plugin path', async () => {
    const s = await cli('sweep', '--seed', '1', '--firmware', plugin, '--from', '4000', '--to', '4002', '--workers', '1');
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const b = await cli('bisect', 'crash', '--seed', '1', '--firmware', plugin, '--good', '4000', '--bad', '4004', '--samples', '0');
    // The plugin is loaded and runs: this passing firmware has no failing --bad cycle to bisect to.
    expect(b.stderr).not.toMatch(/unknown firmware/);
    expect(b.stderr).toMatch(/the scenario passes there/);
  });

  it('shrink takes --firmware PATH for a plugin-recorded trace', async () => {
    const trace = join(dir, 't.mpt');
    expect((await cli('run', '--seed', '1', '--firmware', plugin, '--record', trace)).code).toBe(0);
    const sh = await cli('shrink', trace, '--firmware', plugin, '-o', join(dir, 's.mpt'));
    expect(sh.stderr).not.toMatch(/does not have|unknown firmware/);
  });
});

describe('one validation of a crash point (sim/scenario/validate-fields.ts)', () => {
  it('a trace header or config and a scenario built in code get the same words for the same problem', () => {
    const message = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('expected a UsageError');
    };
    for (const crash of [{ afterBootCycles: 1, pir: 0x99 }, { afterBootCycles: 1, atCycle: 5, pir: 0 }, { afterBootCycles: 1, pir: 0, when: 3 }]) {
      const spec = { ...base, crashes: [crash] } as unknown as ScenarioSpec;
      const built = message(() => validateScenarioExtensions(spec));
      expect(built).toMatch(/^scenario\.crashes\[0\]/);
      expect(message(() => validateScenario(JSON.parse(JSON.stringify(spec)), base.config, 'header.scenario'))).toBe(`header.${built}`);
    }
  });
});
