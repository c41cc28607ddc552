/**
 * Pinned results for the instructions that are easy to get wrong: carries and overflow (XER CA,
 * CA32, OV, OV32, SO and CR0), rotates with wrapped masks, divide corner cases (pinned to
 * qemu-ppc64le, see sim/isa/sem/fixed-arith.ts), cmpb, popcnt, setb, and the interrupt model.
 * tests/elf/exec-vs-qemu.test.ts checks a much larger grid against qemu itself.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Step } from '../../sim/cpu/executor.js';
import { Slot } from '../../sim/cpu/state.js';
import { ROWS } from '../../sim/isa/decode.js';
import { mask64, mulHighS64, mulHighU64, mulLow64, rotl64, w64, toBig } from '../../sim/isa/bits.js';
import { cmpbWord, popcntBytes } from '../../sim/isa/sem/logical.js';
import { CODE_BASE, XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO, exec1, place, rig, s64 } from './helpers.js';

const gpr = (r: ReturnType<typeof exec1>, n: number): bigint => r.t.gpr(n);
const xer = (r: ReturnType<typeof exec1>): bigint => r.t.get(Slot.XER);
const cr0 = (r: ReturnType<typeof exec1>): number => r.t.cr >>> 28;

describe('fixed-point arithmetic', () => {
  it('addc sets CA and CA32 from the 64- and 32-bit carries', () => {
    const r = exec1('ADDC', { RT: 3, RA: 4, RB: 5 }, { 4: 0xffff_ffff_ffff_ffffn, 5: 1n });
    expect(gpr(r, 3)).toBe(0n);
    expect(xer(r)).toBe(XER_CA | XER_CA32);
    const r2 = exec1('ADDC', { RT: 3, RA: 4, RB: 5 }, { 4: 0x0000_0000_ffff_ffffn, 5: 1n });
    expect(gpr(r2, 3)).toBe(0x1_0000_0000n);
    expect(xer(r2)).toBe(XER_CA32);
  });

  it('addo. sets OV, OV32, SO and CR0 on signed overflow', () => {
    const r = exec1('ADD', { RT: 3, RA: 4, RB: 5, OE: 1, Rc: 1 }, { 4: 0x7fff_ffff_ffff_ffffn, 5: 1n });
    expect(gpr(r, 3)).toBe(0x8000_0000_0000_0000n);
    expect(xer(r)).toBe(XER_SO | XER_OV); // the low words (-1 + 1) do not overflow
    expect(cr0(r)).toBe(0b1001); // LT and SO
    const r2 = exec1('ADD', { RT: 3, RA: 4, RB: 5, OE: 1 }, { 4: 0x7fff_ffffn, 5: 1n });
    expect(xer(r2)).toBe(XER_OV32);
  });

  it('SO stays set after a later non-overflowing addo', () => {
    const r = exec1('ADD', { RT: 3, RA: 4, RB: 5, OE: 1, Rc: 1 }, { 4: 1n, 5: 1n }, { xer: XER_SO | XER_OV });
    expect(xer(r)).toBe(XER_SO);
    expect(cr0(r)).toBe(0b0101); // GT and SO
  });

  it('subfc, subfe and neg follow the ¬RA + RB + 1 carry rule', () => {
    expect(xer(exec1('SUBFC', { RT: 3, RA: 4, RB: 5 }, { 4: 5n, 5: 5n }))).toBe(XER_CA | XER_CA32);
    expect(xer(exec1('SUBFC', { RT: 3, RA: 4, RB: 5 }, { 4: 6n, 5: 5n }))).toBe(0n);
    const e = exec1('SUBFE', { RT: 3, RA: 4, RB: 5 }, { 4: 1n, 5: 3n }, { xer: 0n });
    expect(gpr(e, 3)).toBe(1n); // 3 - 1 - 1 (no borrow-in means CA = 0)
    const n = exec1('NEG', { RT: 3, RA: 4, OE: 1 }, { 4: 0x8000_0000_0000_0000n });
    expect(gpr(n, 3)).toBe(0x8000_0000_0000_0000n);
    expect(xer(n)).toBe(XER_SO | XER_OV);
    expect(xer(exec1('NEG', { RT: 3, RA: 4, OE: 1 }, { 4: 0x8000_0000n }))).toBe(XER_OV32);
  });

  it('addme and addze use CA; addic. records CR0', () => {
    expect(gpr(exec1('ADDZE', { RT: 3, RA: 4 }, { 4: 41n }, { xer: XER_CA }), 3)).toBe(42n);
    expect(gpr(exec1('ADDME', { RT: 3, RA: 4 }, { 4: 41n }, { xer: 0n }), 3)).toBe(40n);
    const r = exec1('ADDIC.', { RT: 3, RA: 4, SI: -1 }, { 4: 0n });
    expect(gpr(r, 3)).toBe(s64(-1n));
    expect(xer(r)).toBe(0n);
    expect(cr0(r)).toBe(0b1000);
  });

  it('multiplies: mulhdu, mulhd, mullw overflow, mulhw zero-extends (qemu)', () => {
    expect(gpr(exec1('MULHDU', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-1n), 5: s64(-1n) }), 3)).toBe(s64(-2n));
    expect(gpr(exec1('MULHD', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-1n), 5: s64(-1n) }), 3)).toBe(0n);
    const w = exec1('MULLW', { RT: 3, RA: 4, RB: 5, OE: 1 }, { 4: 0x1_0001_0000n, 5: 0x10000n });
    expect(gpr(w, 3)).toBe(0x1_0000_0000n);
    expect(xer(w)).toBe(XER_SO | XER_OV | XER_OV32);
    expect(gpr(exec1('MULHW', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-2n), 5: 3n }), 3)).toBe(0xffff_ffffn);
  });

  it('pins the divide corner cases to qemu-ppc64le', () => {
    const d0 = exec1('DIVW', { RT: 3, RA: 4, RB: 5, OE: 1 }, { 4: 77n, 5: 0n });
    expect(gpr(d0, 3)).toBe(77n);
    expect(xer(d0)).toBe(XER_SO | XER_OV | XER_OV32);
    expect(gpr(exec1('DIVW', { RT: 3, RA: 4, RB: 5 }, { 4: 0x8000_0000n, 5: s64(-1n) }), 3)).toBe(0x8000_0000n);
    expect(gpr(exec1('DIVW', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-7n), 5: 2n }), 3)).toBe(0xffff_fffdn);
    expect(gpr(exec1('DIVD', { RT: 3, RA: 4, RB: 5 }, { 4: 0x8000_0000_0000_0000n, 5: s64(-1n) }), 3)).toBe(0x8000_0000_0000_0000n);
    expect(gpr(exec1('DIVD', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-0x1_0000_0007n), 5: 2n }), 3)).toBe(s64(-0x8000_0003n));
    expect(gpr(exec1('DIVDU', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-1n), 5: 10n }), 3)).toBe(0x1999_9999_9999_9999n);
    expect(gpr(exec1('DIVWEU', { RT: 3, RA: 4, RB: 5 }, { 4: 1n, 5: 2n }), 3)).toBe(0x8000_0000n);
    expect(gpr(exec1('DIVWE', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-1n), 5: 2n }), 3)).toBe(s64(-0x8000_0000n));
    expect(gpr(exec1('MODSW', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-7n), 5: 3n }), 3)).toBe(s64(-1n));
    expect(gpr(exec1('MODSD', { RT: 3, RA: 4, RB: 5 }, { 4: 0x8000_0000_0000_0000n, 5: s64(-1n) }), 3)).toBe(0n);
    expect(gpr(exec1('MODUD', { RT: 3, RA: 4, RB: 5 }, { 4: s64(-1n), 5: 0n }), 3)).toBe(0n);
  });

  it('agrees with BigInt for random 64-bit multiplications', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const out = w64();
        const [ah, al, bh, bl] = [Number(a >> 32n), Number(a & 0xffff_ffffn), Number(b >> 32n), Number(b & 0xffff_ffffn)];
        mulLow64(ah, al, bh, bl, out);
        expect(toBig(out.hi, out.lo)).toBe((a * b) & ((1n << 64n) - 1n));
        mulHighU64(ah, al, bh, bl, out);
        expect(toBig(out.hi, out.lo)).toBe((a * b) >> 64n);
        mulHighS64(ah, al, bh, bl, out);
        expect(toBig(out.hi, out.lo)).toBe(s64((BigInt.asIntN(64, a) * BigInt.asIntN(64, b)) >> 64n));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('logical, rotate, shift', () => {
  it('cmpb, popcntb and setb', () => {
    expect(cmpbWord(0x1122_3344, 0x1100_3300)).toBe(0xff00_ff00);
    expect(popcntBytes(0xff01_0300)).toBe(0x0801_0200);
    expect(gpr(exec1('POPCNTD', { RA: 3, RS: 3 }, { 3: s64(-1n) }), 3)).toBe(64n); // RA = RS aliasing
    expect(gpr(exec1('POPCNTW', { RA: 3, RS: 4 }, { 4: 0xf000_0001_0000_0003n }), 3)).toBe(0x5_0000_0002n);
    expect(gpr(exec1('SETB', { RT: 3, BFA: 2 }, {}, { cr: 0x0080_0000 }), 3)).toBe(s64(-1n));
    expect(gpr(exec1('SETB', { RT: 3, BFA: 2 }, {}, { cr: 0x0040_0000 }), 3)).toBe(1n);
    expect(gpr(exec1('SETB', { RT: 3, BFA: 2 }, {}, { cr: 0x0020_0000 }), 3)).toBe(0n);
  });

  it('MASK(mb, me) wraps when mb > me', () => {
    const m = w64();
    mask64(0, 63, m);
    expect([m.hi, m.lo]).toEqual([0xffff_ffff, 0xffff_ffff]);
    mask64(60, 3, m);
    expect([m.hi, m.lo]).toEqual([0xf000_0000, 0x0000_000f]);
    mask64(40, 40, m);
    expect([m.hi, m.lo]).toEqual([0, 0x0080_0000]);
    rotl64(0x8000_0000, 1, 33, m);
    expect([m.hi, m.lo]).toEqual([3, 0]);
  });

  it('rlwinm with a wrapped mask copies the rotated word into the high half', () => {
    // MASK(60, 35) keeps all of the high word, and bits 32:35 and 60:63 of the low one.
    const r = exec1('RLWINM', { RA: 3, RS: 4, SH: 0, MB: 28, ME: 3 }, { 4: 0x1234_5678n });
    expect(gpr(r, 3)).toBe(0x1234_5678_1000_0008n);
    expect(gpr(exec1('RLDICL', { RA: 3, RS: 4, SH: 8, MB: 56 }, { 4: 0xab00_0000_0000_0000n }), 3)).toBe(0xabn);
    expect(gpr(exec1('RLDICR', { RA: 3, RS: 4, SH: 0, MB: 7 }, { 4: s64(-1n) }), 3)).toBe(0xff00_0000_0000_0000n);
    expect(gpr(exec1('RLDIMI', { RA: 3, RS: 4, SH: 16, MB: 32 }, { 3: s64(-1n), 4: 0x1234n }), 3)).toBe(0xffff_ffff_1234_ffffn);
  });

  it('srawi and srad set CA only for negative values that lose one bits', () => {
    const r = exec1('SRAWI', { RA: 3, RS: 4, SH: 1 }, { 4: 0xffff_ffffn });
    expect(gpr(r, 3)).toBe(s64(-1n));
    expect(xer(r)).toBe(XER_CA | XER_CA32);
    expect(xer(exec1('SRAWI', { RA: 3, RS: 4, SH: 1 }, { 4: 0xffff_fffen }))).toBe(0n);
    const d = exec1('SRAD', { RA: 3, RS: 4, RB: 5 }, { 4: s64(-5n), 5: 64n });
    expect(gpr(d, 3)).toBe(s64(-1n));
    expect(xer(d)).toBe(XER_CA | XER_CA32);
    expect(gpr(exec1('SLD', { RA: 3, RS: 4, RB: 5 }, { 4: 1n, 5: 63n }), 3)).toBe(0x8000_0000_0000_0000n);
    expect(gpr(exec1('SLD', { RA: 3, RS: 4, RB: 5 }, { 4: 1n, 5: 64n }), 3)).toBe(0n);
    expect(gpr(exec1('SRW', { RA: 3, RS: 4, RB: 5 }, { 4: s64(-1n), 5: 4n }), 3)).toBe(0x0fff_ffffn);
  });

  it('one-source and two-source rows give the same result when RA is also a source', () => {
    const oneOrTwo = ROWS.filter((r) => r.form === 'X_UN' || r.form === 'X_LOG');
    fc.assert(
      fc.property(fc.constantFrom(...oneOrTwo), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 63n }), (row, v, b) => {
        const fields = row.form === 'X_UN' ? { RS: 4 } : { RS: 4, RB: 5 };
        const apart = exec1(row.name, { ...fields, RA: 3 }, { 4: v, 5: b });
        const same = exec1(row.name, { ...fields, RA: 4 }, { 4: v, 5: b });
        expect(gpr(same, 4)).toBe(gpr(apart, 3));
      }),
      { numRuns: 400, seed: 3 },
    );
  });
});

describe('compare and select', () => {
  it('cmp with L=0 compares sign-extended words, L=1 doublewords', () => {
    expect(cr0(exec1('CMP', { BF: 0, L: 0, RA: 4, RB: 5 }, { 4: 0x1_ffff_ffffn, 5: 0n }))).toBe(0b1000);
    expect(cr0(exec1('CMP', { BF: 0, L: 1, RA: 4, RB: 5 }, { 4: 0x1_ffff_ffffn, 5: 0n }))).toBe(0b0100);
    expect(cr0(exec1('CMPL', { BF: 0, L: 0, RA: 4, RB: 5 }, { 4: 0xffff_ffffn, 5: 1n }))).toBe(0b0100);
    expect((exec1('CMPLI', { BF: 7, L: 1, RA: 4, UI: 5 }, { 4: 5n }).t.cr & 0xf)).toBe(0b0010);
  });

  it('isel picks RA|0 or RB by one CR bit', () => {
    expect(gpr(exec1('ISEL', { RT: 3, RA: 0, RB: 5, BC: 2 }, { 5: 9n }, { cr: 0x2000_0000 }), 3)).toBe(0n);
    expect(gpr(exec1('ISEL', { RT: 3, RA: 4, RB: 5, BC: 2 }, { 4: 1n, 5: 9n }, { cr: 0 }), 3)).toBe(9n);
  });
});

describe('interrupt model', () => {
  it('a trap that holds returns TRAP and changes nothing, NIP included', () => {
    const r = rig(false);
    r.t.setGpr(4, 5n);
    place(r, [['TWI', { TO: 4, RA: 4, SI: 5 }]]);
    const before = r.t.r.slice();
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.TRAP);
    expect(r.t.r).toEqual(before);
    expect(r.cpu.lastFault()).toMatch(/^trap at 0x1000/);
    expect(r.cpu.retired).toBe(0);
  });

  it('a trap that does not hold retires', () => {
    const r = rig(true);
    place(r, [['TD', { TO: 31, RA: 4, RB: 4 }]]); // equal → TO bit 2 holds
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.TRAP);
    const r2 = rig(true);
    place(r2, [['TD', { TO: 0b11011, RA: 4, RB: 4 }]]); // <, >, <u, >u: none hold
    expect(r2.cpu.step(r2.t, r2.mem)).toBe(Step.RETIRED);
  });

  it('an illegal word is a FAULT with the word and NIP in the message', () => {
    const r = rig(false);
    place(r, [0x0000_0200]); // attn
    const before = r.t.r.slice();
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.FAULT);
    expect(r.t.r).toEqual(before);
    expect(r.cpu.lastFault()).toBe('illegal instruction 0x00000200 at 0x1000');
  });

  it('a load outside RAM is a data storage FAULT, with RA not updated', () => {
    const r = rig(false);
    r.t.setGpr(4, 0xc000_0000_4000_0000n); // top 4 bits dropped: 1 GiB, outside the 1 MiB rig
    place(r, [['LDU', { RT: 3, RA: 4, DS: 2 }]]);
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.FAULT);
    expect(r.t.gpr(4)).toBe(0xc000_0000_4000_0000n);
    expect(r.cpu.lastFault()).toMatch(/data storage interrupt: read of 4 bytes at EA 0xc000000040000008/);
    expect(r.cpu.lastFaultKind()).toBe('storage');
  });

  it('an unknown SPR is illegal and a privileged one faults in problem state', () => {
    const r = rig(false);
    place(r, [['MFSPR', { RT: 3, SPR: 0x3e0 }]]);
    expect(r.cpu.step(r.t, r.mem)).toBe(Step.FAULT);
    expect(r.cpu.lastFaultKind()).toBe('illegal');
    const p = rig(false);
    p.t.set(Slot.MSR, (1n << 63n) | (1n << 14n));
    place(p, [['MFSPR', { RT: 3, SPR: 0x1a }]]); // SRR0
    expect(p.cpu.step(p.t, p.mem)).toBe(Step.FAULT);
    expect(p.cpu.lastFaultKind()).toBe('privileged');
  });

  it('mftb counts retired instructions', () => {
    const r = rig(false);
    place(r, [['ORI', { RS: 0, RA: 0, UI: 0 }], ['ORI', { RS: 0, RA: 0, UI: 0 }], ['MFTB', { RT: 3, TBR: 268 }]]);
    for (let i = 0; i < 3; i++) r.cpu.step(r.t, r.mem);
    expect(r.t.gpr(3)).toBe(2n);
    expect(r.t.get(Slot.NIP)).toBe(BigInt(CODE_BASE + 12));
  });
});
