/**
 * `sweep`: every crash cycle of a window, failing ones compressed into ranges; agrees with
 * `bisect crash` on the same window; bad input is exit 2.
 */
import { describe, expect, it } from 'vitest';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { resolveProfile } from '../../sim/firmware/profiles.js';
import { bisectCrash } from '../../sim/bisect/crash.js';
import { compressRanges, renderRange } from '../../sim/bisect/sweep.js';
import { sweepCommand } from '../../sim/cli/commands/sweep.js';
import { runCmd } from './helpers.js';

const MUTANT = 'mutant:linux-crash-regs-after-crash-path';

describe('sweep', () => {
  it('compresses consecutive cycles that fail alike', () => {
    const ranges = compressRanges([
      { cycle: 12, failing: ['mdrt-sound'] },
      { cycle: 10, failing: ['mdrt-sound'] },
      { cycle: 11, failing: ['mdrt-sound'] },
      { cycle: 13, failing: ['mdrt-sound', 'vmcore'] },
      { cycle: 15, failing: ['mdrt-sound', 'vmcore'] },
      { cycle: 16, failing: [] },
    ]);
    expect(ranges.map(renderRange)).toEqual(['10–12: mdrt-sound', '13: mdrt-sound, vmcore', '15: mdrt-sound, vmcore']);
  });

  it('reports the failing cycles of a window, starting where bisect crash says', async () => {
    const from = 171_090;
    const to = 171_110;
    const r = await runCmd(sweepCommand, ['--seed', '1', '--firmware', MUTANT, '--from', String(from), '--to', String(to), '--workers', '1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { ranges: { from: number; to: number; invariants: string[] }[]; cyclesChecked: number; cyclesPerSecond: number };
    expect(doc.cyclesChecked).toBe(to - from + 1);
    expect(doc.cyclesPerSecond).toBeGreaterThan(0);
    const spec = deriveScenario('1', DEFAULT_CONFIG, MUTANT);
    const b = bisectCrash({ spec, profileFor: resolveProfile(MUTANT), goodCycle: from, badCycle: to, extraSamples: 0 });
    expect(doc.ranges).toEqual([{ from: b.firstBadCycle, to, invariants: ['crash-info', 'vmcore'] }]);

    const text = await runCmd(sweepCommand, ['--seed', '1', '--firmware', MUTANT, '--from', String(from), '--to', String(from + 2), '--workers', '1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/PASS: 0 of 3 crash cycles fail; [0-9.]+ cycles\/s/);
  });

  it('bad input is exit 2', async () => {
    for (const argv of [
      ['--from', '10'],
      ['--to', '10'],
      ['--from', '20', '--to', '10'],
      ['--from', '0', '--to', '99999999999'],
      ['--from', '1', '--to', '2', '--workers', '0'],
      ['--from', '1', '--to', '2', '--firmware', 'nope'],
      ['--from', '1', '--to', '2', 'extra'],
    ]) {
      const r = await runCmd(sweepCommand, argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
