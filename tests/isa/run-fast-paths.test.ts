/**
 * The inline fast paths of translated regions (sim/cpu/blocks.ts: multiply, divide, modulo,
 * isel, andi., mtlr/mtctr, update and sign-extending loads and stores) and the BigInt-free
 * 64-bit helpers behind the multiply/divide handlers (sim/isa/bits.ts). `run` must leave exactly
 * the state of the same number of `step` calls, including the undefined-result choices pinned in
 * semantics.test.ts (divide by zero, INT_MIN ÷ -1), and the helpers must agree with BigInt.
 */
import { describe, expect, it } from 'vitest';
import { Step } from '../../sim/cpu/executor.js';
import { RunEnd } from '../../sim/cpu/interpreter.js';
import { divMod64, divModS64, divModU64, mulHighS64, mulHighU64, mulLow64, mulhs32, mulhu32, w64 } from '../../sim/isa/bits.js';
import { DATA_BASE, place, rig, type Insn } from './helpers.js';
import type { Fields } from '../../sim/isa/encode.js';

const M64 = (1n << 64n) - 1n;
const CORNERS: readonly bigint[] = [
  0n, 1n, 2n, 3n, 7n, 10n, M64, M64 - 1n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n,
  (1n << 53n) - 1n, (1n << 53n) + 1n, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x1234_5678_9abc_def0n,
  0xfedc_ba98_7654_3210n, 0xffff_ffff_8000_0000n, 0x0000_0001_ffff_ffffn, 0xdead_beefn,
];

/** Deterministic pseudo-random 64-bit values (xorshift), with varied magnitudes. */
function randoms(n: number): bigint[] {
  let x = 0x9e37_79b9_7f4a_7c15n;
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    x ^= (x << 13n) & M64;
    x ^= x >> 7n;
    x ^= (x << 17n) & M64;
    out.push(x >> BigInt(i % 64));
  }
  return out;
}

const hi = (v: bigint): number => Number(v >> 32n);
const lo = (v: bigint): number => Number(v & 0xffff_ffffn);
const join = (h: number, l: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

describe('64-bit helpers without BigInt', () => {
  const values = [...CORNERS, ...randoms(300)];
  it('multiply: low and high halves agree with BigInt', () => {
    const o = w64();
    for (const a of values) {
      for (const b of values.slice(0, 60)) {
        mulLow64(hi(a), lo(a), hi(b), lo(b), o);
        expect(join(o.hi, o.lo)).toBe((a * b) & M64);
        mulHighU64(hi(a), lo(a), hi(b), lo(b), o);
        expect(join(o.hi, o.lo)).toBe((a * b) >> 64n);
        mulHighS64(hi(a), lo(a), hi(b), lo(b), o);
        expect(join(o.hi, o.lo)).toBe(BigInt.asUintN(64, (signed(a) * signed(b)) >> 64n));
        const a32 = lo(a), b32 = lo(b);
        expect(mulhu32(a32, b32)).toBe(Number((BigInt(a32) * BigInt(b32)) >> 32n));
        expect(mulhs32(a32 | 0, b32 | 0)).toBe(Number(BigInt.asUintN(32, (BigInt(a32 | 0) * BigInt(b32 | 0)) >> 32n)));
      }
    }
  });
  it('divide: quotient and remainder agree with BigInt, unsigned and signed', () => {
    const o = divMod64();
    for (const a of values) {
      for (const b of values.slice(0, 80)) {
        if (b === 0n) continue;
        divModU64(hi(a), lo(a), hi(b), lo(b), o);
        expect([join(o.qHi, o.qLo), join(o.rHi, o.rLo)], `${a} / ${b}`).toEqual([a / b, a % b]);
        if (signed(a) === -(1n << 63n) && signed(b) === -1n) continue;
        divModS64(hi(a), lo(a), hi(b), lo(b), o);
        expect([join(o.qHi, o.qLo), join(o.rHi, o.rLo)], `${signed(a)} / ${signed(b)}`).toEqual([BigInt.asUintN(64, signed(a) / signed(b)), BigInt.asUintN(64, signed(a) % signed(b))]);
      }
    }
  });
});

/** Rows with an inline form in regions (or a handler the tests above cover), as (RT, RA, RB, RC) ops. */
const ARITH: readonly [string, Fields][] = [
  ['MULLD', { RT: 20, RA: 3, RB: 4 }],
  ['MULLW', { RT: 20, RA: 3, RB: 4 }],
  ['MULHW', { RT: 20, RA: 3, RB: 4 }],
  ['MULHWU', { RT: 20, RA: 3, RB: 4 }],
  ['MULHD', { RT: 20, RA: 3, RB: 4 }],
  ['MULHDU', { RT: 20, RA: 3, RB: 4 }],
  ['MADDLD', { RT: 20, RA: 3, RB: 4, RC: 5 }],
  ['MODUW', { RT: 20, RA: 3, RB: 4 }],
  ['MODSW', { RT: 20, RA: 3, RB: 4 }],
  ['MODUD', { RT: 20, RA: 3, RB: 4 }],
  ['MODSD', { RT: 20, RA: 3, RB: 4 }],
  ['DIVW', { RT: 20, RA: 3, RB: 4 }],
  ['DIVWU', { RT: 20, RA: 3, RB: 4 }],
  ['DIVD', { RT: 20, RA: 3, RB: 4 }],
  ['DIVDU', { RT: 20, RA: 3, RB: 4 }],
  ['NEG', { RT: 20, RA: 3 }],
  ['EXTSW', { RA: 20, RS: 3 }],
  ['ANDI.', { RA: 20, RS: 3, UI: 0x8421 }],
  ['ISEL', { RT: 20, RA: 3, RB: 4, BC: 2 }],
  ['ISEL', { RT: 20, RA: 0, RB: 4, BC: 0 }],
];

/**
 * A loop that runs `insn` and folds its result into r21 (and r3, so operands change), plus a
 * compare that makes CR vary for isel: enough iterations that the region is translated.
 */
function loopOf(insn: Insn): Insn[] {
  return [
    insn,
    ['XOR', { RA: 21, RS: 21, RB: 20 }],
    ['ADD', { RT: 3, RA: 3, RB: 20 }],
    ['CMP', { BF: 0, L: 1, RA: 3, RB: 4 }],
    ['B', { LI: -4 }],
  ];
}

function sameAsStep(le: boolean, program: Insn[], setup: (r: ReturnType<typeof rig>) => void, budget: number): void {
  const a = rig(le);
  const b = rig(le);
  for (const r of [a, b]) {
    place(r, program);
    setup(r);
  }
  let stepEnd: number = RunEnd.LIMIT;
  let steps = 0;
  for (; steps < budget; steps++) {
    const o = a.cpu.step(a.t, a.mem);
    if (o !== Step.RETIRED) {
      stepEnd = o;
      break;
    }
  }
  const runEnd = b.cpu.run(b.t, b.mem, budget);
  expect(runEnd).toBe(stepEnd);
  expect([...b.t.r]).toEqual([...a.t.r]);
  expect(b.cpu.retired).toBe(a.cpu.retired);
  expect([...b.mem.readBytes(DATA_BASE, 256)]).toEqual([...a.mem.readBytes(DATA_BASE, 256)]);
}

describe('run matches step on the inline fast paths', () => {
  const values = [...CORNERS, ...randoms(6)];
  it.each(ARITH.map(([n, f]) => [n, f] as const))('%s', (name, fields) => {
    for (const le of [false, true]) {
      for (const x of values) {
        for (const y of values) {
          sameAsStep(le, loopOf([name, fields]), (r) => {
            r.t.setGpr(3, x);
            r.t.setGpr(4, y);
            r.t.setGpr(5, x ^ y);
          }, 23);
        }
      }
    }
  });

  it('mtlr/mtctr/mflr/mfctr and the SPRs that still go through the handler', () => {
    for (const le of [false, true]) {
      sameAsStep(le, [
        ['MTSPR', { RS: 3, SPR: 8 }],
        ['MTSPR', { RS: 4, SPR: 9 }],
        ['MFSPR', { RT: 6, SPR: 8 }],
        ['MFSPR', { RT: 7, SPR: 9 }],
        ['MTSPR', { RS: 5, SPR: 1 }], // XER: handler
        ['MFSPR', { RT: 8, SPR: 268 }], // TB: handler, reads the retired count
        ['ADDI', { RT: 3, RA: 3, SI: 5 }],
        ['B', { LI: -7 }],
      ], (r) => {
        r.t.setGpr(3, 0x1234_5678_9abc_def0n);
        r.t.setGpr(4, 42n);
        r.t.setGpr(5, M64);
      }, 40);
    }
  });

  it('update, halfword and sign-extending loads and stores', () => {
    for (const le of [false, true]) {
      sameAsStep(le, [
        ['LBZU', { RT: 6, RA: 5, D: 1 }],
        ['STBU', { RS: 6, RA: 7, D: 1 }],
        ['LHA', { RT: 8, RA: 5, D: 2 }],
        ['LHAX', { RT: 9, RA: 5, RB: 10 }],
        ['LHZ', { RT: 11, RA: 5, D: 4 }],
        ['LHZX', { RT: 12, RA: 5, RB: 10 }],
        ['STH', { RS: 8, RA: 7, D: 8 }],
        ['STHX', { RS: 12, RA: 7, RB: 10 }],
        ['LWA', { RT: 13, RA: 5, DS: 0 }],
        ['LWAX', { RT: 14, RA: 5, RB: 10 }],
        ['LWZU', { RT: 15, RA: 16, D: 4 }],
        ['STWU', { RS: 15, RA: 17, D: 4 }],
        ['LDU', { RT: 18, RA: 19, DS: 8 }],
        ['STDU', { RS: 18, RA: 22, DS: 8 }],
        ['STDU', { RS: 22, RA: 22, DS: 8 }], // RS = RA: the old RA is stored
        ['B', { LI: -15 }],
      ], (r) => {
        for (let i = 0; i < 64; i++) r.mem.write32BE(DATA_BASE + 4 * i, (0x80f1_7f02 + i * 0x0101_0101) >>> 0);
        r.t.setGpr(5, BigInt(DATA_BASE));
        r.t.setGpr(7, BigInt(DATA_BASE + 0x80));
        r.t.setGpr(10, 6n);
        r.t.setGpr(16, BigInt(DATA_BASE));
        r.t.setGpr(17, BigInt(DATA_BASE + 0xa0));
        r.t.setGpr(19, BigInt(DATA_BASE));
        r.t.setGpr(22, BigInt(DATA_BASE + 0xc0));
      }, 16 * 3 + 5);
    }
  });

  it('invalid update forms fault the same way (RA = RT load, RA = 0 store)', () => {
    for (const le of [false, true]) {
      const loop = (insn: Insn): Insn[] => [['ADDI', { RT: 3, RA: 3, SI: 1 }], ['CMPI', { BF: 0, L: 1, RA: 3, SI: 4 }], ['BC', { BO: 12, BI: 0, BD: -2 }], insn, ['B', { LI: 0 }]];
      sameAsStep(le, loop(['LBZU', { RT: 5, RA: 5, D: 1 }]), (r) => r.t.setGpr(5, BigInt(DATA_BASE)), 50);
      sameAsStep(le, loop(['STWU', { RS: 5, RA: 0, D: 8 }]), (r) => r.t.setGpr(5, BigInt(DATA_BASE)), 50);
    }
  });
});

it('a loop of 64-bit modulo and multiply stays exact through run', () => {
  const r = rig(true);
  place(r, [['MODUD', { RT: 6, RA: 3, RB: 4 }], ['MULLD', { RT: 3, RA: 3, RB: 5 }], ['ADD', { RT: 7, RA: 7, RB: 6 }], ['B', { LI: -3 }]]);
  r.t.setGpr(3, 0xfedc_ba98_7654_3210n);
  r.t.setGpr(4, 1_000_003n);
  r.t.setGpr(5, 0x9e37_79b9_7f4a_7c15n);
  expect(r.cpu.run(r.t, r.mem, 4 * 1000)).toBe(RunEnd.LIMIT);
  let a = 0xfedc_ba98_7654_3210n;
  let sum = 0n;
  for (let i = 0; i < 1000; i++) {
    sum = (sum + (a % 1_000_003n)) & M64;
    a = (a * 0x9e37_79b9_7f4a_7c15n) & M64;
  }
  expect(r.t.gpr(7)).toBe(sum);
  expect(r.t.gpr(3)).toBe(a);
});
