/**
 * Our reader of DWARF `.debug_line` (versions 2 to 5, 32- and 64-bit DWARF, either byte order):
 * address → file and line for firmware built with `-g` (docs/bisect.md, "Symbolizer").
 *
 * Debian's powerpc64-linux-gnu binutils 2.40 assembles GCC 12's `.loc` directives into version 3
 * line programs (even under -gdwarf-5); GCC itself writes version 5 (or 4, 2) with
 * `-gno-as-loc-support`. All are read the same way: the header's directory and file tables, then
 * the line-number program run as the state machine of the DWARF standard, keeping one row per
 * emitted address. When several rows share an address the last one wins (what GNU addr2line
 * answers).
 *
 * Bad DWARF is data: every read is bounded by its unit (dwarf-reader.ts), the number of rows is
 * capped, and readLineTable never throws — it answers `{ ok: false, reason }`.
 */
import type { ElfImage } from './elf64.js';
import { ByteCursor, cString, DwarfError, elfSections, type ElfSection } from './dwarf-reader.js';

/** Bound on rows over all units: far beyond any firmware (ours has a few thousand). */
export const LINE_ROWS_MAX = 1 << 21;
/** Bound on directory and file entries of one unit. */
const TABLE_ENTRIES_MAX = 1 << 16;

/** One address range of the line table: [address, end) comes from `file`:`line`. */
export interface LineRow {
  readonly address: bigint;
  readonly end: bigint;
  readonly file: string;
  readonly line: number;
}

/** The file names of one line-program unit, by the index its program (and DW_AT_call_file) uses. */
export interface LineUnit {
  readonly offset: number;
  readonly version: number;
  readonly files: ReadonlyMap<number, string>;
}

export type LineTableResult = { readonly ok: true; readonly table: LineTable } | { readonly ok: false; readonly reason: string };

export class LineTable {
  /** Rows sorted by address, non-overlapping. */
  constructor(
    readonly rows: readonly LineRow[],
    readonly units: ReadonlyMap<number, LineUnit>,
  ) {}

  /** The row whose range holds `address`, or undefined. */
  lookup(address: bigint): LineRow | undefined {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.address <= address) lo = mid + 1;
      else hi = mid;
    }
    const r = this.rows[lo - 1];
    return r !== undefined && address < r.end ? r : undefined;
  }
}

// DW_LNS (standard opcodes), DW_LNE (extended), DW_LNCT (v5 entry content), DW_FORM (v5 entry forms).
const LNS = { copy: 1, advancePc: 2, advanceLine: 3, setFile: 4, setColumn: 5, negateStmt: 6, setBasicBlock: 7, constAddPc: 8, fixedAdvancePc: 9, setPrologueEnd: 10, setEpilogueBegin: 11, setIsa: 12 } as const;
const LNE = { endSequence: 1, setAddress: 2, defineFile: 3, setDiscriminator: 4 } as const;
const LNCT = { path: 1, directoryIndex: 2 } as const;

/** Read the whole `.debug_line` of `image`. Never throws. */
export function readLineTable(image: ElfImage): LineTableResult {
  try {
    const sections = elfSections(image);
    const line = sections.get('.debug_line');
    if (line === undefined || line.bytes.length === 0) return { ok: false, reason: 'no .debug_line section (built without -g, or stripped)' };
    return { ok: true, table: parseDebugLine(line, sections, image.littleEndian) };
  } catch (e) {
    if (e instanceof DwarfError) return { ok: false, reason: `bad .debug_line: ${e.message}` };
    if (e instanceof RangeError) return { ok: false, reason: `bad .debug_line: ${e.message}` };
    throw e;
  }
}

interface RawRow {
  address: bigint;
  file: string;
  line: number;
  endSequence: boolean;
}

/** Parse every unit of `.debug_line`; throws DwarfError on bad data. */
export function parseDebugLine(section: ElfSection, sections: ReadonlyMap<string, ElfSection>, le: boolean): LineTable {
  const c = new ByteCursor(section.bytes, le);
  const units = new Map<number, LineUnit>();
  const sequences: RawRow[][] = [];
  let rowCount = 0;
  while (!c.atEnd) {
    const unitOffset = c.pos;
    const { end, offsetSize } = c.unitLength();
    const u = new ByteCursor(section.bytes, le, c.pos, end);
    c.pos = end;
    const version = u.u16();
    if (version < 2 || version > 5) throw new DwarfError(`line program version ${version} at offset ${unitOffset} (2 to 5 are read)`);
    let addressSize = 8;
    if (version >= 5) {
      addressSize = u.u8();
      u.u8(); // segment_selector_size
    }
    const headerLength = u.offset(offsetSize);
    const programStart = u.pos + headerLength;
    if (programStart > end) throw new DwarfError(`line program header at offset ${unitOffset} runs past its unit`);
    const minInstLength = u.u8();
    if (version >= 4) u.u8(); // maximum_operations_per_instruction: 1 on POWER (no VLIW)
    u.u8(); // default_is_stmt: addr2line answers with every row, statement or not
    const lineBase = u.i8();
    const lineRange = u.u8();
    const opcodeBase = u.u8();
    if (lineRange === 0) throw new DwarfError(`line_range 0 in the line program at offset ${unitOffset}`);
    if (opcodeBase === 0) throw new DwarfError(`opcode_base 0 in the line program at offset ${unitOffset}`);
    const opcodeLengths: number[] = [0];
    for (let i = 1; i < opcodeBase; i++) opcodeLengths.push(u.u8());

    const files = new Map<number, string>();
    if (version >= 5) readV5Tables(u, sections, offsetSize, files);
    else readV2Tables(u, files);
    units.set(unitOffset, { offset: unitOffset, version, files });

    // The program: the state machine of DWARF 5 section 6.2.2 (registers we need only).
    u.pos = programStart;
    let address = 0n;
    let file = 1;
    let lineNo = 1;
    let seq: RawRow[] = [];
    const fileName = (i: number): string => files.get(i) ?? `<file ${i}>`;
    const emit = (endSequence: boolean): void => {
      if (++rowCount > LINE_ROWS_MAX) throw new DwarfError(`more than ${LINE_ROWS_MAX} line rows`);
      seq.push({ address, file: fileName(file), line: lineNo, endSequence });
    };
    const advance = (operationAdvance: bigint): void => {
      address = BigInt.asUintN(64, address + operationAdvance * BigInt(minInstLength));
    };
    while (!u.atEnd) {
      const op = u.u8();
      if (op >= opcodeBase) {
        const adjusted = op - opcodeBase;
        advance(BigInt(Math.floor(adjusted / lineRange)));
        lineNo += lineBase + (adjusted % lineRange);
        emit(false);
        continue;
      }
      switch (op) {
        case 0: {
          const len = u.ulebNumber();
          const next = u.pos + len;
          if (len === 0 || next > end) throw new DwarfError(`extended opcode of length ${len} at offset ${u.pos} runs past its unit`);
          const sub = u.u8();
          if (sub === LNE.endSequence) {
            emit(true);
            sequences.push(seq);
            seq = [];
            address = 0n;
            file = 1;
            lineNo = 1;
          } else if (sub === LNE.setAddress) {
            const size = len - 1;
            if (size !== 4 && size !== 8) throw new DwarfError(`DW_LNE_set_address of ${size} bytes (address size ${addressSize})`);
            address = u.uN(size);
          } else if (sub === LNE.defineFile) {
            const name = u.cstring();
            u.uleb();
            u.uleb();
            u.uleb();
            files.set(files.size + 1, name);
          }
          u.pos = next; // DW_LNE_set_discriminator and vendor opcodes: skipped by their length
          break;
        }
        case LNS.copy:
          emit(false);
          break;
        case LNS.advancePc:
          advance(u.uleb());
          break;
        case LNS.advanceLine:
          lineNo += Number(u.sleb());
          break;
        case LNS.setFile:
          file = u.ulebNumber();
          break;
        case LNS.constAddPc:
          advance(BigInt(Math.floor((255 - opcodeBase) / lineRange)));
          break;
        case LNS.fixedAdvancePc:
          address = BigInt.asUintN(64, address + BigInt(u.u16()));
          break;
        case LNS.setColumn:
        case LNS.setIsa:
          u.uleb();
          break;
        case LNS.negateStmt:
        case LNS.setBasicBlock:
        case LNS.setPrologueEnd:
        case LNS.setEpilogueBegin:
          break;
        default:
          // An opcode this reader does not know: skip its ULEB128 arguments as the header says.
          for (let i = 0; i < opcodeLengths[op]!; i++) u.uleb();
      }
    }
    if (seq.length > 0) sequences.push(seq); // a unit without end_sequence: keep what it said
  }
  return new LineTable(toRanges(sequences), units);
}

/** DWARF 2–4: include_directories then file_names, each list ended by an empty string. */
function readV2Tables(u: ByteCursor, files: Map<number, string>): void {
  const dirs: string[] = [''];
  for (;;) {
    const d = u.cstring();
    if (d === '') break;
    if (dirs.length > TABLE_ENTRIES_MAX) throw new DwarfError(`more than ${TABLE_ENTRIES_MAX} include directories`);
    dirs.push(d);
  }
  for (let i = 1; ; i++) {
    const name = u.cstring();
    if (name === '') break;
    if (i > TABLE_ENTRIES_MAX) throw new DwarfError(`more than ${TABLE_ENTRIES_MAX} file names`);
    const dir = u.ulebNumber();
    u.uleb(); // mtime
    u.uleb(); // length
    files.set(i, joinPath(dirs[dir] ?? '', name));
  }
}

/** DWARF 5: self-describing directory and file tables (entry formats, then entries). */
function readV5Tables(u: ByteCursor, sections: ReadonlyMap<string, ElfSection>, offsetSize: 4 | 8, files: Map<number, string>): void {
  const readEntries = (): { path: string; dir: number }[] => {
    const formatCount = u.u8();
    const formats: { content: number; form: number }[] = [];
    for (let i = 0; i < formatCount; i++) formats.push({ content: u.ulebNumber(), form: u.ulebNumber() });
    const count = u.ulebNumber();
    if (count > TABLE_ENTRIES_MAX) throw new DwarfError(`${count} line table entries, more than ${TABLE_ENTRIES_MAX}`);
    const out: { path: string; dir: number }[] = [];
    for (let i = 0; i < count; i++) {
      let path = '';
      let dir = 0;
      for (const f of formats) {
        const v = readEntryForm(u, f.form, sections, offsetSize);
        if (f.content === LNCT.path && typeof v === 'string') path = v;
        if (f.content === LNCT.directoryIndex && typeof v === 'bigint') dir = Number(v);
      }
      out.push({ path, dir });
    }
    return out;
  };
  const dirs = readEntries().map((d) => d.path);
  // Entry 0 of both tables is the compilation directory and the primary file (v5 indexes from 0).
  readEntries().forEach((f, i) => files.set(i, joinPath(i === 0 && f.dir === 0 ? '' : (dirs[f.dir] ?? ''), f.path, dirs[0])));
}

/** A value of a v5 line-table entry: strings for string forms, bigints for constants, undefined for blobs. */
function readEntryForm(u: ByteCursor, form: number, sections: ReadonlyMap<string, ElfSection>, offsetSize: 4 | 8): string | bigint | undefined {
  switch (form) {
    case 0x08: // DW_FORM_string
      return u.cstring();
    case 0x1f: // DW_FORM_line_strp
    case 0x0e: {
      // DW_FORM_strp
      const name = form === 0x1f ? '.debug_line_str' : '.debug_str';
      const table = sections.get(name);
      if (table === undefined) throw new DwarfError(`a file name refers to ${name}, which is absent`);
      return cString(table.bytes, u.offset(offsetSize));
    }
    case 0x0b:
      return BigInt(u.u8());
    case 0x05:
      return BigInt(u.u16());
    case 0x06:
      return BigInt(u.u32());
    case 0x07:
      return u.u64();
    case 0x0f:
      return u.uleb();
    case 0x1e: // DW_FORM_data16 (MD5)
      u.skip(16);
      return undefined;
    case 0x09: // DW_FORM_block
      u.skip(u.ulebNumber());
      return undefined;
    default:
      throw new DwarfError(`line table entry form 0x${form.toString(16)} is not read`);
  }
}

/** `dir/name`, keeping absolute names; a relative dir under a relative compilation dir stays relative. */
function joinPath(dir: string, name: string, compDir = ''): string {
  if (name.startsWith('/')) return name;
  const base = dir === '' ? compDir : dir.startsWith('/') || compDir === '' || compDir === '.' ? dir : `${compDir}/${dir}`;
  const joined = base === '' || base === '.' ? name : `${base}/${name}`;
  return joined.startsWith('./') ? joined.slice(2) : joined;
}

/** Sequences of rows → sorted, non-overlapping ranges (the last row at one address wins). */
function toRanges(sequences: readonly RawRow[][]): LineRow[] {
  const out: LineRow[] = [];
  for (const seq of sequences) {
    for (let i = 0; i < seq.length - 1; i++) {
      const r = seq[i]!;
      if (r.endSequence) continue;
      const next = seq[i + 1]!;
      if (next.address <= r.address) continue; // a later row at the same address replaces this one
      out.push({ address: r.address, end: next.address, file: r.file, line: r.line });
    }
  }
  out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  // Overlapping sequences (bad or odd data): the earlier range is cut where the next begins.
  const clean: LineRow[] = [];
  for (const r of out) {
    const prev = clean[clean.length - 1];
    if (prev !== undefined && prev.end > r.address) {
      if (prev.address === r.address) clean.pop();
      else clean[clean.length - 1] = { ...prev, end: r.address };
    }
    clean.push(r);
  }
  return clean;
}
