/**
 * ELF64 reader and loader for ppc64 executables of either byte order (EM_PPC64 = 21).
 *
 * Every field read from the file is bounds-checked before it is used, and nothing is allocated
 * from a size the file states except after the total loadable size is capped (design section
 * 10). Every rejection is a one-line UsageError naming the problem.
 *
 * ABI: with `e_flags & 3` = 2 (ELFv2, every little-endian toolchain) the entry point is code and
 * r12 gets its address. Otherwise (ELFv1, big-endian) `e_entry` points at a function descriptor
 * in .opd: doubleword 0 is the code address, doubleword 1 the TOC for r2 — as qemu-user reads it.
 */
import { UsageError } from '../core/errors.js';
import { hex } from '../core/u64.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';

export const EM_PPC64 = 21;
export const ET_EXEC = 2;
export const PT_LOAD = 1;
export const PT_PHDR = 6;
export const PF_X = 1;
const EHDR_SIZE_BYTES = 64;
const PHDR_SIZE_BYTES = 56;
/** Cap on the sum of p_memsz over PT_LOAD segments: nothing we run needs more. */
export const LOAD_SIZE_MAX_BYTES = 2 ** 30;
/** Real mode drops EA bits 0:3 (sim/isa/sem/load-store.ts); segments load where code will look. */
const REAL_MODE_MASK = (1n << 60n) - 1n;

export interface ElfSegment {
  readonly index: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly fileSizeBytes: number;
  readonly memSizeBytes: number;
  readonly flags: number;
}

export interface ElfImage {
  readonly littleEndian: boolean;
  /** 1 (function descriptors) or 2. */
  readonly abiVersion: 1 | 2;
  /** `e_entry` as in the file (the descriptor address under ELFv1); AT_ENTRY. */
  readonly entryField: bigint;
  /** Address of the first instruction. */
  readonly entry: bigint;
  /** r2 at entry under ELFv1 (from the descriptor); undefined under ELFv2. */
  readonly toc: bigint | undefined;
  /** Where the program headers are in memory (AT_PHDR), their count and entry size. */
  readonly phdrAddr: bigint;
  readonly phnum: number;
  readonly phentsize: number;
  readonly segments: readonly ElfSegment[];
  readonly bytes: Uint8Array;
}

const MACHINE_NAMES: Readonly<Record<number, string>> = { 3: 'i386', 20: 'PowerPC', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V' };

class Reader {
  private readonly view: DataView;
  constructor(bytes: Uint8Array, private readonly le: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at, this.le);
  }
  u32(at: number): number {
    return this.view.getUint32(at, this.le);
  }
  u64(at: number): bigint {
    return this.view.getBigUint64(at, this.le);
  }
}

/** A file offset or size that must fit the file: as a number, or a UsageError. */
function fileNumber(v: bigint, what: string, fileSizeBytes: number): number {
  if (v > BigInt(fileSizeBytes)) throw new UsageError(`${what} ${hex(v)} is outside the ${fileSizeBytes}-byte file`);
  return Number(v);
}

/**
 * Parse and validate; throws UsageError with a one-line message on any problem. `requireEntry`
 * false accepts an `e_entry` that is not code (firmware ELFs are entered by symbol, not e_entry).
 */
export function parseElf64(bytes: Uint8Array, requireEntry = true): ElfImage {
  if (bytes.length < 16) throw new UsageError(`truncated ELF file: ${bytes.length} bytes`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new UsageError('not an ELF file (bad magic)');
  if (bytes[4] !== 2) throw new UsageError(`not a 64-bit ELF file (EI_CLASS ${bytes[4]})`);
  if (bytes[5] !== 1 && bytes[5] !== 2) throw new UsageError(`unknown ELF byte order (EI_DATA ${bytes[5]})`);
  if (bytes.length < EHDR_SIZE_BYTES) throw new UsageError(`truncated ELF file: ${bytes.length} bytes, the ELF64 header needs ${EHDR_SIZE_BYTES}`);
  const le = bytes[5] === 1;
  const rd = new Reader(bytes, le);
  const machine = rd.u16(18);
  if (machine !== EM_PPC64) {
    throw new UsageError(`wrong machine: e_machine ${machine}${MACHINE_NAMES[machine] ? ` (${MACHINE_NAMES[machine]})` : ''}, expected ${EM_PPC64} (PowerPC64)`);
  }
  const type = rd.u16(16);
  if (type !== ET_EXEC) throw new UsageError(`not a static executable: e_type ${type}, expected ${ET_EXEC} (ET_EXEC)`);
  const entryField = rd.u64(24);
  const phoff = fileNumber(rd.u64(32), 'program header offset', bytes.length);
  const flags = rd.u32(48);
  const phentsize = rd.u16(54);
  const phnum = rd.u16(56);
  if (phnum > 0 && phentsize !== PHDR_SIZE_BYTES) throw new UsageError(`bad program header size ${phentsize}, expected ${PHDR_SIZE_BYTES}`);
  if (phoff + phnum * PHDR_SIZE_BYTES > bytes.length) throw new UsageError(`truncated ELF file: ${phnum} program headers at ${hex(phoff)} run past the end`);

  const segments: ElfSegment[] = [];
  let phdrAddr: bigint | undefined;
  let totalBytes = 0;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE_BYTES;
    const ptype = rd.u32(at);
    if (ptype === PT_PHDR) phdrAddr = rd.u64(at + 16);
    if (ptype !== PT_LOAD) continue;
    const offset = rd.u64(at + 8);
    const fileSize = rd.u64(at + 32);
    const memSize = rd.u64(at + 40);
    if (offset + fileSize > BigInt(bytes.length)) {
      throw new UsageError(`segment ${i} outside the file: offset ${hex(offset)} + size ${hex(fileSize)} > ${bytes.length} bytes`);
    }
    if (fileSize > memSize) throw new UsageError(`segment ${i}: file size ${hex(fileSize)} exceeds memory size ${hex(memSize)}`);
    if (memSize > BigInt(LOAD_SIZE_MAX_BYTES) || totalBytes + Number(memSize) > LOAD_SIZE_MAX_BYTES) {
      throw new UsageError(`loadable segments exceed the ${LOAD_SIZE_MAX_BYTES / 2 ** 30} GiB limit at segment ${i}`);
    }
    totalBytes += Number(memSize);
    segments.push({ index: i, offset: Number(offset), vaddr: rd.u64(at + 16), fileSizeBytes: Number(fileSize), memSizeBytes: Number(memSize), flags: rd.u32(at + 4) });
  }
  if (segments.length === 0) throw new UsageError('no PT_LOAD segment');
  if (phdrAddr === undefined) {
    const holder = segments.find((s) => phoff >= s.offset && phoff < s.offset + s.fileSizeBytes);
    phdrAddr = holder === undefined ? 0n : holder.vaddr + BigInt(phoff - holder.offset);
  }

  const abiVersion: 1 | 2 = (flags & 3) === 2 ? 2 : 1;
  let entry = entryField;
  let toc: bigint | undefined;
  if (!requireEntry) return { littleEndian: le, abiVersion, entryField, entry, toc, phdrAddr, phnum, phentsize, segments, bytes };
  if (abiVersion === 1) {
    const holder = segments.find((s) => entryField >= s.vaddr && entryField + 16n <= s.vaddr + BigInt(s.fileSizeBytes));
    if (holder === undefined) throw new UsageError(`ELFv1 entry descriptor ${hex(entryField)} is not inside a loaded segment`);
    const at = holder.offset + Number(entryField - holder.vaddr);
    entry = rd.u64(at);
    toc = rd.u64(at + 8);
  }
  const exec = segments.find((s) => (s.flags & PF_X) !== 0 && entry >= s.vaddr && entry + 4n <= s.vaddr + BigInt(s.memSizeBytes));
  if (exec === undefined) throw new UsageError(`entry point ${hex(entry)} is not inside an executable loaded segment`);
  return { littleEndian: le, abiVersion, entryField, entry, toc, phdrAddr, phnum, phentsize, segments, bytes };
}

/** Real address of a virtual address under the simulator's real-mode rule. */
export function realOf(vaddr: bigint): bigint {
  return vaddr & REAL_MODE_MASK;
}

/** Copy every PT_LOAD segment into memory (file bytes, then zeros up to p_memsz). */
export function loadElf64(image: ElfImage, mem: PhysicalMemory): void {
  for (const s of image.segments) {
    const base = realOf(s.vaddr);
    if (!mem.contains(base, s.memSizeBytes)) {
      throw new UsageError(`segment ${s.index} at ${hex(s.vaddr)} (${hex(s.memSizeBytes)} bytes) does not fit in the simulated memory`);
    }
    const at = Number(base);
    mem.writeBytes(at, image.bytes.subarray(s.offset, s.offset + s.fileSizeBytes));
    if (s.memSizeBytes > s.fileSizeBytes) mem.fill(at + s.fileSizeBytes, s.memSizeBytes - s.fileSizeBytes, 0);
  }
}
