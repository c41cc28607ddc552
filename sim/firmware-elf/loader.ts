/**
 * Loading and validating a firmware ELF for one participant (docs/firmware-elf-runtime.md,
 * "Loader"): ppc64 ET_EXEC of either byte order, ELFv1 or ELFv2, every PT_LOAD inside that
 * participant's window, at least one entry point defined. Each rejection is one UsageError line
 * naming the file and the problem (exit 2).
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import { hex } from '../core/u64.js';
import { parseElf64, realOf, type ElfImage } from '../elf/elf64.js';
import { readSymbols, type EntryPoint, type SymbolTable } from '../elf/symtab.js';
import {
  FW_ABI_VERSION,
  FW_HOSTBOOT_BASE,
  FW_HOSTBOOT_SIZE,
  HOSTBOOT_ENTRIES,
  SKIBOOT_ENTRIES,
  SKIBOOT_FORBIDDEN,
  SKIBOOT_WINDOW,
  type FirmwareElfParticipant,
} from './abi.js';

/** What a trace header records about one ELF (replay needs the same bytes). */
export interface FirmwareElfIdentity {
  readonly participant: FirmwareElfParticipant;
  /** SHA-256 of the file bytes, hex. */
  readonly sha256: string;
  readonly abi: number;
}

export interface FirmwareElf {
  readonly participant: FirmwareElfParticipant;
  /** The path or name the user gave, for messages. */
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly image: ElfImage;
  readonly symbols: SymbolTable;
  /** The entry points this ELF defines, by symbol name. */
  readonly entries: ReadonlyMap<string, EntryPoint>;
  /** Real address range [start, end) of each PT_LOAD (file bytes then zeros). */
  readonly loads: readonly { readonly start: number; readonly memSizeBytes: number; readonly fileOffset: number; readonly fileSizeBytes: number }[];
}

/**
 * Bound on a firmware ELF's `.symtab`: skiboot itself has a few thousand symbols. A table near the
 * generic bound (sim/elf/symtab.ts SYMBOLS_MAX) costs seconds and hundreds of MiB before any
 * check could fail, so a firmware file that large is refused up front.
 */
export const FIRMWARE_SYMBOLS_MAX = 1 << 16;

export function identityOf(elf: FirmwareElf): FirmwareElfIdentity {
  return { participant: elf.participant, sha256: elf.sha256, abi: FW_ABI_VERSION };
}

function windowOf(participant: FirmwareElfParticipant): { start: number; end: number; what: string } {
  return participant === 'skiboot'
    ? { start: SKIBOOT_WINDOW.start, end: SKIBOOT_WINDOW.start + SKIBOOT_WINDOW.sizeBytes, what: 'the skiboot region' }
    : { start: FW_HOSTBOOT_BASE, end: FW_HOSTBOOT_BASE + FW_HOSTBOOT_SIZE, what: 'the hostboot window' };
}

/** Parse and validate `bytes` as `participant`'s firmware; `label` names the file in messages. */
export function loadFirmwareElf(participant: FirmwareElfParticipant, bytes: Uint8Array, label: string): FirmwareElf {
  const fail = (why: string): never => {
    throw new UsageError(`--firmware-elf ${participant}=${label}: ${why}`);
  };
  let image: ElfImage;
  try {
    image = parseElf64(bytes, false);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  const w = windowOf(participant);
  const loads = image.segments
    .filter((s) => s.memSizeBytes > 0)
    .map((s) => {
      const real = realOf(s.vaddr);
      if (real < BigInt(w.start) || real + BigInt(s.memSizeBytes) > BigInt(w.end)) {
        fail(`segment ${s.index} at ${hex(s.vaddr)} (${hex(s.memSizeBytes)} bytes) is outside ${w.what} [${hex(w.start)}, ${hex(w.end)})`);
      }
      const start = Number(real);
      if (participant === 'skiboot') {
        for (const f of SKIBOOT_FORBIDDEN) {
          const a = SKIBOOT_WINDOW.start + f.start;
          const b = SKIBOOT_WINDOW.start + f.end;
          if (start < b && a < start + s.memSizeBytes) fail(`segment ${s.index} at ${hex(s.vaddr)} (${hex(s.memSizeBytes)} bytes) overlaps ${f.name} [${hex(a)}, ${hex(b)})`);
        }
      }
      return { start, memSizeBytes: s.memSizeBytes, fileOffset: s.offset, fileSizeBytes: s.fileSizeBytes };
    });
  if (loads.length === 0) fail('no PT_LOAD segment with contents');
  const sorted = [...loads].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.start + sorted[i - 1]!.memSizeBytes) fail(`segments at ${hex(sorted[i - 1]!.start)} and ${hex(sorted[i]!.start)} overlap`);
  }
  let symbols: SymbolTable;
  const entries = new Map<string, EntryPoint>();
  const names = participant === 'skiboot' ? SKIBOOT_ENTRIES : HOSTBOOT_ENTRIES;
  try {
    symbols = readSymbols(image, FIRMWARE_SYMBOLS_MAX);
    for (const n of names) {
      const e = symbols.entryPoint(n);
      if (e !== undefined) entries.set(n, e);
    }
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  if (entries.size === 0) fail(`no entry point: none of ${names.join(', ')} is in .symtab${symbols!.size === 0 ? ' (the file has no symbol table; is it stripped?)' : ''}`);
  for (const e of entries.values()) {
    const inCode = image.segments.some((s) => (s.flags & 1) !== 0 && e.code >= s.vaddr && e.code + 4n <= s.vaddr + BigInt(s.fileSizeBytes));
    if (!inCode) fail(`entry point ${e.name} at ${hex(e.code)} is not inside an executable loaded segment`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { participant, label, bytes, sha256, image, symbols: symbols!, entries, loads };
}

/** Copy the ELF's loads into `out` (a byte image whose byte 0 is at `base`): file bytes, then zeros. */
export function overlayLoads(elf: FirmwareElf, out: Uint8Array, base: number): void {
  for (const l of elf.loads) {
    const at = l.start - base;
    out.fill(0, at, at + l.memSizeBytes);
    out.set(elf.bytes.subarray(l.fileOffset, l.fileOffset + l.fileSizeBytes), at);
  }
}

/** End (exclusive, real address) of the highest load. */
export function loadsEnd(elf: FirmwareElf): number {
  return Math.max(...elf.loads.map((l) => l.start + l.memSizeBytes));
}
