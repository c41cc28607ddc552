/**
 * Scenario fault knobs reach the ELF skiboot as they reach the TS model. `faults.allocSizeBytes`
 * (a too-small register-capture area, spec 4.6 / step 5.4) is a constructor option of the model
 * and a simulator-only device-tree property for the ELF's init (sim/firmware-elf/participants.ts):
 * both write that alloc_size into the processor dump area, and a scenario with the knob judges
 * the same under `reference` and `reference-elf`.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../sim/machine/machine.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { referenceElfProfile, referenceProfile } from '../../sim/firmware/profiles.js';
import { MemorySink } from '../../sim/trace/events.js';
import { runScenario } from '../../sim/scenario/run.js';
import { ProcDumpArea, SkibootMap } from '../../sim/participants/layout.js';
import { SIM_FAULT_NODE } from '../../sim/firmware-elf/participants.js';

const ALLOC_SIZE_AT = SkibootMap.SKIBOOT_BASE + SkibootMap.PROC_DUMP_AREA_OFF + ProcDumpArea.allocSize;

function withAllocSize(seed: string, allocSizeBytes: number | undefined): ScenarioSpec {
  const s = deriveScenario(seed, DEFAULT_CONFIG, 'reference', { crashes: 1 });
  return { ...s, faults: allocSizeBytes === undefined ? {} : { ...s.faults, allocSizeBytes } };
}

describe('faults.allocSizeBytes under reference-elf', () => {
  it.each([0x100, 0x1000, undefined])('the ELF init writes the knob (%s) as alloc_size and leaves no /sim node', (allocSizeBytes) => {
    const spec = withAllocSize('11', allocSizeBytes);
    const written = [referenceProfile(spec), referenceElfProfile(spec)].map((profile) => {
      const m = new Machine(spec.config, profile, spec.seed, new MemorySink());
      m.powerOn();
      expect(m.dt.hasNode(SIM_FAULT_NODE)).toBe(false);
      return m.mem.read32BE(ALLOC_SIZE_AT);
    });
    expect(written[1]).toBe(written[0]);
    if (allocSizeBytes !== undefined) expect(written[1]).toBe(allocSizeBytes);
  });

  it.each(['1', '2', '3'])('seed %s with a 0x100-byte register area: no CPU data, same verdicts, MDRT and mpipl-boot on both', (seed) => {
    const spec = withAllocSize(seed, 0x100);
    const sinks = [new MemorySink(), new MemorySink()];
    const [ts, elf] = [referenceProfile(spec), referenceElfProfile(spec)].map((profile, i) => runScenario(spec, { sink: sinks[i]!, profile }));
    // Threads whose registers hostboot captured: none, the area is too small (TS and C events).
    const captured = sinks.map((s) =>
      s.events.flatMap((e) => {
        const d = e.data as Record<string, unknown>;
        if (e.kind === 'regs-capture') return [Number(d['threads'])];
        return e.kind === 'fw-event' && d['kind'] === 'regs-capture' ? [Number(BigInt(String(d['a0'])))] : [];
      }),
    );
    expect(captured[0]!.length).toBeGreaterThan(0);
    expect(captured[1]).toEqual(captured[0]);
    expect(captured[0]!.every((n) => n === 0)).toBe(true);
    const verdicts = (r: typeof ts): string[] => r!.invariants.map((i) => `${i.round} ${i.id} ${i.ok} ${i.judged === false ? 'not-judged' : ''}`);
    expect(verdicts(elf)).toEqual(verdicts(ts));
    expect(elf!.verdict).toBe(ts!.verdict);
    expect(elf!.crashes.map((c) => [c.mpiplBoot, c.mdrt])).toEqual(ts!.crashes.map((c) => [c.mpiplBoot, c.mdrt]));
  });
});
