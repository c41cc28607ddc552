/**
 * The firmware-ABI words (docs/firmware-elf-runtime.md): callthru 0x000EAEB0 and attn 0x00000200
 * decode, disassemble and encode; outside firmware they stay the illegal instruction they were
 * before they had rows (same Step.FAULT, kind and text), through `step` and through translated
 * blocks, so guests see no difference.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../sim/isa/decode.js';
import { disasm } from '../../sim/isa/disasm.js';
import { encode } from '../../sim/isa/encode.js';
import { Step } from '../../sim/cpu/executor.js';
import { Slot } from '../../sim/cpu/state.js';
import { CODE_BASE, place, rig } from './helpers.js';

const CALLTHRU = 0x000e_aeb0;
const ATTN = 0x0000_0200;

describe('firmware words in the decode table', () => {
  it('decodes, disassembles and encodes callthru and attn', () => {
    const c = decode(CALLTHRU);
    const a = decode(ATTN);
    expect(c.kind === 'insn' ? c.row.name : c.kind).toBe('CALLTHRU');
    expect(a.kind === 'insn' ? a.row.name : a.kind).toBe('ATTN');
    expect(disasm(CALLTHRU)).toBe('callthru');
    expect(disasm(ATTN)).toBe('attn');
    // The raw form is what GNU as accepts (it has no callthru mnemonic).
    expect(disasm(CALLTHRU, { raw: true })).toBe('.long 0x000eaeb0');
    expect(disasm(ATTN, { raw: true })).toBe('attn');
    expect(encode('CALLTHRU')).toBe(CALLTHRU);
    expect(encode('ATTN')).toBe(ATTN);
    // Neighbouring words stay illegal: only the exact words are rows.
    for (const w of [CALLTHRU ^ 1, CALLTHRU ^ (1 << 21), ATTN ^ 1, ATTN | (1 << 21)]) expect(decode(w).kind).toBe('illegal');
  });

  describe.each([false, true])('outside firmware (little-endian %s)', (le) => {
    it.each([
      ['callthru', CALLTHRU],
      ['attn', ATTN],
    ])('%s is an illegal-instruction program interrupt, state untouched', (_name, word) => {
      const r = rig(le);
      place(r, [['ADDI', { RT: 3, RA: 0, SI: 7 }], word, ['ADDI', { RT: 3, RA: 0, SI: 9 }]]);
      expect(r.cpu.step(r.t, r.mem)).toBe(Step.RETIRED);
      expect(r.cpu.step(r.t, r.mem)).toBe(Step.FAULT);
      expect(r.cpu.lastFaultKind()).toBe('illegal');
      expect(r.cpu.lastFault()).toBe(`illegal instruction 0x${word.toString(16).padStart(8, '0')} at 0x${(CODE_BASE + 4).toString(16)}`);
      expect(r.t.get(Slot.NIP)).toBe(BigInt(CODE_BASE + 4));
      expect(r.t.gpr(3)).toBe(7n);
    });

    it.each([
      ['callthru', CALLTHRU],
      ['attn', ATTN],
    ])('%s ends a translated block with the same fault', (_name, word) => {
      const r = rig(le);
      // A loop that runs the block twice (translation happens on the second entry), then the word.
      place(r, [
        ['ADDI', { RT: 4, RA: 0, SI: 2 }],
        ['MTSPR', { RS: 4, SPR: 9 }],
        ['ADDI', { RT: 3, RA: 3, SI: 1 }],
        ['BC', { BO: 16, BI: 0, BD: -1 }],
        word,
      ]);
      expect(r.cpu.run(r.t, r.mem, 1000)).toBe(Step.FAULT);
      expect(r.cpu.lastFaultKind()).toBe('illegal');
      expect(r.t.get(Slot.NIP)).toBe(BigInt(CODE_BASE + 16));
      expect(r.t.gpr(3)).toBe(2n);
    });
  });
});
