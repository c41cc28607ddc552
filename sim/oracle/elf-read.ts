/**
 * A small, independent ELF64 core reader for the oracle: header, program headers and notes,
 * read from any byte source (machine memory for /proc/vmcore, a CoreFile for the OPAL core).
 */
export type ByteSource = (offset: number, sizeBytes: number) => Uint8Array;

export interface Phdr {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface CoreNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
}

export interface ParsedCore {
  readonly littleEndian: boolean;
  readonly type: number;
  readonly machine: number;
  readonly phdrs: Phdr[];
}

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const ET_CORE = 4;
export const EM_PPC64 = 21;
export const NT_PRSTATUS = 1;
/** elf_prstatus on ppc64: pr_reg at offset 112, 48 words (spec 7.2). */
export const PRSTATUS_REG_OFFSET = 112;
export const PRSTATUS_SIZE = 504;
export const PRSTATUS_PID_OFFSET = 32;

const PHDR_COUNT_MAX = 4096;

export function parseCore(read: ByteSource): ParsedCore | string {
  const h = read(0, 64);
  if (h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46) return 'not an ELF file';
  if (h[4] !== 2) return 'not ELF64';
  const le = h[5] === 1;
  const dv = new DataView(h.buffer, h.byteOffset, 64);
  const type = dv.getUint16(16, le);
  const machine = dv.getUint16(18, le);
  const phoff = Number(dv.getBigUint64(32, le));
  const phentsize = dv.getUint16(54, le);
  const phnum = dv.getUint16(56, le);
  if (phentsize !== 56 || phnum > PHDR_COUNT_MAX) return `bad program header table (entsize ${phentsize}, count ${phnum})`;
  const ph = read(phoff, 56 * phnum);
  const pv = new DataView(ph.buffer, ph.byteOffset, ph.byteLength);
  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = 56 * i;
    phdrs.push({
      type: pv.getUint32(o, le),
      flags: pv.getUint32(o + 4, le),
      offset: Number(pv.getBigUint64(o + 8, le)),
      vaddr: pv.getBigUint64(o + 16, le),
      paddr: Number(pv.getBigUint64(o + 24, le)),
      filesz: Number(pv.getBigUint64(o + 32, le)),
      memsz: Number(pv.getBigUint64(o + 40, le)),
    });
  }
  return { littleEndian: le, type, machine, phdrs };
}

export function parseNotes(bytes: Uint8Array, le: boolean): CoreNote[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notes: CoreNote[] = [];
  let o = 0;
  while (o + 12 <= bytes.length) {
    const namesz = dv.getUint32(o, le);
    const descsz = dv.getUint32(o + 4, le);
    const type = dv.getUint32(o + 8, le);
    if (namesz === 0 && descsz === 0 && type === 0) break;
    const nameStart = o + 12;
    const descStart = nameStart + align4(namesz);
    if (descStart + descsz > bytes.length) break;
    const name = new TextDecoder().decode(bytes.subarray(nameStart, nameStart + Math.max(0, namesz - 1)));
    notes.push({ name, type, desc: bytes.subarray(descStart, descStart + descsz) });
    o = descStart + align4(descsz);
  }
  return notes;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** pr_reg words 0..47 of an NT_PRSTATUS descriptor. */
export function prstatusRegs(desc: Uint8Array, le: boolean): bigint[] {
  const dv = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  return Array.from({ length: 48 }, (_, k) => {
    const at = PRSTATUS_REG_OFFSET + 8 * k;
    return at + 8 <= desc.length ? dv.getBigUint64(at, le) : 0n;
  });
}
