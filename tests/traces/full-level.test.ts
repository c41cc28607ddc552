/**
 * `full` traces (design section 7): every retired instruction is recorded with the registers and
 * bytes it wrote; replay compares instruction by instruction and names the first one that differs.
 * The effects are checked against independent knowledge (the synthetic workload's own store, a
 * decoded store's size), and divergences are made at a known instruction by construction.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { recordRun } from '../../sim/cli/recording.js';
import { replayFile } from '../../sim/cli/commands/replay.js';
import { runScenario, syntheticWorkload, workloadImageFor, type WorkloadFactory } from '../../sim/scenario/run.js';
import { loadWorkloadImage, startMachineCodeThread } from '../../sim/workloads/machine-code.js';
import type { RetiredInstruction, SimEvent, TraceSink } from '../../sim/trace/events.js';
import { readTrace } from '../../traces/reader.js';
import { compareStreams } from '../../traces/replay.js';
import type { TraceItem } from '../../traces/format.js';
import { MUTANTS } from '../../sim/firmware/mutants.js';
import { decodeRow } from '../../sim/isa/decode.js';

const NOP = 0x6000_0000;
const ADDI_R0_1 = 0x3800_0001;
const dir = mkdtempSync(join(tmpdir(), 'mpipl-full-'));

class Items implements TraceSink {
  readonly items: TraceItem[] = [];
  event(e: SimEvent): void {
    this.items.push({ type: 'event', event: e });
  }
  instruction(r: RetiredInstruction): void {
    this.items.push({ type: 'instruction', insn: r });
  }
}

function insns(items: readonly TraceItem[]): RetiredInstruction[] {
  return items.flatMap((i) => (i.type === 'instruction' ? [i.insn] : []));
}

const codeSpec = deriveScenario('1', DEFAULT_CONFIG, 'reference');
const synthSpec: ScenarioSpec = deriveScenario('2', { ...DEFAULT_CONFIG, workload: 'synthetic' }, 'reference');

describe('full trace level', () => {
  it('machine code: record → replay matches instruction by instruction; effects are plausible', () => {
    const path = join(dir, 'code.mpt');
    const result = recordRun(codeSpec, referenceProfile(codeSpec), path, 'full');
    expect(result.verdict).toBe('pass');
    const recorded = [...readTrace(path)];
    const records = insns(recorded);
    expect(records.length).toBeGreaterThan(10_000);
    const footer = recorded[recorded.length - 1]!;
    expect(footer.type === 'footer' && footer.footer.instructionCount).toBe(records.length);
    // Every store row's record carries exactly its size in bytes; other rows store nothing.
    for (const r of records.slice(0, 5000)) {
      const name = decodeRow(r.word)?.name ?? '';
      const size = { STB: 1, STH: 2, STW: 4, STD: 8, STDU: 8, STDX: 8, STWX: 4, STBX: 1 }[name];
      if (size !== undefined) expect(r.mem.map((m) => m.bytes.length)).toEqual([size]);
      else if (!name.startsWith('ST') && name !== 'DCBZ') expect(r.mem).toEqual([]);
      expect(r.regs.some((w) => w.reg === 32)).toBe(false); // NIP is the next record's nip, not a write
    }
    expect(replayFile(path, undefined).status).toBe('ok');
  });

  it('events level records no instructions', () => {
    const path = join(dir, 'events.mpt');
    recordRun(codeSpec, referenceProfile(codeSpec), path, 'events');
    expect(insns([...readTrace(path)])).toEqual([]);
  });

  it('synthetic: each record is the workload step with its doubleword store', () => {
    const sink = new Items();
    runScenario(synthSpec, { sink, profile: referenceProfile(synthSpec) });
    const records = insns(sink.items);
    expect(records.length).toBeGreaterThan(1000);
    for (const r of records.slice(0, 200)) {
      expect(r.mem).toHaveLength(1);
      expect(r.mem[0]!.bytes).toHaveLength(8);
      // The stored doubleword is r31 (the xorshift state) as the workload writes it, big-endian.
      const r31 = r.regs.find((w) => w.reg === 31)!.value;
      const stored = r.mem[0]!.bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
      expect(stored).toBe(r31);
    }
  });

  it('a workload that differs at one step diverges at exactly that instruction', () => {
    const sink = new Items();
    runScenario(synthSpec, { sink, profile: referenceProfile(synthSpec) });
    // Sabotage: the 300th step of PIR 0x0 in the first boot also flips r20.
    const STEP_INDEX = 300;
    let steps = 0;
    let boots = 0;
    const sabotaged: WorkloadFactory = (m, pir, arena) => {
      const ex = syntheticWorkload(m, pir, arena);
      if (pir !== 0) return ex;
      const thisBoot = boots++;
      const flip = (t: { r: Uint32Array }): void => {
        if (thisBoot === 0 && ++steps === STEP_INDEX) t.r[2 * 20 + 1] = (t.r[2 * 20 + 1]! ^ 1) >>> 0;
      };
      return {
        step: (t, mem) => {
          const o = ex.step(t, mem);
          flip(t);
          return o;
        },
        stepObserved: (t, mem, observe) =>
          ex.stepObserved!(t, mem, (nip, word, regs, memw) => {
            flip(t);
            const r20 = BigInt(t.r[2 * 20]!) * 2n ** 32n + BigInt(t.r[2 * 20 + 1]!);
            const others = regs.filter((w) => w.reg !== 20);
            observe(nip, word, steps === STEP_INDEX && thisBoot === 0 ? [...others, { reg: 20, value: r20 }].sort((a, b) => a.reg - b.reg) : regs, memw);
          }),
      };
    };
    const other = new Items();
    runScenario(synthSpec, { sink: other, profile: referenceProfile(synthSpec), workload: sabotaged });
    const r = compareStreams(sink.items, other.items);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const expectedIndex = sink.items.findIndex((i, k) => i.type === 'instruction' && i.insn.pir === 0 && sink.items.slice(0, k + 1).filter((j) => j.type === 'instruction' && j.insn.pir === 0).length === STEP_INDEX);
    expect(r.index).toBe(expectedIndex);
    expect(r.recorded?.type).toBe('instruction');
    expect(r.differences.map((d) => d.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^regs\[\d+\]\.value$/)]));
  });

  it('machine code with one instruction word changed diverges at its first execution', () => {
    const reference = new Items();
    runScenario(codeSpec, { sink: reference, profile: referenceProfile(codeSpec) });
    const records = insns(reference.items);
    // An instruction a few hundred records in, replaced by another word for the second run.
    const victim = records[400]!;
    const firstAt = reference.items.findIndex((i) => i.type === 'instruction' && i.insn.nip === victim.nip);
    const replacement = victim.word === NOP ? ADDI_R0_1 : NOP;
    const image = workloadImageFor(codeSpec);
    let loadedBoot = -1;
    const patched: WorkloadFactory = (m, pir, arena) => {
      if (loadedBoot !== m.bootCount) {
        loadWorkloadImage(m, image);
        m.mem.write32LE(Number(victim.nip & 0x0fff_ffff_ffff_ffffn), replacement);
        loadedBoot = m.bootCount;
      }
      return startMachineCodeThread(m, pir, arena, { image, trapAfterIterations: new Map() });
    };
    const other = new Items();
    runScenario(codeSpec, { sink: other, profile: referenceProfile(codeSpec), workload: patched, stopAtCycle: victim.cycle + 2000 });
    const r = compareStreams(reference.items, other.items, { compareFooter: false });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.index).toBe(firstAt);
    expect(r.differences.map((d) => d.path)).toContain('word');
  });

  it('a different firmware diverges where it first acts, not earlier', () => {
    // The mutant hostboot under the reference's name: the power-on event (which names the
    // firmware) stays equal, so the first difference is where hostboot's bug first shows.
    const reference = referenceProfile(codeSpec);
    const mutant = MUTANTS.find((m) => m.name === 'hostboot-copy-direction-swapped')!.make(codeSpec);
    const a = new Items();
    runScenario(codeSpec, { sink: a, profile: reference });
    const b = new Items();
    runScenario(codeSpec, { sink: b, profile: { ...reference, makeHostboot: mutant.makeHostboot } });
    const r = compareStreams(a.items, b.items, { compareFooter: false });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const clockStop = a.items.find((i) => i.type === 'event' && i.event.kind === 'clock-stop');
    expect(clockStop?.type).toBe('event');
    expect(r.cycle).toBeGreaterThanOrEqual(clockStop!.type === 'event' ? clockStop!.event.cycle : Infinity);
    // Everything before it, thousands of instructions of the first kernel, matched.
    expect(insns(a.items.slice(0, r.index)).length).toBeGreaterThan(10_000);
  });
});
