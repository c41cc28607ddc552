/**
 * `bisect crash`: the first failing crash cycle equals what running every cycle of a ~40-cycle
 * window finds (a real mutant: crash_fadump saves the crashing CPU's registers after the crash path
 * moved them, which breaks crash-info once the kernel's registration has happened — the ADD_RANGE
 * mutant used before is now caught at its OPAL call in every boot, so no crash cycle passes); a constructed non-monotonic case is reported with its flips; and
 * ends that do not verify are usage errors.
 */
import { describe, expect, it } from 'vitest';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { resolveProfile } from '../../sim/firmware/profiles.js';
import { bisectCrash, crashOutcome } from '../../sim/bisect/crash.js';
import { bisectCommand } from '../../sim/cli/commands/bisect.js';
import { panicBreaksWhen, runCmd } from './helpers.js';

const MUTANT = 'mutant:linux-crash-regs-after-crash-path';
const spec = deriveScenario('1', DEFAULT_CONFIG, MUTANT);
/** Seed 1 registers fadump between these crash cycles (found with `sweep`). */
const GOOD_CYCLE = 171_080;
const BAD_CYCLE = 171_120;

describe('bisect crash', () => {
  it('agrees with running every crash cycle of the window', () => {
    const profileFor = resolveProfile(MUTANT);
    const r = bisectCrash({ spec, profileFor, goodCycle: GOOD_CYCLE, badCycle: BAD_CYCLE });
    const brute: number[] = [];
    for (let c = GOOD_CYCLE; c <= BAD_CYCLE; c++) if (crashOutcome(spec, profileFor, c).fails) brute.push(c);
    expect(brute.length).toBeGreaterThan(0);
    expect(r.firstBadCycle).toBe(brute[0]);
    // Monotonic here: every cycle from the first failing one on fails.
    expect(brute).toEqual(Array.from({ length: BAD_CYCLE - brute[0]! + 1 }, (_, k) => brute[0]! + k));
    expect(r.monotonic).toBe(true);
    expect(r.failure.invariant).toBe('crash-info');
    // ⌈log2(40)⌉ search probes + 2 ends + 8 samples at most.
    expect(r.probed.length).toBeLessThanOrEqual(6 + 2 + 8);
  });

  it('says so when the outcome is not monotonic, listing the flips it saw', () => {
    const base = deriveScenario('1', DEFAULT_CONFIG, 'reference');
    const g = 173_000;
    // Fails from g+10 on, except an island of passing cycles g+20..g+27.
    const breaks = (c: number): boolean => c >= g + 10 && !(c >= g + 20 && c <= g + 27);
    const r = bisectCrash({ spec: base, profileFor: panicBreaksWhen(breaks), goodCycle: g, badCycle: g + 40 });
    expect(breaks(r.firstBadCycle)).toBe(true);
    expect(breaks(r.firstBadCycle - 1)).toBe(false);
    expect(r.monotonic).toBe(false);
    expect(r.flips.length).toBeGreaterThanOrEqual(2);
    expect(r.flips.some((f) => f.from === 'fail' && f.to === 'pass')).toBe(true);
    for (const f of r.flips) {
      expect(breaks(f.fromCycle)).toBe(f.from === 'fail');
      expect(breaks(f.toCycle)).toBe(f.to === 'fail');
    }
    // Same question, same probes: the extra samples are deterministic.
    const again = bisectCrash({ spec: base, profileFor: panicBreaksWhen(breaks), goodCycle: g, badCycle: g + 40 });
    expect(again.probed.map((p) => p.cycle)).toEqual(r.probed.map((p) => p.cycle));
  });

  it('CLI: finding → exit 1 with JSON; ends that do not verify and bad flags → exit 2', async () => {
    const ok = await runCmd(bisectCommand, ['crash', '--seed', '1', '--firmware', MUTANT, '--good', String(GOOD_CYCLE), '--bad', String(BAD_CYCLE), '--samples', '2', '--json']);
    expect(ok.code).toBe(1);
    const doc = JSON.parse(ok.stdout) as Record<string, unknown>;
    expect(doc['firstBadCycle']).toBeGreaterThan(GOOD_CYCLE);
    expect(doc['invariant']).toBe('crash-info');
    expect(doc['monotonic']).toBe(true);
    for (const argv of [
      ['crash', '--seed', '1', '--firmware', MUTANT, '--good', String(BAD_CYCLE), '--bad', String(GOOD_CYCLE + 1)], // good fails
      ['crash', '--seed', '1', '--firmware', MUTANT, '--good', String(GOOD_CYCLE), '--bad', String(GOOD_CYCLE + 1)], // bad passes
      ['crash', '--seed', '1', '--good', '10', '--bad', '5'],
      ['crash', '--seed', '1', '--good', '10'],
      ['crash', '--seed', '1', '--good', 'x', '--bad', '20'],
      ['crash', '--seed', '1', '--good', '1', '--bad', '20', '--firmware', 'nope'],
    ]) {
      const r = await runCmd(bisectCommand, argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
