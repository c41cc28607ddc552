/**
 * The execution model of the v2 instruction codec (traces/insn-codec-v2.ts): it predicts what an
 * instruction writes by running its word with the simulator's own handlers (sim/isa/sem) on a
 * model register file per thread and one sparse model memory shared by all threads.
 *
 * The model knows only what the stream showed: registers hold the values records wrote (0 before,
 * PIR excepted), memory holds the bytes records stored plus the bytes loads were seen to bring
 * (a load's result, once the record gives it, is written back at the load's address, so the next
 * load of those bytes is predicted). Nothing else is guessed: a register the firmware changed
 * outside the stream, the time base, data DMA'd in, all simply predict wrong, which costs the
 * codec bytes and never correctness — encoder and decoder hold the same model and update it from
 * the same actual records.
 *
 * Never throws, never loops, and allocates within fixed bounds whatever the records say: a handler
 * that faults, traps, or meets memory beyond RAM_SIZE_MAX_BYTES gives "no prediction"; the model
 * memory holds at most MODEL_PAGES_MAX pages (the oldest is dropped first), the decoded-op cache
 * at most OP_CACHE_MAX words.
 */
import { buildOp, decodeRow } from '../sim/isa/decode.js';
import { Flow, type Cpu, type CpuMemory, type FlowCode, type Op } from '../sim/isa/op.js';
import { MSR_LE_LO, MSR_LO, NIP_HI, NIP_LO } from '../sim/isa/sem/common.js';
import { realAddress } from '../sim/isa/sem/load-store.js';
import { SLOT_COUNT, Slot, ThreadState, sprSlot } from '../sim/cpu/state.js';
import { storedBytes } from '../sim/cpu/observe.js';
import { PAGE_SIZE, RAM_SIZE_MAX_BYTES } from '../sim/mem/physical-memory.js';
import type { InstructionRecord, MemWrite, RegWrite } from './format.js';
import { gprBytes, sameMem, sameRegs } from './insn-codec.js';

/** Model memory bound: 16 MiB of pages per decoder, whatever the input. */
export const MODEL_PAGES_MAX = 4096;
/**
 * Threads the model keeps registers for (~700 bytes each): any real machine has far fewer, and
 * without a bound a few input bytes per new PIR would each allocate a register file. Records of
 * threads beyond it get no execution prediction (the v1 shape model still predicts them).
 */
export const MODEL_THREADS_MAX = 1024;
const OP_CACHE_MAX = 65_536;
const PAGE_MASK = PAGE_SIZE - 1;
const ZERO_PAGE = new Uint8Array(PAGE_SIZE);
const PIR_SLOT = sprSlot('PIR');
const U64 = (1n << 64n) - 1n;
/** Values `solve` tries per record: a few runs of one instruction, only where execution missed. */
const GUESSES_MAX = 12;

class ModelFault extends Error {}

/**
 * The handlers' view of memory (CpuMemory), sparse and bounded. Outside `speculate` every write
 * is an actual effect from a record; inside, the pages a handler takes for writing are copied
 * first and put back by `undo`, so a predicted store never outlives its prediction.
 */
export class ModelMemory implements CpuMemory {
  readonly sizeBytes = RAM_SIZE_MAX_BYTES;
  /** Bumped whenever a page object appears, changes identity or goes: the Cpu's TLB checks it. */
  pageEpoch = 0;
  /** Insertion-ordered (a Map), so the page dropped at the bound is the oldest, on every host. */
  private readonly pages = new Map<number, Uint8Array>();
  /** Pages written while speculating, with their bytes before (undefined: the page was absent). */
  private readonly saved = new Map<number, Uint8Array | undefined>();
  private speculating = false;
  /** Buffers for the saved pages, reused: a store is predicted on most records that store. */
  private readonly spare: Uint8Array[] = [];

  readablePage(pageIndex: number): Uint8Array {
    return this.pages.get(pageIndex) ?? ZERO_PAGE;
  }

  writablePage(pageIndex: number): Uint8Array {
    let page = this.pages.get(pageIndex);
    if (this.speculating && !this.saved.has(pageIndex)) {
      let copy: Uint8Array | undefined;
      if (page !== undefined) {
        copy = this.spare.pop() ?? new Uint8Array(PAGE_SIZE);
        copy.set(page);
      }
      this.saved.set(pageIndex, copy);
    }
    if (page === undefined) {
      // During a speculation the bound may be passed by the few pages one instruction writes; undo drops them.
      if (!this.speculating && this.pages.size >= MODEL_PAGES_MAX) this.pages.delete(this.pages.keys().next().value!);
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(pageIndex, page);
      this.pageEpoch++;
    }
    return page;
  }

  /** Start recording the pages written, to put them back with `undo`. */
  speculate(): void {
    this.speculating = true;
  }

  undo(): void {
    const saved = this.saved;
    this.speculating = false;
    if (saved.size === 0) return;
    for (const [pageIndex, before] of saved) {
      if (before === undefined) this.pages.delete(pageIndex);
      else {
        this.pages.get(pageIndex)!.set(before);
        this.spare.push(before);
      }
    }
    saved.clear();
    this.pageEpoch++;
  }

  private check(address: number, sizeBytes: number): void {
    if (!(Number.isSafeInteger(address) && address >= 0 && address + sizeBytes <= this.sizeBytes)) throw new ModelFault();
  }

  read8(address: number): number {
    this.check(address, 1);
    return this.readablePage(Math.floor(address / PAGE_SIZE))[address & PAGE_MASK]!;
  }

  write8(address: number, value: number): void {
    this.check(address, 1);
    this.writablePage(Math.floor(address / PAGE_SIZE))[address & PAGE_MASK] = value;
  }

  read32BE(address: number): number {
    return ((this.read8(address) << 24) | (this.read8(address + 1) << 16) | (this.read8(address + 2) << 8) | this.read8(address + 3)) >>> 0;
  }

  read32LE(address: number): number {
    return ((this.read8(address + 3) << 24) | (this.read8(address + 2) << 16) | (this.read8(address + 1) << 8) | this.read8(address)) >>> 0;
  }

  write32BE(address: number, value: number): void {
    for (let i = 0; i < 4; i++) this.write8(address + i, (value >>> (24 - 8 * i)) & 0xff);
  }

  write32LE(address: number, value: number): void {
    for (let i = 0; i < 4; i++) this.write8(address + i, (value >>> (8 * i)) & 0xff);
  }

  fill(address: number, sizeBytes: number, value: number): void {
    this.check(address, sizeBytes);
    for (let i = 0; i < sizeBytes; i++) this.write8(address + i, value);
  }

  readBytes(address: number, sizeBytes: number): Uint8Array {
    this.check(address, sizeBytes);
    const out = new Uint8Array(sizeBytes);
    for (let i = 0; i < sizeBytes; i++) out[i] = this.read8(address + i);
    return out;
  }

  /** An actual store (or a taught load): bytes outside the model's range are not kept. */
  writeBytes(address: number, bytes: Uint8Array): void {
    if (!(Number.isSafeInteger(address) && address >= 0 && address + bytes.length <= this.sizeBytes)) return;
    let done = 0;
    while (done < bytes.length) {
      const a = address + done;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      this.writablePage(Math.floor(a / PAGE_SIZE)).set(bytes.subarray(done, done + n), off);
      done += n;
    }
  }

  /** Pages held (tests check the bound). */
  get pageCount(): number {
    return this.pages.size;
  }
}

/** The Cpu the handlers run on: a scratch register file, the model memory, no interrupts. */
class ModelCpu implements Cpu {
  readonly r = new Uint32Array(SLOT_COUNT * 2);
  /** Handlers never read it (only the interpreter's `sc` path does); the Cpu contract wants one. */
  readonly thread = new ThreadState(0);
  le = false;
  /** The time base the model sees is always 0: mftb predicts wrong, as it must (no clock in the stream). */
  retired = 0;
  timeBaseSource: (() => number) | undefined = undefined;
  eaHi = 0;
  eaLo = 0;
  tlbEpoch = -1;
  rIndex = -1;
  rPage: Uint8Array = ZERO_PAGE;
  wIndex = -1;
  wPage: Uint8Array = ZERO_PAGE;

  constructor(readonly mem: ModelMemory) {}

  raise(): FlowCode {
    return Flow.FAULT;
  }

  systemCall(): FlowCode {
    return Flow.FAULT;
  }
}

/** How a load row reads memory, for teaching the model the bytes a load brought. */
interface LoadShape {
  readonly sizeBytes: number;
  readonly reversed: boolean;
  /** lmw: RT..r31, one big-endian word each. */
  readonly multiple: boolean;
}

const LOAD_SHAPES: Readonly<Record<string, LoadShape>> = (() => {
  const out: Record<string, LoadShape> = {};
  const plain = (names: string[], sizeBytes: number, reversed = false): void => {
    for (const n of names) out[n] = { sizeBytes, reversed, multiple: false };
  };
  plain(['LBZ', 'LBZU', 'LBZX', 'LBZUX'], 1);
  plain(['LHZ', 'LHZU', 'LHZX', 'LHZUX', 'LHA', 'LHAU', 'LHAX', 'LHAUX'], 2);
  plain(['LWZ', 'LWZU', 'LWZX', 'LWZUX', 'LWA', 'LWAX', 'LWAUX'], 4);
  plain(['LD', 'LDU', 'LDX', 'LDUX'], 8);
  plain(['LHBRX'], 2, true);
  plain(['LWBRX'], 4, true);
  plain(['LDBRX'], 8, true);
  out['LMW'] = { sizeBytes: 4, reversed: false, multiple: true };
  return out;
})();

/** Load and store rows of size ≥ 2, whose result depends on MSR[LE]: what `learnByteOrder` looks at. */
const ORDERED_ACCESSES = new Set(['LHZ', 'LHZU', 'LHZX', 'LHZUX', 'LHA', 'LHAU', 'LHAX', 'LHAUX', 'LWZ', 'LWZU', 'LWZX', 'LWZUX', 'LWA', 'LWAX', 'LWAUX', 'LD', 'LDU', 'LDX', 'LDUX', 'LHBRX', 'LWBRX', 'LDBRX',
  'STH', 'STHU', 'STHX', 'STHUX', 'STW', 'STWU', 'STWX', 'STWUX', 'STD', 'STDU', 'STDX', 'STDUX', 'STHBRX', 'STWBRX', 'STDBRX']);

interface DecodedWord {
  readonly op: Op;
  readonly load: LoadShape | undefined;
  readonly ordered: boolean;
}

/** What running one record's word on the model gave. */
export interface ExecPrediction {
  readonly regs: readonly RegWrite[];
  readonly mem: readonly MemWrite[];
  /** Where the thread goes next (the next record's nip, if nothing interrupts it). */
  readonly nextNip: bigint;
  /** The load's real address (loads only), where `commit` teaches the loaded bytes. */
  readonly loadAddr: number | undefined;
}

class ThreadRegs {
  readonly r = new Uint32Array(SLOT_COUNT * 2);
  /**
   * Slots whose model value came from the stream (a record wrote it, or `solve` found it); the
   * others read 0 and are only a placeholder for a value set before the stream started.
   */
  readonly known = new Uint8Array(SLOT_COUNT);
  nextNip: bigint | undefined = undefined;
  /** Nips where the shape predictor (v1) did better than execution last time. */
  readonly preferShape = new Set<bigint>();

  constructor(pir: number) {
    // The one register the stream implies without writing it: a record's pir is its PIR.
    this.r[2 * PIR_SLOT + 1] = pir >>> 0;
    this.known[PIR_SLOT] = 1;
  }

  get(slot: number): bigint {
    return (BigInt(this.r[2 * slot]!) << 32n) | BigInt(this.r[2 * slot + 1]!);
  }

  set(slot: number, value: bigint): void {
    this.r[2 * slot] = Number((value >> 32n) & 0xffff_ffffn);
    this.r[2 * slot + 1] = Number(value & 0xffff_ffffn);
  }
}

export class ExecModel {
  readonly memory = new ModelMemory();
  private readonly cpu = new ModelCpu(this.memory);
  private readonly threads = new Map<number, ThreadRegs>();
  private readonly ops = new Map<number, DecodedWord>();

  /** The thread's model registers, or undefined for a new PIR once MODEL_THREADS_MAX are kept. */
  thread(pir: number): ThreadRegs | undefined {
    let t = this.threads.get(pir);
    if (t === undefined) {
      if (this.threads.size >= MODEL_THREADS_MAX) return undefined;
      t = new ThreadRegs(pir);
      this.threads.set(pir, t);
    }
    return t;
  }

  /** Threads with model registers (tests check the bound). */
  get threadCount(): number {
    return this.threads.size;
  }

  /** The nip execution predicts for the thread's next record, if its last record ran on the model. */
  predictNip(pir: number): bigint | undefined {
    return this.threads.get(pir)?.nextNip;
  }

  prefersShape(pir: number, nip: bigint): boolean {
    return this.threads.get(pir)?.preferShape.has(nip) ?? false;
  }

  /** Run `word` at `nip` on the thread's model state; undefined when it does not retire on the model. */
  predict(pir: number, nip: bigint, word: number): ExecPrediction | undefined {
    const t = this.thread(pir);
    return t === undefined ? undefined : this.run(t, nip, word, false);
  }

  /**
   * Advance past the actual record `rec`: learn the byte order if execution got it wrong, teach
   * the bytes a load brought, apply its register writes and stores, and remember which predictor
   * to try first at this nip. `predicted` is what `predict` returned for it.
   */
  commit(rec: InstructionRecord, predicted: ExecPrediction | undefined, execHeld: boolean, shapeHeld: boolean): void {
    const t = this.thread(rec.pir);
    if (t === undefined) return;
    const d = this.decoded(rec.word);
    let p = predicted;
    let pHeld = execHeld;
    if (p !== undefined && !pHeld && d.ordered) {
      // MSR[LE] is set outside the stream (the kernel model, an OPAL return): a load or store that
      // comes out right in the other byte order says which one the thread runs in.
      const flipped = this.run(t, rec.nip, rec.word, true);
      if (flipped !== undefined && sameRegs(flipped.regs, rec.regs) && sameMem(flipped.mem, rec.mem)) {
        t.r[MSR_LO] = (t.r[MSR_LO]! ^ MSR_LE_LO) >>> 0;
        p = flipped;
        pHeld = true;
      }
    }
    if (p !== undefined && !pHeld) {
      const solved = this.solve(t, rec, d, p);
      if (solved !== undefined) {
        p = solved;
        pHeld = true;
      }
    }
    // A load that came out right read bytes the model already holds; one that did not is taught.
    if (p !== undefined && !pHeld && p.loadAddr !== undefined && d.load !== undefined) this.teach(t, rec, d, p.loadAddr);
    for (const w of rec.regs) {
      if (w.reg >= SLOT_COUNT || w.reg === Slot.NIP) continue;
      t.set(w.reg, w.value);
      t.known[w.reg] = 1;
    }
    for (const w of rec.mem) if (w.addr <= BigInt(RAM_SIZE_MAX_BYTES)) this.memory.writeBytes(Number(w.addr), w.bytes);
    t.nextNip = p?.nextNip;
    if (predicted !== undefined) {
      if (shapeHeld && !execHeld) t.preferShape.add(rec.nip);
      else if (execHeld && !shapeHeld) t.preferShape.delete(rec.nip);
    }
  }

  /**
   * Registers set before the stream started (or before the model's last reset) read 0 on the
   * model, so everything computed from them predicts wrong until a record writes them, which a
   * loop invariant never does. When execution missed and the word reads such a GPR, try the
   * values the record implies for it (the result minus, xor, or subtracted from what the model
   * computed with 0 there; a store's address offset; the stored bytes) and keep the first one
   * under which execution reproduces the record exactly. Returns that run's prediction.
   */
  private solve(t: ThreadRegs, rec: InstructionRecord, d: DecodedWord, p: ExecPrediction): ExecPrediction | undefined {
    const op = d.op;
    const unknown: number[] = [];
    for (const g of [op.RA, op.RB, op.RS, op.RC]) if (t.known[g] === 0 && !unknown.includes(g)) unknown.push(g);
    if (unknown.length === 0) return undefined;
    const guesses: bigint[] = [];
    const guess = (v: bigint): void => {
      const w = v & U64;
      if (!guesses.includes(w) && guesses.length < GUESSES_MAX) guesses.push(w);
    };
    for (const w of rec.regs) {
      if (w.reg >= 32) continue;
      let computed = t.get(w.reg);
      for (const q of p.regs) if (q.reg === w.reg) computed = q.value;
      guess(w.value - computed);
      guess(w.value ^ computed);
      guess(computed - w.value);
    }
    rec.mem.forEach((w, i) => {
      const q = p.mem[i];
      if (q !== undefined) guess(w.addr - q.addr);
      if (w.bytes.length <= 8) {
        guess(bytesValue(w.bytes, false));
        guess(bytesValue(w.bytes, true));
      }
    });
    for (const g of unknown) {
      for (const v of guesses) {
        t.set(g, v);
        const q = this.run(t, rec.nip, rec.word, false);
        if (q !== undefined && sameRegs(q.regs, rec.regs) && sameMem(q.mem, rec.mem)) {
          t.known[g] = 1;
          return q;
        }
      }
      t.set(g, 0n);
    }
    return undefined;
  }

  /** Write the loaded register's actual value back as the bytes it came from. */
  private teach(t: ThreadRegs, rec: InstructionRecord, d: DecodedWord, addr: number): void {
    const valueOf = (reg: number): bigint => {
      for (let i = rec.regs.length - 1; i >= 0; i--) if (rec.regs[i]!.reg === reg) return rec.regs[i]!.value;
      return t.get(reg);
    };
    const rt = d.op.RT;
    if (d.load!.multiple) {
      for (let reg = rt, a = addr; reg < 32; reg++, a += 4) this.memory.writeBytes(a, gprBytes(valueOf(reg), 4, false));
      return;
    }
    const le = ((t.r[MSR_LO]! & MSR_LE_LO) !== 0) !== d.load!.reversed;
    this.memory.writeBytes(addr, gprBytes(valueOf(rt), d.load!.sizeBytes, le));
  }

  private decoded(word: number): DecodedWord {
    let d = this.ops.get(word);
    if (d === undefined) {
      // Which words are cached never changes a prediction, only its cost: a full cache just starts over.
      if (this.ops.size >= OP_CACHE_MAX) this.ops.clear();
      const name = decodeRow(word)?.name ?? '';
      d = { op: buildOp(word), load: LOAD_SHAPES[name], ordered: ORDERED_ACCESSES.has(name) };
      this.ops.set(word, d);
    }
    return d;
  }

  private run(t: ThreadRegs, nip: bigint, word: number, flipLe: boolean): ExecPrediction | undefined {
    const c = this.cpu;
    const d = this.decoded(word);
    const r = c.r;
    r.set(t.r);
    const nipHi = Number((nip >> 32n) & 0xffff_ffffn);
    const nipLo = Number(nip & 0xffff_ffffn);
    r[NIP_HI] = nipHi;
    r[NIP_LO] = nipLo;
    if (flipLe) r[MSR_LO] = (r[MSR_LO]! ^ MSR_LE_LO) >>> 0;
    c.le = (r[MSR_LO]! & MSR_LE_LO) !== 0;
    c.retired = 0;
    c.eaHi = 0;
    c.eaLo = 0;
    // Page objects change between runs (actual stores, undo): start every run with an empty TLB.
    c.tlbEpoch = -1;
    c.rIndex = -1;
    c.wIndex = -1;
    const mem = this.memory;
    mem.speculate();
    try {
      let flow: FlowCode;
      try {
        flow = d.op.exec(c, d.op);
      } catch {
        // ModelFault (memory beyond the model's range) or a TransactionError-like escape: no prediction.
        return undefined;
      }
      if (flow !== Flow.NEXT && flow !== Flow.JUMP) return undefined;
      let nextNip: bigint;
      if (flow === Flow.NEXT) nextNip = (nip + 4n) & 0xffff_ffff_ffff_ffffn;
      else nextNip = (BigInt(r[NIP_HI]!) << 32n) | BigInt(r[NIP_LO]!);
      const regs: RegWrite[] = [];
      const before = t.r;
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        if (slot === Slot.NIP) continue;
        const hi = 2 * slot;
        // MSR's LE bit, flipped for this run only, is not a write of the instruction.
        const beforeLo = flipLe && slot === Slot.MSR ? (before[hi + 1]! ^ MSR_LE_LO) >>> 0 : before[hi + 1];
        if (before[hi] === r[hi] && beforeLo === r[hi + 1]) continue;
        regs.push({ reg: slot, value: (BigInt(r[hi]!) << 32n) | BigInt(r[hi + 1]!) });
      }
      let stores: MemWrite[];
      try {
        stores = storedBytes(word, c.eaHi, c.eaLo, mem);
      } catch {
        return undefined;
      }
      const loadAddr = d.load === undefined ? undefined : realAddress(c.eaHi, c.eaLo);
      return { regs, mem: stores, nextNip, loadAddr };
    } finally {
      mem.undo();
    }
  }
}

/** `bytes` as an unsigned integer in the given byte order. */
function bytesValue(bytes: Uint8Array, littleEndian: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bytes.length; i++) v = (v << 8n) | BigInt(bytes[littleEndian ? bytes.length - 1 - i : i]!);
  return v;
}
