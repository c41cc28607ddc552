/**
 * `shrink`: a failing trace with more than it needs (two crashes, two chips, 8 GiB, extra ops)
 * comes out smaller, failing the same invariant, as a valid trace that replays exactly; a passing
 * trace is "nothing to shrink" (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile, resolveProfile } from '../../sim/firmware/profiles.js';
import { recordRun } from '../../sim/cli/recording.js';
import { replayFile } from '../../sim/cli/commands/replay.js';
import { defaultShrinkOutput, shrinkCommand } from '../../sim/cli/commands/shrink.js';
import { traceHeader } from '../../sim/cli/commands/bisect.js';
import { scenarioSize } from '../../sim/bisect/shrink.js';
import { scenarioFromHeader } from '../../sim/cli/recording.js';
import { runCmd, tempDir } from './helpers.js';

const MUTANT = 'mutant:hostboot-copy-direction-swapped';
const dir = tempDir();

function failingSpec(): ScenarioSpec {
  const base = deriveScenario('1', { ...DEFAULT_CONFIG, chips: 2, ramSizeBytes: 8 * 2 ** 30 }, MUTANT, { crashes: 2 });
  return {
    ...base,
    ops: [
      { boot: 0, afterBootCycles: 900, call: 'REGISTER_TAG', args: ['0x10', '0x1234'] },
      { boot: 1, afterBootCycles: 500, call: 'REGISTER_TAG', args: ['0x11', '0x5678'] },
    ],
  };
}

describe('shrink', () => {
  it('writes a smaller trace that breaks the same invariant and replays exactly', async () => {
    const spec = failingSpec();
    const file = join(dir, 'fail.mpt');
    const before = recordRun(spec, resolveProfile(MUTANT)(spec), file, 'events');
    const invariant = before.invariants.find((i) => !i.ok)!.id;
    const out = join(dir, 'small.mpt');
    const r = await runCmd(shrinkCommand, [file, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^before: seed 1, 2 chip/m);
    expect(r.stdout).toMatch(/^after: {2}seed 1, 1 chip/m);
    expect(r.stdout).toContain(`still breaks ${invariant}`);

    const shrunk = scenarioFromHeader(traceHeader(out));
    const a = scenarioSize(spec);
    const b = scenarioSize(shrunk);
    expect(b['crashes']).toBe(1);
    expect(b['ops']).toBe(0);
    expect(b['threads']!).toBeLessThan(a['threads']!);
    expect(b['ramSizeBytes']!).toBeLessThan(a['ramSizeBytes']!);
    // A valid trace of the same firmware: replay reproduces it bit for bit.
    expect(replayFile(out, undefined).status).toBe('ok');
  });

  it('defaults the output to NAME.shrunk.mpt', () => {
    expect(defaultShrinkOutput('a/b.mpt')).toBe('a/b.shrunk.mpt');
    expect(defaultShrinkOutput('trace')).toBe('trace.shrunk.mpt');
  });

  it('a passing trace: "nothing to shrink", exit 2, no file written; bad input exit 2', async () => {
    const spec = deriveScenario('1', DEFAULT_CONFIG, 'reference');
    const file = join(dir, 'pass.mpt');
    recordRun(spec, referenceProfile(spec), file, 'events');
    const r = await runCmd(shrinkCommand, [file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('trace does not fail; nothing to shrink');
    expect(existsSync(defaultShrinkOutput(file))).toBe(false);
    for (const argv of [[], [file, file], [join(dir, 'missing.mpt')], [file, '-o', file], [file, '--nope']]) {
      const x = await runCmd(shrinkCommand, argv);
      expect({ argv, code: x.code }).toEqual({ argv, code: 2 });
      expect(x.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
