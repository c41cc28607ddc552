/**
 * Fast reboot (docs/modelling-choices.md): skiboot reboots the machine itself, without hostboot;
 * it is refused after an MPIPL boot (spec step 21). The oracle judges every fast reboot: skiboot may
 * change only its own memory and clear unreserved memory, MDRT and the tables stay, and
 * `mpipl-boot` is absent.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { MemorySink } from '../../sim/trace/events.js';
import type { FirmwareProfile } from '../../sim/participants/firmware.js';
import type { Platform } from '../../sim/participants/platform.js';
import { SkibootModel } from '../../sim/participants/skiboot/skiboot.js';
import { SkibootMap } from '../../sim/participants/layout.js';
import { scratchArea } from '../../sim/scenario/scenario.js';

const base = deriveScenario('1', DEFAULT_CONFIG, 'reference');
const early: ScenarioSpec = { ...base, crashes: [{ afterBootCycles: 6_000, pir: 0 }], reboots: [{ boot: 0, afterBootCycles: 2_500 }] };
const afterMpipl: ScenarioSpec = { ...base, crashes: [{ afterBootCycles: 3_000, pir: 0 }], reboots: [{ boot: 1, afterBootCycles: 1_500 }] };

function run(spec: ScenarioSpec, patch: Partial<FirmwareProfile> = {}): { r: RunResult; sink: MemorySink } {
  const sink = new MemorySink();
  return { r: runScenario(spec, { sink, profile: { ...referenceProfile(spec), ...patch } }), sink };
}
const failed = (r: RunResult): string => r.invariants.filter((i) => !i.ok).map((i) => `${i.id}: ${i.detail}`).join('\n');
const ipls = (sink: MemorySink): string[] => sink.events.filter((e) => e.who === 'machine' && e.kind === 'ipl' && e.data['phase'] === undefined).map((e) => String(e.data['kind']));

describe('fast reboot', () => {
  it('in the first kernel: skiboot fast-reboots (no hostboot) and the oracle judges it', () => {
    const { r, sink } = run(early);
    expect(failed(r)).toBe('');
    expect(ipls(sink)).toEqual(['power-on', 'fast']);
    expect(sink.events.some((e) => e.who === 'hostboot' && e.kind === 'ipl' && e.cycle > 2_500)).toBe(false);
    const details = r.invariants.map((i) => i.detail);
    expect(details).toContain('fast reboot: only skiboot’s own memory changed and unreserved memory was cleared');
    expect(details).toContain('fast reboot: MDRT left as it was');
    expect(details).toContain('fast reboot; mpipl-boot absent');
  });

  it('after an MPIPL boot: skiboot refuses it (OPAL_UNSUPPORTED) and user space reboots normally', () => {
    const { r, sink } = run(afterMpipl);
    expect(failed(r)).toBe('');
    expect(ipls(sink)).toEqual(['power-on', 'mpipl', 'normal']);
    const answers = sink.events.filter((e) => e.who === 'skiboot' && e.kind === 'opal-return' && e.data['name'] === 'OPAL_CEC_REBOOT2');
    expect(answers.map((e) => e.data['rcName'] ?? 'no return')).toEqual(['no return', 'OPAL_UNSUPPORTED']); // the panic's MPIPL, then user space's fast reboot
    expect(r.invariants.map((i) => i.detail)).toContain('normal IPL: memory outside the declared IPL areas is unchanged');
  });

  it('a fast reboot that clears reserved memory, or runs opal_mpipl_init again, fails', () => {
    class ClearsEverything extends SkibootModel {
      override fastReboot(p: Platform): void {
        super.fastReboot(p);
        const s = scratchArea(p.config.ramSizeBytes);
        p.mem.write64BE(s.start + 0x100, 0n); // the scratch area is reserved by the platform
        p.mem.write64BE(s.start + 0x100, 0x1234n);
      }
    }
    expect(failed(run(early, { makeSkiboot: () => new ClearsEverything() }).r)).toMatch(/no-collateral-writes: fast reboot: byte at .* inside memory the spec or the platform reserves/);
    class ReInits extends SkibootModel {
      override fastReboot(p: Platform): void {
        super.fastReboot(p);
        this.opalMpiplInit(p, false);
      }
    }
    const bad = failed(run(early, { makeSkiboot: () => new ReInits() }).r);
    expect(bad).toMatch(/no-collateral-writes: fast reboot: byte at 0x3001/);
    expect(SkibootMap.MDST_TABLE_OFF).toBe(0x10c00);
  });
});

describe('OPAL abort while the kernel registers', () => {
  it('Linux invalidates the dump (no fresh crash-info header): vmcore and opalcore are not judged, with the cause', () => {
    const spec: ScenarioSpec = { ...base, crashes: [{ afterBootCycles: 200, pir: 0, source: 'opal' }] };
    const { r } = run(spec);
    expect(failed(r)).toBe('');
    const opalcore = r.invariants.find((i) => i.id === 'opalcore')!;
    expect(opalcore.judged).toBe(false);
    expect(opalcore.notJudgedCause).toMatch(/OPAL aborted before the kernel finished registering fadump/);
  });
});
