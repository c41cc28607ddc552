/**
 * `.symtab` of a ppc64 ELF (either byte order, ELFv1 or ELFv2): entry points by name and
 * `symbol+offset` for any address (fault reports, docs/firmware-elf-runtime.md).
 *
 * Like the program-header reader in elf64.ts, every offset and size read from the file is checked
 * against the file before use, and rejections are one-line UsageErrors. A file without section
 * headers or without `.symtab` has an empty table (a stripped ELF is not an error here; whoever
 * needs a symbol says which one is missing).
 *
 * ELFv1 (big-endian, `e_flags & 3` != 2): a function symbol's value is its descriptor in `.opd`
 * (doubleword 0 the code address, 1 the TOC, 2 the environment), so entry points and the code
 * ranges used for symbolisation come from the descriptor. ELFv2: the value is the global entry,
 * which expects r12 = its own address (it derives r2 from r12).
 */
import { UsageError } from '../core/errors.js';
import { hex } from '../core/u64.js';
import type { ElfImage } from './elf64.js';

const SHT_SYMTAB = 2;
const SHDR_SIZE_BYTES = 64;
const SYM_SIZE_BYTES = 24;
/** st_shndx of an absolute symbol (a linker-script constant, not an address in the image). */
const SHN_ABS = 0xfff1;
/** Symbol types (st_info & 0xf). */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
/** Bound on `.symtab` entries: far beyond any firmware, small enough to never exhaust the host. */
export const SYMBOLS_MAX = 1 << 20;
/** How many symbols below an address symbolize looks at for one that encloses it. */
const SYMBOLIZE_LOOKBACK = 16;
/** Bound on one symbol name (bytes up to its NUL). */
const NAME_MAX_BYTES = 4096;

export interface ElfSymbol {
  readonly name: string;
  /** st_value as in the file (a descriptor address for ELFv1 functions). */
  readonly value: bigint;
  readonly sizeBytes: bigint;
  readonly type: number;
  /** st_info >> 4: 0 local, 1 global, 2 weak. */
  readonly bind: number;
  readonly sectionIndex: number;
}

/** Where an entry point starts and the r2 it wants (ELFv1 from the descriptor; ELFv2 from `.TOC.` if present). */
export interface EntryPoint {
  readonly name: string;
  readonly code: bigint;
  readonly toc: bigint | undefined;
}

interface CodeRange {
  readonly name: string;
  readonly start: bigint;
  readonly sizeBytes: bigint;
}

export class SymbolTable {
  private readonly byName = new Map<string, ElfSymbol>();
  /** Functions and objects by start address (code addresses for functions), for symbolize. */
  private readonly ranges: CodeRange[];

  constructor(
    readonly symbols: readonly ElfSymbol[],
    private readonly image: ElfImage,
  ) {
    // The first definition of a name wins over later ones (a global over a local of the same name).
    for (const s of symbols) {
      if (s.name === '' || s.sectionIndex === 0) continue;
      const prev = this.byName.get(s.name);
      if (prev === undefined || (prev.bind === 0 && s.bind !== 0)) this.byName.set(s.name, s);
    }
    const ranges: CodeRange[] = [];
    for (const s of symbols) {
      if (s.name === '' || s.sectionIndex === 0 || s.sectionIndex === SHN_ABS) continue;
      if (s.type !== STT.FUNC && s.type !== STT.OBJECT && s.type !== STT.NOTYPE) continue;
      if (s.type === STT.FUNC && image.abiVersion === 1) {
        const d = this.descriptor(s.value);
        // A dot-symbol toolchain gives the code its own symbol; the descriptor names it too.
        if (d !== undefined) ranges.push({ name: s.name, start: d.code, sizeBytes: s.sizeBytes });
        ranges.push({ name: s.name, start: s.value, sizeBytes: 24n });
        continue;
      }
      ranges.push({ name: s.name, start: s.value, sizeBytes: s.sizeBytes });
    }
    // By address; at one address unsized symbols first, so the backward scan of symbolize meets a
    // sized one (a function) before a bare label; then by name: no dependence on the file's order.
    ranges.sort((a, b) => (a.start !== b.start ? (a.start < b.start ? -1 : 1) : a.sizeBytes !== b.sizeBytes ? (a.sizeBytes < b.sizeBytes ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.ranges = ranges;
  }

  get size(): number {
    return this.symbols.length;
  }

  lookup(name: string): ElfSymbol | undefined {
    return this.byName.get(name);
  }

  /**
   * The entry point of function `name`, or undefined if the ELF has no such defined symbol.
   * ELFv1: through its descriptor (a descriptor outside the file's loaded bytes is a UsageError).
   */
  entryPoint(name: string): EntryPoint | undefined {
    const s = this.byName.get(name);
    if (s === undefined) return undefined;
    if (this.image.abiVersion === 1) {
      const d = this.descriptor(s.value);
      if (d === undefined) throw new UsageError(`ELFv1 function descriptor of ${name} at ${hex(s.value)} is not inside a loaded segment`);
      return { name, code: d.code, toc: d.toc };
    }
    return { name, code: s.value, toc: this.byName.get('.TOC.')?.value };
  }

  /** `name+0xoff` for the symbol covering `address` (or the nearest unsized one below it), else the hex address. */
  symbolize(address: bigint): string {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranges[mid]!.start <= address) lo = mid + 1;
      else hi = mid;
    }
    // The nearest symbol at or below the address that covers it; an unsized one (a label) covers
    // up to the next symbol. A few steps back find an enclosing function past a nested label.
    for (let i = lo - 1; i >= 0 && i >= lo - SYMBOLIZE_LOOKBACK; i--) {
      const r = this.ranges[i]!;
      const off = address - r.start;
      if ((r.sizeBytes === 0n && i === lo - 1) || off < r.sizeBytes) return off === 0n ? r.name : `${r.name}+0x${off.toString(16)}`;
    }
    return hex(address);
  }

  /** The descriptor {code, toc} at `at`, read from the file bytes of the segment holding it. */
  private descriptor(at: bigint): { code: bigint; toc: bigint } | undefined {
    const seg = this.image.segments.find((s) => at >= s.vaddr && at + 16n <= s.vaddr + BigInt(s.fileSizeBytes));
    if (seg === undefined) return undefined;
    const off = seg.offset + Number(at - seg.vaddr);
    const dv = new DataView(this.image.bytes.buffer, this.image.bytes.byteOffset, this.image.bytes.byteLength);
    return { code: dv.getBigUint64(off, this.image.littleEndian), toc: dv.getBigUint64(off + 8, this.image.littleEndian) };
  }
}

/**
 * Parse `.symtab` (and its linked string table) of a parsed ELF; an ELF without one has an empty
 * table. `maxSymbols` lets a caller that knows its files bound the table tighter than SYMBOLS_MAX.
 */
export function readSymbols(image: ElfImage, maxSymbols = SYMBOLS_MAX): SymbolTable {
  const bytes = image.bytes;
  const le = image.littleEndian;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = dv.getBigUint64(40, le);
  const shentsize = dv.getUint16(58, le);
  const shnum = dv.getUint16(60, le);
  if (shoff === 0n || shnum === 0) return new SymbolTable([], image);
  if (shentsize !== SHDR_SIZE_BYTES) throw new UsageError(`bad section header size ${shentsize}, expected ${SHDR_SIZE_BYTES}`);
  if (shoff + BigInt(shnum * SHDR_SIZE_BYTES) > BigInt(bytes.length)) throw new UsageError(`truncated ELF file: ${shnum} section headers at ${hex(shoff)} run past the end`);
  const sh = (i: number): { type: number; offset: bigint; size: bigint; link: number; entsize: bigint } => {
    const at = Number(shoff) + i * SHDR_SIZE_BYTES;
    return { type: dv.getUint32(at + 4, le), offset: dv.getBigUint64(at + 24, le), size: dv.getBigUint64(at + 32, le), link: dv.getUint32(at + 40, le), entsize: dv.getBigUint64(at + 56, le) };
  };
  let symtab: ReturnType<typeof sh> | undefined;
  for (let i = 0; i < shnum && symtab === undefined; i++) if (sh(i).type === SHT_SYMTAB) symtab = sh(i);
  if (symtab === undefined) return new SymbolTable([], image);
  if (symtab.entsize !== BigInt(SYM_SIZE_BYTES)) throw new UsageError(`bad .symtab entry size ${symtab.entsize}, expected ${SYM_SIZE_BYTES}`);
  if (symtab.offset + symtab.size > BigInt(bytes.length)) throw new UsageError(`.symtab at ${hex(symtab.offset)} + ${hex(symtab.size)} runs past the end of the file`);
  if (symtab.link >= shnum) throw new UsageError(`.symtab links to section ${symtab.link}, but there are ${shnum}`);
  const strtab = sh(symtab.link);
  if (strtab.offset + strtab.size > BigInt(bytes.length)) throw new UsageError(`.strtab at ${hex(strtab.offset)} + ${hex(strtab.size)} runs past the end of the file`);
  const count = Number(symtab.size) / SYM_SIZE_BYTES;
  if (!Number.isInteger(count)) throw new UsageError(`.symtab size ${hex(symtab.size)} is not a whole number of entries`);
  if (count > maxSymbols) throw new UsageError(`.symtab has ${count} entries, more than the ${maxSymbols} accepted`);
  const strStart = Number(strtab.offset);
  const strEnd = strStart + Number(strtab.size);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const nameAt = (off: number): string => {
    if (off >= strEnd - strStart) throw new UsageError(`symbol name offset ${hex(off)} is outside .strtab (${hex(strEnd - strStart)} bytes)`);
    let end = strStart + off;
    const limit = Math.min(strEnd, end + NAME_MAX_BYTES);
    while (end < limit && bytes[end] !== 0) end++;
    if (end === limit) throw new UsageError(`symbol name at .strtab offset ${hex(off)} is not NUL-terminated`);
    return decoder.decode(bytes.subarray(strStart + off, end));
  };
  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const at = Number(symtab.offset) + i * SYM_SIZE_BYTES;
    const info = bytes[at + 4]!;
    symbols.push({
      name: nameAt(dv.getUint32(at, le)),
      type: info & 0xf,
      bind: info >> 4,
      sectionIndex: dv.getUint16(at + 6, le),
      value: dv.getBigUint64(at + 8, le),
      sizeBytes: dv.getBigUint64(at + 16, le),
    });
  }
  return new SymbolTable(symbols, image);
}
