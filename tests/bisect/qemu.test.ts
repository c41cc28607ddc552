/**
 * The bisect tools on traces of the `qemu` profile (issue 6): shrink keeps QEMU's MDRT finding,
 * bisect diverge against `reference` points at the first differing IPL event, and the first
 * failing crash cycle of a window agrees with checking every cycle.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { tempDir } from './helpers.js';
import { runScenario } from '../../sim/scenario/run.js';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { qemuProfile } from '../../sim/firmware/qemu-profile.js';
import { MemorySink } from '../../sim/trace/events.js';

describe('bisect tools on qemu traces', () => {
  it('shrink keeps the MDRT finding; bisect diverge names the first differing event', async () => {
    const dir = tempDir();
    const trace = join(dir, 'qemu.mpt');
    expect((await cli('run', '--seed', '1', '--firmware', 'qemu', '--record', trace)).code).toBe(1);
    const shrunk = join(dir, 'small.mpt');
    const s = await cli('shrink', trace, '-o', shrunk);
    expect(s.stdout).toMatch(/still breaks mdrt-sound/);
    expect((await cli('replay', shrunk)).code).toBe(0);
    const d = await cli('bisect', 'diverge', trace, '--firmware', 'reference', '--json');
    expect(d.code).toBe(1);
    const doc = JSON.parse(d.stdout);
    expect(doc.firstDivergentCycle).toBe(0);
  }, 120_000);

  it('bisect crash agrees with checking every crash cycle of a small window', async () => {
    const verdictAt = (cycle: number): string => {
      const spec = deriveScenario('1', DEFAULT_CONFIG, 'qemu', { crashAt: cycle });
      return runScenario(spec, { sink: new MemorySink(), profile: qemuProfile(spec) }).verdict;
    };
    // Before registration completes a crash reboots normally (pass); after it, QEMU's MDRT fails.
    const window = Array.from({ length: 13 }, (_, i) => 171_094 + i);
    const outcomes = window.map(verdictAt);
    const firstFail = window[outcomes.indexOf('fail')];
    expect(firstFail).toBeDefined();
    const r = await cli('bisect', 'crash', '--seed', '1', '--good', String(window[0]), '--bad', String(window[window.length - 1]), '--firmware', 'qemu', '--json');
    expect(JSON.parse(r.stdout).firstBadCycle).toBe(firstFail);
  }, 120_000);
});
