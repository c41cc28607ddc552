/**
 * Functions and inlined calls from DWARF `.debug_info` (versions 2 to 5): which subprogram and
 * which chain of inlined calls an address is in, with the call site of each inlined call
 * (DW_AT_call_file / DW_AT_call_line) — what `addr2line -i` prints as "(inlined by)".
 *
 * Why it is needed: at -O2 the store that differs between two builds is often inside an inlined
 * accessor (`put_be32_at` of libfw.h); the line table names the accessor's line, and the line a
 * firmware engineer changed is the call site one level out.
 *
 * Only what that needs is read: each compilation unit's DIE tree through its abbreviations,
 * keeping DW_TAG_subprogram and DW_TAG_inlined_subroutine with their address ranges (low/high pc,
 * `.debug_ranges` for v2–4, `.debug_rnglists` for v5), names (directly, through
 * DW_AT_abstract_origin or DW_AT_specification) and call sites. Bounded like dwarf-line.ts; the
 * entry point never throws.
 */
import type { ElfImage } from './elf64.js';
import { ByteCursor, cString, DwarfError, elfSections, type ElfSection } from './dwarf-reader.js';
import { parseDebugLine, type LineTable } from './dwarf-line.js';

/** Bound on DIEs over all units and on abbreviations of one table. */
const DIES_MAX = 1 << 21;
const ABBREVS_MAX = 1 << 16;
const RANGES_PER_SCOPE_MAX = 4096;
const DEPTH_MAX = 256;

const TAG_SUBPROGRAM = 0x2e;
const TAG_INLINED_SUBROUTINE = 0x1d;
const TAG_COMPILE_UNIT = 0x11;
const AT = { name: 0x03, stmtList: 0x10, lowPc: 0x11, highPc: 0x12, abstractOrigin: 0x31, specification: 0x47, ranges: 0x55, callFile: 0x58, callLine: 0x59, linkageName: 0x6e } as const;

/** A function body or an inlined call, with the address ranges it covers. */
export interface Scope {
  readonly kind: 'function' | 'inlined';
  readonly name: string;
  readonly ranges: readonly { readonly start: bigint; readonly end: bigint }[];
  /** Nesting depth inside its compilation unit (0 for a top-level function). */
  readonly depth: number;
  /** For an inlined call: where it was called from. */
  readonly callFile?: string;
  readonly callLine?: number;
}

/** One frame of an inline chain, innermost first: `function` at `file:line`. */
export interface InlineFrame {
  readonly function: string;
  readonly file?: string;
  readonly line?: number;
}

export class ScopeTable {
  constructor(readonly scopes: readonly Scope[]) {}

  /** The scopes that cover `address`, outermost first. */
  covering(address: bigint): Scope[] {
    const hits = this.scopes.filter((s) => s.ranges.some((r) => address >= r.start && address < r.end));
    return hits.sort((a, b) => a.depth - b.depth);
  }

  /**
   * The inline chain at `address`, innermost first, given the line-table location of the address
   * itself: [inlined callee at (file, line)] … [the enclosing function at the outermost call site].
   * Empty when no function covers the address.
   */
  inlineChain(address: bigint, location: { file: string; line: number } | undefined): InlineFrame[] {
    const chain = this.covering(address);
    const frames: InlineFrame[] = [];
    let file = location?.file;
    let line = location?.line;
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i]!;
      frames.push({ function: s.name, ...(file !== undefined ? { file } : {}), ...(line !== undefined ? { line } : {}) });
      if (s.kind !== 'inlined') break;
      file = s.callFile;
      line = s.callLine;
    }
    return frames;
  }
}

export type ScopeTableResult = { readonly ok: true; readonly table: ScopeTable } | { readonly ok: false; readonly reason: string };

/** Read `.debug_info` of `image` (with the line table for call-file names). Never throws. */
export function readScopes(image: ElfImage, lines?: LineTable): ScopeTableResult {
  try {
    const sections = elfSections(image);
    const info = sections.get('.debug_info');
    if (info === undefined || info.bytes.length === 0) return { ok: false, reason: 'no .debug_info section' };
    let lineTable = lines;
    if (lineTable === undefined) {
      const line = sections.get('.debug_line');
      if (line !== undefined) lineTable = parseDebugLine(line, sections, image.littleEndian);
    }
    return { ok: true, table: new ScopeTable(parseInfo(info, sections, image.littleEndian, lineTable)) };
  } catch (e) {
    if (e instanceof DwarfError || e instanceof RangeError) return { ok: false, reason: `bad .debug_info: ${e.message}` };
    throw e;
  }
}

interface Abbrev {
  readonly tag: number;
  readonly children: boolean;
  readonly attrs: readonly { readonly at: number; readonly form: number; readonly implicit?: bigint }[];
}

function readAbbrevs(section: ElfSection, offset: number, le: boolean): Map<number, Abbrev> {
  const c = new ByteCursor(section.bytes, le, offset);
  const out = new Map<number, Abbrev>();
  for (;;) {
    const code = c.ulebNumber();
    if (code === 0) return out;
    if (out.size >= ABBREVS_MAX) throw new DwarfError(`more than ${ABBREVS_MAX} abbreviations`);
    const tag = c.ulebNumber();
    const children = c.u8() !== 0;
    const attrs: { at: number; form: number; implicit?: bigint }[] = [];
    for (;;) {
      const at = c.ulebNumber();
      const form = c.ulebNumber();
      if (at === 0 && form === 0) break;
      if (attrs.length >= 1024) throw new DwarfError('an abbreviation with more than 1024 attributes');
      attrs.push(form === 0x21 ? { at, form, implicit: c.sleb() } : { at, form });
    }
    out.set(code, { tag, children, attrs });
  }
}

interface UnitContext {
  readonly c: ByteCursor;
  readonly version: number;
  readonly offsetSize: 4 | 8;
  readonly addressSize: number;
  readonly unitStart: number;
  readonly sections: ReadonlyMap<string, ElfSection>;
}

type Value = { kind: 'u'; v: bigint } | { kind: 's'; v: string } | { kind: 'ref'; v: number } | { kind: 'addr'; v: bigint } | { kind: 'none' };

/** Read one attribute value of `form` (every DWARF 5 form, so any attribute can be skipped). */
function readForm(u: UnitContext, form: number, implicit: bigint | undefined): Value {
  const c = u.c;
  const str = (name: string, off: number): Value => {
    const t = u.sections.get(name);
    return t === undefined ? { kind: 'none' } : { kind: 's', v: cString(t.bytes, off) };
  };
  switch (form) {
    case 0x01:
      return { kind: 'addr', v: c.uN(u.addressSize) };
    case 0x03:
      c.skip(c.u16());
      return { kind: 'none' };
    case 0x04:
      c.skip(c.u32());
      return { kind: 'none' };
    case 0x05:
      return { kind: 'u', v: BigInt(c.u16()) };
    case 0x06:
      return { kind: 'u', v: BigInt(c.u32()) };
    case 0x07:
      return { kind: 'u', v: c.u64() };
    case 0x08:
      return { kind: 's', v: c.cstring() };
    case 0x09:
    case 0x18:
      c.skip(c.ulebNumber());
      return { kind: 'none' };
    case 0x0a:
      c.skip(c.u8());
      return { kind: 'none' };
    case 0x0b:
      return { kind: 'u', v: BigInt(c.u8()) };
    case 0x0c:
      return { kind: 'u', v: BigInt(c.u8()) };
    case 0x0d:
      return { kind: 'u', v: c.sleb() };
    case 0x0e:
      return str('.debug_str', c.offset(u.offsetSize));
    case 0x1f:
      return str('.debug_line_str', c.offset(u.offsetSize));
    case 0x0f:
      return { kind: 'u', v: c.uleb() };
    case 0x10:
      return { kind: 'ref', v: u.version <= 2 ? Number(c.uN(u.addressSize)) : c.offset(u.offsetSize) };
    case 0x11:
      return { kind: 'ref', v: u.unitStart + c.u8() };
    case 0x12:
      return { kind: 'ref', v: u.unitStart + c.u16() };
    case 0x13:
      return { kind: 'ref', v: u.unitStart + c.u32() };
    case 0x14:
      return { kind: 'ref', v: u.unitStart + c.offset(8) };
    case 0x15:
      return { kind: 'ref', v: u.unitStart + c.ulebNumber() };
    case 0x16:
      return readForm(u, c.ulebNumber(), undefined);
    case 0x17:
      return { kind: 'u', v: BigInt(c.offset(u.offsetSize)) };
    case 0x19:
      return { kind: 'u', v: 1n };
    case 0x1a:
    case 0x1b:
    case 0x22:
    case 0x23:
      c.uleb(); // indexes into tables (split DWARF); not resolved here
      return { kind: 'none' };
    case 0x1c:
      c.skip(4);
      return { kind: 'none' };
    case 0x1d:
      c.skip(u.offsetSize);
      return { kind: 'none' };
    case 0x1e:
      c.skip(16);
      return { kind: 'none' };
    case 0x20:
    case 0x24:
      c.skip(8);
      return { kind: 'none' };
    case 0x21:
      return { kind: 'u', v: implicit ?? 0n };
    case 0x25:
    case 0x29:
      c.skip(1);
      return { kind: 'none' };
    case 0x26:
    case 0x2a:
      c.skip(2);
      return { kind: 'none' };
    case 0x27:
    case 0x2b:
      c.skip(3);
      return { kind: 'none' };
    case 0x28:
    case 0x2c:
      c.skip(4);
      return { kind: 'none' };
    default:
      throw new DwarfError(`attribute form 0x${form.toString(16)} at offset ${c.pos} is not known`);
  }
}

interface RawScope {
  kind: 'function' | 'inlined';
  depth: number;
  name?: string;
  origin?: number;
  ranges: { start: bigint; end: bigint }[];
  callFile?: number;
  callLine?: number;
  files: ReadonlyMap<number, string> | undefined;
}

function parseInfo(info: ElfSection, sections: ReadonlyMap<string, ElfSection>, le: boolean, lines: LineTable | undefined): Scope[] {
  const abbrevSection = sections.get('.debug_abbrev');
  if (abbrevSection === undefined) throw new DwarfError('no .debug_abbrev section');
  const top = new ByteCursor(info.bytes, le);
  /** Names and name links of every DIE by offset (abstract origins may point forward or across units). */
  const names = new Map<number, string>();
  const links = new Map<number, number>();
  const raw: RawScope[] = [];
  let dies = 0;
  while (!top.atEnd) {
    const unitStart = top.pos;
    const { end, offsetSize } = top.unitLength();
    const c = new ByteCursor(info.bytes, le, top.pos, end);
    top.pos = end;
    const version = c.u16();
    if (version < 2 || version > 5) throw new DwarfError(`unit version ${version} at offset ${unitStart}`);
    let addressSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      const unitType = c.u8();
      addressSize = c.u8();
      abbrevOffset = c.offset(offsetSize);
      if (unitType !== 1 && unitType !== 3) continue; // type, skeleton and split units: nothing for us
    } else {
      abbrevOffset = c.offset(offsetSize);
      addressSize = c.u8();
    }
    if (addressSize !== 4 && addressSize !== 8) throw new DwarfError(`address size ${addressSize} at offset ${unitStart}`);
    const abbrevs = readAbbrevs(abbrevSection, abbrevOffset, le);
    const u: UnitContext = { c, version, offsetSize, addressSize, unitStart, sections };
    let depth = 0;
    let cuBase = 0n;
    let files: ReadonlyMap<number, string> | undefined;
    while (!c.atEnd) {
      const dieOffset = c.pos;
      const code = c.ulebNumber();
      if (code === 0) {
        depth--;
        if (depth < 0) break;
        continue;
      }
      if (++dies > DIES_MAX) throw new DwarfError(`more than ${DIES_MAX} DIEs`);
      const ab = abbrevs.get(code);
      if (ab === undefined) throw new DwarfError(`DIE at offset ${dieOffset} uses undefined abbreviation ${code}`);
      const vals = new Map<number, Value>();
      for (const a of ab.attrs) vals.set(a.at, readForm(u, a.form, a.implicit));
      const name = vals.get(AT.name) ?? vals.get(AT.linkageName);
      if (name?.kind === 's') names.set(dieOffset, name.v);
      const link = vals.get(AT.abstractOrigin) ?? vals.get(AT.specification);
      if (link?.kind === 'ref') links.set(dieOffset, link.v);
      if (ab.tag === TAG_COMPILE_UNIT) {
        const low = vals.get(AT.lowPc);
        if (low?.kind === 'addr') cuBase = low.v;
        const stmt = vals.get(AT.stmtList);
        if (stmt?.kind === 'u') files = lines?.units.get(Number(stmt.v))?.files;
      }
      if (ab.tag === TAG_SUBPROGRAM || ab.tag === TAG_INLINED_SUBROUTINE) {
        const ranges = scopeRanges(vals, u, cuBase);
        if (ranges.length > 0) {
          const callFile = vals.get(AT.callFile);
          const callLine = vals.get(AT.callLine);
          raw.push({
            kind: ab.tag === TAG_SUBPROGRAM ? 'function' : 'inlined',
            depth,
            ...(name?.kind === 's' ? { name: name.v } : {}),
            ...(link?.kind === 'ref' ? { origin: link.v } : {}),
            ranges,
            ...(callFile?.kind === 'u' ? { callFile: Number(callFile.v) } : {}),
            ...(callLine?.kind === 'u' ? { callLine: Number(callLine.v) } : {}),
            files,
          });
        }
      }
      if (ab.children) {
        depth++;
        if (depth > DEPTH_MAX) throw new DwarfError(`DIE nesting deeper than ${DEPTH_MAX}`);
      }
    }
  }
  const resolve = (s: RawScope): string => {
    if (s.name !== undefined) return s.name;
    let at = s.origin;
    for (let hop = 0; at !== undefined && hop < 8; hop++) {
      const n = names.get(at);
      if (n !== undefined) return n;
      at = links.get(at);
    }
    return '<unnamed>';
  };
  return raw.map((s) => ({
    kind: s.kind,
    name: resolve(s),
    ranges: s.ranges,
    depth: s.depth,
    ...(s.callFile !== undefined ? { callFile: s.files?.get(s.callFile) ?? `<file ${s.callFile}>` } : {}),
    ...(s.callLine !== undefined ? { callLine: s.callLine } : {}),
  }));
}

/** The address ranges of a subprogram or inlined call: low/high pc, or DW_AT_ranges. */
function scopeRanges(vals: ReadonlyMap<number, Value>, u: UnitContext, cuBase: bigint): { start: bigint; end: bigint }[] {
  const low = vals.get(AT.lowPc);
  const high = vals.get(AT.highPc);
  if (low?.kind === 'addr' && high !== undefined) {
    const end = high.kind === 'addr' ? high.v : high.kind === 'u' ? low.v + high.v : low.v;
    return end > low.v ? [{ start: low.v, end }] : [];
  }
  const ranges = vals.get(AT.ranges);
  if (ranges?.kind !== 'u') return [];
  const offset = Number(ranges.v);
  return u.version >= 5 ? rnglist(u, offset, cuBase) : debugRanges(u, offset, cuBase);
}

function debugRanges(u: UnitContext, offset: number, base: bigint): { start: bigint; end: bigint }[] {
  const sec = u.sections.get('.debug_ranges');
  if (sec === undefined) throw new DwarfError('DW_AT_ranges without a .debug_ranges section');
  const c = new ByteCursor(sec.bytes, u.c.le, offset);
  const out: { start: bigint; end: bigint }[] = [];
  const all = u.addressSize === 8 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn;
  for (let i = 0; i < RANGES_PER_SCOPE_MAX; i++) {
    const a = c.uN(u.addressSize);
    const b = c.uN(u.addressSize);
    if (a === 0n && b === 0n) return out;
    if (a === all) base = b;
    else if (b > a) out.push({ start: base + a, end: base + b });
  }
  throw new DwarfError(`a range list with more than ${RANGES_PER_SCOPE_MAX} entries`);
}

function rnglist(u: UnitContext, offset: number, base: bigint): { start: bigint; end: bigint }[] {
  const sec = u.sections.get('.debug_rnglists');
  if (sec === undefined) throw new DwarfError('DW_AT_ranges without a .debug_rnglists section');
  const c = new ByteCursor(sec.bytes, u.c.le, offset);
  const out: { start: bigint; end: bigint }[] = [];
  const push = (start: bigint, end: bigint): void => {
    if (end > start) out.push({ start, end });
  };
  for (let i = 0; i < RANGES_PER_SCOPE_MAX; i++) {
    const kind = c.u8();
    switch (kind) {
      case 0: // DW_RLE_end_of_list
        return out;
      case 1: // base_addressx: an index into .debug_addr (split DWARF): not resolved
      case 2:
      case 3:
        throw new DwarfError('range list entries indexing .debug_addr are not read');
      case 4: {
        const a = c.uleb();
        const b = c.uleb();
        push(base + a, base + b);
        break;
      }
      case 5:
        base = c.uN(u.addressSize);
        break;
      case 6: {
        const a = c.uN(u.addressSize);
        push(a, c.uN(u.addressSize));
        break;
      }
      case 7: {
        const a = c.uN(u.addressSize);
        push(a, a + c.uleb());
        break;
      }
      default:
        throw new DwarfError(`range list entry kind ${kind} at offset ${c.pos - 1}`);
    }
  }
  throw new DwarfError(`a range list with more than ${RANGES_PER_SCOPE_MAX} entries`);
}
