/**
 * `bisect firmware`: the first bad version of an ordered list equals the one a linear scan finds
 * (replaying every version), the ends are verified, and bad input is exit 2.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { recordRun } from '../../sim/cli/recording.js';
import { bisectCommand, compareUnder, splitTraceArgs } from '../../sim/cli/commands/bisect.js';
import { bisectVersions } from '../../sim/bisect/versions.js';
import { runCmd, tempDir } from './helpers.js';

const dir = tempDir();
const traces = ['1', '2'].map((seed) => {
  const spec = deriveScenario(seed, DEFAULT_CONFIG, 'reference');
  const file = join(dir, `ref-s${seed}.mpt`);
  recordRun(spec, referenceProfile(spec), file, 'events');
  return file;
});

/** "Versions" of a firmware: reference until a bug lands at index 3 and stays. */
const VERSIONS = ['reference', 'reference', 'reference', 'mutant:hostboot-mdrt-dest-is-src', 'mutant:hostboot-mdrt-dest-is-src', 'mutant:hostboot-copy-direction-swapped'];

describe('bisect firmware', () => {
  it('agrees with a linear scan of every version', () => {
    const bad = (v: string): boolean => traces.some((t) => !compareUnder(t, v).ok);
    const linear = VERSIONS.findIndex(bad);
    expect(linear).toBe(3);
    const r = bisectVersions(VERSIONS, bad);
    expect(r.firstBadIndex).toBe(linear);
    expect(r.tested.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(VERSIONS.length)));
  });

  it('CLI: exit 1 naming the first bad version; --trace takes several files and directories', async () => {
    const r = await runCmd(bisectCommand, ['firmware', ...VERSIONS, '--trace', traces[0]!, dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc['firstBadIndex']).toBe(3);
    expect(doc['firstBad']).toBe('mutant:hostboot-mdrt-dest-is-src');
    expect(doc['lastGood']).toBe('reference');
    const text = await runCmd(bisectCommand, ['firmware', 'reference', 'mutant:hostboot-mdrt-dest-is-src', '--trace', traces[1]!]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('first bad firmware: mutant:hostboot-mdrt-dest-is-src');
  });

  it('splits --trace lists from the versions', () => {
    expect(splitTraceArgs(['a', 'b', '--trace', 'x', 'y', '--json', 'c', '--trace=z'])).toEqual({ traces: ['x', 'y', 'z'], rest: ['a', 'b', '--json', 'c'] });
  });

  it('ends that do not verify, unknown versions and missing traces are exit 2', async () => {
    for (const argv of [
      ['firmware', 'mutant:hostboot-mdrt-dest-is-src', 'reference', '--trace', traces[0]!], // first is bad
      ['firmware', 'reference', 'reference', '--trace', traces[0]!], // last is good
      ['firmware', 'reference', '--trace', traces[0]!],
      ['firmware', 'reference', 'no-such-firmware', '--trace', traces[0]!],
      ['firmware', 'reference', 'qemu'],
      ['firmware', 'reference', 'qemu', '--trace'],
      ['firmware', 'reference', 'qemu', '--trace', join(dir, 'missing.mpt')],
    ]) {
      const r = await runCmd(bisectCommand, argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
