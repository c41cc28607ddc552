/**
 * Any firmware address → `function+offset (file.c:line)` (docs/bisect.md, "Symbolizer"): `.symtab`
 * for the function and offset, our `.debug_line` reader for the file and line, and `.debug_info`
 * for the chain of inlined calls (the call site of an inlined accessor is the line that was
 * written). A stripped ELF, or one whose DWARF is bad, degrades to `function+offset` and says why
 * in `noLineInfo`; nothing here throws on the file's contents.
 */
import type { ElfImage } from './elf64.js';
import type { SymbolTable } from './symtab.js';
import { readLineTable, type LineTable } from './dwarf-line.js';
import { readScopes, type InlineFrame, type ScopeTable } from './dwarf-inline.js';

export interface SourceLocation {
  /** `function+0xoff` from `.symtab` (the hex address when no symbol covers it). */
  readonly symbol: string;
  /** The line-table location of the address itself (inside an inlined callee, the callee's line). */
  readonly file?: string;
  readonly line?: number;
  /**
   * Innermost first: the function (or inlined callee) at file:line, then each caller an inlined
   * call sits in, at its call site. Empty without `.debug_info`.
   */
  readonly frames: readonly InlineFrame[];
  /** Why there is no file and line (no `.debug_line`, bad DWARF, an address no row covers). */
  readonly noLineInfo?: string;
}

export class Symbolizer {
  private readonly lines: LineTable | undefined;
  private readonly scopes: ScopeTable | undefined;
  /** Why line info is missing for the whole file, if it is. */
  readonly lineInfoProblem: string | undefined;

  constructor(
    image: ElfImage,
    private readonly symbols: SymbolTable,
  ) {
    const l = readLineTable(image);
    this.lines = l.ok ? l.table : undefined;
    this.lineInfoProblem = l.ok ? undefined : l.reason;
    const s = l.ok ? readScopes(image, l.table) : undefined;
    // Without .debug_info the line table still gives file:line; the inline chain is then empty.
    this.scopes = s?.ok === true ? s.table : undefined;
  }

  locate(address: bigint): SourceLocation {
    const symbol = this.symbols.symbolize(address);
    if (this.lines === undefined) return { symbol, frames: [], noLineInfo: this.lineInfoProblem ?? 'no line info' };
    const row = this.lines.lookup(address);
    const frames = this.scopes?.inlineChain(address, row) ?? [];
    if (row === undefined) return { symbol, frames, noLineInfo: `no line-table row covers ${'0x' + address.toString(16)}` };
    return { symbol, file: row.file, line: row.line, frames };
  }

  /** `function+0xoff (file.c:line)`, with ` inlined in caller (file.c:line)` for each inlined level. */
  format(address: bigint): string {
    return formatLocation(this.locate(address));
  }
}

const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

export function formatLocation(loc: SourceLocation): string {
  if (loc.file === undefined) return loc.symbol;
  // frames run innermost → outermost; the outermost is the line in the function's own body (the
  // call site of an inlined callee), the inner ones the inlined code down to this address.
  const outer = loc.frames.length > 1 ? loc.frames[loc.frames.length - 1]! : { file: loc.file, line: loc.line };
  let s = `${loc.symbol} (${base(outer.file ?? loc.file)}:${outer.line ?? loc.line}`;
  for (let i = loc.frames.length - 2; i >= 0; i--) {
    const f = loc.frames[i]!;
    s += `, inlined ${f.function}${f.file !== undefined ? ` at ${base(f.file)}:${f.line}` : ''}`;
  }
  return `${s})`;
}

/** One Symbolizer per parsed image (the DWARF is read once per ELF). */
const CACHE = new WeakMap<ElfImage, Symbolizer>();

export function symbolizerFor(image: ElfImage, symbols: SymbolTable): Symbolizer {
  let s = CACHE.get(image);
  if (s === undefined) {
    s = new Symbolizer(image, symbols);
    CACHE.set(image, s);
  }
  return s;
}
