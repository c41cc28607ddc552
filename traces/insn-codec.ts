/**
 * Format v1's instruction codec (v1 traces still decode with it; v2 writes with
 * traces/insn-codec-v2.ts, which keeps this file's InsnModel as its second predictor).
 *
 * Compact encoding of retired instructions (`full` level), aiming at ≤ 1 byte per instruction
 * (design section 9) without general-purpose compression: zlib's output is not promised to be the
 * same across zlib builds and CPU feature paths, and trace bytes must be the same on every host.
 *
 * Encoder and decoder share one prediction model (`InsnModel`) and update it identically after each
 * record. An instruction the model predicts entirely costs nothing but its share of a run-length
 * op; otherwise one op lists only the fields that differ from the prediction. The model predicts:
 *
 *   pir    the thread that followed the previous record's thread last time (round robin);
 *   cycle  the previous cycle if the PIR went up, else the previous cycle + 1 (PIR-order ticks);
 *   nip    the target last taken from the thread's previous nip (a branch-target table), else +4;
 *   word   the word last seen at that nip (any thread);
 *   regs   per (thread, nip): the same registers as last time, each either the same delta to its
 *          old value (counters, pointers) or the same absolute value (constants);
 *   mem    per (thread, nip): the same number and size of stores, at the last address + the last
 *          stride, holding either the same literal bytes or the low bytes of the same GPR (BE/LE).
 *
 * Op stream (LEB128 varints, zigzag for signed deltas, 64-bit arithmetic modulo 2^64):
 *   RUN       varint (n << 1)          n ≥ 1 fully predicted records (first byte has bit 0 clear)
 *   EXPLICIT  one byte (flags << 1) | 1, then for each flag in order:
 *     PIR     (1)  varint pir
 *     CYCLE   (2)  zigzag(cycle − predicted cycle)
 *     NIP     (4)  zigzag(nip − predicted nip)
 *     WORD    (8)  4 bytes big-endian
 *     REGS    (16) varint count, per write: varint reg, value
 *     MEM     (32) varint count, per write: zigzag(addr − predicted addr), varint size, source byte
 *                  (0 literal + size bytes, 1 GPR big-endian + varint reg, 2 GPR little-endian + varint reg)
 *     REGVALS (64) the registers the model predicted, in order, each with a new value (no count, no
 *                  slots: the common "a load brought new data" case). Never together with REGS.
 *   value = varint (zigzag(delta) << 2 | 0), or varint (value << 2 | 1), or byte 2 + 8 bytes big-endian;
 *   the writer takes the shortest. Fields without a flag take the predicted value.
 */
import { PayloadError } from './codec.js';
import {
  MEM_WRITES_PER_INSN_MAX,
  MEM_WRITE_SIZE_MAX_BYTES,
  PIR_MAX,
  REG_SLOT_MAX,
  REG_WRITES_PER_INSN_MAX,
  U64_MAX,
  type InstructionRecord,
  type InstructionsPayload,
  type MemWrite,
  type RegWrite,
} from './format.js';

const Flag = { PIR: 1, CYCLE: 2, NIP: 4, WORD: 8, REGS: 16, MEM: 32, REGVALS: 64 } as const;
const VALUE_DELTA = 0n;
const VALUE_ABSOLUTE = 1n;
const VALUE_RAW = 2;
const GPR_COUNT = 32;
const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;

// ---------------------------------------------------------------------------------------------
// The shared model.

export interface RegShape {
  readonly reg: number;
  readonly absolute: boolean;
  /** The delta (mod 2^64) or the absolute value. */
  readonly operand: bigint;
}

export type MemSource = { readonly kind: 'literal'; readonly bytes: Uint8Array } | { readonly kind: 'gpr'; readonly reg: number; readonly littleEndian: boolean };

interface MemShape {
  readonly lastAddr: bigint;
  readonly stride: bigint;
  readonly source: MemSource;
  readonly sizeBytes: number;
}

interface Shape {
  regs: readonly RegShape[];
  mem: readonly MemShape[];
}

const EMPTY_SHAPE: Shape = { regs: [], mem: [] };

export class ThreadModel {
  nip: bigint | undefined = undefined;
  readonly regs = new Map<number, bigint>();
  readonly shapes = new Map<bigint, Shape>();
  /** End of the thread's last store: the base for a store at a nip without history. */
  memEnd = 0n;

  reg(slot: number): bigint {
    return this.regs.get(slot) ?? 0n;
  }
}

export function wrap(v: bigint): bigint {
  // v mod 2^64 in [0, 2^64): the same as ((v % 2^64) + 2^64) % 2^64, without two divisions.
  return BigInt.asUintN(64, v);
}

export function signed64(v: bigint): bigint {
  const w = wrap(v);
  return w >= TWO_63 ? w - TWO_64 : w;
}

export function zigzag(s: bigint): bigint {
  return s >= 0n ? s << 1n : ((-s) << 1n) - 1n;
}

export function unzigzag(z: bigint): bigint {
  return z & 1n ? -((z >> 1n) + 1n) : z >> 1n;
}

export function gprBytes(value: bigint, sizeBytes: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) {
    const byte = Number((value >> BigInt(8 * i)) & 0xffn);
    out[littleEndian ? i : sizeBytes - 1 - i] = byte;
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class InsnModel {
  private readonly threads = new Map<number, ThreadModel>();
  private readonly successor = new Map<number, number>();
  private readonly branchTargets = new Map<bigint, bigint>();
  private readonly words = new Map<bigint, number>();
  private lastPir = -1;
  private lastCycle = 0;

  thread(pir: number): ThreadModel {
    let t = this.threads.get(pir);
    if (t === undefined) {
      t = new ThreadModel();
      this.threads.set(pir, t);
    }
    return t;
  }

  /** undefined before the first record: there is nothing to follow. */
  predictPir(): number | undefined {
    if (this.lastPir < 0) return undefined;
    return this.successor.get(this.lastPir) ?? this.lastPir;
  }

  predictCycle(pir: number): number {
    if (this.lastPir < 0) return 0;
    return pir > this.lastPir ? this.lastCycle : this.lastCycle + 1;
  }

  predictNip(t: ThreadModel): bigint {
    if (t.nip === undefined) return 0n;
    return this.branchTargets.get(t.nip) ?? wrap(t.nip + 4n);
  }

  predictWord(nip: bigint): number | undefined {
    return this.words.get(nip);
  }

  shape(t: ThreadModel, nip: bigint): Shape {
    return t.shapes.get(nip) ?? EMPTY_SHAPE;
  }

  /** Register writes the shape predicts, applied in order (a slot written twice sees its first write). */
  predictRegs(t: ThreadModel, shape: Shape): RegWrite[] {
    const overlay = new Map<number, bigint>();
    return shape.regs.map((s) => {
      const old = overlay.get(s.reg) ?? t.reg(s.reg);
      const value = s.absolute ? s.operand : wrap(old + s.operand);
      overlay.set(s.reg, value);
      return { reg: s.reg, value };
    });
  }

  /** Stores the shape predicts; GPR sources read the thread's registers before this instruction. */
  predictMem(t: ThreadModel, shape: Shape): MemWrite[] {
    return shape.mem.map((s) => ({
      addr: wrap(s.lastAddr + s.stride),
      bytes: s.source.kind === 'literal' ? s.source.bytes : gprBytes(t.reg(s.source.reg), s.sizeBytes, s.source.littleEndian),
    }));
  }

  /** Base address for store `index` of an explicit record: the shape's prediction, else the last store's end. */
  memBase(t: ThreadModel, shape: Shape, index: number): bigint {
    const s = shape.mem[index];
    return s === undefined ? t.memEnd : wrap(s.lastAddr + s.stride);
  }

  /**
   * Advance the model past `rec`. `regShapes`/`memSources` are given when the record carried
   * explicit REGS/MEM (the new shape), and omitted when the prediction held (the shape stays).
   */
  commit(rec: InstructionRecord, regShapes: readonly RegShape[] | undefined, memSources: readonly MemSource[] | undefined): void {
    const t = this.thread(rec.pir);
    if (t.nip !== undefined) {
      const sequential = wrap(t.nip + 4n);
      const predicted = this.branchTargets.get(t.nip) ?? sequential;
      // Last outcome wins: a loop branch costs one miss at the exit and one on the next entry.
      if (rec.nip !== predicted) {
        if (rec.nip === sequential) this.branchTargets.delete(t.nip);
        else this.branchTargets.set(t.nip, rec.nip);
      }
    }
    this.words.set(rec.nip, rec.word);

    const old = t.shapes.get(rec.nip);
    if (regShapes !== undefined || memSources !== undefined) {
      const mem =
        memSources === undefined
          ? this.advanceMem(old?.mem ?? [], rec.mem)
          : rec.mem.map((w, i): MemShape => {
              const prev = old?.mem[i];
              const stride = prev === undefined ? 0n : wrap(w.addr - prev.lastAddr);
              return { lastAddr: w.addr, stride, source: memSources[i]!, sizeBytes: w.bytes.length };
            });
      t.shapes.set(rec.nip, { regs: regShapes ?? old?.regs ?? [], mem });
    } else if (old !== undefined && old.mem.length > 0) {
      old.mem = this.advanceMem(old.mem, rec.mem);
    }
    const lastStore = rec.mem[rec.mem.length - 1];
    if (lastStore !== undefined) t.memEnd = wrap(lastStore.addr + BigInt(lastStore.bytes.length));

    for (const w of rec.regs) t.regs.set(w.reg, w.value);
    t.nip = rec.nip;
    if (this.lastPir >= 0) this.successor.set(this.lastPir, rec.pir);
    this.lastPir = rec.pir;
    this.lastCycle = rec.cycle;
  }

  private advanceMem(shapes: readonly MemShape[], writes: readonly MemWrite[]): MemShape[] {
    return shapes.map((s, i) => ({ ...s, lastAddr: writes[i]!.addr }));
  }
}

// ---------------------------------------------------------------------------------------------
// Byte-level helpers.

export class ByteSink {
  private buf = new Uint8Array(4096);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  varint(v: number): void {
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  varbig(v: bigint): void {
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }

  /** Drop what was written, keeping the buffer (a scratch sink reused per record). */
  clear(): void {
    this.length = 0;
  }

  /** The bytes written so far, without copying (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export class ByteSource {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.b.length;
  }

  peek(): number {
    const v = this.b[this.pos];
    if (v === undefined) throw new PayloadError(`instruction ops end early at op byte ${this.pos}`);
    return v;
  }

  byte(): number {
    const v = this.b[this.pos];
    if (v === undefined) throw new PayloadError(`instruction ops end early at op byte ${this.pos}`);
    this.pos++;
    return v;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) throw new PayloadError(`instruction ops end early at op byte ${this.pos}`);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Unsigned varint up to `max` (at most 2^53 − 1). */
  varint(max: number, what: string): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (v > max) throw new PayloadError(`${what} ${v} exceeds ${max}`);
        return v;
      }
      scale *= 0x80;
    }
    throw new PayloadError(`${what} varint is too long`);
  }

  /** Unsigned varint of at most `bits` bits (≤ 10 bytes). */
  varbig(bits: number, what: string): bigint {
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (v >> BigInt(bits) !== 0n) throw new PayloadError(`${what} does not fit in ${bits} bits`);
        return v;
      }
    }
    throw new PayloadError(`${what} varint is too long`);
  }
}

export function varbigSizeBytes(v: bigint): number {
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Encoder.

/** Check a record from the simulator; a bad one is a simulator bug, reported by the caller. */
export function instructionProblem(r: InstructionRecord): string | undefined {
  if (!Number.isSafeInteger(r.cycle) || r.cycle < 0) return `cycle ${r.cycle}`;
  if (!Number.isInteger(r.pir) || r.pir < 0 || r.pir > PIR_MAX) return `pir ${r.pir}`;
  if (typeof r.nip !== 'bigint' || r.nip < 0n || r.nip > U64_MAX) return `nip ${String(r.nip)}`;
  if (!Number.isInteger(r.word) || r.word < 0 || r.word > 0xffff_ffff) return `word ${r.word}`;
  if (r.regs.length > REG_WRITES_PER_INSN_MAX) return `${r.regs.length} register writes`;
  for (const w of r.regs) {
    if (!Number.isInteger(w.reg) || w.reg < 0 || w.reg > REG_SLOT_MAX) return `register slot ${w.reg}`;
    if (typeof w.value !== 'bigint' || w.value < 0n || w.value > U64_MAX) return `register value ${String(w.value)}`;
  }
  if (r.mem.length > MEM_WRITES_PER_INSN_MAX) return `${r.mem.length} memory writes`;
  for (const w of r.mem) {
    if (typeof w.addr !== 'bigint' || w.addr < 0n || w.addr > U64_MAX) return `store address ${String(w.addr)}`;
    if (!(w.bytes instanceof Uint8Array) || w.bytes.length === 0 || w.bytes.length > MEM_WRITE_SIZE_MAX_BYTES) return 'store size';
  }
  return undefined;
}

export class InsnEncoder {
  private model = new InsnModel();
  private readonly out = new ByteSink();
  private run = 0;
  private recordCount = 0;
  private resetPending = true;

  get count(): number {
    return this.recordCount;
  }

  /** Bytes buffered so far (ops), to decide when to cut a chunk. */
  get sizeBytes(): number {
    return this.out.length + (this.run > 0 ? 4 : 0);
  }

  /** Forget all history: the next chunk decodes without any earlier chunk (done at checkpoints). */
  resetModel(): void {
    this.model = new InsnModel();
    this.resetPending = true;
  }

  add(r: InstructionRecord): void {
    const m = this.model;
    const t = m.thread(r.pir);
    let flags = 0;
    if (m.predictPir() !== r.pir) flags |= Flag.PIR;
    const cycleDelta = r.cycle - m.predictCycle(r.pir);
    if (cycleDelta !== 0) flags |= Flag.CYCLE;
    const predictedNip = m.predictNip(t);
    if (predictedNip !== r.nip) flags |= Flag.NIP;
    if (m.predictWord(r.nip) !== r.word) flags |= Flag.WORD;
    const shape = m.shape(t, r.nip);
    const regsHold = sameRegs(m.predictRegs(t, shape), r.regs);
    const sameSlots = shape.regs.length === r.regs.length && shape.regs.every((s, i) => s.reg === r.regs[i]!.reg);
    if (!regsHold) flags |= sameSlots ? Flag.REGVALS : Flag.REGS;
    const memHold = sameMem(m.predictMem(t, shape), r.mem);
    if (!memHold) flags |= Flag.MEM;

    if (flags === 0) {
      this.run++;
    } else {
      this.flushRun();
      this.out.byte(flags * 2 + 1);
      if (flags & Flag.PIR) this.out.varint(r.pir);
      if (flags & Flag.CYCLE) this.out.varbig(zigzag(BigInt(cycleDelta)));
      if (flags & Flag.NIP) this.out.varbig(zigzag(signed64(r.nip - predictedNip)));
      if (flags & Flag.WORD) this.out.bytes(Uint8Array.of(r.word >>> 24, (r.word >>> 16) & 0xff, (r.word >>> 8) & 0xff, r.word & 0xff));
    }
    const regShapes = regsHold ? undefined : this.writeRegs(t, r.regs, !sameSlots);
    const memSources = memHold ? undefined : this.writeMem(m, t, shape, r.mem);
    m.commit(r, regShapes, memSources);
    this.recordCount++;
  }

  /** The chunk payload for everything added since the last take; the model carries on. */
  take(): InstructionsPayload {
    this.flushRun();
    const payload = { count: this.recordCount, reset: this.resetPending, ops: this.out.take() };
    this.recordCount = 0;
    this.resetPending = false;
    return payload;
  }

  private flushRun(): void {
    if (this.run > 0) this.out.varint(this.run * 2);
    this.run = 0;
  }

  private writeRegs(t: ThreadModel, regs: readonly RegWrite[], withSlots: boolean): RegShape[] {
    if (withSlots) this.out.varint(regs.length);
    const overlay = new Map<number, bigint>();
    return regs.map((w) => {
      const old = overlay.get(w.reg) ?? t.reg(w.reg);
      overlay.set(w.reg, w.value);
      if (withSlots) this.out.varint(w.reg);
      const deltaTag = (zigzag(signed64(w.value - old)) << 2n) | VALUE_DELTA;
      const absoluteTag = (w.value << 2n) | VALUE_ABSOLUTE;
      const deltaSize = varbigSizeBytes(deltaTag);
      const absoluteSize = varbigSizeBytes(absoluteTag);
      // The shortest form wins; on a tie the delta, which keeps predicting a counter.
      if (Math.min(deltaSize, absoluteSize) > 9) {
        this.out.byte(VALUE_RAW);
        for (let i = 7; i >= 0; i--) this.out.byte(Number((w.value >> BigInt(8 * i)) & 0xffn));
        return { reg: w.reg, absolute: true, operand: w.value };
      }
      const absolute = absoluteSize < deltaSize;
      this.out.varbig(absolute ? absoluteTag : deltaTag);
      return { reg: w.reg, absolute, operand: absolute ? w.value : wrap(w.value - old) };
    });
  }

  private writeMem(m: InsnModel, t: ThreadModel, shape: Shape, mem: readonly MemWrite[]): MemSource[] {
    this.out.varint(mem.length);
    return mem.map((w, i) => {
      this.out.varbig(zigzag(signed64(w.addr - m.memBase(t, shape, i))));
      this.out.varint(w.bytes.length);
      const source = findGprSource(t, w.bytes);
      if (source.kind === 'literal') {
        this.out.byte(0);
        this.out.bytes(w.bytes);
      } else {
        this.out.byte(source.littleEndian ? 2 : 1);
        this.out.varint(source.reg);
      }
      return source;
    });
  }
}

/** The same register writes, in the same order (v2's predictions are compared with these too). */
export function sameRegs(a: readonly RegWrite[], b: readonly RegWrite[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.reg !== b[i]!.reg || a[i]!.value !== b[i]!.value) return false;
  return true;
}

export function sameMem(a: readonly MemWrite[], b: readonly MemWrite[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.addr !== b[i]!.addr || !sameBytes(a[i]!.bytes, b[i]!.bytes)) return false;
  return true;
}

/** The lowest GPR whose low bytes are the stored bytes (big-endian first), else the literal. */
export function findGprSource(t: ThreadModel, bytes: Uint8Array): MemSource {
  if (bytes.length <= 8) {
    for (let reg = 0; reg < GPR_COUNT; reg++) {
      const v = t.reg(reg);
      if (sameBytes(gprBytes(v, bytes.length, false), bytes)) return { kind: 'gpr', reg, littleEndian: false };
      if (sameBytes(gprBytes(v, bytes.length, true), bytes)) return { kind: 'gpr', reg, littleEndian: true };
    }
  }
  return { kind: 'literal', bytes: bytes.slice() };
}

// ---------------------------------------------------------------------------------------------
// Decoder.

export class InsnDecoder {
  private model = new InsnModel();
  private started = false;

  /** Decode one chunk. Throws PayloadError on any inconsistency; never loops past `count`. */
  decode(p: InstructionsPayload): InstructionRecord[] {
    if (p.reset) this.model = new InsnModel();
    else if (!this.started) throw new PayloadError('first instructions chunk does not reset the decoder');
    this.started = true;
    const src = new ByteSource(p.ops);
    const out: InstructionRecord[] = [];
    while (!src.done) {
      if ((src.peek() & 1) === 1) {
        const flags = src.byte() >> 1;
        if (flags === 0 || (flags & Flag.REGS && flags & Flag.REGVALS)) throw new PayloadError(`bad op flags ${flags}`);
        if (out.length + 1 > p.count) throw new PayloadError(`more instructions than the chunk count ${p.count}`);
        out.push(this.explicit(src, flags));
      } else {
        const tag = src.varint(Number.MAX_SAFE_INTEGER, 'run length');
        const n = tag / 2;
        if (n === 0 || out.length + n > p.count) throw new PayloadError(`run of ${n} instructions overflows the chunk count ${p.count}`);
        for (let i = 0; i < n; i++) out.push(this.predicted());
      }
    }
    if (out.length !== p.count) throw new PayloadError(`chunk count says ${p.count} instructions, ops hold ${out.length}`);
    return out;
  }

  private predicted(): InstructionRecord {
    const m = this.model;
    const pir = m.predictPir();
    if (pir === undefined) throw new PayloadError('run before any explicit instruction');
    const t = m.thread(pir);
    const nip = m.predictNip(t);
    const word = m.predictWord(nip);
    if (word === undefined) throw new PayloadError(`run reaches nip 0x${nip.toString(16)} with no known instruction word`);
    const shape = m.shape(t, nip);
    const rec = { cycle: m.predictCycle(pir), pir, nip, word, regs: m.predictRegs(t, shape), mem: m.predictMem(t, shape) };
    this.checkCycle(rec.cycle);
    m.commit(rec, undefined, undefined);
    return rec;
  }

  private explicit(src: ByteSource, flags: number): InstructionRecord {
    const m = this.model;
    let pir = m.predictPir();
    if (flags & Flag.PIR) pir = src.varint(PIR_MAX, 'pir');
    if (pir === undefined) throw new PayloadError('first instruction has no pir');
    let cycle = m.predictCycle(pir);
    if (flags & Flag.CYCLE) cycle += Number(unzigzag(src.varbig(64, 'cycle delta')));
    this.checkCycle(cycle);
    const t = m.thread(pir);
    let nip = m.predictNip(t);
    if (flags & Flag.NIP) nip = wrap(nip + unzigzag(src.varbig(64, 'nip delta')));
    let word = m.predictWord(nip);
    if (flags & Flag.WORD) {
      const b = src.bytes(4);
      word = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    }
    if (word === undefined) throw new PayloadError(`nip 0x${nip.toString(16)} has no known instruction word`);
    const shape = m.shape(t, nip);
    let regs = m.predictRegs(t, shape);
    let regShapes: RegShape[] | undefined;
    if (flags & (Flag.REGS | Flag.REGVALS)) [regs, regShapes] = this.readRegs(src, t, flags & Flag.REGS ? undefined : shape.regs);
    let mem = m.predictMem(t, shape);
    let memSources: MemSource[] | undefined;
    if (flags & Flag.MEM) [mem, memSources] = this.readMem(src, t, shape);
    const rec = { cycle, pir, nip, word, regs, mem };
    m.commit(rec, regShapes, memSources);
    return rec;
  }

  private checkCycle(cycle: number): void {
    if (!Number.isSafeInteger(cycle) || cycle < 0) throw new PayloadError(`instruction cycle ${cycle} is out of range`);
  }

  /** `slots` given: REGVALS, the predicted registers with new values; else REGS with count and slots. */
  private readRegs(src: ByteSource, t: ThreadModel, slots: readonly RegShape[] | undefined): [RegWrite[], RegShape[]] {
    if (slots !== undefined && slots.length === 0) throw new PayloadError('new register values for an instruction that writes none');
    const n = slots === undefined ? src.varint(REG_WRITES_PER_INSN_MAX, 'register write count') : slots.length;
    const overlay = new Map<number, bigint>();
    const regs: RegWrite[] = [];
    const shapes: RegShape[] = [];
    for (let i = 0; i < n; i++) {
      const reg = slots === undefined ? src.varint(REG_SLOT_MAX, 'register slot') : slots[i]!.reg;
      const old = overlay.get(reg) ?? t.reg(reg);
      let absolute: boolean;
      let operand: bigint;
      if (src.peek() === VALUE_RAW) {
        src.byte();
        absolute = true;
        operand = 0n;
        for (const b of src.bytes(8)) operand = (operand << 8n) | BigInt(b);
      } else {
        const tag = src.varbig(66, 'register value');
        const mode = tag & 3n;
        if (mode !== VALUE_DELTA && mode !== VALUE_ABSOLUTE) throw new PayloadError(`register value mode ${mode}`);
        absolute = mode === VALUE_ABSOLUTE;
        operand = absolute ? tag >> 2n : wrap(unzigzag(tag >> 2n));
      }
      if (absolute && operand > U64_MAX) throw new PayloadError('register value exceeds 64 bits');
      const value = absolute ? operand : wrap(old + operand);
      overlay.set(reg, value);
      regs.push({ reg, value });
      shapes.push({ reg, absolute, operand });
    }
    return [regs, shapes];
  }

  private readMem(src: ByteSource, t: ThreadModel, shape: Shape): [MemWrite[], MemSource[]] {
    const n = src.varint(MEM_WRITES_PER_INSN_MAX, 'store count');
    const mem: MemWrite[] = [];
    const sources: MemSource[] = [];
    for (let i = 0; i < n; i++) {
      const addr = wrap(this.model.memBase(t, shape, i) + unzigzag(src.varbig(64, 'store address delta')));
      const sizeBytes = src.varint(MEM_WRITE_SIZE_MAX_BYTES, 'store size');
      if (sizeBytes === 0) throw new PayloadError('store of 0 bytes');
      const kind = src.byte();
      let source: MemSource;
      if (kind === 0) source = { kind: 'literal', bytes: src.bytes(sizeBytes) };
      else if (kind === 1 || kind === 2) {
        if (sizeBytes > 8) throw new PayloadError(`GPR store of ${sizeBytes} bytes`);
        source = { kind: 'gpr', reg: src.varint(GPR_COUNT - 1, 'store source GPR'), littleEndian: kind === 2 };
      } else throw new PayloadError(`store source kind ${kind}`);
      const bytes = source.kind === 'literal' ? source.bytes : gprBytes(t.reg(source.reg), sizeBytes, source.littleEndian);
      mem.push({ addr, bytes });
      sources.push(source);
    }
    return [mem, sources];
  }
}
