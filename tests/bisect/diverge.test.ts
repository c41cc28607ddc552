/**
 * `bisect diverge`: the cycle it finds is the cycle a brute-force, cycle-by-cycle digest
 * comparison finds, on a firmware whose divergence cycle is known by construction; and on a real
 * mutant the command reports the first differing event, the state difference and exit 1.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { recordRun } from '../../sim/cli/recording.js';
import { bisectCommand, divergeFile } from '../../sim/cli/commands/bisect.js';
import { digestAt } from '../../sim/bisect/probe.js';
import { runCmd, silentFlip, tempDir } from './helpers.js';

const spec = deriveScenario('1', DEFAULT_CONFIG, 'reference');
const dir = tempDir();
const trace = join(dir, 'ref-s1.mpt');
recordRun(spec, referenceProfile(spec), trace, 'events');

describe('bisect diverge', () => {
  it('finds the exact cycle of a silent state change, as a cycle-by-cycle digest comparison does', () => {
    const DELAY_CYCLES = 1500;
    const FLIP_ADDRESS = 0x1234_5678;
    const { factory, bootCycles } = silentFlip(DELAY_CYCLES, FLIP_ADDRESS, 0);
    const r = divergeFile(trace, 'sabotaged:silent-flip', factory);
    expect(r.compare.ok).toBe(false);
    const n = r.narrowed!;
    expect(bootCycles.size).toBe(1);
    const expected = [...bootCycles][0]! + DELAY_CYCLES;
    expect(n.firstDivergentCycle).toBe(expected);
    expect(n.stateDiverged).toBe(true);
    expect(n.atomicStep).toBeUndefined();

    // Brute force over a window around it: stops up to the divergent cycle agree, stops after differ.
    const WINDOW_CYCLES = 12;
    for (let s = expected - WINDOW_CYCLES; s <= expected + WINDOW_CYCLES; s++) {
      const differs = digestAt(spec, referenceProfile, s).digest !== digestAt(spec, factory, s).digest;
      expect({ s, differs }).toEqual({ s, differs: s > expected });
    }

    // The state difference names the flipped byte's page and the thread's register.
    expect(n.stateDiff.pagesDiffering).toBe(1);
    expect(n.stateDiff.pages[0]!.firstAddress).toBe('0x12345678');
    expect(n.stateDiff.threads.map((t) => t.pir)).toEqual(['0x0']);
    expect(n.stateDiff.threads[0]!.registers.map((x) => x.reg)).toEqual(['r20']);
    // The instruction thread 0 executed in that cycle (the default workload is machine code).
    expect(n.instructions.map((x) => x.pir)).toEqual(['0x0']);
    if (spec.config.workload === 'machine-code') expect(n.instructions[0]!.word).toMatch(/^0x[0-9a-f]{8}$/);
    // Logarithmically many re-runs, not one per cycle of the window.
    expect(n.reruns).toBeLessThan(2 * Math.ceil(Math.log2(20_000)) + 12);
  });

  it('a mutant: exit 1, JSON with firstDivergentCycle, event and stateDiff', async () => {
    const r = await runCmd(bisectCommand, ['diverge', trace, '--firmware', 'mutant:hostboot-copy-direction-swapped', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Record<string, any>;
    expect(doc['verdict']).toBe('diverged');
    expect(typeof doc['firstDivergentCycle']).toBe('number');
    expect(doc['event'].recorded).not.toBeNull();
    expect(doc['event'].differences.length).toBeGreaterThan(0);
    // The swapped copy writes the sources: memory differs after the MPIPL step.
    expect(doc['stateDiff'].pagesDiffering).toBeGreaterThan(0);
    // The first observable difference is inside the clock-stop → hostboot → IPL step.
    expect(doc['atomicStep']).not.toBeNull();
    expect(doc['firstDivergentCycle']).toBeGreaterThanOrEqual(doc['atomicStep'].startCycle);
    expect(doc['firstDivergentCycle']).toBe(doc['event'].cycle);
  });

  it('the same firmware: nothing diverges, exit 0 (the power-on event naming the firmware is not a difference)', async () => {
    const r = await runCmd(bisectCommand, ['diverge', trace, '--firmware', 'reference']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('does not diverge');
    const q = await runCmd(bisectCommand, ['diverge', trace, '--firmware', 'qemu', '--json']);
    expect([0, 1]).toContain(q.code);
  });

  it('bad input is one line and exit 2', async () => {
    for (const argv of [
      ['diverge', trace],
      ['diverge', '--firmware', 'reference'],
      ['diverge', join(dir, 'missing.mpt'), '--firmware', 'reference'],
      ['diverge', trace, '--firmware', 'no-such-firmware'],
      ['diverge', trace, '--firmware', 'reference', '--bogus'],
      ['nonsense'],
      [],
    ]) {
      const r = await runCmd(bisectCommand, argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
