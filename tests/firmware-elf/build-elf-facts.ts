/**
 * A minimal big/little-endian ELF64 reader for the firmware build tests: header, program headers,
 * section headers and `.symtab`. Independent of sim/elf on purpose, so a bug in the simulator's
 * loader cannot hide a bad build (and the other way round).
 */

export interface ElfFacts {
  readonly littleEndian: boolean;
  readonly type: number;
  readonly machine: number;
  readonly flags: number;
  readonly loads: readonly { readonly vaddr: bigint; readonly fileSize: bigint; readonly memSize: bigint }[];
  readonly sections: readonly { readonly name: string; readonly addr: bigint; readonly offset: number; readonly size: number; readonly flags: bigint; readonly type: number }[];
  readonly symbols: ReadonlyMap<string, { readonly value: bigint; readonly type: number }>;
}

export const EM_PPC64 = 21;
export const ET_EXEC = 2;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
export const SHF_EXECINSTR = 4n;

export function readElfFacts(bytes: Uint8Array): ElfFacts {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46 || bytes[4] !== 2) throw new Error('not an ELF64 file');
  const le = bytes[5] === 1;
  const u16 = (o: number): number => dv.getUint16(o, le);
  const u32 = (o: number): number => dv.getUint32(o, le);
  const u64 = (o: number): bigint => dv.getBigUint64(o, le);
  const phoff = Number(u64(0x20));
  const shoff = Number(u64(0x28));
  const loads = [];
  for (let i = 0; i < u16(0x38); i++) {
    const ph = phoff + i * u16(0x36);
    if (u32(ph) === PT_LOAD) loads.push({ vaddr: u64(ph + 0x10), fileSize: u64(ph + 0x20), memSize: u64(ph + 0x28) });
  }
  const raw = Array.from({ length: u16(0x3c) }, (_, i) => {
    const sh = shoff + i * u16(0x3a);
    return { nameOff: u32(sh), type: u32(sh + 4), flags: u64(sh + 8), addr: u64(sh + 0x10), offset: Number(u64(sh + 0x18)), size: Number(u64(sh + 0x20)), link: u32(sh + 0x28), entsize: Number(u64(sh + 0x38)) };
  });
  const str = (tab: number, off: number): string => {
    const start = raw[tab]!.offset + off;
    let end = start;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(start, end));
  };
  const shstrndx = u16(0x3e);
  const sections = raw.map((s) => ({ name: str(shstrndx, s.nameOff), addr: s.addr, offset: s.offset, size: s.size, flags: s.flags, type: s.type }));
  const symbols = new Map<string, { value: bigint; type: number }>();
  for (const s of raw) {
    if (s.type !== SHT_SYMTAB) continue;
    for (let o = s.offset; o < s.offset + s.size; o += s.entsize) {
      const name = str(s.link, u32(o));
      if (name !== '') symbols.set(name, { value: u64(o + 8), type: bytes[o + 4]! & 0xf });
    }
  }
  return { littleEndian: le, type: u16(0x10), machine: u16(0x12), flags: u32(0x30), loads, sections, symbols };
}

/** Every 4-byte word of the executable sections, with its address. */
export function textWords(bytes: Uint8Array, facts: ElfFacts): { addr: bigint; word: number }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { addr: bigint; word: number }[] = [];
  for (const s of facts.sections) {
    if ((s.flags & SHF_EXECINSTR) === 0n) continue;
    for (let o = 0; o + 4 <= s.size; o += 4) out.push({ addr: s.addr + BigInt(o), word: dv.getUint32(s.offset + o, facts.littleEndian) });
  }
  return out;
}
