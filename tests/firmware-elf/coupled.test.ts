/**
 * Coupled time (docs/firmware-elf.md, "Time modes"): the time base comes from the versioned cost
 * model; an OPAL call from a machine-code thread retires the skiboot ELF's instructions on that
 * thread, one per cycle, while the other threads run; a crash can land N instructions into the
 * k-th call; fork, replay and determinism hold with threads inside firmware.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COST_MODELS, COUPLED_COST_MODEL, DEFAULT_COST_MODEL, costModelFor, timeBaseAt } from '../../sim/machine/cost-model.js';
import { Interpreter } from '../../sim/cpu/interpreter.js';
import { ThreadState, Slot, MSR } from '../../sim/cpu/state.js';
import { PhysicalMemory } from '../../sim/mem/physical-memory.js';
import { runScenario, startScenario, type ScenarioHarness } from '../../sim/scenario/run.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { validateScenario } from '../../sim/scenario/validate.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { resolveProfile } from '../../sim/firmware/profiles.js';
import { MemorySink, type SimEvent, type TraceSink, type RetiredInstruction } from '../../sim/trace/events.js';
import { cli } from '../helpers/cli.js';
import { readTrace } from '../../traces/reader.js';
import { aimFirstCrash, firmwareSpans } from '../../sim/check/firmware-crash-points.js';
import { registerFirmwareElfProfile } from '../../sim/cli/firmware-elf-option.js';

const quiet = { event: () => {} };
const dir = mkdtempSync(join(tmpdir(), 'coupled-'));

function coupledSpec(seed: string, o: Parameters<typeof deriveScenario>[3] = {}): ScenarioSpec {
  const base = deriveScenario(seed, DEFAULT_CONFIG, 'reference-elf', o);
  return validateScenario({ ...base, timeMode: 'coupled' }, DEFAULT_CONFIG, 'test');
}

function run(spec: ScenarioSpec, sink: TraceSink = quiet) {
  return runScenario(spec, { sink, profile: resolveProfile(spec.firmware)(spec) });
}

function events(spec: ScenarioSpec): SimEvent[] {
  const sink = new MemorySink();
  run(spec, sink);
  return sink.events;
}

/** mftb r3 (TBR 268), big-endian. */
const MFTB_R3 = (31 << 26) | (3 << 21) | (12 << 16) | (8 << 11) | (371 << 1);

describe('the time base in the cost model', () => {
  it('cost-1 keeps its retired-instruction time base; cost-2 derives it from cycles at 512 MHz / 4 GHz', () => {
    expect(DEFAULT_COST_MODEL.version).toBe('cost-1');
    expect(DEFAULT_COST_MODEL.timeBase).toBe('retired');
    expect(COUPLED_COST_MODEL.version).toBe('cost-2');
    expect(COUPLED_COST_MODEL.timeBase).toBe('cycles');
    expect(COUPLED_COST_MODEL.tbHz).toBe(512_000_000);
    expect(costModelFor(undefined)).toBe(DEFAULT_COST_MODEL);
    expect(costModelFor('charged')).toBe(DEFAULT_COST_MODEL);
    expect(costModelFor('coupled')).toBe(COUPLED_COST_MODEL);
    expect([...COST_MODELS.keys()]).toEqual(['cost-1', 'cost-2']);
    expect(timeBaseAt(COUPLED_COST_MODEL, 0)).toBe(0);
    expect(timeBaseAt(COUPLED_COST_MODEL, 124)).toBe(15);
    expect(timeBaseAt(COUPLED_COST_MODEL, 125)).toBe(16);
    expect(timeBaseAt(COUPLED_COST_MODEL, 4_000_000_000)).toBe(512_000_000);
  });

  it('mftb reads the source the machine gives, else the retired count', () => {
    const mem = new PhysicalMemory(1 << 20);
    mem.write32BE(0x1000, MFTB_R3);
    mem.write32BE(0x1004, MFTB_R3);
    const t = new ThreadState(0);
    t.set(Slot.MSR, MSR.SF | MSR.HV | MSR.ME);
    t.set(Slot.NIP, 0x1000n);
    const cpu = new Interpreter();
    cpu.step(t, mem);
    expect(t.gpr(3)).toBe(0n);
    cpu.timeBaseSource = () => timeBaseAt(COUPLED_COST_MODEL, 1_000_000);
    cpu.step(t, mem);
    expect(t.gpr(3)).toBe(128_000n);
  });
});

describe('coupled time', () => {
  it('retires the ELF dispatcher on the calling thread while other threads run, and returns r3 = rc', () => {
    const spec = coupledSpec('3', { crashAt: 200_000 });
    const ev = events(spec);
    expect((ev[0]!.data as Record<string, unknown>)['costModel']).toBe('cost-2');
    const calls = ev.filter((e) => e.kind === 'opal-call' && e.data['coupled'] !== undefined);
    expect(calls.length).toBeGreaterThan(3);
    for (const c of calls.slice(0, 3)) {
      const ret = ev.find((e) => e.kind === 'opal-return' && e.cycle >= c.cycle && e.data['pir'] === c.data['pir'])!;
      const n = ret.data['instructions'] as number;
      expect(n).toBeGreaterThan(0);
      // One instruction per cycle: the return comes no earlier than n cycles after the entry.
      expect(ret.cycle - c.cycle).toBeGreaterThanOrEqual(n);
      // The charged run of the same call returns the same rc.
      expect(ret.data['rc']).toBe('0x1');
    }
    const r = run(spec);
    expect(r.verdict).toBe('pass');
  });

  it('crashes N instructions into the k-th OPAL call, on its caller, and the oracle judges the round', () => {
    const spec = coupledSpec('3', { crashInOpalCall: { call: 2, instructions: 10 } });
    expect(spec.crashes[0]!.inOpalCall).toEqual({ call: 2, instructions: 10, onCaller: true });
    const ev = events(spec);
    const call = ev.find((e) => e.kind === 'opal-call' && e.data['coupled'] === 2)!;
    const crash = ev.find((e) => e.kind === 'crash' && e.who === 'harness')!;
    expect(crash.data['pir']).toBe(call.data['pir']);
    expect(crash.cycle).toBe(call.cycle + 10);
    const back = ev.find((e) => e.kind === 'opal-return' && e.cycle === crash.cycle && e.data['pir'] === call.data['pir'])!;
    expect(back.data['interrupted']).toBe(true);
    expect(back.data['instructions']).toBe(10);
    expect(ev.some((e) => e.kind === 'clock-stop')).toBe(true);
    expect(run(spec).verdict).toBe('pass');
  });

  it('a crash on another thread lands while the k-th call is in flight', () => {
    const first = coupledSpec('5', { crashInOpalCall: { call: 1, instructions: 5 } });
    const caller = events(first).find((e) => e.kind === 'opal-call' && e.data['coupled'] === 1)!.data['pir'] as number;
    const other = caller === 0 ? 1 : 0;
    const spec = coupledSpec('5', { crashInOpalCall: { call: 1, instructions: 5 }, crashPir: other });
    expect(spec.crashes[0]!.inOpalCall!.onCaller).toBeUndefined();
    const ev = events(spec);
    const crash = ev.find((e) => e.kind === 'crash' && e.who === 'harness')!;
    expect(crash.data['pir']).toBe(other);
    expect(run(spec).verdict).toBe('pass');
  });

  it('is deterministic, and a fork taken while a thread is inside firmware ends like a fresh run', () => {
    const probe = coupledSpec('3', { crashAt: 180_000 });
    const base = startScenario(probe, { sink: quiet, profile: resolveProfile('reference-elf')(probe) });
    base.holdCrashes = true;
    base.m.powerOn();
    let cycle = 179_700;
    const inside = (): boolean => base.m.threads.some((t) => base.m.firmwareCall(t.pir) !== undefined);
    while (!inside() && cycle < 400_000) base.m.runUntil(++cycle, () => base.finished);
    expect(inside()).toBe(true);
    const f = base.m.fork(quiet);
    const h = f.hooks as ScenarioHarness;
    expect(h.releaseHeldCrash(cycle)).toBe(true);
    const forked = h.complete();
    const spec = coupledSpec('3', { crashAt: cycle });
    const a = run(spec);
    const b = run(spec);
    expect(b.finalDigest).toBe(a.finalDigest);
    expect(forked.finalDigest).toBe(a.finalDigest);
    expect(forked.invariants.map((i) => `${i.id}:${i.ok}:${i.detail}`)).toEqual(a.invariants.map((i) => `${i.id}:${i.ok}:${i.detail}`));
  });

  it('records firmware instructions at full level, replays exactly, and names the mode in the header', async () => {
    const trace = join(dir, 'coupled-full.trace');
    const rec = await cli('run', '--seed', '3', '--firmware', 'reference-elf', '--time-mode', 'coupled', '--crash-in-opal-call', '1+7', '--record', trace, '--trace-level', 'full');
    expect(rec.code).toBe(0);
    let firmwareInsns = 0;
    let header: Record<string, unknown> | undefined;
    /** Cycles at which some thread retired a firmware instruction, and the PIRs retiring anything then. */
    const firmwareAt = new Map<number, number>();
    const guestAt: RetiredInstruction[] = [];
    for (const item of readTrace(trace)) {
      if (item.type === 'header') header = item.header as unknown as Record<string, unknown>;
      if (item.type === 'instruction') {
        const r = item.insn as RetiredInstruction;
        if (r.nip >= 0x3002_0000n && r.nip < 0x3060_0000n) {
          firmwareInsns++;
          firmwareAt.set(r.cycle, r.pir);
        } else guestAt.push(r);
      }
    }
    // Other threads retire guest instructions in the very cycles a thread retires firmware ones.
    expect(guestAt.some((g) => firmwareAt.has(g.cycle) && firmwareAt.get(g.cycle) !== g.pir)).toBe(true);
    expect(header!['costModelVersion']).toBe('cost-2');
    expect((header!['scenario'] as Record<string, unknown>)['timeMode']).toBe('coupled');
    expect(firmwareInsns).toBeGreaterThan(10);
    // inspect: the firmware lane, symbolised from the ELF the header names.
    const shown = await cli('inspect', trace, '--from', '179000', '--to', '200000');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^\s*\d+ {2}fw \d+ +insn +skiboot:mpipl_fw_opal_call\+0x[0-9a-f]+ nip=0x3002/m);
    const rep = await cli('replay', trace);
    expect(rep.stdout + rep.stderr).toMatch(/identical|replay-exact|match/i);
    expect(rep.code).toBe(0);
  });

  it('rejects bad time-mode flags with one line, exit 2', async () => {
    const a = await cli('run', '--time-mode', 'warp');
    expect(a.code).toBe(2);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toMatch(/--time-mode: expected charged or coupled/);
    const b = await cli('run', '--crash-in-opal-call', '2+5');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/needs --time-mode coupled/);
    const c = await cli('run', '--time-mode', 'coupled', '--crash-in-opal-call', 'x');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/expected K\+N/);
  });
});

describe('one OPAL call at a time per CPU', () => {
  it("the scenario's calls due while the boot CPU is inside OPAL wait for it, in order; the kernel's registration waits too", () => {
    const base = coupledSpec('3');
    // A long call (FREE clears the 32 KiB MDRT) and, due while it runs, three more in a set order.
    const ops: ScenarioSpec['ops'] = [
      { boot: 0, afterBootCycles: 2, call: 'FREE_PRESERVED_MEMORY', args: ['0x0', '0x0', '0x0'] },
      { boot: 0, afterBootCycles: 9, call: 'ADD_RANGE', args: ['0x1000000', '0x90000000', '0x10000'] },
      { boot: 0, afterBootCycles: 5, call: 'REMOVE_RANGE', args: ['0x1000000', '0x90000000', '0x0'] },
      { boot: 0, afterBootCycles: 7, call: 'REMOVE_ALL', args: ['0x0', '0x0', '0x0'] },
    ];
    const ev = events({ ...base, ops, crashes: [{ afterBootCycles: 20_000, pir: base.crashes[0]!.pir }] });
    const boot = (ev.find((e) => e.kind === 'opal-call' && e.who === 'linux')!.data['pir'] as number);
    const onBoot = ev.filter((e) => (e.kind === 'opal-call' || e.kind === 'opal-return') && e.data['pir'] === boot && e.cycle < ev.find((x) => x.kind === 'crash')!.cycle);
    // Never a call entered on the boot CPU while one of its coupled calls is in flight.
    let inside = false;
    for (const e of onBoot) {
      if (e.kind === 'opal-call') {
        expect(inside, `call at cycle ${e.cycle} entered inside another`).toBe(false);
        inside = e.data['coupled'] !== undefined;
      } else inside = false;
    }
    const updates = onBoot.filter((e) => e.kind === 'opal-call' && e.data['token'] === 173 && e.data['coupled'] !== undefined).map((e) => String(e.data['args']).split(',')[0]);
    // FREE (3) first, then the waiting ones by due cycle: REMOVE_RANGE (1) at 5, REMOVE_ALL (2) at 7, ADD_RANGE (0) at 9.
    expect(updates.slice(0, 4)).toEqual(['0x3', '0x1', '0x2', '0x0']);
    expect(run({ ...base, ops }).verdict).toBe('pass');
  });
});

describe('a call in flight at the clock stop (sim/oracle/in-flight.ts)', () => {
  /** The default scenario of seed 3 with a REMOVE_ALL the harness makes on the boot CPU, crashed inside it. */
  async function tornRemoveAll(firmware: string): Promise<ScenarioSpec> {
    const base = coupledSpec('3');
    const spec: ScenarioSpec = { ...base, firmware, ops: [{ boot: 0, afterBootCycles: 3_000, call: 'REMOVE_ALL', args: ['0x0', '0x0', '0x0'] }] };
    const spans = firmwareSpans(spec);
    const update = spans.find((s) => s.who === 'linux' && s.token === 173)!;
    expect(update.tableStores.length).toBeGreaterThan(2);
    // Just after its second store into SPIRA-H/MDST/MDDT (MDST act_cnt is two byte stores): half-updated.
    return aimFirstCrash(spec, update, update.tableStores[1]! + 1, true);
  }

  it('the reference leaves every registration it keeps valid, so the round passes', async () => {
    const spec = await tornRemoveAll('reference-elf');
    const r = run(spec);
    expect(r.crashes[0]!.clockStopCycle).toBeDefined();
    expect(r.verdict).toBe('pass');
  });

  it('a REMOVE_ALL that zeroes the count first loses the OPAL pair mid-call: registration-effective fails', async () => {
    const name = await registerFirmwareElfProfile('skiboot=firmware/bin/mutants/skiboot-mid-call-remove-all-count-zero-first-skiboot.elf,hostboot=firmware/bin/hostboot.elf', 'reference');
    const spec = await tornRemoveAll(name);
    const r = run(spec);
    const bad = r.invariants.find((i) => !i.ok)!;
    expect(bad.id).toBe('registration-effective');
    expect(bad.detail).toMatch(/REMOVE_ALL\) on PIR 0x0 was in flight at the clock stop and left the tables torn: pair 0/);
    // Charged time cannot see it: the completed call leaves the reference's tables.
    const charged = run({ ...spec, timeMode: undefined, crashes: [{ afterBootCycles: 6_000, pir: spec.crashes[0]!.pir }] } as ScenarioSpec);
    expect(charged.verdict).toBe('pass');
  });
});
