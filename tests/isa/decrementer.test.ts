/**
 * The decrementer (Power ISA v3.0 Book III 6.5; issue 14): under a cycle-derived time base
 * (cost-2) DEC counts down at tb_hz, 32 bits, zero-extended on read (no Large Decrementer mode);
 * under cost-1 it stays plain storage. The count survives a fork and stops at the clock stop,
 * where the oracle's snapshot and hostboot's capture both see it (sim/cpu/state.ts DEC_SLOT).
 */
import { describe, expect, it } from 'vitest';
import { CODE_BASE, place, rig, type Rig } from './helpers.js';
import { COUPLED_COST_MODEL, timeBaseAt } from '../../sim/machine/cost-model.js';
import { DEC_SLOT, ThreadState, Slot, decrementerStored } from '../../sim/cpu/state.js';
import { Interpreter } from '../../sim/cpu/interpreter.js';
import { PhysicalMemory } from '../../sim/mem/physical-memory.js';
import { Step } from '../../sim/cpu/executor.js';
import type { Machine } from '../../sim/machine/machine.js';
import type { RetiredRegWrite } from '../../sim/trace/events.js';
import { startScenario, type ScenarioHarness } from '../../sim/scenario/run.js';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { validateScenario } from '../../sim/scenario/validate.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { resolveProfile } from '../../sim/firmware/profiles.js';
import { physical, readProcDump } from '../../sim/oracle/readers.js';
import { diffMachines } from '../../sim/bisect/state-diff.js';
import { hex } from '../../sim/core/u64.js';
import { RegEntry, RegType, ThreadHdr } from '../../sim/participants/layout.js';

const SPR_DEC = 22;
const quiet = { event: () => {} };

/** A rig whose time base is the cost-2 scaling of a cycle the test sets (125 cycles = 16 ticks). */
function countingRig(): Rig & { at(cycle: number): void } {
  const r = rig(false);
  let cycle = 0;
  r.cpu.timeBaseSource = () => timeBaseAt(COUPLED_COST_MODEL, cycle);
  return { ...r, at: (c: number) => void (cycle = c) };
}

/** mtspr DEC,r3 then mfspr r4,DEC, stepped one at a time so the test moves the clock between them. */
function placeWriteRead(r: Rig): void {
  place(r, [['MTSPR', { RS: 3, SPR: SPR_DEC }], ['MFSPR', { RT: 4, SPR: SPR_DEC }], ['MFSPR', { RT: 5, SPR: SPR_DEC }]]);
}

describe('decrementer under cost-2 (time base from cycles)', () => {
  it('reads the written value less the time-base ticks since the write (floor-scaled cycles)', () => {
    const r = countingRig();
    placeWriteRead(r);
    r.t.setGpr(3, 1000n);
    r.at(1255); // TB floor(1255 × 16 / 125) = 160
    expect(timeBaseAt(COUPLED_COST_MODEL, 1255)).toBe(160);
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.RETIRED);
    r.at(1630); // TB 208: 48 ticks later
    expect(timeBaseAt(COUPLED_COST_MODEL, 1630)).toBe(208);
    r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(4)).toBe(952n);
    r.at(1631); // the same tick: no change
    r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(5)).toBe(952n);
  });

  it('keeps bits 32:63 of RS, wraps mod 2^32 and reads zero-extended (not LD mode)', () => {
    const r = countingRig();
    placeWriteRead(r);
    r.t.setGpr(3, 0x1234_5678_0000_0005n);
    r.at(0);
    r.cpu.step(r.t, r.mem);
    r.at(79); // 10 ticks: 5 - 10 = -5
    expect(timeBaseAt(COUPLED_COST_MODEL, 79)).toBe(10);
    r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(4)).toBe(0xffff_fffbn);
    // The write anchors at any time base, far beyond 2^32 ticks too.
    const late = countingRig();
    placeWriteRead(late);
    late.t.setGpr(3, 0x8000_0000n);
    const c = 125 * 2 ** 30; // TB 2^34
    late.at(c);
    late.cpu.step(late.t, late.mem);
    late.at(c + 8); // one tick
    late.cpu.step(late.t, late.mem);
    expect(late.t.gpr(4)).toBe(0x7fff_ffffn);
  });

  it('an unwritten decrementer counts down from 0 at time base 0', () => {
    const r = countingRig();
    place(r, [['MFSPR', { RT: 4, SPR: SPR_DEC }]]);
    r.at(24); // TB 3
    r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(4)).toBe(0xffff_fffdn);
  });

  it('a full trace records the value mtspr wrote, not the stored form', () => {
    const r = countingRig();
    placeWriteRead(r);
    r.t.setGpr(3, 42n);
    r.at(125 * 1000);
    let regs: readonly RetiredRegWrite[] = [];
    r.cpu.stepObserved(r.t, r.mem, (_nip, _word, w) => void (regs = w));
    expect(regs).toEqual([{ reg: DEC_SLOT, value: 42n }]);
  });
});

describe('decrementer under cost-1 (time base from retired instructions)', () => {
  it('is plain storage: all 64 bits, unchanged however many instructions retire', () => {
    const r = rig(false);
    place(r, [['MTSPR', { RS: 3, SPR: SPR_DEC }], ['ORI', { RS: 0, RA: 0, UI: 0 }], ['ORI', { RS: 0, RA: 0, UI: 0 }], ['MFSPR', { RT: 4, SPR: SPR_DEC }]]);
    r.t.setGpr(3, 0x1234_5678_0000_0005n);
    for (let i = 0; i < 4; i++) r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(4)).toBe(0x1234_5678_0000_0005n);
    expect(r.t.spr('DEC')).toBe(0x1234_5678_0000_0005n);
    expect(r.t.get(Slot.NIP)).toBe(BigInt(CODE_BASE + 16));
  });
});

/** DEC of `pir` as mfspr reads it now: on a copy of its registers, at the machine's time base. */
function readDec(m: Machine, pir: number): bigint {
  const t = new ThreadState(pir);
  t.restore(m.thread(pir).snapshot());
  t.set(Slot.MSR, 1n << 63n);
  t.set(Slot.NIP, BigInt(CODE_BASE));
  const mem = new PhysicalMemory(1 << 20);
  mem.write32BE(CODE_BASE, (31 << 26) | (4 << 21) | (SPR_DEC << 16) | (339 << 1));
  const cpu = new Interpreter();
  cpu.timeBaseSource = () => timeBaseAt(m.cost, m.cycle());
  expect(cpu.step(t, mem)).toBe(Step.RETIRED);
  return t.gpr(4);
}

/** The DEC entry hostboot wrote into `pir`'s record of the processor dump area (spec 4.5). */
function capturedDec(m: Machine, pir: number): bigint | undefined {
  const proc = readProcDump(m.mem);
  const dest = physical(proc.destAddr);
  for (let at = dest; at < dest + proc.actSize; at += proc.threadSize) {
    if (m.mem.read32BE(at + ThreadHdr.pir) !== pir) continue;
    const first = at + ThreadHdr.offset + m.mem.read32BE(at + ThreadHdr.offset);
    const esize = m.mem.read32BE(at + ThreadHdr.esize);
    for (let k = 0; k < m.mem.read32BE(at + ThreadHdr.ecnt); k++) {
      const e = first + k * esize;
      if (m.mem.read32BE(e + RegEntry.regType) === RegType.SPR && m.mem.read32BE(e + RegEntry.regNum) === SPR_DEC) return m.mem.read64BE(e + RegEntry.regVal);
    }
  }
  return undefined;
}

describe('decrementer in a coupled machine', () => {
  const spec = validateScenario({ ...deriveScenario('3', DEFAULT_CONFIG, 'reference-elf', { crashAt: 400_000 }), timeMode: 'coupled' }, DEFAULT_CONFIG, 'test');

  it('a fork mid-countdown reads what the original reads at the same cycle; the clock stop freezes it for the oracle and hostboot', () => {
    const h = startScenario(spec, { sink: quiet, profile: resolveProfile('reference-elf')(spec) });
    const m = h.m;
    expect(m.cost.timeBase).toBe('cycles');
    m.powerOn(); // the IPL and Linux boot run within power-on
    const start = m.cycle() + 1000;
    m.runUntil(start, () => h.finished);
    const pir = m.threads[1]!.pir;
    // What mtspr DEC does at this cycle (the ISA tests above check mtspr itself).
    const written = 0x0100_0000;
    const writeTb = timeBaseAt(m.cost, m.cycle());
    m.thread(pir).r[2 * DEC_SLOT + 1] = decrementerStored(written, writeTb);
    expect(readDec(m, pir)).toBe(BigInt(written));

    m.runUntil(start + 10_000, () => h.finished);
    const f = m.fork(quiet);
    const fh = f.hooks as ScenarioHarness;
    for (const c of [start + 30_000, start + 60_001]) {
      m.runUntil(c, () => h.finished);
      f.runUntil(c, () => fh.finished);
      const expected = BigInt((written - (timeBaseAt(m.cost, c) - writeTb)) >>> 0);
      expect(readDec(m, pir)).toBe(expected);
      expect(readDec(f, pir)).toBe(expected);
      // Reports (bisect's register diffs) show the value, not the stored form.
      const shown = m.architectedThreads().find((t) => t.pir === pir)!;
      expect(BigInt(shown.r[2 * DEC_SLOT + 1]!)).toBe(expected);
      expect(m.thread(pir).r[2 * DEC_SLOT + 1]).not.toBe(Number(expected));
    }
    // A register diff between two running machines names DEC by its values.
    const g = m.fork(quiet);
    g.thread(pir).r[2 * DEC_SLOT + 1] = decrementerStored(5, timeBaseAt(g.cost, g.cycle()));
    const decShown = BigInt((written - (timeBaseAt(m.cost, m.cycle()) - writeTb)) >>> 0);
    const diff = diffMachines(m, g).threads.find((t) => t.pir === hex(BigInt(pir)));
    expect(diff?.registers).toEqual([{ reg: 'dec', a: hex(decShown), b: hex(5n) }]);

    const result = fh.complete();
    expect(result.verdict).toBe('pass');
    const round = fh.oracle.rounds[0]!;
    const stop = round.clockStop!;
    const atStop = (written - (timeBaseAt(f.cost, stop.cycle) - writeTb)) >>> 0;
    expect(atStop).not.toBe(written);
    // The oracle's clock-stop snapshot holds the architected value at the clock-stop cycle …
    const snap = stop.threads.find((t) => t.pir === pir)!;
    expect(snap.r[2 * DEC_SLOT]).toBe(0);
    expect(snap.r[2 * DEC_SLOT + 1]).toBe(atStop);
    // … and so does hostboot's register capture, taken many cycles later (the cpu-format check
    // compares every entry with the snapshot; this reads the DEC entry itself).
    const cpuChecks = result.invariants.filter((i) => i.id === 'cpu-format' || i.id === 'cpu-state');
    expect(cpuChecks.length).toBeGreaterThanOrEqual(2);
    expect(cpuChecks.filter((i) => !i.ok)).toEqual([]);
    expect(capturedDec(f, pir)).toBe(BigInt(atStop));
  });
});
