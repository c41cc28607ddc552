/**
 * The decode table's structural properties: it compiles (no overlap, no malformed row), the
 * compiler really rejects overlaps, encode/decode are inverse for every row, and every word
 * decodes to exactly one row or to `illegal`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ROWS, compileTable, decode, decodeRow, rowFields, DecodeTableError } from '../../sim/isa/decode.js';
import { encode } from '../../sim/isa/encode.js';
import { row, TABLE } from '../../sim/isa/table.js';
import { BARRIER } from '../../sim/isa/sem/system.js';

describe('decode table', () => {
  it('compiles with no overlapping rows', () => {
    expect(ROWS.length).toBe(TABLE.length);
    for (let i = 0; i < ROWS.length; i++) {
      for (let j = i + 1; j < ROWS.length; j++) {
        const a = ROWS[i]!;
        const b = ROWS[j]!;
        expect(((a.match ^ b.match) & a.mask & b.mask) !== 0, `${a.name} / ${b.name}`).toBe(true);
      }
    }
  });

  it('rejects overlapping rows at load', () => {
    const specs = [
      row('SYNC', '011111 --- .. ----- ----- 1001010110 -', { form: 'X_SYNC', exec: BARRIER }),
      row('LWSYNC', '011111 --- 01 ----- ----- 1001010110 -', { form: 'XL_NONE', exec: BARRIER }),
    ];
    expect(() => compileTable(specs)).toThrow(DecodeTableError);
    expect(() => compileTable(specs)).toThrow(/overlap/);
  });

  it('rejects a field that is half fixed and a free bit no field names', () => {
    expect(() => compileTable([row('X1', '011111 ..... ..1.. ..... 0000000000 -', { form: 'X', exec: BARRIER })])).toThrow(/partly fixed/);
    expect(() => compileTable([row('X2', '011111 ..... ..... ..... 0000000000 .', { form: 'X', exec: BARRIER })])).toThrow(/no field/);
    expect(() => compileTable([row('X3', '011111 ..... ..... .....', { form: 'X', exec: BARRIER })])).toThrow(/32 bits/);
  });

  it('round-trips encode/decode for every row with random fields', () => {
    for (const r of ROWS) {
      const fields = rowFields(r.name);
      const arb = fc.record(
        Object.fromEntries(
          fields.map((f) => [
            f.name,
            f.signed ? fc.integer({ min: -(2 ** (f.widthBits - 1)), max: 2 ** (f.widthBits - 1) - 1 }) : fc.integer({ min: 0, max: 2 ** f.widthBits - 1 }),
          ]),
        ),
      );
      fc.assert(
        fc.property(arb, (values) => {
          const word = encode(r.name, values);
          const d = decode(word);
          expect(d.kind).toBe('insn');
          if (d.kind !== 'insn') return;
          expect(d.row.name).toBe(r.name);
          expect(d.fields).toEqual(values);
        }),
        { numRuns: 60, seed: 0x5eed },
      );
    }
  });

  it('decodes every sampled 32-bit word to one matching row or to illegal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (word) => {
        const d = decode(word);
        const matching = ROWS.filter((r) => ((word & r.mask) >>> 0) === r.match);
        if (d.kind === 'illegal') expect(matching).toEqual([]);
        else expect(matching.map((r) => r.name)).toEqual([d.row.name]);
      }),
      { numRuns: 20000, seed: 42 },
    );
  });

  it('rejects missing, unknown and out-of-range fields in encode', () => {
    expect(() => encode('ADDI', { RT: 1, RA: 2 })).toThrow(/SI is missing/);
    expect(() => encode('ADDI', { RT: 1, RA: 2, SI: 0, RB: 3 })).toThrow(/no field RB/);
    expect(() => encode('ADDI', { RT: 32, RA: 2, SI: 0 })).toThrow(/outside/);
    expect(() => encode('ADDI', { RT: 1, RA: 2, SI: 40000 })).toThrow(/outside/);
  });

  it('has the ISA encodings of a few well-known words', () => {
    expect(encode('ORI', { RS: 0, RA: 0, UI: 0 })).toBe(0x6000_0000); // nop
    expect(encode('BCLR', { BO: 20, BI: 0, BH: 0, LK: 0 })).toBe(0x4e80_0020); // blr
    expect(encode('SC', { LEV: 0 })).toBe(0x4400_0002);
    expect(encode('ADDI', { RT: 3, RA: 0, SI: -1 })).toBe(0x3860_ffff); // li r3,-1
    expect(encode('STDU', { RS: 1, RA: 1, DS: -8 })).toBe(0xf821_ffe1); // stdu r1,-32(r1)
    expect(encode('MFSPR', { RT: 0, SPR: 8 })).toBe(0x7c08_02a6); // mflr r0
    expect(encode('RLDICL', { RA: 3, RS: 3, SH: 0, MB: 32 })).toBe(0x7863_0020); // clrldi r3,r3,32
    expect(encode('ATTN')).toBe(0x0000_0200); // attn (firmware abort)
    expect(encode('CALLTHRU')).toBe(0x000e_aeb0); // Mambo callthru (firmware service)
    expect(decodeRow(0x0000_0201)).toBeUndefined(); // attn with Rc set is not attn
  });
});
