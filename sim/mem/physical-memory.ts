/**
 * Sparse, paged, copy-on-write physical memory.
 *
 * RAM is `[0, sizeBytes)`. Pages (4 KiB) are allocated on first write; a page never written reads
 * as zero and costs nothing, so a 64 GiB machine with multi-GiB registered regions fits in a few
 * MiB of host memory. Pages live in a two-level directory indexed by page number, so iteration is
 * always in address order (digests never depend on insertion or hash order).
 *
 * Copy-on-write: a page object may be shared between snapshots and between addresses (a
 * page-aligned copy shares the source page with the destination). `owned` marks the pages this
 * instance may write in place; every other present page is cloned on its first write.
 *
 * Accesses outside RAM throw TransactionError: the bus's transaction error, which participants
 * turn into their architected result.
 */
import { TransactionError, assert } from '../core/errors.js';
import { Digester, type Digest } from '../core/digest.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_SIZE - 1;
const DIR_SHIFT = 12;
const DIR_ENTRIES = 1 << DIR_SHIFT;
const DIR_MASK = DIR_ENTRIES - 1;

/** Largest machine we accept: 1 TiB keeps page numbers and directory counts small. */
export const RAM_SIZE_MAX_BYTES = 2 ** 40;

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

/**
 * Pages are carved out of 256 KiB host slabs instead of one ArrayBuffer each: a scenario
 * allocates thousands of pages (workload arenas, preserved copies, kernel images), and a separate
 * backing store per 4 KiB page made allocation and its garbage collection a fifth of a run. A
 * slab lives while any of its pages does; pages are views with their own byteOffset, so code
 * that reinterprets a page uses `page.buffer, page.byteOffset` (as pageDigest does).
 */
const SLAB_PAGES = 64;
let slab = new ArrayBuffer(0);
let slabNextPage = SLAB_PAGES;

function newPage(): Uint8Array {
  if (slabNextPage === SLAB_PAGES) {
    slab = new ArrayBuffer(SLAB_PAGES * PAGE_SIZE);
    slabNextPage = 0;
  }
  return new Uint8Array(slab, PAGE_SIZE * slabNextPage++, PAGE_SIZE);
}

/** A private copy of `page` (copy-on-write clone), from a slab. */
function clonePage(page: Uint8Array): Uint8Array {
  const copy = newPage();
  copy.set(page);
  return copy;
}

interface Directory {
  pages: (Uint8Array | undefined)[];
  owned: Uint8Array;
  /**
   * Write generation per page (dirty-page tracking): the generation (see `writeGenerations`) when
   * the page was last handed out for writing, replaced or dropped (0: not since the directory was made).
   */
  writtenGen: Uint32Array;
  /** Highest `writtenGen` of the directory (any page of it written since a generation?). */
  dirWrittenGen: number;
  /** Cached content digest per page and the generation it was computed in (valid while writtenGen ≤ it). */
  pageDigests: (Digest | undefined)[];
  pageDigestGen: Uint32Array;
  /** Digest of the directory's pages and its generation (valid while dirWrittenGen ≤ digestGen). */
  digest?: Digest | undefined;
  digestGen: number;
  /**
   * Held by more than one memory (a snapshot shares its source's directories): read-only for
   * all of them, every page unowned. A memory clones a shared directory before its first change
   * to it (dirForWrite), so a snapshot costs one pointer per touched directory, and only the
   * directories written afterwards are ever copied.
   */
  shared?: boolean;
}

function newDirectory(): Directory {
  return {
    pages: new Array<Uint8Array | undefined>(DIR_ENTRIES),
    owned: new Uint8Array(DIR_ENTRIES),
    writtenGen: new Uint32Array(DIR_ENTRIES),
    dirWrittenGen: 0,
    pageDigests: new Array<Digest | undefined>(DIR_ENTRIES),
    pageDigestGen: new Uint32Array(DIR_ENTRIES),
    digestGen: 0,
  };
}

/**
 * The write generation, one counter for every memory of this thread. Shared directories carry
 * the generations and cached digests of whichever memory wrote or digested them; one counter
 * orders those stamps across memories, so a page one memory writes after another memory cached
 * its digest always has the later stamp (only comparisons of stamps matter, never their values).
 */
const writeGenerations = { current: 1 };

export class PhysicalMemory {
  private dirs: (Directory | undefined)[];
  /** One-entry cache of the last page written in place; cleared by anything that changes ownership. */
  private wIndex = -1;
  private wPage: Uint8Array = ZERO_PAGE;
  /**
   * Watched pages (one flag per page, per directory) and the watcher told when one is written.
   * The interpreter's predecode cache watches the pages it decoded, so stores, copies and fills
   * that change code drop the stale decode. A write clears the flag; only the first write after
   * a decode pays for the call. Watched pages never enter the one-entry write cache above.
   */
  private watchDirs: (Uint8Array | undefined)[] = [];
  private codeWatcher: ((pageIndex: number) => void) | undefined;
  /**
   * Page-object epoch, for callers that cache page objects (the interpreter's TLB). Bumped when a
   * page object is created, replaced or dropped, when one becomes shared (a later write must
   * clone it), and when a page starts being watched. A cached page is valid while this is equal.
   */
  pageEpoch = 0;
  /**
   * Counts every event that lets a page object of this memory be seen from elsewhere (a snapshot,
   * a page shared by a copy, a digest caching a shared page's hash): a watch (beginWatch) gives
   * its pages back only if none happened while it ran.
   */
  private shareEvents = 0;
  /** The watch in progress: pages allocated, cloned or replaced since beginWatch, and the ownership before it. */
  private watch: { before: Map<number, Uint8Array | undefined>; owned: (Uint8Array | undefined)[]; shareEvents: number } | undefined;

  /**
   * Dirty-page tracking. Every page handed out for writing (`pageForWrite`, which every store path
   * goes through: the scalar and bulk writers, `copy`, `fill`, and `writablePage`, where the
   * interpreter's one-entry write TLB and its translated blocks refill) or replaced (`sharePage`)
   * is stamped with the current generation. Callers that keep a writable page object past one
   * access (this class's `wPage`, the interpreter's `Cpu.wPage`) revalidate it against `pageEpoch`,
   * so `startWriteGeneration` — which bumps the generation, drops `wPage` and bumps `pageEpoch` —
   * makes the next write to every page come back here and be stamped. Hence: a page whose bytes
   * changed after `startWriteGeneration()` returned `g` is in `pagesWrittenSince(g)` (a superset:
   * a page handed out for a write that stored the same bytes is listed too).
   */
  private get writeGeneration(): number {
    return writeGenerations.current;
  }

  constructor(readonly sizeBytes: number) {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes > 0 && sizeBytes % PAGE_SIZE === 0, 'RAM size is whole pages');
    assert(sizeBytes <= RAM_SIZE_MAX_BYTES, 'RAM size within limit');
    this.dirs = new Array<Directory | undefined>(Math.ceil(sizeBytes / PAGE_SIZE / DIR_ENTRIES));
  }

  // ---------------------------------------------------------------- pages

  /** The page holding `pageIndex` for reading (shared zero page if absent). */
  private pageForRead(pageIndex: number): Uint8Array {
    const dir = this.dirs[pageIndex >>> DIR_SHIFT];
    return dir?.pages[pageIndex & DIR_MASK] ?? ZERO_PAGE;
  }

  /** Directory `d` of this instance for changing: created if absent, cloned if shared. */
  private dirForWrite(d: number): Directory {
    let dir = this.dirs[d];
    if (dir === undefined) {
      dir = newDirectory();
      this.dirs[d] = dir;
    } else if (dir.shared === true) {
      // Every page of a shared directory is unowned, so the copy starts with none owned; its
      // pages, generations and cached digests are the same.
      dir = {
        pages: dir.pages.slice(),
        owned: new Uint8Array(DIR_ENTRIES),
        writtenGen: dir.writtenGen.slice(),
        dirWrittenGen: dir.dirWrittenGen,
        pageDigests: dir.pageDigests.slice(),
        pageDigestGen: dir.pageDigestGen.slice(),
        digest: dir.digest,
        digestGen: dir.digestGen,
      };
      this.dirs[d] = dir;
    }
    return dir;
  }

  /** The page holding `pageIndex`, owned by this instance (allocated or cloned as needed). */
  private pageForWrite(pageIndex: number): Uint8Array {
    if (pageIndex === this.wIndex) return this.wPage;
    this.notifyWrite(pageIndex);
    const dir = this.dirForWrite(pageIndex >>> DIR_SHIFT);
    const slot = pageIndex & DIR_MASK;
    dir.writtenGen[slot] = this.writeGeneration;
    dir.dirWrittenGen = this.writeGeneration;
    let page = dir.pages[slot];
    if (page === undefined) {
      page = newPage();
      dir.pages[slot] = page;
      dir.digest = undefined;
      dir.owned[slot] = 1;
      this.pageEpoch++;
      this.logWatched(pageIndex, undefined);
    } else if (dir.owned[slot] === 0) {
      this.logWatched(pageIndex, page);
      page = clonePage(page);
      dir.pages[slot] = page;
      dir.digest = undefined;
      dir.owned[slot] = 1;
      this.pageEpoch++;
    }
    this.wIndex = pageIndex;
    this.wPage = page;
    return page;
  }

  /** Put `page` (shared, not owned) at `pageIndex`, or drop the page when `page` is undefined. */
  private sharePage(pageIndex: number, page: Uint8Array | undefined): void {
    this.notifyWrite(pageIndex);
    this.pageEpoch++;
    if (this.watch !== undefined) this.logWatched(pageIndex, this.dirs[pageIndex >>> DIR_SHIFT]?.pages[pageIndex & DIR_MASK]);
    const d = pageIndex >>> DIR_SHIFT;
    if (page === undefined && this.dirs[d] === undefined) return;
    const dir = this.dirForWrite(d);
    dir.pages[pageIndex & DIR_MASK] = page;
    dir.digest = undefined;
    dir.owned[pageIndex & DIR_MASK] = 0;
    dir.writtenGen[pageIndex & DIR_MASK] = this.writeGeneration;
    dir.dirWrittenGen = this.writeGeneration;
    if (pageIndex === this.wIndex) this.wIndex = -1;
  }

  /** A watched page's first write: keep the page as the stretch found it. */
  private logWatched(pageIndex: number, page: Uint8Array | undefined): void {
    const w = this.watch;
    if (w !== undefined && !w.before.has(pageIndex)) w.before.set(pageIndex, page);
  }

  // ---------------------------------------------------------------- dirty-page tracking

  /**
   * Start a new write generation and return it: from now on every page written (by any path,
   * see `writeGeneration`) is listed by `pagesWrittenSince(generation)`.
   */
  startWriteGeneration(): number {
    writeGenerations.current++;
    this.wIndex = -1;
    this.pageEpoch++;
    return this.writeGeneration;
  }

  /** Pages written, replaced or dropped since `startWriteGeneration()` returned `generation`, in address order. */
  pagesWrittenSince(generation: number): number[] {
    const out: number[] = [];
    for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d];
      if (dir === undefined || dir.dirWrittenGen < generation) continue;
      for (let s = 0; s < DIR_ENTRIES; s++) if (dir.writtenGen[s]! >= generation) out.push(d * DIR_ENTRIES + s);
    }
    return out;
  }

  // ---------------------------------------------------------------- code-page watch

  /** Install the one watcher (the interpreter's shared predecode cache for this memory). */
  setCodeWatcher(watcher: (pageIndex: number) => void): void {
    assert(this.codeWatcher === undefined || this.codeWatcher === watcher, 'one code watcher per memory');
    this.codeWatcher = watcher;
  }

  /** Call the watcher on the next write to `pageIndex`. */
  watchPage(pageIndex: number): void {
    const d = pageIndex >>> DIR_SHIFT;
    let w = this.watchDirs[d];
    if (w === undefined) {
      w = new Uint8Array(DIR_ENTRIES);
      this.watchDirs[d] = w;
    }
    w[pageIndex & DIR_MASK] = 1;
    if (pageIndex === this.wIndex) this.wIndex = -1;
    this.pageEpoch++;
  }

  /** The page object holding `pageIndex` for reading (bounds checked by the caller); see pageEpoch. */
  readablePage(pageIndex: number): Uint8Array {
    return this.pageForRead(pageIndex);
  }

  /** The owned page object for writing `pageIndex` (bounds checked by the caller; watchers told); see pageEpoch. */
  writablePage(pageIndex: number): Uint8Array {
    return this.pageForWrite(pageIndex);
  }

  private notifyWrite(pageIndex: number): void {
    const w = this.watchDirs[pageIndex >>> DIR_SHIFT];
    if (w === undefined || w[pageIndex & DIR_MASK] === 0) return;
    w[pageIndex & DIR_MASK] = 0;
    this.codeWatcher?.(pageIndex);
  }

  private check(address: number, sizeBytes: number, write: boolean): void {
    if (!(address >= 0 && address + sizeBytes <= this.sizeBytes && Number.isSafeInteger(address))) {
      throw new TransactionError(address, sizeBytes, write);
    }
  }

  /** True if `[address, address + sizeBytes)` lies wholly inside RAM. */
  contains(address: number | bigint, sizeBytes: number | bigint): boolean {
    const a = BigInt(address);
    const s = BigInt(sizeBytes);
    return a >= 0n && s >= 0n && a + s <= BigInt(this.sizeBytes);
  }

  // ---------------------------------------------------------------- scalar access

  read8(address: number): number {
    this.check(address, 1, false);
    return this.pageForRead(Math.floor(address / PAGE_SIZE))[address & PAGE_MASK]!;
  }

  write8(address: number, value: number): void {
    this.check(address, 1, true);
    this.pageForWrite(Math.floor(address / PAGE_SIZE))[address & PAGE_MASK] = value;
  }

  read16BE(address: number): number {
    return (this.read8(address) << 8) | this.read8(address + 1);
  }

  write16BE(address: number, value: number): void {
    this.write8(address, (value >>> 8) & 0xff);
    this.write8(address + 1, value & 0xff);
  }

  read32BE(address: number): number {
    const off = address & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      this.check(address, 4, false);
      const p = this.pageForRead(Math.floor(address / PAGE_SIZE));
      return ((p[off]! << 24) | (p[off + 1]! << 16) | (p[off + 2]! << 8) | p[off + 3]!) >>> 0;
    }
    return ((this.read16BE(address) << 16) | this.read16BE(address + 2)) >>> 0;
  }

  read32LE(address: number): number {
    const v = this.read32BE(address);
    return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
  }

  write32BE(address: number, value: number): void {
    const off = address & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      this.check(address, 4, true);
      const p = this.pageForWrite(Math.floor(address / PAGE_SIZE));
      p[off] = value >>> 24;
      p[off + 1] = value >>> 16;
      p[off + 2] = value >>> 8;
      p[off + 3] = value;
      return;
    }
    this.check(address, 4, true);
    this.write16BE(address, value >>> 16);
    this.write16BE(address + 2, value & 0xffff);
  }

  write32LE(address: number, value: number): void {
    const v = value >>> 0;
    this.write32BE(address, ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24));
  }

  read64BE(address: number): bigint {
    this.check(address, 8, false);
    return (BigInt(this.read32BE(address)) << 32n) | BigInt(this.read32BE(address + 4));
  }

  write64BE(address: number, value: bigint): void {
    this.check(address, 8, true);
    this.write32BE(address, Number((value >> 32n) & 0xffff_ffffn));
    this.write32BE(address + 4, Number(value & 0xffff_ffffn));
  }

  read64LE(address: number): bigint {
    this.check(address, 8, false);
    return (BigInt(this.read32LE(address + 4)) << 32n) | BigInt(this.read32LE(address));
  }

  write64LE(address: number, value: bigint): void {
    this.check(address, 8, true);
    this.write32LE(address, Number(value & 0xffff_ffffn));
    this.write32LE(address + 4, Number((value >> 32n) & 0xffff_ffffn));
  }

  // ---------------------------------------------------------------- bulk access

  readBytes(address: number, sizeBytes: number): Uint8Array {
    const out = new Uint8Array(sizeBytes);
    this.readInto(address, out, 0, sizeBytes);
    return out;
  }

  /** Copy `sizeBytes` at `address` into `out` at `outOffset` (one copy, no allocation). */
  readInto(address: number, out: Uint8Array, outOffset: number, sizeBytes: number): void {
    this.check(address, sizeBytes, false);
    let done = 0;
    while (done < sizeBytes) {
      const a = address + done;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, sizeBytes - done);
      out.set(this.pageForRead(Math.floor(a / PAGE_SIZE)).subarray(off, off + n), outOffset + done);
      done += n;
    }
  }


  writeBytes(address: number, data: Uint8Array): void {
    this.check(address, data.length, true);
    let done = 0;
    while (done < data.length) {
      const a = address + done;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, data.length - done);
      this.pageForWrite(Math.floor(a / PAGE_SIZE)).set(data.subarray(done, done + n), off);
      done += n;
    }
  }

  fill(address: number, sizeBytes: number, value: number): void {
    this.check(address, sizeBytes, true);
    let done = 0;
    while (done < sizeBytes) {
      const a = address + done;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, sizeBytes - done);
      const pageIndex = Math.floor(a / PAGE_SIZE);
      if (n === PAGE_SIZE && value === 0) this.sharePage(pageIndex, undefined);
      else this.pageForWrite(pageIndex).fill(value, off, off + n);
      done += n;
    }
  }

  /**
   * Copy `sizeBytes` from `from` (in `source`, default this memory) to `to`, as a forward copy.
   * Whole pages at matching page offsets are shared rather than copied, so the cost of a
   * preservation copy is the number of touched pages, not the number of bytes.
   */
  copy(to: number, from: number, sizeBytes: number, source: PhysicalMemory = this): void {
    source.check(from, sizeBytes, false);
    this.check(to, sizeBytes, true);
    if (sizeBytes === 0) return;
    // An overlapping forward copy within one memory must see its own earlier writes; the
    // byte-exact semantics of a forward copy are kept by copying through a snapshot of the source.
    const src = source === this && to > from && to < from + sizeBytes ? this.snapshot() : source;
    let done = 0;
    while (done < sizeBytes) {
      const s = from + done;
      const d = to + done;
      const sOff = s & PAGE_MASK;
      const dOff = d & PAGE_MASK;
      if (sOff === 0 && dOff === 0 && sizeBytes - done >= PAGE_SIZE) {
        const si = Math.floor(s / PAGE_SIZE);
        const di = Math.floor(d / PAGE_SIZE);
        // Not while a watch runs: the watch logs pages one by one (sharePage), never whole directories.
        if ((si & DIR_MASK) === 0 && (di & DIR_MASK) === 0 && sizeBytes - done >= DIR_ENTRIES * PAGE_SIZE && this.watch === undefined) {
          // 16 MiB nobody ever wrote, copied onto 16 MiB nobody ever wrote: nothing to do.
          if (src.dirs[si >>> DIR_SHIFT] === undefined && this.dirs[di >>> DIR_SHIFT] === undefined) {
            done += DIR_ENTRIES * PAGE_SIZE;
            continue;
          }
          // A whole directory onto a whole directory: share it, as page by page would share its pages.
          this.shareDirectory(di >>> DIR_SHIFT, src, si >>> DIR_SHIFT);
          done += DIR_ENTRIES * PAGE_SIZE;
          continue;
        }
        const sdir = src.dirs[si >>> DIR_SHIFT];
        const sp = sdir?.pages[si & DIR_MASK];
        if (sp !== undefined) {
          src.markShared(si);
          // The page is immutable from now on: its cached digest, if still valid, is its digest
          // wherever it is shared to (so the next checkpoint does not rehash a preserved page).
          const known = sdir!.pageDigests[si & DIR_MASK];
          if (known !== undefined && sdir!.writtenGen[si & DIR_MASK]! <= sdir!.pageDigestGen[si & DIR_MASK]! && !SHARED_PAGE_DIGESTS.has(sp)) SHARED_PAGE_DIGESTS.set(sp, known);
        }
        this.sharePage(Math.floor(d / PAGE_SIZE), sp);
        done += PAGE_SIZE;
        continue;
      }
      const n = Math.min(PAGE_SIZE - sOff, PAGE_SIZE - dOff, sizeBytes - done);
      const sp = src.pageForRead(Math.floor(s / PAGE_SIZE));
      this.pageForWrite(Math.floor(d / PAGE_SIZE)).set(sp.subarray(sOff, sOff + n), dOff);
      done += n;
    }
  }

  /**
   * Directory `d` gets `src`'s directory `sd`'s pages (none, if that is absent): the result of
   * sharing each of its pages in turn (sharePage), with one array copy. Every page of the
   * directory counts as written: watchers are told as sharePage would tell them, and every slot
   * is stamped with the current write generation (the copy is a new directory, not `src`'s
   * object, so this memory's stamps never touch `src`'s).
   */
  private shareDirectory(d: number, src: PhysicalMemory, sd: number): void {
    const w = this.watchDirs[d];
    if (w !== undefined && this.codeWatcher !== undefined) {
      for (let s = 0; s < DIR_ENTRIES; s++) {
        if (w[s] === 0) continue;
        w[s] = 0;
        this.codeWatcher(d * DIR_ENTRIES + s);
      }
    } else if (w !== undefined) w.fill(0);
    const from = src.dirs[sd];
    // src's pages become immutable (a later write by src clones them): a shared directory owns none already.
    if (from !== undefined && from.shared !== true) from.owned.fill(0);
    src.pageEpoch++;
    src.shareEvents++;
    src.wIndex = -1;
    this.shareEvents++;
    const dir = newDirectory();
    if (from !== undefined) dir.pages = from.pages.slice();
    dir.writtenGen.fill(this.writeGeneration);
    dir.dirWrittenGen = this.writeGeneration;
    this.dirs[d] = dir;
    this.pageEpoch++;
    this.wIndex = -1;
  }

  private markShared(pageIndex: number): void {
    this.pageEpoch++;
    this.shareEvents++;
    const dir = this.dirs[pageIndex >>> DIR_SHIFT];
    // A shared directory owns no page already (and must not be changed).
    if (dir !== undefined && dir.shared !== true) dir.owned[pageIndex & DIR_MASK] = 0;
    if (pageIndex === this.wIndex) this.wIndex = -1;
  }

  /**
   * First offset in `[0, sizeBytes)` where this memory at `a` differs from `other` at `b`, or -1.
   * Pages that are the same object are equal without reading them.
   */
  firstDifference(a: number, other: PhysicalMemory, b: number, sizeBytes: number): number {
    this.check(a, sizeBytes, false);
    other.check(b, sizeBytes, false);
    let done = 0;
    while (done < sizeBytes) {
      const x = a + done;
      const y = b + done;
      const xOff = x & PAGE_MASK;
      const yOff = y & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - xOff, PAGE_SIZE - yOff, sizeBytes - done);
      const xi = Math.floor(x / PAGE_SIZE);
      const yi = Math.floor(y / PAGE_SIZE);
      // Whole directories on both sides (16 MiB each): untouched on both sides, equal unread;
      // otherwise slot by slot, page objects the two share (or both absent) skipped unread.
      if (xOff === 0 && yOff === 0 && (xi & DIR_MASK) === 0 && (yi & DIR_MASK) === 0 && sizeBytes - done >= DIR_ENTRIES * PAGE_SIZE) {
        const xd = this.dirs[xi >>> DIR_SHIFT];
        const yd = other.dirs[yi >>> DIR_SHIFT];
        if (xd !== yd) {
          for (let s = 0; s < DIR_ENTRIES; s++) {
            const xp = xd?.pages[s] ?? ZERO_PAGE;
            const yp = yd?.pages[s] ?? ZERO_PAGE;
            if (xp === yp || bytesEqual(xp, yp)) continue;
            for (let i = 0; i < PAGE_SIZE; i++) if (xp[i] !== yp[i]) return done + s * PAGE_SIZE + i;
          }
        }
        done += DIR_ENTRIES * PAGE_SIZE;
        continue;
      }
      const xp = this.pageForRead(xi);
      const yp = other.pageForRead(yi);
      if (!(xp === yp && xOff === yOff) && !bytesEqual(xp.subarray(xOff, xOff + n), yp.subarray(yOff, yOff + n))) {
        for (let i = 0; i < n; i++) {
          if (xp[xOff + i] !== yp[yOff + i]) return done + i;
        }
      }
      done += n;
    }
    return -1;
  }

  /**
   * Visit every page whose contents differ between this memory and `other` (same size), in
   * address order. Pages that are the same object, or absent in both, are skipped unread.
   */
  forEachDifferentPage(other: PhysicalMemory, visit: (pageIndex: number, mine: Uint8Array, theirs: Uint8Array) => void): void {
    assert(other.sizeBytes === this.sizeBytes, 'memories of the same size');
    for (let d = 0; d < this.dirs.length; d++) {
      const a = this.dirs[d];
      const b = other.dirs[d];
      if (a === b) continue; // absent in both, or one shared directory: the same page objects
      for (let s = 0; s < DIR_ENTRIES; s++) {
        const pa = a?.pages[s] ?? ZERO_PAGE;
        const pb = b?.pages[s] ?? ZERO_PAGE;
        if (pa === pb || bytesEqual(pa, pb)) continue;
        visit(d * DIR_ENTRIES + s, pa, pb);
      }
    }
  }

  /** Do the bytes at `address` equal `bytes`? Compared page by page in place, without a copy. */
  equalsBytes(address: number, bytes: Uint8Array): boolean {
    this.check(address, bytes.length, false);
    let done = 0;
    while (done < bytes.length) {
      const a = address + done;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      if (!bytesEqual(this.pageForRead(Math.floor(a / PAGE_SIZE)).subarray(off, off + n), bytes.subarray(done, done + n))) return false;
      done += n;
    }
    return true;
  }

  // ---------------------------------------------------------------- snapshots and digests

  /**
   * A frozen copy-on-write view of memory now. O(touched directories), and no copy of anything:
   * both memories share every directory (Directory.shared) until one of them changes it.
   */
  snapshot(): PhysicalMemory {
    const snap = new PhysicalMemory(this.sizeBytes);
    this.pageEpoch++;
    this.shareEvents++;
    for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) continue;
      if (dir.shared !== true) {
        dir.owned.fill(0);
        dir.shared = true;
      }
      snap.dirs[d] = dir;
    }
    this.wIndex = -1;
    // A watch in progress goes on in the copy (a fork taken inside an OPAL call ends the call there
    // too): the pages logged so far are immutable, and the copy never gives pages back (NaN never
    // equals its share count).
    if (this.watch !== undefined) snap.watch = { before: new Map(this.watch.before), owned: [], shareEvents: Number.NaN };
    return snap;
  }

  /**
   * Watch the writes of a short stretch (the oracle around one OPAL call, issue 11): from now on,
   * every page is written through the copy-on-write path, which keeps the page as it was before
   * the stretch's first write to it. No page is copied and no snapshot is taken. endWatch ends it.
   */
  beginWatch(): void {
    // A watch whose stretch never ended (the watched call threw) is ended here.
    if (this.watch !== undefined) this.endWatch();
    const owned = this.dirs.map((dir) => {
      if (dir === undefined) return undefined;
      const before = dir.owned;
      dir.owned = new Uint8Array(DIR_ENTRIES);
      return before;
    });
    this.pageEpoch++;
    this.wIndex = -1;
    this.watch = { before: new Map(), owned, shareEvents: this.shareEvents };
  }

  /**
   * End the watch: every page written since beginWatch (ascending) with its bytes before the
   * stretch (a page written back to the same bytes is listed too). Pages the stretch left alone
   * are this memory's own again, as before, unless something came to share pages meanwhile (a
   * snapshot, a shared copy, a digest): then they stay shared, which is always safe.
   */
  endWatch(): { pageIndex: number; before: Uint8Array }[] {
    const w = this.watch;
    assert(w !== undefined, 'endWatch without beginWatch');
    this.watch = undefined;
    const written = [...w.before.keys()].sort((a, b) => a - b);
    if (this.shareEvents === w.shareEvents) {
      const kept = written.map((i) => this.dirs[i >>> DIR_SHIFT]?.owned[i & DIR_MASK] ?? 0);
      w.owned.forEach((owned, d) => {
        const dir = this.dirs[d];
        if (owned !== undefined && dir !== undefined) dir.owned = owned;
      });
      written.forEach((i, k) => {
        const dir = this.dirs[i >>> DIR_SHIFT];
        if (dir !== undefined) dir.owned[i & DIR_MASK] = kept[k]!;
      });
      this.pageEpoch++;
      this.wIndex = -1;
    }
    return written.map((pageIndex) => ({ pageIndex, before: w.before.get(pageIndex) ?? ZERO_PAGE }));
  }

  /** Number of pages currently backed by host memory (shared pages counted once per instance). */
  residentPages(): number {
    let n = 0;
    for (const dir of this.dirs) {
      if (dir === undefined) continue;
      for (const p of dir.pages) if (p !== undefined) n++;
    }
    return n;
  }

  /** Visit every present page in address order. */
  forEachPage(visit: (pageIndex: number, page: Uint8Array) => void): void {
    for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) continue;
      for (let s = 0; s < DIR_ENTRIES; s++) {
        const p = dir.pages[s];
        if (p !== undefined) visit(d * DIR_ENTRIES + s, p);
      }
    }
  }

  /**
   * Digest of the whole RAM contents: absent pages and all-zero pages digest alike. Incremental:
   * page and directory digests are cached with their write generation, so a digest rehashes only
   * the pages written since the previous one (and SHA-256 only their directories). It ends a
   * write generation, so the writes after it are seen (see `writeGeneration`).
   * `fullDigest()` computes the same value with no cache (tests check the two agree).
   */
  digest(): Digest {
    this.shareEvents++; // shared pages' hashes get cached by page object
    const generation = this.writeGeneration;
    const h = new Digester().f64(this.sizeBytes);
    for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) continue;
      if (dir.digest === undefined || dir.dirWrittenGen > dir.digestGen) {
        const entries = new DirectoryDigestInput();
        for (let s = 0; s < DIR_ENTRIES; s++) {
          const page = dir.pages[s];
          if (page === undefined) continue;
          let pd = dir.pageDigests[s];
          if (pd === undefined || dir.writtenGen[s]! > dir.pageDigestGen[s]!) {
            pd = dir.owned[s] === 1 ? pageDigest(page) : sharedPageDigest(page);
            dir.pageDigests[s] = pd;
            dir.pageDigestGen[s] = generation;
          }
          if (pd === ZERO_PAGE_DIGEST) continue;
          entries.add(s, pd);
        }
        // A directory of zero pages digests like an absent one.
        dir.digest = entries.count === 0 ? ZERO_PAGE_DIGEST : entries.digest();
        dir.digestGen = generation;
      }
      if (dir.digest !== ZERO_PAGE_DIGEST) h.f64(d).text(dir.digest);
    }
    // Pages digested in place stay owned: the next write to any of them must be stamped.
    this.startWriteGeneration();
    return h.done();
  }

  /** `digest()` recomputed from every page's bytes, ignoring every cache (for tests and checks). */
  fullDigest(): Digest {
    const h = new Digester().f64(this.sizeBytes);
    for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) continue;
      const dh = new Digester();
      let nonZero = 0;
      for (let s = 0; s < DIR_ENTRIES; s++) {
        const page = dir.pages[s];
        if (page === undefined) continue;
        const pd = pageDigest(page);
        if (pd === ZERO_PAGE_DIGEST) continue;
        dh.f64(s).text(pd);
        nonZero++;
      }
      if (nonZero > 0) h.f64(d).text(dh.done());
    }
    return h.done();
  }
}

/**
 * Digests of shared pages, by page object. A page that is not owned by any memory is immutable
 * (every write clones it first), so its digest never changes: checkpoints after a snapshot or a
 * preservation copy hash only the pages written since.
 */
const SHARED_PAGE_DIGESTS = new WeakMap<Uint8Array, Digest>();
const ZERO_PAGE_DIGEST = 'zero';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Content digest of one page: two 32-bit multiply-xorshift lanes over the page's little-endian
 * words (a page hash, not a cryptographic one: checkpoints compare runs of the same scenario, and
 * the page digests feed a SHA-256). Read through DataView on a big-endian host, so the value never
 * depends on the host's byte order.
 */
function pageDigest(page: Uint8Array): Digest {
  let a = 0x9e3779b9;
  let b = 0x85ebca6b;
  let any = 0;
  const n = PAGE_SIZE / 4;
  if (HOST_LITTLE_ENDIAN) {
    const w = new Uint32Array(page.buffer, page.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const x = w[i]!;
      any |= x;
      a = Math.imul(a ^ x, 0x01000193) ^ (a >>> 15);
      b = Math.imul(b + x, 0xc2b2ae35) ^ (b >>> 13);
    }
  } else {
    const dv = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
    for (let i = 0; i < n; i++) {
      const x = dv.getUint32(4 * i, true);
      any |= x;
      a = Math.imul(a ^ x, 0x01000193) ^ (a >>> 15);
      b = Math.imul(b + x, 0xc2b2ae35) ^ (b >>> 13);
    }
  }
  if (any === 0) return ZERO_PAGE_DIGEST;
  return `${(a >>> 0).toString(16)}.${(b >>> 0).toString(16)}`;
}

function sharedPageDigest(page: Uint8Array): Digest {
  let d = SHARED_PAGE_DIGESTS.get(page);
  if (d === undefined) {
    d = pageDigest(page);
    SHARED_PAGE_DIGESTS.set(page, d);
  }
  return d;
}

/**
 * The bytes a directory digest hashes — per non-zero page `f64(slot) ‖ text(pageDigest)` exactly
 * as `Digester` writes them — gathered in one buffer and hashed with one update (a checkpoint
 * hashes every written directory; thousands of tiny updates cost more than the hashing).
 */
class DirectoryDigestInput {
  private buf = new Uint8Array(16 * 1024);
  private view = new DataView(this.buf.buffer);
  private length = 0;
  count = 0;

  add(slot: number, pageDigest: string): void {
    // Page digests are ASCII (hex and '.'), so one char is one UTF-8 byte.
    const need = 12 + pageDigest.length;
    if (this.length + need > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2 + need);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.view.setFloat64(this.length, slot, false);
    this.view.setUint32(this.length + 8, pageDigest.length, false);
    let at = this.length + 12;
    for (let i = 0; i < pageDigest.length; i++) this.buf[at++] = pageDigest.charCodeAt(i);
    this.length = at;
    this.count++;
  }

  digest(): Digest {
    return new Digester().bytes(this.buf.subarray(0, this.length)).done();
  }
}

/**
 * memcmp through Buffer.compare, which takes Uint8Arrays as they are: an order of magnitude
 * faster than a JS byte loop, and half the cost of wrapping both sides in Buffers first.
 */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
