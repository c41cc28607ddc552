/**
 * Hand-assembled programs (encode() words) run through the interpreter in both byte orders:
 * loops with bdnz, calls with bl/blr, loads and stores of every size, the OPAL entry trap,
 * `sc` dispatch, and re-decoding after code is overwritten.
 */
import { describe, expect, it } from 'vitest';
import { Step } from '../../sim/cpu/executor.js';
import { RunEnd } from '../../sim/cpu/interpreter.js';
import { Slot } from '../../sim/cpu/state.js';
import { encode } from '../../sim/isa/encode.js';
import { disasm } from '../../sim/isa/disasm.js';
import { CODE_BASE, DATA_BASE, place, rig, type Insn } from './helpers.js';

const BLR: Insn = ['BCLR', { BO: 20, BI: 0, BH: 0 }];
const NOP: Insn = ['ORI', { RS: 0, RA: 0, UI: 0 }];

/** sum = 1 + 2 + … + 10 with mtctr/bdnz, then a call that doubles r3, then an infinite loop. */
const SUM_PROGRAM: readonly Insn[] = [
  ['ADDI', { RT: 3, RA: 0, SI: 0 }], // li r3,0
  ['ADDI', { RT: 4, RA: 0, SI: 10 }], // li r4,10
  ['MTSPR', { RS: 4, SPR: 9 }], // mtctr r4
  ['ADD', { RT: 3, RA: 3, RB: 4 }], // loop: add r3,r3,r4
  ['ADDI', { RT: 4, RA: 4, SI: -1 }], // addi r4,r4,-1
  ['BC', { BO: 16, BI: 0, BD: -2 }], // bdnz loop
  ['B', { LI: 2, LK: 1 }], // bl double
  ['B', { LI: 0 }], // done: b .
  ['ADD', { RT: 3, RA: 3, RB: 3 }], // double: add r3,r3,r3
  BLR,
];

describe.each([false, true])('interpreter programs (little-endian %s)', (le) => {
  it('runs a counted loop and a call', () => {
    const r = rig(le);
    place(r, SUM_PROGRAM);
    const end = r.cpu.run(r.t, r.mem, 3 + 10 * 3 + 1 + 2);
    expect(end).toBe(RunEnd.LIMIT);
    expect(r.t.gpr(3)).toBe(110n);
    expect(r.t.get(Slot.NIP)).toBe(BigInt(CODE_BASE + 7 * 4));
    expect(r.t.get(Slot.LR)).toBe(BigInt(CODE_BASE + 7 * 4));
    expect(r.t.get(Slot.CTR)).toBe(0n);
  });

  it('stores and loads every size in the MSR[LE] byte order', () => {
    const r = rig(le);
    r.t.setGpr(5, BigInt(DATA_BASE));
    r.t.setGpr(6, 0x8899_aabb_ccdd_eeffn);
    place(r, [
      ['STD', { RS: 6, RA: 5, DS: 0 }],
      ['LWZ', { RT: 7, RA: 5, D: 0 }],
      ['LHA', { RT: 8, RA: 5, D: 0 }],
      ['LBZ', { RT: 9, RA: 5, D: 7 }],
      ['LDBRX', { RT: 10, RA: 0, RB: 5 }],
      ['STWU', { RS: 6, RA: 5, D: 8 }],
      ['LWA', { RT: 11, RA: 5, DS: 0 }],
    ]);
    expect(r.cpu.run(r.t, r.mem, 7)).toBe(RunEnd.LIMIT);
    const bytes = [...r.mem.readBytes(DATA_BASE, 8)];
    expect(bytes).toEqual(le ? [0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88] : [0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    expect(r.t.gpr(7)).toBe(le ? 0xccdd_eeffn : 0x8899_aabbn);
    expect(r.t.gpr(8)).toBe(le ? 0xffff_ffff_ffff_eeffn : 0xffff_ffff_ffff_8899n);
    expect(r.t.gpr(9)).toBe(le ? 0x88n : 0xffn);
    expect(r.t.gpr(10)).toBe(0xffee_ddcc_bbaa_9988n);
    expect(r.t.gpr(5)).toBe(BigInt(DATA_BASE + 8));
    expect(r.t.gpr(11)).toBe(0xffff_ffff_ccdd_eeffn);
  });

  it('returns OPAL_ENTRY at the OPAL entry address without retiring', () => {
    const r = rig(le, { opalEntryAddress: 0x3000n });
    place(r, [['B', { LI: 0x3000 / 4, AA: 1, LK: 1 }]]);
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.RETIRED);
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.OPAL_ENTRY);
    expect(r.cpu.retired).toBe(1);
    expect(r.t.get(Slot.NIP)).toBe(0x3000n);
    expect(r.t.get(Slot.LR)).toBe(BigInt(CODE_BASE + 4));
  });

  it('hands sc to onSyscall and stops run on exit', () => {
    const calls: bigint[] = [];
    const r = rig(le, {
      onSyscall: (t) => {
        calls.push(t.gpr(0));
        return t.gpr(0) === 1n ? 'exit' : 'continue';
      },
    });
    place(r, [['ADDI', { RT: 0, RA: 0, SI: 4 }], ['SC', {}], ['ADDI', { RT: 0, RA: 0, SI: 1 }], ['SC', {}], NOP]);
    expect(r.cpu.run(r.t, r.mem, 100)).toBe(RunEnd.EXIT);
    expect(calls).toEqual([4n, 1n]);
    expect(r.t.get(Slot.NIP)).toBe(BigInt(CODE_BASE + 16));
  });

  it('re-decodes code that a store overwrote', () => {
    const r = rig(le);
    const patch = encode('ADDI', { RT: 3, RA: 0, SI: 99 });
    r.t.setGpr(5, BigInt(CODE_BASE + 12));
    r.t.setGpr(6, BigInt(patch));
    place(r, [
      ['ADDI', { RT: 3, RA: 0, SI: 1 }], // runs once before the patch
      ['STW', { RS: 6, RA: 5, D: 0 }], // overwrite the instruction at +12
      ['B', { LI: 1 }],
      ['ADDI', { RT: 3, RA: 0, SI: 7 }], // replaced by li r3,99
    ]);
    // Decode +12 before the store so a stale cache entry would show.
    r.t.set(Slot.NIP, BigInt(CODE_BASE + 12));
    r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(3)).toBe(7n);
    r.t.set(Slot.NIP, BigInt(CODE_BASE));
    expect(r.cpu.run(r.t, r.mem, 4)).toBe(RunEnd.LIMIT);
    expect(r.t.gpr(3)).toBe(99n);
  });

  it('re-decodes code that a bulk copy replaced', () => {
    const r = rig(le);
    place(r, [['ADDI', { RT: 3, RA: 0, SI: 1 }]]);
    r.cpu.step(r.t, r.mem);
    place(r, [['ADDI', { RT: 3, RA: 0, SI: 2 }]], DATA_BASE);
    r.mem.copy(CODE_BASE, DATA_BASE, 4096);
    r.t.set(Slot.NIP, BigInt(CODE_BASE));
    r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(3)).toBe(2n);
  });
});

describe('disasm', () => {
  it('prints common forms and extended mnemonics', () => {
    expect(SUM_PROGRAM.map((i) => (typeof i === 'number' ? i : disasm(encode(i[0], i[1]))))).toMatchInlineSnapshot(`
      [
        "li r3,0",
        "li r4,10",
        "mtctr r4",
        "add r3,r3,r4",
        "addi r4,r4,-1",
        "bc 16,0,.-8",
        "bl .+8",
        "b .+0",
        "add r3,r3,r3",
        "blr",
      ]
    `);
    expect(disasm(0x0000_0000)).toBe('.long 0x00000000');
    expect(disasm(encode('ADD', { RT: 3, RA: 4, RB: 5, OE: 1, Rc: 1 }))).toBe('addo. r3,r4,r5');
    expect(disasm(encode('LD', { RT: 3, RA: 1, DS: -2 }))).toBe('ld r3,-8(r1)');
  });
});

describe('run fast path', () => {
  /**
   * `run` keeps executing inside a decoded page and follows in-page branches without the full
   * fetch checks; it must leave exactly the state that the same number of `step` calls leaves,
   * for every budget, including calls and returns across pages and page-end fall-through.
   */
  it.each([false, true])('matches step for every budget (little-endian %s)', (le) => {
    const FAR = CODE_BASE + 0x2000; // another page
    const EDGE = CODE_BASE + 0x1000 - 8; // two instructions before a page end
    const main: Insn[] = [
      ['ADDI', { RT: 4, RA: 0, SI: 3 }],
      ['MTSPR', { RS: 4, SPR: 9 }], // mtctr
      ['B', { LI: (FAR - (CODE_BASE + 8)) / 4, LK: 1 }], // loop: bl far
      ['ADDI', { RT: 5, RA: 5, SI: 1 }],
      ['BC', { BO: 16, BI: 0, BD: -2 }], // bdnz loop
      ['B', { LI: (EDGE - (CODE_BASE + 20)) / 4 }], // b edge
    ];
    const far: Insn[] = [['ADD', { RT: 3, RA: 3, RB: 4 }], ['MULLI', { RT: 6, RA: 3, SI: 7 }], BLR];
    const edge: Insn[] = [['ADDI', { RT: 7, RA: 7, SI: 1 }], ['ADDI', { RT: 7, RA: 7, SI: 2 }], ['ADDI', { RT: 7, RA: 7, SI: 4 }], ['B', { LI: 0 }]];
    const make = () => {
      const r = rig(le);
      place(r, main);
      place(r, far, FAR);
      place(r, edge, EDGE);
      return r;
    };
    for (let budget = 1; budget <= 30; budget++) {
      const a = make();
      const b = make();
      for (let i = 0; i < budget; i++) a.cpu.step(a.t, a.mem);
      b.cpu.run(b.t, b.mem, budget);
      expect([...b.t.r], `budget ${budget}`).toEqual([...a.t.r]);
      expect(b.cpu.retired).toBe(a.cpu.retired);
    }
  });
});
