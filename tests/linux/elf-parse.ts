/** A small ELF64 core reader for the tests, independent of the model's builders. */

export interface ParsedPhdr {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export interface ParsedElf {
  le: boolean;
  cls: number;
  type: number;
  machine: number;
  version: number;
  phoff: bigint;
  ehsize: number;
  phentsize: number;
  phnum: number;
  phdrs: ParsedPhdr[];
}

/** `bytes` must hold the ELF header and all program headers. */
export function parseElf(bytes: Uint8Array): ParsedElf {
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new Error('not ELF');
  const le = bytes[5] === 1;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = dv.getBigUint64(32, le);
  const phentsize = dv.getUint16(54, le);
  const phnum = dv.getUint16(56, le);
  const phdrs: ParsedPhdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = Number(phoff) + i * phentsize;
    phdrs.push({
      type: dv.getUint32(o, le),
      flags: dv.getUint32(o + 4, le),
      offset: dv.getBigUint64(o + 8, le),
      vaddr: dv.getBigUint64(o + 16, le),
      paddr: dv.getBigUint64(o + 24, le),
      filesz: dv.getBigUint64(o + 32, le),
      memsz: dv.getBigUint64(o + 40, le),
      align: dv.getBigUint64(o + 48, le),
    });
  }
  return { le, cls: bytes[4]!, type: dv.getUint16(16, le), machine: dv.getUint16(18, le), version: dv.getUint32(20, le), phoff, ehsize: dv.getUint16(52, le), phentsize, phnum, phdrs };
}

export interface ParsedNote {
  name: string;
  type: number;
  desc: Uint8Array;
  /** Offset of the note inside the parsed buffer. */
  at: number;
}

/** Walk notes until the buffer ends or an empty (namesz 0, descsz 0) header, as /proc/vmcore does. */
export function parseNotes(bytes: Uint8Array, le: boolean): ParsedNote[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ParsedNote[] = [];
  let o = 0;
  const pad4 = (n: number): number => (n + 3) & ~3;
  while (o + 12 <= bytes.length) {
    const namesz = dv.getUint32(o, le);
    const descsz = dv.getUint32(o + 4, le);
    const type = dv.getUint32(o + 8, le);
    if (namesz === 0 && descsz === 0) break;
    const nameBytes = bytes.subarray(o + 12, o + 12 + namesz);
    const name = String.fromCharCode(...nameBytes).replace(/\0+$/, '');
    const d = o + 12 + pad4(namesz);
    out.push({ name, type, desc: bytes.slice(d, d + descsz), at: o });
    o = d + pad4(descsz);
  }
  return out;
}

/** pr_reg[0..47] of an NT_PRSTATUS descriptor (pr_reg at 112 on ppc64). */
export function prReg(desc: Uint8Array, le: boolean): bigint[] {
  const dv = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  return Array.from({ length: 48 }, (_, k) => dv.getBigUint64(112 + 8 * k, le));
}

export function prField32(desc: Uint8Array, le: boolean, off: number): number {
  return new DataView(desc.buffer, desc.byteOffset, desc.byteLength).getUint32(off, le);
}

export function prCursig(desc: Uint8Array, le: boolean): number {
  return new DataView(desc.buffer, desc.byteOffset, desc.byteLength).getUint16(12, le);
}
