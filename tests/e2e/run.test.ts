/**
 * `mpipl-sim run` end to end: the default scenario passes every invariant, the JSON has the
 * contract's fields, the fault cases of issue 2 behave as the spec says, and bad input is exit 2.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { runScenario } from '../../sim/scenario/run.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { MemorySink } from '../../sim/trace/events.js';

function run(spec: ScenarioSpec) {
  const sink = new MemorySink();
  const result = runScenario(spec, { sink, profile: referenceProfile(spec) });
  return { result, sink, logs: sink.events.filter((e) => e.kind === 'linux-log').map((e) => String(e.data['msg'])) };
}

const spec = (over: Partial<ScenarioSpec> = {}, crashes = 1): ScenarioSpec => ({ ...deriveScenario('42', DEFAULT_CONFIG, 'reference', { crashes }), ...over });

describe('run --seed 1', () => {
  it('passes every invariant and reports MDRT entries for the OPAL and kernel regions', async () => {
    const r = await cli('run', '--seed', '1', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.verdict).toBe('pass');
    expect(doc.seed).toBe('1');
    expect(doc.firmware).toBe('reference');
    expect(doc.mdrt.map((e: { region: string }) => e.region)).toEqual(['0x3', '0x80']);
    expect(doc.crash.registers.gpr).toHaveLength(32);
    expect(doc.crash.registers.nip).toMatch(/^0x[0-9a-f]+$/);
    const ids = doc.invariants.map((i: { id: string }) => i.id);
    for (const id of ['mdrt-sound', 'mdrt-complete', 'no-collateral-writes', 'cpu-state', 'crash-info', 'mpipl-boot', 'tags', 'vmcore', 'opalcore']) expect(ids).toContain(id);
    expect(doc.invariants.every((i: { ok: boolean }) => i.ok)).toBe(true);
  });

  it('human output names the crash, the MDRT and each invariant', async () => {
    const r = await cli('run', '--seed', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/crash 0: PIR 0x[0-9a-f]+ at cycle \d+/);
    expect(r.stdout).toContain('region 0x80 (kernel)');
    expect(r.stdout).toContain('verdict: PASS');
  });
});

describe('fault cases end to end', () => {
  it('never-stashed base: normal reboot, no dump, invariants hold', () => {
    const { result } = run(spec({ faults: { dropStash: true } }));
    expect(result.verdict).toBe('pass');
    expect(result.crashes[0]!.mpiplBoot).toBe(false);
    expect(result.crashes[0]!.mdrt).toEqual([]);
    expect(result.invariants.find((i) => i.id === 'vmcore')!.detail).toMatch(/no vmcore/);
  });

  it('too-small register area: no CPU data, Linux falls back to the crashing CPU’s saved registers', () => {
    const { result, logs } = run(spec({ faults: { allocSizeBytes: 0x100 } }));
    expect(result.verdict).toBe('pass');
    expect(result.invariants.find((i) => i.id === 'cpu-state')!.detail).toMatch(/too small/);
    expect(result.invariants.find((i) => i.id === 'vmcore')!.detail).toMatch(/1 CPU notes match/);
    expect(logs.join('\n')).toMatch(/crashing CPU/);
  });

  it('partial registration after OPAL_RESOURCE: Linux warns, the dump holds the registered regions', () => {
    // 70 boot-memory regions: MDST has 63 free slots after OPAL's own entry.
    const regions = Array.from({ length: 70 }, (_, i) => ({ startBytes: i === 0 ? 0 : 0x0200_0000 + i * 0x00a0_0000, sizeBytes: i === 0 ? 0x0200_0000 : 0x0080_0000 }));
    regions.push({ startBytes: 0x2f00_0000, sizeBytes: 0x0100_0000 });
    const { result, logs } = run(spec({ linux: { bootMemRegions: regions }, crashes: [{ afterBootCycles: 30_000, pir: 1 }] }));
    expect(logs.join('\n')).toMatch(/could not be registered for MPIPL as MAX limit is reached/);
    expect(result.verdict).toBe('pass');
    expect(result.crashes[0]!.mdrt.filter((e) => e.region === 0x80)).toHaveLength(63);
    expect(logs.join('\n')).toMatch(/Not all memory regions were saved/);
  });

  it('crash before registration: normal reboot, no MPIPL', () => {
    const base = spec();
    const { result } = run({ ...base, crashes: [{ atCycle: 0, pir: 0 }] });
    expect(result.verdict).toBe('pass');
    expect(result.crashes[0]!.clockStopCycle).toBeUndefined();
  });

  it('a driver call due after the panic is not made: the crashed kernel runs no driver', () => {
    const base = spec();
    const removeAll = { boot: 0, afterBootCycles: 5_100, call: 'REMOVE_ALL' as const, args: ['0x0', '0x0', '0x0'] };
    const { result, sink } = run({ ...base, crashes: [{ afterBootCycles: 5_000, pir: 3 }], ops: [removeAll] });
    const crash = sink.events.find((e) => e.kind === 'crash')!;
    const stop = sink.events.find((e) => e.kind === 'clock-stop')!;
    expect(stop.cycle).toBeGreaterThan(crash.cycle + 100); // the call fell due inside the crash path
    expect(sink.events.filter((e) => e.kind === 'opal-call' && e.data['name'] === 'OPAL_MPIPL_UPDATE' && e.cycle >= crash.cycle && e.cycle <= stop.cycle)).toEqual([]);
    expect(result.verdict).toBe('pass');
    expect(result.crashes[0]!.mpiplBoot).toBe(true);
  });

  it('two crashes in one scenario: capture, release, re-register, crash again', () => {
    const { result, sink } = run(spec({}, 2));
    expect(result.verdict).toBe('pass');
    expect(result.crashes).toHaveLength(2);
    expect(result.crashes.every((c) => c.mpiplBoot)).toBe(true);
    expect(sink.events.some((e) => e.kind === 'opal-call' && e.data['args'] === '0x3,0x0,0x0,0x0')).toBe(true); // FREE_PRESERVED_MEMORY
  });

  it('a big-endian kernel passes too', () => {
    const { result } = run(spec({ config: { ...DEFAULT_CONFIG, kernelEndian: 'big', chips: 2 } }));
    expect(result.verdict).toBe('pass');
  });
});

describe('bad input is one line on stderr and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpipl-run-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  it.each([
    [['run', '--bogus']],
    [['run', '--seed', '']],
    [['run', '--seed', 'a b']],
    [['run', '--crash-at', 'soon']],
    [['run', '--crash-pir', '0x999']],
    [['run', '--firmware', 'nonesuch']],
    [['run', '--config', '/nonexistent/config.json']],
    [['run', '--config', file('bad.json', '{not json')]],
    [['run', '--config', file('key.json', '{"cores": 2}')]],
    [['run', '--config', file('ram.json', '{"ramSize": "1MiB"}')]],
    [['run', '--config', file('chips.json', '{"chips": 0}')]],
    [['run', '--config', file('linux.json', '{"linux": {"pageSizeBytes": 3}}')]],
    [['run', '--trace-level', 'verbose']],
    [['frobnicate']],
  ])('%j', async (argv) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
