/**
 * The byte-level pieces every DWARF reader here shares (docs/bisect.md, "Symbolizer"): the ELF
 * section table by name, and a bounded cursor over one section.
 *
 * DWARF in a firmware ELF is input like any other file byte: every read is checked against the
 * section it belongs to, and a bad offset, a LEB128 longer than 10 bytes or a count past a bound
 * raises DwarfError, which the readers turn into "no line info" with the reason. Nothing here
 * allocates from a size the file states.
 */
import type { ElfImage } from './elf64.js';

/** A problem in the debug data: a reason for "no line info", never a host exception. */
export class DwarfError extends Error {}

const SHDR_SIZE_BYTES = 64;
/** Bound on the section header count (the ELF field is 16 bits; this is a sanity cap). */
const SECTIONS_MAX = 4096;
const SECTION_NAME_MAX_BYTES = 256;

export interface ElfSection {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** sh_addr (0 for debug sections). */
  readonly address: bigint;
  readonly sizeBytes: number;
}

/** Every section of `image` by name (SHT_NOBITS sections have empty bytes). Throws DwarfError. */
export function elfSections(image: ElfImage): Map<string, ElfSection> {
  const bytes = image.bytes;
  const le = image.littleEndian;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, ElfSection>();
  if (bytes.length < 64) throw new DwarfError('file shorter than an ELF header');
  const shoff = dv.getBigUint64(40, le);
  const shentsize = dv.getUint16(58, le);
  const shnum = dv.getUint16(60, le);
  const shstrndx = dv.getUint16(62, le);
  if (shoff === 0n || shnum === 0) return out;
  if (shentsize !== SHDR_SIZE_BYTES) throw new DwarfError(`section header size ${shentsize}, expected ${SHDR_SIZE_BYTES}`);
  if (shnum > SECTIONS_MAX) throw new DwarfError(`${shnum} sections, more than ${SECTIONS_MAX}`);
  if (shoff + BigInt(shnum * SHDR_SIZE_BYTES) > BigInt(bytes.length)) throw new DwarfError('section headers run past the end of the file');
  if (shstrndx >= shnum) throw new DwarfError(`section name table index ${shstrndx} out of range`);
  const header = (i: number): { name: number; type: number; addr: bigint; offset: bigint; size: bigint } => {
    const at = Number(shoff) + i * SHDR_SIZE_BYTES;
    return { name: dv.getUint32(at, le), type: dv.getUint32(at + 4, le), addr: dv.getBigUint64(at + 16, le), offset: dv.getBigUint64(at + 24, le), size: dv.getBigUint64(at + 32, le) };
  };
  const strs = header(shstrndx);
  if (strs.offset + strs.size > BigInt(bytes.length)) throw new DwarfError('section name table runs past the end of the file');
  const strBytes = bytes.subarray(Number(strs.offset), Number(strs.offset + strs.size));
  for (let i = 1; i < shnum; i++) {
    const h = header(i);
    const name = cString(strBytes, h.name, SECTION_NAME_MAX_BYTES);
    const nobits = h.type === 8;
    if (!nobits && h.offset + h.size > BigInt(bytes.length)) throw new DwarfError(`section ${name} runs past the end of the file`);
    const sectionBytes = nobits ? new Uint8Array(0) : bytes.subarray(Number(h.offset), Number(h.offset + h.size));
    if (!out.has(name)) out.set(name, { name, bytes: sectionBytes, address: h.addr, sizeBytes: Number(h.size) });
  }
  return out;
}

/** The NUL-terminated string at `offset` of `table`, at most `maxBytes` long. */
export function cString(table: Uint8Array, offset: number, maxBytes = 4096): string {
  if (offset < 0 || offset >= table.length) throw new DwarfError(`string offset ${offset} outside its table (${table.length} bytes)`);
  let end = offset;
  const limit = Math.min(table.length, offset + maxBytes);
  while (end < limit && table[end] !== 0) end++;
  if (end === limit) throw new DwarfError(`string at offset ${offset} is not NUL-terminated within ${maxBytes} bytes`);
  return new TextDecoder('utf-8', { fatal: false }).decode(table.subarray(offset, end));
}

/** A bounded cursor over one section, in the ELF's byte order. */
export class ByteCursor {
  private readonly dv: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
    public pos = 0,
    /** Reads stop here (the end of the current unit), never past the section. */
    public end = bytes.length,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (end > bytes.length) throw new DwarfError(`unit end ${end} past the section end ${bytes.length}`);
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) throw new DwarfError(`read of ${n} bytes at offset ${at} runs past the end (${this.end})`);
    this.pos = at + n;
    return at;
  }

  u8(): number {
    return this.dv.getUint8(this.need(1));
  }
  i8(): number {
    return this.dv.getInt8(this.need(1));
  }
  u16(): number {
    return this.dv.getUint16(this.need(2), this.le);
  }
  u24(): number {
    const at = this.need(3);
    const b = [this.dv.getUint8(at), this.dv.getUint8(at + 1), this.dv.getUint8(at + 2)];
    return this.le ? b[0]! | (b[1]! << 8) | (b[2]! << 16) : (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  }
  u32(): number {
    return this.dv.getUint32(this.need(4), this.le);
  }
  u64(): bigint {
    return this.dv.getBigUint64(this.need(8), this.le);
  }
  /** An unsigned integer of `size` bytes (1, 2, 4 or 8) as a bigint. */
  uN(size: number): bigint {
    if (size === 1) return BigInt(this.u8());
    if (size === 2) return BigInt(this.u16());
    if (size === 4) return BigInt(this.u32());
    if (size === 8) return this.u64();
    throw new DwarfError(`unsupported ${size}-byte field`);
  }
  /** A section offset or length field: 4 bytes in 32-bit DWARF, 8 in 64-bit DWARF, as a safe number. */
  offset(size: 4 | 8): number {
    const v = this.uN(size);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DwarfError(`offset ${v} too large`);
    return Number(v);
  }
  skip(n: number): void {
    this.need(n);
  }
  uleb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new DwarfError(`LEB128 at offset ${this.pos - 10} longer than 10 bytes`);
  }
  /** A ULEB128 that must fit a safe number (counts, indexes, lengths). */
  ulebNumber(): number {
    const v = this.uleb();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DwarfError(`LEB128 value ${v} too large`);
    return Number(v);
  }
  sleb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return (b & 0x40) !== 0 ? result - (1n << shift) : result;
    }
    throw new DwarfError(`LEB128 at offset ${this.pos - 10} longer than 10 bytes`);
  }
  cstring(maxBytes = 4096): string {
    const s = cString(this.bytes.subarray(0, this.end), this.pos, maxBytes);
    this.pos = this.bytes.indexOf(0, this.pos) + 1;
    return s;
  }
  /**
   * A unit's initial length: 32-bit DWARF, or 0xffffffff then 64 bits (64-bit DWARF). Returns the
   * unit's end (bounded by the section) and the size of its offset fields.
   */
  unitLength(): { end: number; offsetSize: 4 | 8 } {
    let len = BigInt(this.u32());
    let offsetSize: 4 | 8 = 4;
    if (len === 0xffffffffn) {
      len = this.u64();
      offsetSize = 8;
    } else if (len >= 0xfffffff0n) throw new DwarfError(`reserved unit length ${len}`);
    const end = BigInt(this.pos) + len;
    if (end > BigInt(this.end)) throw new DwarfError(`unit at offset ${this.pos} (length ${len}) runs past the end of its section`);
    return { end: Number(end), offsetSize };
  }
}
