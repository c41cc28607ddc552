/**
 * Batch harness for the random-instruction differential test (docs/workloads.md, "Random
 * sequences"). One ELF runs many test sequences back to back; for each it
 *
 *   1. loads CR, XER, LR, CTR and every GPR from a per-sequence table in the data segment,
 *      then points the base register at the sequence's scratch buffer;
 *   2. runs the sequence (straight-line words, no branches);
 *   3. stores r0–r31 except the base register, CR, XER masked to SO/OV/CA/OV32/CA32, LR and CTR
 *      into a dump area that lies right before the scratch buffer, and writes dump + scratch to
 *      stdout with one write(2).
 * After the last sequence it calls exit_group(0). Both simulators must print the same bytes.
 *
 * The harness code is hand-encoded (tests/helpers/ppc-asm.ts), never produced by sim/isa.
 */
import * as asm from './ppc-asm.js';
import { PF_R, PF_W, PF_X, writeElf64, type Endian } from './elf64.js';

export const CODE_VADDR = 0x1000_0000;
export const DATA_VADDR = 0x2000_0000;

/** Per-sequence data block: [unused | dump | scratch | initial registers | pad]. */
export const SEQ_STRIDE_BYTES = 1536;
export const SCRATCH_BYTES = 512;
export const SCRATCH_OFFSET = 512;
/** 32 GPRs, then CR, XER, LR, CTR: 36 doublewords. */
export const REG_SLOTS = 36;
export const DUMP_BYTES = REG_SLOTS * 8;
export const DUMP_OFFSET = SCRATCH_OFFSET - DUMP_BYTES;
export const INIT_OFFSET = SCRATCH_OFFSET + SCRATCH_BYTES;
/** What one sequence prints: its dump followed by its scratch buffer. */
export const RECORD_BYTES = DUMP_BYTES + SCRATCH_BYTES;

export const SLOT_CR = 32;
export const SLOT_XER = 33;
export const SLOT_LR = 34;
export const SLOT_CTR = 35;

/** The architected XER bits the dump keeps: SO, OV, CA, OV32, CA32. */
export const XER_ARCH_MASK = 0xe00c_0000n;

const SYS_WRITE = 4;
const SYS_EXIT_GROUP = 234;
const STDOUT_FD = 1;

export interface RegFile {
  /** 32 values, u64. */
  readonly gpr: readonly bigint[];
  /** u32. */
  readonly cr: number;
  /** Only XER_ARCH_MASK bits are loaded. */
  readonly xer: bigint;
  readonly lr: bigint;
  readonly ctr: bigint;
}

export interface TestSequence {
  /** Instruction words, run straight through. */
  readonly words: readonly number[];
  /** The register holding the scratch pointer (1–31); not dumped, never written except by update forms. */
  readonly base: number;
  /** Where in the scratch buffer the base register points at the start. */
  readonly baseOffset: number;
  readonly regs: RegFile;
  /** Initial scratch contents, SCRATCH_BYTES long. */
  readonly scratch: Uint8Array;
}

export function sequenceDataAddr(index: number): number {
  return DATA_VADDR + index * SEQ_STRIDE_BYTES;
}

function checkSequence(s: TestSequence): void {
  if (!Number.isInteger(s.base) || s.base < 1 || s.base > 31) throw new RangeError(`base register r${s.base} must be r1–r31`);
  if (s.regs.gpr.length !== 32) throw new RangeError('need 32 GPR values');
  if (s.scratch.length !== SCRATCH_BYTES) throw new RangeError(`scratch must be ${SCRATCH_BYTES} bytes`);
  if (s.baseOffset < 0 || s.baseOffset >= SCRATCH_BYTES) throw new RangeError('baseOffset outside the scratch buffer');
}

function prologue(s: TestSequence, data: number): number[] {
  const b = s.base;
  const init = data + INIT_OFFSET;
  const out: number[] = [...asm.loadAddr31(b, init)];
  // Special registers first, through r0, which is reloaded below.
  out.push(asm.ld(0, SLOT_CR * 8, b), asm.mtcrf(0xff, 0));
  out.push(asm.ld(0, SLOT_XER * 8, b), asm.mtspr(asm.SPR_XER, 0));
  out.push(asm.ld(0, SLOT_LR * 8, b), asm.mtspr(asm.SPR_LR, 0));
  out.push(asm.ld(0, SLOT_CTR * 8, b), asm.mtspr(asm.SPR_CTR, 0));
  for (let r = 0; r < 32; r++) if (r !== b) out.push(asm.ld(r, r * 8, b));
  out.push(...asm.loadAddr31(b, data + SCRATCH_OFFSET + s.baseOffset));
  return out;
}

function epilogue(s: TestSequence, data: number): number[] {
  const b = s.base;
  const dump = data + DUMP_OFFSET;
  const out: number[] = [...asm.loadAddr31(b, dump)];
  for (let r = 0; r < 32; r++) if (r !== b) out.push(asm.std(r, r * 8, b));
  // Every GPR but the base is saved, so r0 and a temporary are free from here on.
  const t = b === 3 ? 5 : 3;
  out.push(asm.mfcr(0), asm.std(0, SLOT_CR * 8, b));
  out.push(asm.mfspr(0, asm.SPR_XER), asm.li(t, 0), asm.oris(t, t, Number(XER_ARCH_MASK >> 16n)), asm.and(0, 0, t));
  out.push(asm.std(0, SLOT_XER * 8, b));
  out.push(asm.mfspr(0, asm.SPR_LR), asm.std(0, SLOT_LR * 8, b));
  out.push(asm.mfspr(0, asm.SPR_CTR), asm.std(0, SLOT_CTR * 8, b));
  // write(1, dump, dump + scratch): r4 first, because the base may be r3 or r5.
  out.push(asm.mr(4, b), asm.li(0, SYS_WRITE), asm.li(3, STDOUT_FD), asm.li(5, RECORD_BYTES), asm.sc());
  return out;
}

export interface BatchLayout {
  /** Word index in the code segment where each sequence's own words start. */
  readonly sequenceStartWords: readonly number[];
}

/** Build the batch ELF; `layout` tells where each sequence's words landed (for reports). */
export function buildBatchElf(seqs: readonly TestSequence[], endian: Endian): { elf: Uint8Array; layout: BatchLayout } {
  const le = endian === 'le';
  const code: number[] = [];
  const starts: number[] = [];
  const data = new Uint8Array(seqs.length * SEQ_STRIDE_BYTES);
  const dv = new DataView(data.buffer);
  seqs.forEach((s, i) => {
    checkSequence(s);
    const addr = sequenceDataAddr(i);
    const block = i * SEQ_STRIDE_BYTES;
    s.regs.gpr.forEach((v, r) => dv.setBigUint64(block + INIT_OFFSET + r * 8, BigInt.asUintN(64, v), le));
    dv.setBigUint64(block + INIT_OFFSET + SLOT_CR * 8, BigInt(s.regs.cr >>> 0), le);
    dv.setBigUint64(block + INIT_OFFSET + SLOT_XER * 8, BigInt.asUintN(64, s.regs.xer) & XER_ARCH_MASK, le);
    dv.setBigUint64(block + INIT_OFFSET + SLOT_LR * 8, BigInt.asUintN(64, s.regs.lr), le);
    dv.setBigUint64(block + INIT_OFFSET + SLOT_CTR * 8, BigInt.asUintN(64, s.regs.ctr), le);
    data.set(s.scratch, block + SCRATCH_OFFSET);
    code.push(...prologue(s, addr));
    starts.push(code.length);
    code.push(...s.words.map((x) => x >>> 0));
    code.push(...epilogue(s, addr));
  });
  code.push(asm.li(0, SYS_EXIT_GROUP), asm.li(3, 0), asm.sc());
  const elf = writeElf64({
    endian,
    entry: BigInt(CODE_VADDR),
    segments: [
      { vaddr: BigInt(CODE_VADDR), data: asm.wordsToBytes(code, le), flags: PF_R | PF_X },
      { vaddr: BigInt(DATA_VADDR), data, flags: PF_R | PF_W },
    ],
  });
  return { elf, layout: { sequenceStartWords: starts } };
}

/** One sequence's results as printed by the guest. */
export interface SequenceDump {
  /** REG_SLOTS values: gpr0–31, cr, xer, lr, ctr (base register slot is always 0). */
  readonly regs: readonly bigint[];
  readonly scratch: Uint8Array;
}

export const REG_NAMES: readonly string[] = [...Array.from({ length: 32 }, (_, i) => `r${i}`), 'cr', 'xer', 'lr', 'ctr'];

export function parseRecords(out: Uint8Array, endian: Endian): SequenceDump[] {
  const le = endian === 'le';
  const n = Math.floor(out.length / RECORD_BYTES);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const recs: SequenceDump[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * RECORD_BYTES;
    const regs = Array.from({ length: REG_SLOTS }, (_, k) => dv.getBigUint64(at + k * 8, le));
    recs.push({ regs, scratch: out.slice(at + DUMP_BYTES, at + RECORD_BYTES) });
  }
  return recs;
}

/** Human description of how two records differ ('' when equal). */
export function describeRecordDiff(expected: SequenceDump, got: SequenceDump): string {
  const lines: string[] = [];
  expected.regs.forEach((v, k) => {
    const g = got.regs[k];
    if (g !== v) lines.push(`  ${REG_NAMES[k]}: expected 0x${v.toString(16)} got 0x${(g ?? 0n).toString(16)}`);
  });
  const diffs: number[] = [];
  for (let i = 0; i < SCRATCH_BYTES; i++) if (expected.scratch[i] !== got.scratch[i]) diffs.push(i);
  if (diffs.length > 0) {
    const show = diffs.slice(0, 16).map((i) => `+0x${i.toString(16)}: 0x${(expected.scratch[i] ?? 0).toString(16)}→0x${(got.scratch[i] ?? 0).toString(16)}`);
    lines.push(`  scratch differs at ${diffs.length} byte(s): ${show.join(', ')}${diffs.length > 16 ? ', …' : ''}`);
  }
  return lines.join('\n');
}
