/**
 * The random-sequence harness checked against qemu with hand-encoded instructions whose results
 * are computed here, so a harness bug (wrong prologue, dump layout, byte order) shows up as a
 * failure of its own rather than as a bogus interpreter divergence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as asm from '../helpers/ppc-asm.js';
import { readElf64, type Endian } from '../helpers/elf64.js';
import {
  buildBatchElf,
  parseRecords,
  RECORD_BYTES,
  SCRATCH_BYTES,
  SLOT_CR,
  SLOT_XER,
  XER_ARCH_MASK,
  type SequenceDump,
  type TestSequence,
} from '../helpers/seq-harness.js';
import { QEMU_FOR, runQemu, tempDir, writeTemp } from '../helpers/runners.js';
import { requireTool } from '../helpers/tools.js';

const MASK64 = (1n << 64n) - 1n;

/** A fixed, varied register file: distinct values with high bits set, so byte-order slips show. */
function regsFor(k: number): TestSequence['regs'] {
  const gpr = Array.from({ length: 32 }, (_, i) => (0x0123_4567_89ab_cdefn * BigInt(i + 1 + k) + 0xfedc_ba98n) & MASK64);
  return { gpr, cr: 0x1234_5678 + k, xer: 0xa000_0000n, lr: 0x1111_2222_3333_4444n, ctr: 0x5555_6666_7777_8888n + BigInt(k) };
}

function scratchFor(k: number): Uint8Array {
  return Uint8Array.from({ length: SCRATCH_BYTES }, (_, i) => (i * 7 + k * 13) & 0xff);
}

function seq(words: number[], base: number, k: number): TestSequence {
  return { words, base, baseOffset: 128, regs: regsFor(k), scratch: scratchFor(k) };
}

/** What the dump shows when the sequence changed nothing. */
function unchanged(s: TestSequence): { regs: bigint[]; scratch: Uint8Array } {
  const regs = [...s.regs.gpr, BigInt(s.regs.cr >>> 0), s.regs.xer & XER_ARCH_MASK, s.regs.lr, s.regs.ctr];
  regs[s.base] = 0n;
  return { regs, scratch: s.scratch.slice() };
}

for (const endian of ['le', 'be'] as Endian[]) {
  const qemu = requireTool(QEMU_FOR[endian]);
  describe.skipIf(!qemu.available)(`sequence harness under ${QEMU_FOR[endian]}`, () => {
    const tmp = tempDir('mpipl-harness-');
    afterAll(() => tmp.cleanup());
    const le = endian === 'le';

    const cases: { name: string; s: TestSequence; expect: (s: TestSequence) => { regs: bigint[]; scratch: Uint8Array } }[] = [
      { name: 'empty sequence leaves everything as loaded', s: seq([], 31, 0), expect: unchanged },
      {
        name: 'add r3,r4,r5',
        s: seq([asm.add(3, 4, 5)], 1, 1),
        expect: (s) => {
          const e = unchanged(s);
          e.regs[3] = (s.regs.gpr[4]! + s.regs.gpr[5]!) & MASK64;
          return e;
        },
      },
      {
        name: 'std r6,8(base) with base r3 (the epilogue temporary moves)',
        s: seq([asm.std(6, 8, 3)], 3, 2),
        expect: (s) => {
          const e = unchanged(s);
          new DataView(e.scratch.buffer).setBigUint64(128 + 8, s.regs.gpr[6]!, le);
          return e;
        },
      },
      {
        name: 'addc. r7,r8,r9 sets CA and CR0',
        s: seq([asm.addc(7, 8, 9, 1)], 5, 3),
        expect: (s) => {
          const e = unchanged(s);
          const sum = s.regs.gpr[8]! + s.regs.gpr[9]!;
          const r = sum & MASK64;
          e.regs[7] = r;
          const ca = sum >> 64n !== 0n;
          const xer = (s.regs.xer & XER_ARCH_MASK & ~0x2004_0000n) | (ca ? 0x2000_0000n : 0n) |
            ((((s.regs.gpr[8]! & 0xffff_ffffn) + (s.regs.gpr[9]! & 0xffff_ffffn)) >> 32n) !== 0n ? 0x0004_0000n : 0n);
          e.regs[SLOT_XER] = xer;
          const signed = BigInt.asIntN(64, r);
          const cr0 = (signed < 0n ? 8 : signed > 0n ? 4 : 2) | ((xer & 0x8000_0000n) !== 0n ? 1 : 0);
          e.regs[SLOT_CR] = BigInt(((s.regs.cr & 0x0fff_ffff) | (cr0 << 28)) >>> 0);
          return e;
        },
      },
      {
        name: 'lwz r10,-4(base) reads the scratch in guest byte order',
        s: seq([asm.lwz(10, -4, 31)], 31, 4),
        expect: (s) => {
          const e = unchanged(s);
          e.regs[10] = BigInt(new DataView(s.scratch.buffer).getUint32(128 - 4, le));
          return e;
        },
      },
    ];

    it('produces a loadable ELF', () => {
      const { elf } = buildBatchElf(cases.map((c) => c.s), endian);
      const parsed = readElf64(elf);
      expect(parsed.endian).toBe(endian);
      expect(parsed.segments).toHaveLength(2);
    });

    it('dumps exactly what hand-computed results predict, sequence by sequence', () => {
      const { elf } = buildBatchElf(cases.map((c) => c.s), endian);
      const r = runQemu(qemu.path, writeTemp(tmp.dir, `selftest-${endian}.elf`, elf));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.length).toBe(cases.length * RECORD_BYTES);
      const recs: SequenceDump[] = parseRecords(r.stdout, endian);
      cases.forEach((c, i) => {
        const want = c.expect(c.s);
        const got = recs[i]!;
        expect(got.regs.map((v) => `0x${v.toString(16)}`), c.name).toEqual(want.regs.map((v) => `0x${v.toString(16)}`));
        expect(Buffer.from(got.scratch).equals(Buffer.from(want.scratch)), `${c.name}: scratch`).toBe(true);
      });
    });
  });
}
