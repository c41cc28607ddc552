/**
 * Dump files as user space would save them from the capture kernel: `/proc/vmcore` laid out the
 * way Linux's fs/proc/vmcore.c presents the ELF core header the capture kernel built (spec 7.1),
 * and the OPAL core (spec 7.3) byte for byte. Both are written sparsely (all-zero pages become
 * holes) and atomically (temporary name in the same directory, fsync, rename).
 *
 * The vmcore.c steps reproduced here (parse_crash_elf64_headers):
 * - every PT_NOTE's real size is the sum of its notes up to the first one with n_namesz 0, never
 *   past p_memsz (update_note_header_size_elf64);
 * - the notes of all PT_NOTEs are concatenated into one buffer and one PT_NOTE program header that
 *   comes first, at the page-aligned end of the headers (merge_note_headers_elf64); e_phnum shrinks
 *   by the number of PT_NOTEs minus one; the headers are padded to a page, the notes to a page;
 * - each PT_LOAD's data is the page-rounded range [rounddown(p_offset), roundup(p_offset + p_memsz))
 *   of physical memory, placed one after another after the notes, and its p_offset is rewritten to
 *   the file offset of its first byte (process_ptload_program_headers_elf64).
 * "Page" is the capture kernel's PAGE_SIZE, as in the kernel.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { PAGE_SIZE } from '../mem/physical-memory.js';
import type { CoreFile } from '../participants/firmware.js';
import { hex } from '../core/u64.js';

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const NHDR_SIZE = 12;
const PT_LOAD = 1;
const PT_NOTE = 4;
/** Same bound as the oracle's reader: a header claiming more is corrupt, not a real machine. */
const PHDR_COUNT_MAX = 4096;
/** vmcore.c refuses note segments this large too (they are kmalloc'ed). */
const NOTES_SIZE_MAX_BYTES = 16 << 20;
/** Batch contiguous data pages into writes of about this size: fewer syscalls, bounded buffers. */
const WRITE_BATCH_BYTES = 1 << 20;

/** The ELF core header in memory does not describe a vmcore this tool can lay out. */
export class DumpLayoutError extends Error {
  override readonly name = 'DumpLayoutError';
}

export interface VmcoreSegment {
  /** Where the page-rounded chunk starts in the file. */
  readonly fileOffsetBytes: number;
  /** Physical address of the chunk's first byte (rounded down to a page). */
  readonly physStart: number;
  readonly sizeBytes: number;
}

export interface VmcoreImage {
  readonly littleEndian: boolean;
  /** ELF header, program headers, padding, merged notes, padding: the file's first bytes. */
  readonly head: Uint8Array;
  readonly segments: readonly VmcoreSegment[];
  readonly sizeBytes: number;
  readonly phnum: number;
  readonly noteSizeBytes: number;
  /** NT_PRSTATUS notes whose pr_pid 0 was replaced by their ordinal (see numberPrstatusNotes). */
  readonly numberedThreads: number;
}

interface RawPhdr {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

function roundUp(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}

function roundDown(v: number, to: number): number {
  return Math.floor(v / to) * to;
}

function readPhdr(dv: DataView, at: number, le: boolean): RawPhdr {
  return {
    type: dv.getUint32(at, le),
    flags: dv.getUint32(at + 4, le),
    offset: dv.getBigUint64(at + 8, le),
    vaddr: dv.getBigUint64(at + 16, le),
    paddr: dv.getBigUint64(at + 24, le),
    filesz: dv.getBigUint64(at + 32, le),
    memsz: dv.getBigUint64(at + 40, le),
    align: dv.getBigUint64(at + 48, le),
  };
}

function writePhdr(dv: DataView, at: number, p: RawPhdr, le: boolean): void {
  dv.setUint32(at, p.type, le);
  dv.setUint32(at + 4, p.flags, le);
  dv.setBigUint64(at + 8, p.offset, le);
  dv.setBigUint64(at + 16, p.vaddr, le);
  dv.setBigUint64(at + 24, p.paddr, le);
  dv.setBigUint64(at + 32, p.filesz, le);
  dv.setBigUint64(at + 40, p.memsz, le);
  dv.setBigUint64(at + 48, p.align, le);
}

/** Physical memory read that yields zeros outside RAM (what a hole in the file shows anyway). */
function readPhys(mem: PhysicalMemory, address: number, sizeBytes: number): Uint8Array {
  const out = new Uint8Array(sizeBytes);
  const start = Math.max(0, address);
  const end = Math.min(mem.sizeBytes, address + sizeBytes);
  if (end > start) out.set(mem.readBytes(start, end - start), start - address);
  return out;
}

function safe(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DumpLayoutError(`${what} ${hex(v)} is too large`);
  return Number(v);
}

/** A PT_NOTE's notes up to the first empty one, never past `maxBytes` (update_note_header_size_elf64). */
function realNotes(bytes: Uint8Array, le: boolean): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size = 0;
  while (size + NHDR_SIZE <= bytes.length) {
    const namesz = dv.getUint32(size, le);
    if (namesz === 0) break;
    const descsz = dv.getUint32(size + 4, le);
    const n = NHDR_SIZE + roundUp(namesz, 4) + roundUp(descsz, 4);
    if (size + n > bytes.length) break; // vmcore.c: "Exceeded p_memsz, dropping PT_NOTE entry"
    size += n;
  }
  return bytes.subarray(0, size);
}

/**
 * Lay out /proc/vmcore from the ELF core header at `elfcorehdrAddr` in `mem`. The result holds
 * the headers and notes; PT_LOAD data is read from `mem` when the file is written.
 */
export function buildVmcoreImage(mem: PhysicalMemory, elfcorehdrAddr: number, elfcorehdrSizeBytes: number, pageSizeBytes: number, numberThreads: boolean): VmcoreImage {
  if (!mem.contains(elfcorehdrAddr, EHDR_SIZE)) throw new DumpLayoutError(`elfcorehdr ${hex(elfcorehdrAddr)} lies outside RAM`);
  const eh = mem.readBytes(elfcorehdrAddr, EHDR_SIZE);
  if (eh[0] !== 0x7f || eh[1] !== 0x45 || eh[2] !== 0x4c || eh[3] !== 0x46 || eh[4] !== 2) throw new DumpLayoutError(`elfcorehdr at ${hex(elfcorehdrAddr)} is not an ELF64 header`);
  const le = eh[5] === 1;
  const ehv = new DataView(eh.buffer);
  const phoff = safe(ehv.getBigUint64(32, le), 'e_phoff');
  const phentsize = ehv.getUint16(54, le);
  const phnum = ehv.getUint16(56, le);
  if (phentsize !== PHDR_SIZE || phnum === 0 || phnum > PHDR_COUNT_MAX) throw new DumpLayoutError(`elfcorehdr: bad program header table (entsize ${phentsize}, count ${phnum})`);
  if ((elfcorehdrSizeBytes > 0 && phoff + phnum * PHDR_SIZE > elfcorehdrSizeBytes) || !mem.contains(elfcorehdrAddr + phoff, phnum * PHDR_SIZE)) {
    throw new DumpLayoutError(`elfcorehdr: program headers at +${hex(phoff)} run past the header`);
  }
  const phb = mem.readBytes(elfcorehdrAddr + phoff, phnum * PHDR_SIZE);
  const phv = new DataView(phb.buffer);
  const phdrs = Array.from({ length: phnum }, (_, i) => readPhdr(phv, i * PHDR_SIZE, le));

  const noteParts: Uint8Array[] = [];
  for (const p of phdrs) {
    if (p.type !== PT_NOTE) continue;
    const size = safe(p.memsz, 'PT_NOTE p_memsz');
    if (size > NOTES_SIZE_MAX_BYTES) throw new DumpLayoutError(`PT_NOTE at ${hex(p.offset)} claims ${hex(size)} bytes`);
    noteParts.push(realNotes(readPhys(mem, safe(p.offset, 'PT_NOTE p_offset'), size), le));
  }
  const noteSizeBytes = noteParts.reduce((n, b) => n + b.length, 0);
  // The merged PT_NOTE comes first; every other program header keeps its order (vmcore.c memmoves them).
  const rest = phdrs.filter((p) => p.type !== PT_NOTE);
  const outPhnum = (noteParts.length > 0 ? 1 : 0) + rest.length;
  const headersEnd = roundUp(EHDR_SIZE + outPhnum * PHDR_SIZE, pageSizeBytes);
  const notesEnd = headersEnd + roundUp(noteSizeBytes, pageSizeBytes);

  const head = new Uint8Array(notesEnd);
  head.set(eh, 0);
  const hv = new DataView(head.buffer);
  hv.setBigUint64(32, BigInt(EHDR_SIZE), le);
  hv.setUint16(56, outPhnum, le);
  let i = 0;
  if (noteParts.length > 0) {
    const merged: RawPhdr = { type: PT_NOTE, flags: 0, offset: BigInt(headersEnd), vaddr: 0n, paddr: 0n, filesz: BigInt(noteSizeBytes), memsz: BigInt(noteSizeBytes), align: 4n };
    writePhdr(hv, EHDR_SIZE + PHDR_SIZE * i++, merged, le);
  }
  let at = headersEnd;
  for (const part of noteParts) {
    head.set(part, at);
    at += part.length;
  }
  const threads = numberThreads ? numberPrstatusNotes(head.subarray(headersEnd, headersEnd + noteSizeBytes), le) : 0;

  const segments: VmcoreSegment[] = [];
  let fileOffset = notesEnd;
  for (const p of rest) {
    if (p.type !== PT_LOAD) {
      writePhdr(hv, EHDR_SIZE + PHDR_SIZE * i++, p, le);
      continue;
    }
    const paddr = safe(p.offset, 'PT_LOAD p_offset');
    const start = roundDown(paddr, pageSizeBytes);
    const end = roundUp(paddr + safe(p.memsz, 'PT_LOAD p_memsz'), pageSizeBytes);
    if (!Number.isSafeInteger(end)) throw new DumpLayoutError(`PT_LOAD at ${hex(paddr)} is too large`);
    segments.push({ fileOffsetBytes: fileOffset, physStart: start, sizeBytes: end - start });
    writePhdr(hv, EHDR_SIZE + PHDR_SIZE * i++, { ...p, offset: BigInt(fileOffset + (paddr - start)) }, le);
    fileOffset += end - start;
  }
  return { littleEndian: le, head, segments, sizeBytes: fileOffset, phnum: outPhnum, noteSizeBytes, numberedThreads: threads };
}

const NT_PRSTATUS = 1;
/** struct elf_prstatus on ppc64: pr_pid at offset 32 (spec 7.2, derived). */
const PRSTATUS_PID_OFFSET = 32;

/**
 * Give every NT_PRSTATUS note whose pr_pid is 0 the pid `ordinal + 1`. Linux's fadump leaves pr_pid
 * 0 in every CPU note ("FIXME: How do i get PID?" in fadump_regs_to_elf_notes); gdb keys threads by
 * pr_pid, so eight notes with pid 0 collapse into one thread. crash and makedumpfile match notes to
 * CPUs by order and ignore pr_pid, so the numbering costs them nothing. Returns the notes numbered.
 */
function numberPrstatusNotes(notes: Uint8Array, le: boolean): number {
  const dv = new DataView(notes.buffer, notes.byteOffset, notes.byteLength);
  let ordinal = 0;
  let numbered = 0;
  let o = 0;
  while (o + NHDR_SIZE <= notes.length) {
    const namesz = dv.getUint32(o, le);
    const descsz = dv.getUint32(o + 4, le);
    const type = dv.getUint32(o + 8, le);
    const desc = o + NHDR_SIZE + roundUp(namesz, 4);
    if (type === NT_PRSTATUS && descsz >= PRSTATUS_PID_OFFSET + 4) {
      ordinal++;
      if (dv.getUint32(desc + PRSTATUS_PID_OFFSET, le) === 0) {
        dv.setUint32(desc + PRSTATUS_PID_OFFSET, ordinal, le);
        numbered++;
      }
    }
    o = desc + roundUp(descsz, 4);
  }
  return numbered;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** An open output: write at a position, the rest of the file stays a hole. */
export interface SparseOut {
  writeAt(positionBytes: number, data: Uint8Array): void;
}

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

function isZero(page: Uint8Array): boolean {
  return Buffer.from(page.buffer, page.byteOffset, page.byteLength).equals(ZERO_PAGE);
}

/** Indices of the pages `mem` holds (absent pages read as zero), in address order. */
function presentPages(mem: PhysicalMemory): Int32Array {
  const list: number[] = [];
  mem.forEachPage((index) => list.push(index));
  return Int32Array.from(list);
}

/** First position in the sorted `pages` whose value is >= `index`. */
function lowerBound(pages: Int32Array, index: number): number {
  let lo = 0;
  let hi = pages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pages[mid]! < index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Write the non-zero memory pages of each segment at their file positions. Only pages the sparse
 * memory holds are visited, so a multi-GiB segment of untouched RAM costs nothing.
 */
export function writeVmcoreData(out: SparseOut, mem: PhysicalMemory, segments: readonly VmcoreSegment[]): { dataPages: number } {
  const pages = presentPages(mem);
  let dataPages = 0;
  for (const s of segments) {
    // Segments start at a kernel page, a multiple of the 4 KiB memory page.
    const first = Math.floor(s.physStart / PAGE_SIZE);
    const last = Math.min(Math.ceil((s.physStart + s.sizeBytes) / PAGE_SIZE), Math.floor(mem.sizeBytes / PAGE_SIZE));
    let batch: Uint8Array[] = [];
    let batchPos = -1;
    let batchEnd = -1;
    const flush = (): void => {
      if (batch.length === 0) return;
      out.writeAt(batchPos, batch.length === 1 ? batch[0]! : Buffer.concat(batch));
      batch = [];
    };
    for (let k = lowerBound(pages, first); k < pages.length && pages[k]! < last; k++) {
      const index = pages[k]!;
      const page = mem.readablePage(index);
      if (isZero(page)) continue;
      dataPages++;
      const pos = s.fileOffsetBytes + (index * PAGE_SIZE - s.physStart);
      if (pos !== batchEnd || batch.length * PAGE_SIZE >= WRITE_BATCH_BYTES) {
        flush();
        batchPos = pos;
      }
      batch.push(page);
      batchEnd = pos + PAGE_SIZE;
    }
    flush();
  }
  return { dataPages };
}

/** Copy a CoreFile (the OPAL core) in page-sized reads, leaving all-zero pages as holes. */
export function writeCoreFile(out: SparseOut, core: CoreFile): void {
  const chunk = 256 * PAGE_SIZE;
  for (let at = 0; at < core.sizeBytes; at += chunk) {
    const bytes = core.read(at, Math.min(chunk, core.sizeBytes - at));
    for (let o = 0; o < bytes.length; o += PAGE_SIZE) {
      const piece = bytes.subarray(o, Math.min(o + PAGE_SIZE, bytes.length));
      if (!piece.every((b) => b === 0)) out.writeAt(at + o, piece);
    }
  }
}
