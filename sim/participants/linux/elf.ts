/**
 * ELF64 core pieces (spec 7.1–7.3): the file header, program headers and the notes Linux writes.
 * Builders only; the byte order is the builder's (native for /proc/vmcore, BE for the OPAL core).
 */
import { CORE_NOTE_NAME, ElfPrstatus, Elf, NOTE_HDR_SIZE, PRSTATUS_NOTE_SIZE, PT_REGS_WORDS, AUXV_NOTE_SIZE } from './constants.js';
import type { ByteBuilder } from './bytes.js';

export interface Phdr {
  readonly type: number;
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly align: bigint;
}

/** ELF64 ET_CORE / EM_PPC64 header with `phnum` program headers right after it. */
export function writeEhdr(b: ByteBuilder, phnum: number): void {
  b.u8(0, 0x7f);
  b.text(1, 'ELF');
  b.u8(4, Elf.ELFCLASS64);
  b.u8(5, b.le ? Elf.ELFDATA2LSB : Elf.ELFDATA2MSB);
  b.u8(6, Elf.EV_CURRENT);
  // EI_OSABI 0 (ELFOSABI_NONE), padding zero.
  b.u16(16, Elf.ET_CORE);
  b.u16(18, Elf.EM_PPC64);
  b.u32(20, Elf.EV_CURRENT);
  b.u64(24, 0n); // e_entry
  b.u64(32, BigInt(Elf.EHDR_SIZE)); // e_phoff
  b.u64(40, 0n); // e_shoff
  b.u32(48, 0); // e_flags: the spec names none; 0
  b.u16(52, Elf.EHDR_SIZE);
  b.u16(54, Elf.PHDR_SIZE);
  b.u16(56, phnum);
  b.u16(58, 0);
  b.u16(60, 0);
  b.u16(62, 0);
}

export function writePhdr(b: ByteBuilder, index: number, ph: Phdr): void {
  const o = Elf.EHDR_SIZE + index * Elf.PHDR_SIZE;
  b.u32(o, ph.type);
  b.u32(o + 4, ph.flags);
  b.u64(o + 8, ph.offset);
  b.u64(o + 16, ph.vaddr);
  b.u64(o + 24, ph.paddr);
  b.u64(o + 32, ph.filesz);
  b.u64(o + 40, ph.memsz);
  b.u64(o + 48, ph.align);
}

/** The "CORE" note header and name (namesz 5, name padded to 8). Returns the descriptor offset. */
function coreNoteHead(b: ByteBuilder, off: number, type: number, descsz: number): number {
  b.u32(off, CORE_NOTE_NAME.length + 1);
  b.u32(off + 4, descsz);
  b.u32(off + 8, type);
  b.text(off + NOTE_HDR_SIZE, CORE_NOTE_NAME);
  return off + NOTE_HDR_SIZE + 8;
}

export interface PrstatusFields {
  readonly cursig?: number;
  readonly pid?: number;
  readonly ppid?: number;
}

/**
 * An NT_PRSTATUS note at `off` (spec 7.2): descriptor = struct elf_prstatus with pr_reg[k] = pt_regs
 * word k (k < 48); only the fields given are set, the rest stay zero. Returns the offset after it.
 */
export function writePrstatusNote(b: ByteBuilder, off: number, regs: readonly bigint[], f: PrstatusFields = {}): number {
  const d = coreNoteHead(b, off, Elf.NT_PRSTATUS, ElfPrstatus.SIZE);
  if (f.cursig !== undefined) b.u16(d + ElfPrstatus.prCursig, f.cursig);
  if (f.pid !== undefined) b.u32(d + ElfPrstatus.prPid, f.pid);
  if (f.ppid !== undefined) b.u32(d + ElfPrstatus.prPpid, f.ppid);
  for (let k = 0; k < PT_REGS_WORDS; k++) b.u64(d + ElfPrstatus.prReg + 8 * k, regs[k] ?? 0n);
  return off + PRSTATUS_NOTE_SIZE;
}

/** The OPAL core's NT_AUXV note (spec 7.3): {AT_ENTRY, opal-boot-address, AT_NULL}, 24 bytes. */
export function writeAuxvNote(b: ByteBuilder, off: number, entry: bigint): number {
  const d = coreNoteHead(b, off, Elf.NT_AUXV, 24);
  b.u64(d, Elf.AT_ENTRY);
  b.u64(d + 8, entry);
  b.u64(d + 16, Elf.AT_NULL);
  return off + AUXV_NOTE_SIZE;
}
