/**
 * Sweep and shrink with threads inside firmware (issue 14; docs/firmware-elf.md, "Time modes"):
 * a coupled sweep over the cycles of an OPAL_MPIPL_UPDATE forks its base run while the boot CPU
 * retires firmware instructions, and each forked point ends as a fresh run crashing there does;
 * the mid-call mutant fails exactly inside the call, the reference nowhere; shrink keeps the time
 * mode and a counterexample that needs the crash inside the call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveScenario, scratchArea, type OpalOp, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { validateScenario } from '../../sim/scenario/validate.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { firmwareSpans } from '../../sim/check/firmware-crash-points.js';
import { sweepPoint, sweepPoints } from '../../sim/bisect/sweep.js';
import { withCrashAt } from '../../sim/bisect/crash.js';
import { shrinkScenario } from '../../sim/bisect/shrink.js';
import { runQuiet } from '../../sim/bisect/probe.js';
import { firstFailure } from '../../sim/check/check.js';
import { loadFirmwareElf } from '../../sim/firmware-elf/loader.js';
import { profileWithElfs } from '../../sim/firmware-elf/profile.js';
import { referenceProfile, resolveProfile } from '../../sim/firmware/profiles.js';
import { hex } from '../../sim/core/u64.js';
import { REPO_ROOT } from '../helpers/workloads.js';
import { cli } from '../helpers/cli.js';

const MUTANT = 'skiboot-mid-call-add-range-count-zero';
const reference = resolveProfile('reference-elf');
const mutant = profileWithElfs(MUTANT, referenceProfile, {
  skiboot: loadFirmwareElf('skiboot', new Uint8Array(readFileSync(join(REPO_ROOT, 'firmware', 'bin', 'mutants', `${MUTANT}-skiboot.elf`))), MUTANT),
});

/**
 * Seed 1 in coupled time, its crash on the boot CPU (the thread that makes the calls), and a driver
 * that adds two page ranges after the kernel registered: the second ADD_RANGE is the call swept.
 */
function twoAdds(): ScenarioSpec {
  const base = deriveScenario('1', DEFAULT_CONFIG, 'reference-elf');
  const scratch = scratchArea(base.config.ramSizeBytes).start;
  const add = (afterBootCycles: number, i: number): OpalOp => ({ boot: 0, afterBootCycles, call: 'ADD_RANGE', args: [hex(0x0c00_0000 + i * 0x1000), hex(scratch + 0x0400_0000 + i * 0x1000), '0x1000'] });
  const crashes = [{ ...base.crashes[0]!, pir: 0 }, ...base.crashes.slice(1)];
  return validateScenario({ ...base, crashes, timeMode: 'coupled', ops: [...base.ops, add(3_000, 0), add(4_000, 1)] }, DEFAULT_CONFIG, 'test');
}

describe('sweep and shrink with the boot CPU inside firmware', () => {
  const spec = twoAdds();
  const second = firmwareSpans(spec).filter((s) => s.op === 0)[1]!;
  // The window holds the call's last 100 instructions and 60 cycles after it returned (the probe
  // runs the boot with its crash held, which moves the call by a few cycles).
  const cycles = Array.from({ length: 160 }, (_, k) => second.startCycle + second.instructions - 100 + k);

  it('forked points equal fresh runs; the mid-call mutant fails inside the call, the reference nowhere', () => {
    expect(second.pir).toBe(0);
    const good = [...sweepPoints(spec, reference, cycles)];
    expect(good.filter((p) => p.failing.length > 0)).toEqual([]);
    const bad = [...sweepPoints(spec, mutant, cycles)];
    const failing = bad.filter((p) => p.failing.length > 0);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.length).toBeLessThan(cycles.length); // once the call returned, its tables are whole
    for (const p of failing) expect(p.failing).toEqual(['registration-effective']);
    for (const k of [0, failing.length >> 1, failing.length - 1]) expect(sweepPoint(spec, mutant, failing[k]!.cycle)).toEqual(failing[k]);
    const passing = bad.find((p) => p.failing.length === 0)!;
    expect(sweepPoint(spec, mutant, passing.cycle)).toEqual(passing);
  }, 300_000);

  it('shrink keeps coupled time and a counterexample that needs the crash inside the call', () => {
    const bad = [...sweepPoints(spec, mutant, cycles)].find((p) => p.failing.length > 0)!;
    const r = shrinkScenario({ spec: withCrashAt(spec, bad.cycle), profileFor: mutant, runsMax: 80 });
    expect(r.invariant).toBe('registration-effective');
    expect(r.spec.timeMode).toBe('coupled');
    expect(firstFailure(runQuiet(r.spec, mutant))?.invariant).toBe('registration-effective');
    // The same scenario in charged time (each call one step) cannot tear the table.
    const { timeMode: _coupled, ...charged } = r.spec;
    expect(firstFailure(runQuiet(charged, mutant))).toBeUndefined();
  }, 300_000);

  it('sweep --time-mode coupled runs from the command line', async () => {
    const r = await cli('sweep', '--seed', '1', '--firmware', 'reference-elf', '--time-mode', 'coupled', '--from', '176000', '--to', '176002', '--workers', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'pass', timeMode: 'coupled', cyclesChecked: 3, ranges: [] });
  }, 120_000);
});
