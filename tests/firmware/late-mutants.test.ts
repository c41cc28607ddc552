/**
 * The issue-11 mutants of sim/firmware/mutants/late-classes.ts: for each, a pinned scenario of its
 * class that kills it while `reference` passes, and (except the stray write, which the kernel's own
 * registration reaches) the seed's default scenario, on which it passes.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.js';
import { deriveScenario, scratchArea, type OpalOp, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { LATE_CLASS_MUTANTS, MUTANTS } from '../../sim/firmware/mutants.js';
import { MemorySink } from '../../sim/trace/events.js';
import { LinuxKernelModel } from '../../sim/participants/linux/kernel.js';
import { KernelMem } from '../../sim/participants/linux/bytes.js';
import { linuxOptionsOf } from '../../sim/firmware/profiles.js';
import type { Platform } from '../../sim/participants/platform.js';

const base: ScenarioSpec = { ...deriveScenario('1', DEFAULT_CONFIG, 'reference'), crashes: [{ afterBootCycles: 6_000, pir: 0 }] };
const scratch = scratchArea(DEFAULT_CONFIG.ramSizeBytes).start;
const hex = (n: number): string => `0x${n.toString(16)}`;

function run(spec: ScenarioSpec, mutant?: string): RunResult {
  const m = MUTANTS.find((x) => x.name === mutant);
  if (mutant !== undefined) expect(m, mutant).toBeDefined();
  return runScenario(spec, { sink: new MemorySink(), profile: m === undefined ? referenceProfile(spec) : m.make(spec) });
}
const failed = (r: RunResult): string => r.invariants.filter((i) => !i.ok).map((i) => `${i.id}: ${i.detail}`).join('\n');

const fill: OpalOp[] = Array.from({ length: 66 }, (_, i) => ({ boot: 0, afterBootCycles: 4_000 + i, call: 'ADD_RANGE' as const, args: [hex(0x0c00_0000 + i * 0x1_0000), hex(scratch + 0x0400_0000 + i * 0x1_0000), '0x10000'] }));

const cases: { mutant: string; spec: ScenarioSpec; killedBy: RegExp; passesDefault: boolean }[] = [
  { mutant: 'skiboot-add-range-writes-unrelocated', spec: base, killedBy: /registration-effective: .*ADD_RANGE.*wrote outside its tables, the metadata area and skiboot's reservations: byte at 0x10c/, passesDefault: false },
  {
    mutant: 'skiboot-kernel-tag-first-wins',
    spec: { ...base, ops: [{ boot: 0, afterBootCycles: 4_500, call: 'REGISTER_TAG', args: ['0x2', '0x0'] }] },
    killedBy: /registration-effective: OPAL_MPIPL_REGISTER_TAG\(0x2, 0x0\) returned OPAL_SUCCESS and left metadata area byte/,
    passesDefault: true,
  },
  { mutant: 'skiboot-add-range-full-off-by-one', spec: { ...base, ops: fill }, killedBy: /registration-effective: .*ADD_RANGE.* returned OPAL_SUCCESS, expected OPAL_RESOURCE/, passesDefault: true },
  {
    mutant: 'skiboot-fast-reboot-after-mpipl-boot',
    spec: { ...base, crashes: [{ afterBootCycles: 3_000, pir: 0 }], reboots: [{ boot: 1, afterBootCycles: 1_500 }] },
    killedBy: /mpipl-boot: fast reboot; mpipl-boot present \(stale/,
    passesDefault: true,
  },
  {
    mutant: 'linux-ptload-offset-from-zero',
    spec: { ...base, linux: { bootMemRegions: [{ startBytes: 0x0200_0000, sizeBytes: 0x2e00_0000 }] } },
    killedBy: /vmcore: PT_LOAD p_paddr 0x2000000: byte at/,
    passesDefault: true,
  },
  {
    mutant: 'hostboot-keeps-unreleased-dump',
    spec: { ...base, crashes: [{ afterBootCycles: 3_000, pir: 0 }, { afterBootCycles: 0, pir: 0, beforeRelease: true, source: 'opal' }] },
    killedBy: /mdrt-(sound|complete|exact)/,
    passesDefault: true,
  },
];

describe('the kernel’s view of RAM not starting at 0', () => {
  const layouts = [
    [{ startBytes: 0x1_0000, sizeBytes: 0x3000_0000 - 0x1_0000 }],
    [{ startBytes: 0x0200_0000, sizeBytes: 0x0e00_0000 }, { startBytes: 0x1800_0000, sizeBytes: 0x1800_0000 }],
  ];
  for (const bootMemRegions of layouts) {
    it(`reference passes with boot memory from 0x${bootMemRegions[0]!.startBytes.toString(16)} (${bootMemRegions.length} region(s)), the vmcore judged exactly`, () => {
      const r = run({ ...base, linux: { bootMemRegions } });
      expect(failed(r)).toBe('');
      const vmcore = r.invariants.find((i) => i.id === 'vmcore')!;
      expect(vmcore.judged).not.toBe(false);
      expect(vmcore.detail).toMatch(/PT_LOADs equal clock-stop memory/);
    });
  }
});

describe('late-class mutants (issue 11)', () => {
  it('pins a scenario for every late-class mutant', () => {
    expect(cases.map((c) => c.mutant).sort()).toEqual(LATE_CLASS_MUTANTS.map((m) => m.name).sort());
  });

  for (const c of cases) {
    it(`${c.mutant}: killed on its class's scenario, which reference passes`, () => {
      expect(failed(run(c.spec))).toBe('');
      expect(failed(run(c.spec, c.mutant))).toMatch(c.killedBy);
      if (c.passesDefault) expect(failed(run(base, c.mutant))).toBe('');
    });
  }
});

describe('vmcore: the boot-memory PT_LOADs are exactly the regions the crashed kernel registered', () => {
  it('a vmcore whose first boot-memory PT_LOAD starts a page late (its bytes still right) fails', () => {
    // The capture kernel exports region 0 from one page in: every byte it has is right, a page is missing.
    class SkipsFirstPage extends LinuxKernelModel {
      protected override captureBoot(p: Platform): void {
        super.captureBoot(p);
        const ehdr = this.captureOut?.elfcorehdrAddr;
        if (ehdr === undefined) return;
        const km = new KernelMem(p.mem, p.config.kernelEndian);
        const ph = ehdr + Number(km.r64(ehdr + 0x20)) + 2 * 56; // phdr 2: boot-memory region 0
        for (const off of [8, 16, 24]) km.w64(ph + off, km.r64(ph + off) + 0x1_0000n);
        for (const off of [32, 40]) km.w64(ph + off, km.r64(ph + off) - 0x1_0000n);
      }
    }
    const spec = base;
    const r = runScenario(spec, { sink: new MemorySink(), profile: { ...referenceProfile(spec), makeLinux: () => new SkipsFirstPage(linuxOptionsOf(spec)) } });
    expect(failed(r)).toMatch(/vmcore: boot-memory region 0 \(0x0 \+ 0x30000000\) registered by the crashed kernel is not PT_LOAD 0 \(p_paddr 0x10000, size 0x2fff0000\)/);
  });
});
