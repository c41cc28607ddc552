/**
 * The Power ISA interpreter: fetch → predecoded Op → handler → retire, on one thread's state.
 *
 * Registers stay as 32-bit halves in ThreadState.r (no BigInt on the hot path). Decoded
 * instructions are cached per physical page and byte order, shared by every interpreter on the
 * same PhysicalMemory; the memory tells the cache when a decoded page is written (stores, DMA
 * copies, firmware fills), so self-modifying and freshly loaded code is always re-decoded.
 *
 * Interrupt model (docs/isa.md): nothing is delivered to guest vectors here. A trap whose
 * condition holds returns Step.TRAP with the state untouched (NIP at the trap); an illegal or
 * privileged instruction, a storage error, or an alignment interrupt returns Step.FAULT with the
 * state untouched and `lastFault()` describing it. The machine (or `exec`) decides what follows.
 */
import { Step, type Executor, type InstructionObserver, type StepOutcome } from './executor.js';
import { DEC_SLOT, SLOT_COUNT, decrementerValue, type ThreadState } from './state.js';
import { changedRegisters, storedBytes } from './observe.js';
import { hiLoToBigInt } from '../core/u64.js';
import { PhysicalMemory, PAGE_SHIFT, PAGE_SIZE } from '../mem/physical-memory.js';
import { TransactionError } from '../core/errors.js';
import { Flow, type Cpu, type FaultKind, type FlowCode, type Op } from '../isa/op.js';
import { buildOp } from '../isa/decode.js';
import { disasm } from '../isa/disasm.js';
import { NIP_HI, NIP_LO, MSR_LO, MSR_LE_LO, hex64 } from '../isa/sem/common.js';
import { realAddress } from '../isa/sem/load-store.js';
import { translateRegion, type Block } from './blocks.js';

export interface InterpreterOptions {
  /** `opal-entry-address`: fetching from it returns Step.OPAL_ENTRY without retiring anything. */
  readonly opalEntryAddress?: bigint | undefined;
  /** `sc` handler (user-mode exec). Without one, `sc` is a FAULT. 'exit' stops `run`. */
  readonly onSyscall?: ((t: ThreadState) => 'continue' | 'exit') | undefined;
}

const WORDS_PER_PAGE = PAGE_SIZE / 4;
const PAGES_PER_4G = 2 ** (32 - PAGE_SHIFT);

/**
 * What is derived from one page's bytes in one byte order: decoded instructions (filled lazily)
 * and translated regions. It depends only on those bytes, the page's address and the byte order,
 * so it is shared by every machine whose memory holds the same page there (TRANSLATIONS below).
 */
class PageTranslation {
  readonly ops: (Op | undefined)[] = new Array<Op | undefined>(WORDS_PER_PAGE).fill(undefined);
  /** Translated blocks by starting slot (sim/cpu/blocks.ts), for `run`; created on first use. */
  blocks: (Block | null | undefined)[] | undefined;
  /** The effective-address high word the blocks were made for (they write NIP from it). */
  blocksHi = 0;
  /** Executions of each slot by the step tier, before a region holds it. */
  heat: Uint8Array | undefined;

  constructor(
    readonly key: string,
    /** A copy of the page's bytes: a hit is confirmed byte for byte, never trusted to the hash. */
    readonly bytes: Uint8Array,
  ) {}
}

/** One memory's view of a page's translation; `valid` drops when the memory writes the page. */
class DecodedPage {
  valid = true;
  readonly ops: (Op | undefined)[];
  constructor(readonly t: PageTranslation) {
    this.ops = t.ops;
  }
}

/**
 * Translations by page content, across machines (every scenario boots the same firmware and
 * workload bytes at the same addresses, and `exec`/the bench run the same ELF many times).
 * Keyed by byte order, physical page and a hash of the bytes, confirmed by comparing the bytes;
 * bounded, dropping the oldest entry first. Self-modifying code stays sound: each memory still
 * watches its decoded pages and drops its DecodedPage on a write, and the next fetch looks the
 * new bytes up. Which entries are cached never changes results, only how fast they come.
 */
const TRANSLATIONS = new Map<string, PageTranslation>();
const TRANSLATIONS_MAX = 4096;

/** Empty the cross-machine translation cache (the bench, to time cold runs). */
export function clearTranslationCache(): void {
  TRANSLATIONS.clear();
}

/** FNV-1a over the page's 32-bit words: a cheap key; equality is checked on the bytes. */
function pageHash(bytes: Uint8Array): number {
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, WORDS_PER_PAGE);
  let h = 0x811c9dc5;
  for (let i = 0; i < WORDS_PER_PAGE; i++) h = Math.imul(h ^ w[i]!, 0x01000193);
  return h >>> 0;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, WORDS_PER_PAGE);
  const y = new Uint32Array(b.buffer, b.byteOffset, WORDS_PER_PAGE);
  for (let i = 0; i < WORDS_PER_PAGE; i++) if (x[i] !== y[i]) return false;
  return true;
}

function translationFor(pageIndex: number, le: boolean, bytes: Uint8Array): PageTranslation {
  const key = `${le ? 'l' : 'b'}${pageIndex}:${pageHash(bytes)}`;
  const hit = TRANSLATIONS.get(key);
  if (hit !== undefined && bytesEqual(hit.bytes, bytes)) return hit;
  const t = new PageTranslation(key, bytes.slice());
  if (hit === undefined && TRANSLATIONS.size >= TRANSLATIONS_MAX) TRANSLATIONS.delete(TRANSLATIONS.keys().next().value!);
  // A colliding key (same hash, other bytes) is replaced: the newest content wins the slot.
  TRANSLATIONS.set(key, t);
  return t;
}

/** Translate a block on its second entry: straight-line code run once is not worth compiling. */
const BLOCK_HEAT_THRESHOLD = 2;

/** Predecode cache of one PhysicalMemory, for both byte orders. */
class CodeCache {
  private readonly pages = [new Map<number, DecodedPage>(), new Map<number, DecodedPage>()];

  constructor(private readonly mem: PhysicalMemory) {
    mem.setCodeWatcher((pageIndex) => this.invalidate(pageIndex));
  }

  page(pageIndex: number, le: boolean): DecodedPage {
    const map = this.pages[le ? 1 : 0]!;
    let p = map.get(pageIndex);
    if (p === undefined) {
      // Watch first: the bytes looked up are the ones any later write would change.
      this.mem.watchPage(pageIndex);
      p = new DecodedPage(translationFor(pageIndex, le, this.mem.readablePage(pageIndex)));
      map.set(pageIndex, p);
    }
    return p;
  }

  private invalidate(pageIndex: number): void {
    for (const map of this.pages) {
      const p = map.get(pageIndex);
      if (p === undefined) continue;
      p.valid = false;
      map.delete(pageIndex);
    }
  }
}

const CACHES = new WeakMap<PhysicalMemory, CodeCache>();

function cacheFor(mem: PhysicalMemory): CodeCache {
  let c = CACHES.get(mem);
  if (c === undefined) {
    c = new CodeCache(mem);
    CACHES.set(mem, c);
  }
  return c;
}

/** Why `run` returned. */
export const RunEnd = { ...Step, /** The instruction budget ran out. */ LIMIT: 4, /** onSyscall said 'exit'. */ EXIT: 5 } as const;
export type RunEndCode = (typeof RunEnd)[keyof typeof RunEnd];

const NO_THREAD_REGS = new Uint32Array(0);
const NO_PAGE = new Uint8Array(0);

export class Interpreter implements Executor, Cpu {
  /** Instructions retired by this interpreter (all threads it ran); the time base derives from it. */
  retired = 0;
  /** Set by the machine under a cycle-derived time base (cost-2); see Cpu.timeBaseSource. */
  timeBaseSource: (() => number) | undefined = undefined;
  r: Uint32Array = NO_THREAD_REGS;
  thread!: ThreadState;
  mem!: PhysicalMemory;
  le = false;
  eaHi = 0;
  eaLo = 0;
  tlbEpoch = -1;
  rIndex = -1;
  rPage: Uint8Array = NO_PAGE;
  wIndex = -1;
  wPage: Uint8Array = NO_PAGE;

  private readonly opalHi: number;
  private readonly opalLo: number;
  private readonly onSyscall: InterpreterOptions['onSyscall'];
  /** The OPAL entry's physical page: `run` steps there instead of using blocks. */
  private readonly opalPageIndex: number;
  private cache: CodeCache | undefined;
  private pageIndex = -1;
  private pageLe = false;
  private page: DecodedPage | undefined;
  private faultKind: FaultKind | 'trap' | undefined;
  private faultText = '';
  private exitRequested = false;
  /** stepObserved's copy of the registers before the step. */
  private readonly registersBefore = new Uint32Array(SLOT_COUNT * 2);

  constructor(options: InterpreterOptions = {}) {
    const opal = options.opalEntryAddress;
    // -1 never equals a register half, so "no OPAL entry" costs one compare per step.
    this.opalHi = opal === undefined ? -1 : Number((opal >> 32n) & 0xffff_ffffn);
    this.opalLo = opal === undefined ? -1 : Number(opal & 0xffff_ffffn);
    this.onSyscall = options.onSyscall;
    this.opalPageIndex = opal === undefined ? -1 : Number((opal & 0x0fff_ffff_ffff_ffffn) >> BigInt(PAGE_SHIFT));
  }

  /** Retire at most one instruction of `t`. */
  step(t: ThreadState, mem: PhysicalMemory): StepOutcome {
    if (t !== this.thread || mem !== this.mem) this.bind(t, mem);
    const r = this.r;
    const nipHi = r[NIP_HI]!;
    const nipLo = r[NIP_LO]!;
    if (nipLo === this.opalLo && nipHi === this.opalHi) return Step.OPAL_ENTRY;
    const le = (r[MSR_LO]! & MSR_LE_LO) !== 0;
    this.le = le;
    const pageIndex = (nipHi & 0x0fff_ffff) * PAGES_PER_4G + (nipLo >>> PAGE_SHIFT);
    let page = this.page;
    if (pageIndex !== this.pageIndex || le !== this.pageLe || page === undefined || !page.valid) {
      if ((pageIndex + 1) * PAGE_SIZE > mem.sizeBytes) {
        return this.fault('storage', `instruction storage interrupt: fetch outside RAM`);
      }
      page = this.cache!.page(pageIndex, le);
      this.page = page;
      this.pageIndex = pageIndex;
      this.pageLe = le;
    }
    const slot = (nipLo & (PAGE_SIZE - 1)) >>> 2;
    let op = page.ops[slot];
    if (op === undefined) {
      const a = realAddress(nipHi, nipLo & ~3);
      op = buildOp(le ? mem.read32LE(a) : mem.read32BE(a));
      page.ops[slot] = op;
    }
    let flow: FlowCode;
    try {
      flow = op.exec(this, op);
    } catch (e) {
      if (e instanceof TransactionError) return this.storageFault(e);
      throw e;
    }
    if (flow === Flow.NEXT) {
      const lo = nipLo + 4;
      if (lo > 0xffff_ffff) r[NIP_HI] = nipHi + 1;
      r[NIP_LO] = lo;
      this.retired++;
      return Step.RETIRED;
    }
    if (flow === Flow.JUMP) {
      this.retired++;
      return Step.RETIRED;
    }
    return this.finishStep(flow, op, nipHi, nipLo);
  }

  /**
   * `step`, reporting the retired instruction to `observe` with the registers it changed (a diff
   * of the register array) and the bytes it stored (read back at the handler's EA).
   */
  stepObserved(t: ThreadState, mem: PhysicalMemory, observe: InstructionObserver): StepOutcome {
    const before = this.registersBefore;
    before.set(t.r);
    const nipHi = t.r[NIP_HI]!;
    const nipLo = t.r[NIP_LO]!;
    const a = realAddress(nipHi, nipLo & ~3);
    // The word is fetched before the step: a store may overwrite its own instruction.
    const word = a + 4 <= mem.sizeBytes ? ((t.r[MSR_LO]! & MSR_LE_LO) !== 0 ? mem.read32LE(a) : mem.read32BE(a)) : 0;
    // The time base the instruction runs at (before it retires: a source may count `retired`).
    const tb = this.timeBaseSource?.();
    const outcome = this.step(t, mem);
    if (outcome === Step.RETIRED) {
      const changed = changedRegisters(before, t.r);
      // A counting DEC's slot holds its time-base-0 form (sim/cpu/state.ts DEC_SLOT): record the value mtspr wrote.
      const regs = tb === undefined ? changed : changed.map((w) => (w.reg === DEC_SLOT ? { reg: w.reg, value: BigInt(decrementerValue(Number(w.value & 0xffff_ffffn), tb)) } : w));
      observe(hiLoToBigInt(nipHi, nipLo), word, regs, storedBytes(word, this.eaHi, this.eaLo, mem));
    }
    return outcome;
  }

  /** TRAP or FAULT from a handler: record the trap's description (faults recorded themselves). */
  private finishStep(flow: FlowCode, op: Op, nipHi: number, nipLo: number): StepOutcome {
    if (flow === Flow.TRAP) {
      this.faultKind = 'trap';
      this.faultText = `trap at ${hex64(nipHi, nipLo)}: ${disasm(op.word)}`;
      return Step.TRAP;
    }
    return Step.FAULT;
  }

  /**
   * Step `t` until something other than a retired instruction happens, `onSyscall` asks to exit,
   * or `maxInstructions` have retired. For `exec` and the bench, which own the whole machine.
   *
   * Same semantics as calling `step` in a loop (tests/isa checks it for every budget), but hot
   * code runs as translated blocks (sim/cpu/blocks.ts); `step` handles the rest: cold code, `sc`,
   * the OPAL entry, the last instructions of the budget, and fetch faults.
   */
  run(t: ThreadState, mem: PhysicalMemory, maxInstructions: number): RunEndCode {
    const stopAt = this.retired + maxInstructions;
    this.exitRequested = false;
    if (t !== this.thread || mem !== this.mem) this.bind(t, mem);
    const r = this.r;
    while (this.retired < stopAt) {
      const region = this.blockAt(r);
      if (region !== undefined) {
        const before = this.retired;
        let flow: FlowCode;
        try {
          flow = region.fn(this, r, this.page!, stopAt - before, (r[NIP_LO]! & (PAGE_SIZE - 1)) >>> 2);
        } catch (e) {
          if (e instanceof TransactionError) return this.storageFault(e);
          throw e;
        }
        if (flow === Flow.TRAP) {
          const nipHi = r[NIP_HI]!;
          const nipLo = r[NIP_LO]!;
          return this.finishStep(flow, this.page!.ops[(nipLo & (PAGE_SIZE - 1)) >>> 2]!, nipHi, nipLo);
        }
        if (flow === Flow.FAULT) return Step.FAULT;
        // Nothing retired: the budget is smaller than the entry block; step the rest.
        if (this.retired !== before) continue;
      }
      const outcome = this.step(t, mem);
      if (this.exitRequested) return RunEnd.EXIT;
      if (outcome !== Step.RETIRED) return outcome;
    }
    return RunEnd.LIMIT;
  }

  /**
   * The translated block at NIP, translating it on its second entry; undefined when `step` must
   * run the instruction (cold code, a fetch fault, `sc`, or the OPAL entry's page, whose entry
   * address must be seen at an instruction boundary by `step`).
   */
  private blockAt(r: Uint32Array): Block | undefined {
    const nipHi = r[NIP_HI]!;
    const nipLo = r[NIP_LO]!;
    const le = (r[MSR_LO]! & MSR_LE_LO) !== 0;
    // Handlers called from a region read the data byte order here, as `step` sets it.
    this.le = le;
    const pageIndex = (nipHi & 0x0fff_ffff) * PAGES_PER_4G + (nipLo >>> PAGE_SHIFT);
    let page = this.page;
    if (pageIndex !== this.pageIndex || le !== this.pageLe || page === undefined || !page.valid) {
      if ((pageIndex + 1) * PAGE_SIZE > this.mem.sizeBytes) return undefined;
      page = this.cache!.page(pageIndex, le);
      this.page = page;
      this.pageIndex = pageIndex;
      this.pageLe = le;
    }
    if (pageIndex === this.opalPageIndex) return undefined;
    const slot = (nipLo & (PAGE_SIZE - 1)) >>> 2;
    const t = page.t;
    let blocks = t.blocks;
    if (blocks === undefined) {
      blocks = new Array<Block | null | undefined>(WORDS_PER_PAGE).fill(undefined);
      t.blocks = blocks;
      t.blocksHi = nipHi;
      t.heat = new Uint8Array(WORDS_PER_PAGE);
    }
    // The same physical page run through another EA alias (0xC000… vs 0): step it.
    if (t.blocksHi !== nipHi) return undefined;
    const b = blocks[slot];
    if (b !== undefined) return b ?? undefined;
    const heat = t.heat!;
    if (++heat[slot]! < BLOCK_HEAT_THRESHOLD) return undefined;
    const ops = page.ops;
    const mem = this.mem;
    const baseLo = (nipLo & ~(PAGE_SIZE - 1)) >>> 0;
    const opAt = (s: number): Op => {
      let op = ops[s];
      if (op === undefined) {
        const a = realAddress(nipHi, baseLo + 4 * s);
        op = buildOp(le ? mem.read32LE(a) : mem.read32BE(a));
        ops[s] = op;
      }
      return op;
    };
    const made = translateRegion(opAt, slot, baseLo, nipHi, WORDS_PER_PAGE, le, (s) => heat[s]! > 0, (s) => blocks[s] !== undefined) ?? null;
    blocks[slot] = made;
    if (made !== null) for (const s of made.starts) blocks[s] = made;
    return made ?? undefined;
  }

  /** Human description of the last TRAP or FAULT: cause, instruction and address. */
  lastFault(): string {
    return this.faultText;
  }

  /** The kind of the last TRAP or FAULT (which signal a user-mode process would get). */
  lastFaultKind(): FaultKind | 'trap' | undefined {
    return this.faultKind;
  }

  // ---------------------------------------------------------------- Cpu, for handlers

  raise(kind: FaultKind, detail: string): FlowCode {
    this.fault(kind, detail);
    return Flow.FAULT;
  }

  systemCall(): FlowCode {
    if (this.onSyscall === undefined) return this.raise('syscall', 'system call (sc) with no handler');
    // The handler sees NIP at the sc, as the kernel sees SRR0 - 4; we advance after it returns.
    if (this.onSyscall(this.thread) === 'exit') this.exitRequested = true;
    return Flow.NEXT;
  }

  // ---------------------------------------------------------------- internals

  private bind(t: ThreadState, mem: PhysicalMemory): void {
    this.thread = t;
    this.r = t.r;
    if (mem !== this.mem) {
      this.mem = mem;
      this.cache = cacheFor(mem);
      this.tlbEpoch = -1;
      this.rIndex = -1;
      this.wIndex = -1;
    }
    this.page = undefined;
    this.pageIndex = -1;
  }

  private fault(kind: FaultKind, detail: string): StepOutcome {
    this.faultKind = kind;
    this.faultText = `${detail} at ${hex64(this.r[NIP_HI]!, this.r[NIP_LO]!)}`;
    return Step.FAULT;
  }

  private storageFault(e: TransactionError): StepOutcome {
    const ea = hex64(this.eaHi, this.eaLo);
    return this.fault('storage', `data storage interrupt: ${e.write ? 'write' : 'read'} of ${e.sizeBytes} bytes at EA ${ea} outside RAM`);
  }
}
