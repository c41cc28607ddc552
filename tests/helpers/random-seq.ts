/**
 * Random straight-line instruction sequences drawn from sim/isa's decode table, for the
 * differential test against qemu (properties/isa-differential.test.ts, docs/workloads.md).
 *
 * A generated instruction is raw material — a row index and a few 32-bit numbers — that
 * `assembleSequence` turns into legal words under a per-row policy:
 *  - rows that branch, trap, call the system, need privilege, read the time base, or whose
 *    results the ISA leaves undefined in ways no guard can fix are excluded;
 *  - every register operand avoids the base register (which holds the scratch pointer), except
 *    the RA of loads, stores and cache ops, which is always the base;
 *  - each memory access is aimed at a chosen byte of the scratch buffer: the displacement (or
 *    the index register, loaded by an `li` emitted just before) is computed from the base's
 *    current offset, which the assembler tracks through update forms;
 *  - instructions with architecturally undefined parts get guards: divisors are forced odd and
 *    positive before divides and modulos (no divide by zero, no MIN / -1), and the undefined
 *    high word of mulhw/mulhwu/divw/divwu and the undefined bits of mfocrf are cleared after.
 * fast-check shrinks the raw material; the mapping is deterministic, so a shrunk counterexample
 * still assembles to legal code.
 */
import fc from 'fast-check';
import { ROWS, type Row } from '../../sim/isa/decode.js';
import { disasm } from '../../sim/isa/disasm.js';
import { encode } from '../../sim/isa/encode.js';
import type { FieldName } from '../../sim/isa/forms.js';
import * as asm from './ppc-asm.js';
import { SCRATCH_BYTES, XER_ARCH_MASK, type RegFile, type TestSequence } from './seq-harness.js';

/** Rows never generated, with the reason (shown by `describeCoverage`). */
const EXCLUDED: Readonly<Record<string, string>> = {
  B: 'branch', BC: 'branch', BCLR: 'branch', BCCTR: 'branch', BCTAR: 'branch',
  TW: 'trap', TD: 'trap', TWI: 'trap', TDI: 'trap',
  SC: 'system call',
  CALLTHRU: 'firmware service call (illegal outside firmware)', ATTN: 'firmware abort (illegal outside firmware)',
  MFMSR: 'privileged', MTMSRD: 'privileged',
  MFTB: 'reads the time base (host time in qemu)',
  LMW: 'alignment interrupt in little-endian mode; register range may include the base',
  STMW: 'alignment interrupt in little-endian mode',
  DIVWE: 'result undefined on overflow, which depends on both operands (no cheap guard)',
  DIVWEU: 'result undefined on overflow, which depends on both operands (no cheap guard)',
  DIVDE: 'result undefined on overflow, which depends on both operands (no cheap guard)',
  DIVDEU: 'result undefined on overflow, which depends on both operands (no cheap guard)',
};

interface MemSpec {
  /** Bytes accessed; cache-block ops use 1 (any byte of the 512-byte-aligned scratch works). */
  readonly sizeBytes: number;
  readonly update: boolean;
  readonly indexed: boolean;
  /** DS-form: displacement must be a multiple of 4. */
  readonly ds: boolean;
  /** Register field that carries the data (RT for loads, RS for stores, none for cache ops). */
  readonly dataField: 'RT' | 'RS' | undefined;
}

function mem(sizeBytes: number, dataField: 'RT' | 'RS' | undefined, opts: string): MemSpec {
  return { sizeBytes, dataField, update: opts.includes('u'), indexed: opts.includes('x'), ds: opts.includes('s') };
}

/** Loads, stores and cache ops: size and addressing. Names follow sim/isa/table.ts. */
const MEMORY: Readonly<Record<string, MemSpec>> = {
  LBZ: mem(1, 'RT', ''), LBZU: mem(1, 'RT', 'u'), LHZ: mem(2, 'RT', ''), LHZU: mem(2, 'RT', 'u'),
  LHA: mem(2, 'RT', ''), LHAU: mem(2, 'RT', 'u'), LWZ: mem(4, 'RT', ''), LWZU: mem(4, 'RT', 'u'),
  LD: mem(8, 'RT', 's'), LDU: mem(8, 'RT', 'su'), LWA: mem(4, 'RT', 's'),
  LBZX: mem(1, 'RT', 'x'), LBZUX: mem(1, 'RT', 'xu'), LHZX: mem(2, 'RT', 'x'), LHZUX: mem(2, 'RT', 'xu'),
  LHAX: mem(2, 'RT', 'x'), LHAUX: mem(2, 'RT', 'xu'), LWZX: mem(4, 'RT', 'x'), LWZUX: mem(4, 'RT', 'xu'),
  LWAX: mem(4, 'RT', 'x'), LWAUX: mem(4, 'RT', 'xu'), LDX: mem(8, 'RT', 'x'), LDUX: mem(8, 'RT', 'xu'),
  LHBRX: mem(2, 'RT', 'x'), LWBRX: mem(4, 'RT', 'x'), LDBRX: mem(8, 'RT', 'x'),
  STB: mem(1, 'RS', ''), STBU: mem(1, 'RS', 'u'), STH: mem(2, 'RS', ''), STHU: mem(2, 'RS', 'u'),
  STW: mem(4, 'RS', ''), STWU: mem(4, 'RS', 'u'), STD: mem(8, 'RS', 's'), STDU: mem(8, 'RS', 'su'),
  STBX: mem(1, 'RS', 'x'), STBUX: mem(1, 'RS', 'xu'), STHX: mem(2, 'RS', 'x'), STHUX: mem(2, 'RS', 'xu'),
  STWX: mem(4, 'RS', 'x'), STWUX: mem(4, 'RS', 'xu'), STDX: mem(8, 'RS', 'x'), STDUX: mem(8, 'RS', 'xu'),
  STHBRX: mem(2, 'RS', 'x'), STWBRX: mem(4, 'RS', 'x'), STDBRX: mem(8, 'RS', 'x'),
  DCBZ: mem(1, undefined, 'x'), DCBT: mem(1, undefined, 'x'), DCBTST: mem(1, undefined, 'x'),
  DCBF: mem(1, undefined, 'x'), DCBST: mem(1, undefined, 'x'), ICBI: mem(1, undefined, 'x'),
};

/** Divisor guards: word divides read the low word of RB, doubleword divides all of it. */
const WORD_DIVISOR = new Set(['DIVW', 'DIVWU', 'MODSW', 'MODUW']);
const DWORD_DIVISOR = new Set(['DIVD', 'DIVDU', 'MODSD', 'MODUD']);
/** RT[0:31] is undefined (and so is CR0 when Rc = 1): clear the high word afterwards. */
const HIGH_WORD_UNDEFINED = new Set(['MULHW', 'MULHWU', 'DIVW', 'DIVWU']);

/** SPRs a user-mode sequence may touch: XER only read (its reserved bits are implementation-specific). */
const SPR_CHOICES: Readonly<Record<string, readonly number[]>> = {
  MFSPR: [asm.SPR_XER, asm.SPR_LR, asm.SPR_CTR],
  MTSPR: [asm.SPR_LR, asm.SPR_CTR],
};

const GPR_FIELDS: ReadonlySet<FieldName> = new Set(['RT', 'RS', 'RA', 'RB', 'RC']);

export interface RowPolicy {
  readonly row: Row;
  readonly memory: MemSpec | undefined;
}

/** Forms that always branch, trap or call the system, so rows added to the table later stay out. */
const CONTROL_FORMS: ReadonlySet<string> = new Set(['I', 'B', 'XL_BR', 'SC', 'D_TO', 'X_TO']);
/** Names of loads, stores and cache ops: one the MEMORY map does not know must not get a random RA. */
const MEMORY_NAME = /^(L[BHWDMQS]|ST|DC|IC)/;

/** Why a row is not generated, or undefined when it is. */
function exclusionReason(r: Row): string | undefined {
  const listed = EXCLUDED[r.name];
  if (listed !== undefined) return listed;
  if (r.privileged) return 'privileged';
  if (CONTROL_FORMS.has(r.form)) return `control flow (form ${r.form})`;
  if (MEMORY[r.name] === undefined && MEMORY_NAME.test(r.name)) return 'unclassified memory access: add it to MEMORY in tests/helpers/random-seq.ts';
  return undefined;
}

/** The rows the generator draws from, in table order (stable, so seeds replay). */
export const GENERATED_ROWS: readonly RowPolicy[] = ROWS.filter((r) => exclusionReason(r) === undefined).map((row) => ({
  row,
  memory: MEMORY[row.name],
}));

/** Coverage summary for the test log: generated rows and excluded rows with reasons. */
export function describeCoverage(): string {
  const excluded = ROWS.filter((r) => exclusionReason(r) !== undefined).map((r) => `${r.name} (${exclusionReason(r)})`);
  return `${GENERATED_ROWS.length} of ${ROWS.length} rows generated; excluded: ${excluded.join(', ')}`;
}

/** One generated instruction before legalization. */
export interface RawInsn {
  /** Index into GENERATED_ROWS (modulo its length). */
  readonly row: number;
  /** Raw numbers consumed by the row's fields, in field order; the last two pick index register and target. */
  readonly raw: readonly number[];
}

const RAW_PER_INSN = 8;
const RAW_INDEX_REG = RAW_PER_INSN - 2;
const RAW_TARGET = RAW_PER_INSN - 1;

export interface RawSequence {
  readonly insns: readonly RawInsn[];
  readonly base: number;
  readonly baseOffset: number;
  readonly regs: RegFile;
  readonly scratch: Uint8Array;
}

/** A listing line: the word, its disassembly, and whether the harness added it. */
export interface ListingLine {
  readonly word: number;
  readonly text: string;
  readonly role: 'insn' | 'guard' | 'index';
}

export interface AssembledSequence {
  readonly seq: TestSequence;
  readonly listing: readonly ListingLine[];
}

function pickReg(raw: number, base: number): number {
  // Any register but the base: 31 choices.
  const k = raw % 31;
  return k >= base ? k + 1 : k;
}

function fieldValue(name: FieldName, widthBits: number, signed: boolean, raw: number, rowName: string, base: number): number {
  if (GPR_FIELDS.has(name)) return pickReg(raw, base);
  if (name === 'SPR') {
    const choices = SPR_CHOICES[rowName] ?? [asm.SPR_LR];
    return choices[raw % choices.length]!;
  }
  if (name === 'FXM' && (rowName === 'MFOCRF' || rowName === 'MTOCRF')) return 1 << (raw % 8); // one-hot, else undefined
  if (name === 'TH' || (name === 'L' && rowName === 'DCBF')) return 0; // plain touch / plain flush
  if (name === 'L' && rowName === 'SYNC') return raw % 2; // sync or lwsync
  const span = 2 ** widthBits;
  const v = raw % span;
  return signed && v >= span / 2 ? v - span : v;
}

/** Force (RB) to an odd positive divisor, so no divide is by zero or MIN / -1. */
function divisorGuard(rowName: string, rb: number): number[] {
  if (WORD_DIVISOR.has(rowName)) return [rlwinm(rb, rb, 0, 1, 31), asm.ori(rb, rb, 1)];
  if (DWORD_DIVISOR.has(rowName)) return [asm.rldicl(rb, rb, 0, 1), asm.ori(rb, rb, 1)];
  return [];
}

/** rlwinm encoded here (M-form, primary 21) to keep the guard independent of sim/isa. */
function rlwinm(ra: number, rs: number, sh: number, mb: number, me: number, rc = 0): number {
  return ((21 << 26) | (rs << 21) | (ra << 16) | (sh << 11) | (mb << 6) | (me << 1) | rc) >>> 0;
}

/** Assemble one raw sequence into harness input plus a listing for reports. */
export function assembleSequence(s: RawSequence): AssembledSequence {
  const words: number[] = [];
  const listing: ListingLine[] = [];
  const emit = (word: number, role: ListingLine['role']): void => {
    words.push(word);
    listing.push({ word, text: disasm(word), role });
  };
  let offset = s.baseOffset;
  for (const insn of s.insns) {
    const policy = GENERATED_ROWS[insn.row % GENERATED_ROWS.length]!;
    const { row, memory } = policy;
    const raw = (k: number): number => insn.raw[k % insn.raw.length] ?? 0;
    const fields: Partial<Record<FieldName, number>> = {};
    row.fields.forEach((f, k) => {
      fields[f.name] = fieldValue(f.name, f.widthBits, f.signed, raw(k), row.name, s.base);
    });
    if (memory !== undefined) {
      fields.RA = s.base;
      // Aim at a byte of the scratch buffer that keeps the whole access inside it.
      const last = SCRATCH_BYTES - memory.sizeBytes;
      let ea: number;
      if (memory.ds) {
        const kMin = Math.ceil(-offset / 4);
        const kMax = Math.floor((last - offset) / 4);
        ea = offset + 4 * (kMin + (raw(RAW_TARGET) % (kMax - kMin + 1)));
      } else {
        ea = raw(RAW_TARGET) % (last + 1);
      }
      const disp = ea - offset;
      if (memory.indexed) {
        const idx = pickReg(raw(RAW_INDEX_REG), s.base);
        emit(asm.li(idx, disp), 'index');
        fields.RB = idx;
      } else if (memory.ds) {
        fields.DS = disp / 4;
      } else {
        fields.D = disp;
      }
      emit(encode(row.name, fields), 'insn');
      if (memory.update) offset = ea;
      continue;
    }
    const rb = fields.RB;
    if (rb !== undefined) for (const g of divisorGuard(row.name, rb)) emit(g, 'guard');
    emit(encode(row.name, fields), 'insn');
    const rt = fields.RT;
    if (rt !== undefined && HIGH_WORD_UNDEFINED.has(row.name)) emit(asm.rldicl(rt, rt, 0, 32, fields.Rc ?? 0), 'guard');
    if (rt !== undefined && row.name === 'MFOCRF') {
      // Only the selected CR field is defined in RT; keep exactly its four bits.
      // FXM bit 0 (0x80) selects CR field 0, so the one-hot value 1 << k selects field 7 - k.
      const n = 7 - Math.log2(fields.FXM ?? 1);
      emit(rlwinm(rt, rt, 0, 4 * n, 4 * n + 3), 'guard');
    }
  }
  return {
    seq: { words, base: s.base, baseOffset: s.baseOffset, regs: s.regs, scratch: s.scratch },
    listing,
  };
}

export function formatListing(a: AssembledSequence): string {
  const r = a.seq.regs;
  const lines = [
    `base r${a.seq.base} -> scratch+0x${a.seq.baseOffset.toString(16)}`,
    ...a.listing.map((l) => `  ${l.word.toString(16).padStart(8, '0')}  ${l.text}${l.role === 'insn' ? '' : `   ; ${l.role}`}`),
    `initial: ${r.gpr.map((v, i) => `r${i}=0x${v.toString(16)}`).join(' ')}`,
    `  cr=0x${(r.cr >>> 0).toString(16)} xer=0x${r.xer.toString(16)} lr=0x${r.lr.toString(16)} ctr=0x${r.ctr.toString(16)}`,
  ];
  const nonzero = [...a.seq.scratch].some((b) => b !== 0);
  lines.push(`  scratch: ${nonzero ? Buffer.from(a.seq.scratch).toString('hex') : 'all zero'}`);
  return lines.join('\n');
}

// ---- fast-check arbitraries ----

const MASK64 = (1n << 64n) - 1n;
/** Values that find carry, overflow and sign bugs far more often than uniform ones. */
const INTERESTING_U64: readonly bigint[] = [
  0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn,
  0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, MASK64, MASK64 - 1n, 0xffff_ffff_8000_0000n,
];

export const u64Arb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: MASK64 }) },
  { weight: 1, arbitrary: fc.constantFrom(...INTERESTING_U64) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 0xffffn }) },
);

const xerArb = fc.subarray([0x8000_0000n, 0x4000_0000n, 0x2000_0000n, 0x0008_0000n, 0x0004_0000n]).map(
  (bits) => bits.reduce((a, b) => a | b, 0n) & XER_ARCH_MASK,
);

export const regFileArb: fc.Arbitrary<RegFile> = fc.record({
  gpr: fc.array(u64Arb, { minLength: 32, maxLength: 32 }),
  cr: fc.integer({ min: 0, max: 0xffff_ffff }),
  xer: xerArb,
  lr: u64Arb,
  ctr: u64Arb,
});

export const rawInsnArb: fc.Arbitrary<RawInsn> = fc.record({
  row: fc.nat({ max: GENERATED_ROWS.length - 1 }),
  raw: fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: RAW_PER_INSN, maxLength: RAW_PER_INSN }),
});

export const SEQUENCE_INSNS_MAX = 20;

export const rawSequenceArb: fc.Arbitrary<RawSequence> = fc.record({
  insns: fc.array(rawInsnArb, { minLength: 1, maxLength: SEQUENCE_INSNS_MAX }),
  base: fc.integer({ min: 1, max: 31 }),
  baseOffset: fc.nat({ max: SCRATCH_BYTES - 1 }),
  regs: regFileArb,
  scratch: fc.uint8Array({ minLength: SCRATCH_BYTES, maxLength: SCRATCH_BYTES }),
});

// ---- shrinking a failing sequence ----

/**
 * Greedy shrinker for one failing sequence, run after fast-check found a failing batch (the
 * batch itself is not shrunk: every shrink step of a 100-sequence batch costs a qemu run, and
 * thousands of them take minutes). `differs` runs the candidate alone and returns the mismatch
 * description, or undefined when both simulators agree. Steps, each kept only if the sequence
 * still fails: drop instructions, zero initial registers, zero the scratch buffer, zero each raw
 * field value. Deterministic: same input, same result.
 */
export async function shrinkSequence(
  start: RawSequence,
  differs: (s: RawSequence) => Promise<string | undefined>,
  attemptsMax = 600,
): Promise<{ readonly seq: RawSequence; readonly problem: string; readonly attempts: number } | undefined> {
  let best = start;
  let problem = await differs(best);
  if (problem === undefined) return undefined;
  let attempts = 1;
  const tryCandidate = async (c: RawSequence): Promise<boolean> => {
    if (attempts >= attemptsMax) return false;
    attempts++;
    const p = await differs(c);
    if (p === undefined) return false;
    best = c;
    problem = p;
    return true;
  };
  for (let i = best.insns.length - 1; i >= 0 && best.insns.length > 1; i--) {
    if (i < best.insns.length) await tryCandidate({ ...best, insns: best.insns.filter((_, k) => k !== i) });
  }
  for (let r = 0; r < 32; r++) {
    if (best.regs.gpr[r] === 0n) continue;
    const gpr = best.regs.gpr.map((v, k) => (k === r ? 0n : v));
    await tryCandidate({ ...best, regs: { ...best.regs, gpr } });
  }
  if (best.regs.lr !== 0n) await tryCandidate({ ...best, regs: { ...best.regs, lr: 0n } });
  if (best.regs.ctr !== 0n) await tryCandidate({ ...best, regs: { ...best.regs, ctr: 0n } });
  if (best.regs.cr !== 0) await tryCandidate({ ...best, regs: { ...best.regs, cr: 0 } });
  if (best.regs.xer !== 0n) await tryCandidate({ ...best, regs: { ...best.regs, xer: 0n } });
  if (best.scratch.some((b) => b !== 0)) await tryCandidate({ ...best, scratch: new Uint8Array(SCRATCH_BYTES) });
  for (let i = 0; i < best.insns.length; i++) {
    for (let k = 0; k < RAW_PER_INSN; k++) {
      const insn = best.insns[i]!;
      if (insn.raw[k] === 0) continue;
      const raw = insn.raw.map((v, j) => (j === k ? 0 : v));
      const insns = best.insns.map((x, j) => (j === i ? { ...x, raw } : x));
      await tryCandidate({ ...best, insns });
    }
  }
  return { seq: best, problem: problem!, attempts };
}
