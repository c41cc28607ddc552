/**
 * The bench's plumbing, not its timings (design section 9: performance is measured by
 * `mpipl-sim bench`, never by timed tests): the ELF scaler multiplies exactly the iteration count,
 * and `bench --quick --json` reports every metric of section 9 in the documented shape.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { scaleUserElf } from '../../sim/bench/elf-scale.js';
import { userWorkloadPath } from '../../sim/bench/paths.js';
import { runElfForBench } from '../../sim/elf/user-mode.js';
import { benchCommand } from '../../sim/cli/commands/bench.js';

describe('bench', () => {
  it('scales a user ELF by its iteration count, in both byte orders', () => {
    for (const endian of ['le', 'be'] as const) {
      const elf = new Uint8Array(readFileSync(userWorkloadPath('hash', endian)));
      const once = runElfForBench(elf, 1e9);
      const twice = runElfForBench(scaleUserElf(elf, 2)!, 1e9);
      expect(once.end).toBe('exit');
      expect(twice.end).toBe('exit');
      // The loop dominates (the arena fold after it is fixed): twice the iterations, nearly twice the instructions.
      expect(twice.instructions / once.instructions).toBeGreaterThan(1.7);
      expect(twice.instructions / once.instructions).toBeLessThan(2.1);
    }
  });

  it('--quick --json reports every metric with value, unit, goal, meetsGoal, baseline', async () => {
    let out = '';
    const code = await benchCommand(['--quick', '--json'], { stdout: (t) => (out += String(t)), stderr: () => {}, isTty: false });
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { metrics: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.metrics).sort()).toEqual(
      [
        'coupledVsChargedTime',
        'crashPointSweep100kCycles',
        'densePreservationCopy',
        'firstDivergenceBisect1e8Cycles',
        'interpreterSpeedVsQemu',
        'interpreterCorpusMedianVsQemu',
        'interpreterCorpusWorstVsQemu',
        'machine64GiB32GiBRegistered',
        'referenceElfRatio',
        'scenariosPerSecondMachineCode',
        'scenariosPerSecondSynthetic',
        'traceRecordingOverheadEvents',
        'traceSizeFull',
        'traceSizeFullLongUserRun',
      ].sort(),
    );
    for (const m of Object.values(doc.metrics)) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['value', 'unit', 'goal', 'meetsGoal', 'baseline', 'note']));
    }
  }, 120_000);
});
