/**
 * Format v2 of the `full`-level instruction codec. v1 (traces/insn-codec.ts) predicts a record's
 * register writes and stores from what the same (thread, nip) did last time, which cannot predict
 * loads of fresh data and arithmetic on it: 71 % of a short run's bytes. v2 adds a second
 * predictor that runs the record's word on a model of the machine built from the stream
 * (traces/exec-model.ts), so only what re-execution cannot recompute is written.
 *
 * Per record, the two effect predictors are ordered: execution first, unless it did not retire on
 * the model or the shape predictor (v1's per-(thread, nip) model) held where execution failed the
 * last time this thread ran this nip. The op names the predictor it diffs against only when it is
 * the second (ALT). Every other field is predicted as in v1, except the nip, which is where the
 * thread's previous record went on the model when it ran there, else v1's branch-target table.
 *
 * Op stream (LEB128 varints, zigzag for signed deltas, 64-bit arithmetic modulo 2^64):
 *   RUN       varint (n << 1)          n ≥ 1 fully predicted records
 *   EXPLICIT  varint (flags << 1 | 1), then for each flag in this order:
 *     PIR     (16)  varint pir
 *     CYCLE   (32)  zigzag(cycle − predicted cycle)
 *     NIP     (8)   zigzag(nip − predicted nip)
 *     WORD    (64)  4 bytes big-endian
 *     ALT     (4)   no bytes: registers and stores diff against the second predictor
 *     REGS    (128) varint count, per write: varint slot, value
 *     REGVALS (1)   the chosen predictor's registers, in order, each with a new value; never with REGS
 *     MEM     (2)   varint count, per store: zigzag(addr − base), varint size, source byte
 *                   (0 literal + size bytes | 1 GPR big-endian + varint reg | 2 GPR little-endian +
 *                   varint reg | 3 the chosen predictor's bytes for store i, same size);
 *                   base = the predictor's address for store i, else the end of store i − 1, else
 *                   the end of the thread's last store
 *   value = varint tag: (zigzag(value − old) << 2 | 0) | (value << 2 | 1) |
 *           (zigzag(value − predicted) << 2 | 2), predicted = the chosen predictor's value for the
 *           slot | tag 3 then 8 bytes big-endian. The writer takes the shortest.
 * Flags are numbered by frequency so that the common ops fit one byte.
 *
 * The payload's `check` is the CRC-32 of the decoded records (recordsCrc): a build whose ISA
 * semantics differ decodes a different stream, and the reader refuses it rather than returning it.
 */
import { PayloadError } from './codec.js';
import { crc32 } from './crc32.js';
import { ExecModel, type ExecPrediction } from './exec-model.js';
import {
  ByteSink,
  ByteSource,
  InsnModel,
  findGprSource,
  gprBytes,
  sameBytes,
  sameMem,
  sameRegs,
  signed64,
  unzigzag,
  varbigSizeBytes,
  wrap,
  zigzag,
  type RegShape,
  type ThreadModel,
} from './insn-codec.js';
import {
  MEM_WRITES_PER_INSN_MAX,
  MEM_WRITE_SIZE_MAX_BYTES,
  PIR_MAX,
  REG_SLOT_MAX,
  REG_WRITES_PER_INSN_MAX,
  STORED_BYTES_PER_CHUNK_MAX,
  U64_MAX,
  type InstructionRecord,
  type InstructionsPayload,
  type MemWrite,
  type RegWrite,
} from './format.js';

const Flag = { REGVALS: 1, MEM: 2, ALT: 4, NIP: 8, PIR: 16, CYCLE: 32, WORD: 64, REGS: 128 } as const;
const FLAGS_MAX = 255;
const MODE_OLD = 0n;
const MODE_ABSOLUTE = 1n;
const MODE_PREDICTED = 2n;
const TAG_RAW = 3n;
const SOURCE_LITERAL = 0;
const SOURCE_GPR_BE = 1;
const SOURCE_GPR_LE = 2;
const SOURCE_PREDICTED = 3;
const GPR_COUNT = 32;

/** One predictor's registers and stores for a record. */
interface Effects {
  readonly regs: readonly RegWrite[];
  readonly mem: readonly MemWrite[];
}

/** The two effect predictions for one record, in the order the op refers to them. */
interface Predictions {
  readonly exec: ExecPrediction | undefined;
  readonly shape: Effects;
  readonly first: Effects;
  readonly second: Effects | undefined;
}

function held(p: Effects | undefined, r: Effects): boolean {
  return p !== undefined && sameRegs(p.regs, r.regs) && sameMem(p.mem, r.mem);
}

/** Both models, advanced identically by encoder and decoder. */
class V2Model {
  readonly shapes = new InsnModel();
  readonly exec = new ExecModel();

  predictNip(pir: number, t: ThreadModel): bigint {
    return this.exec.predictNip(pir) ?? this.shapes.predictNip(t);
  }

  predictions(pir: number, t: ThreadModel, nip: bigint, word: number): Predictions {
    const exec = this.exec.predict(pir, nip, word);
    const s = this.shapes.shape(t, nip);
    const shape: Effects = { regs: this.shapes.predictRegs(t, s), mem: this.shapes.predictMem(t, s) };
    if (exec === undefined) return { exec, shape, first: shape, second: undefined };
    if (this.exec.prefersShape(pir, nip)) return { exec, shape, first: shape, second: exec };
    return { exec, shape, first: exec, second: shape };
  }

  /** Advance both models past the actual record. */
  commit(rec: InstructionRecord, t: ThreadModel, p: Predictions): void {
    const shapeHeld = held(p.shape, rec);
    const regShapes = sameRegs(p.shape.regs, rec.regs) ? undefined : regShapesOf(t, rec.regs);
    const memSources = sameMem(p.shape.mem, rec.mem) ? undefined : rec.mem.map((w) => findGprSource(t, w.bytes));
    this.exec.commit(rec, p.exec, held(p.exec, rec), shapeHeld);
    this.shapes.commit(rec, regShapes, memSources);
  }
}

/** v1's shape of new register writes: per write, the shorter of "same delta" and "same value". */
function regShapesOf(t: ThreadModel, regs: readonly RegWrite[]): RegShape[] {
  const overlay = new Map<number, bigint>();
  return regs.map((w) => {
    const old = overlay.get(w.reg) ?? t.reg(w.reg);
    overlay.set(w.reg, w.value);
    const delta = wrap(w.value - old);
    const absolute = varbigSizeBytes(w.value << 2n) < varbigSizeBytes(zigzag(signed64(delta)) << 2n);
    return { reg: w.reg, absolute, operand: absolute ? w.value : delta };
  });
}

function predictedValue(p: Effects, reg: number): bigint | undefined {
  for (const w of p.regs) if (w.reg === reg) return w.value;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The records' check.

/** One record's fields for the CRC, grown to the largest record seen. */
let crcBuffer = new Uint8Array(1024);
let crcView = new DataView(crcBuffer.buffer);

/**
 * CRC-32 of the records' fields in a fixed big-endian layout, continuing `previous`. Per record:
 * cycle f64, pir u32, nip u64, word u32, register count u16, store count u16, then per register
 * slot u16 and value u64, then per store address u64, size u32 and the bytes.
 */
export function recordsCrc(records: readonly InstructionRecord[], previous = 0): number {
  let c = previous;
  for (const r of records) {
    let size = 28 + 10 * r.regs.length;
    for (const w of r.mem) size += 12 + w.bytes.length;
    if (size > crcBuffer.length) {
      crcBuffer = new Uint8Array(size * 2);
      crcView = new DataView(crcBuffer.buffer);
    }
    const v = crcView;
    v.setFloat64(0, r.cycle);
    v.setUint32(8, r.pir);
    v.setBigUint64(12, r.nip);
    v.setUint32(20, r.word);
    v.setUint16(24, r.regs.length);
    v.setUint16(26, r.mem.length);
    let at = 28;
    for (const w of r.regs) {
      v.setUint16(at, w.reg);
      v.setBigUint64(at + 2, w.value);
      at += 10;
    }
    for (const w of r.mem) {
      v.setBigUint64(at, w.addr);
      v.setUint32(at + 8, w.bytes.length);
      crcBuffer.set(w.bytes, at + 12);
      at += 12 + w.bytes.length;
    }
    c = crc32(crcBuffer, 0, at, c);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Encoder.

export class InsnEncoderV2 {
  private model = new V2Model();
  private readonly out = new ByteSink();
  private readonly scratchA = new ByteSink();
  private readonly scratchB = new ByteSink();
  private run = 0;
  private recordCount = 0;
  private resetPending = true;
  private check = 0;
  private stored = 0;
  /** Op bytes written per field (docs/benchmarks.md's breakdown); run lengths count as `run`, flag bytes as `op`. */
  readonly bytesByField = { run: 0, op: 0, pir: 0, cycle: 0, nip: 0, word: 0, regs: 0, mem: 0 };
  /** Records whose effects were diffed against the second predictor (ALT). */
  altRecords = 0;

  get count(): number {
    return this.recordCount;
  }

  get sizeBytes(): number {
    return this.out.length + (this.run > 0 ? 4 : 0);
  }

  /** Bytes the chunk's records store so far: the writer cuts before STORED_BYTES_PER_CHUNK_MAX. */
  get storedBytes(): number {
    return this.stored;
  }

  resetModel(): void {
    this.model = new V2Model();
    this.resetPending = true;
  }

  add(r: InstructionRecord): void {
    const m = this.model;
    const v1 = m.shapes;
    const t = v1.thread(r.pir);
    let flags = 0;
    if (v1.predictPir() !== r.pir) flags |= Flag.PIR;
    const cycleDelta = r.cycle - v1.predictCycle(r.pir);
    if (cycleDelta !== 0) flags |= Flag.CYCLE;
    const predictedNip = m.predictNip(r.pir, t);
    if (predictedNip !== r.nip) flags |= Flag.NIP;
    if (v1.predictWord(r.nip) !== r.word) flags |= Flag.WORD;
    const p = m.predictions(r.pir, t, r.nip, r.word);

    // The effects: nothing if the first predictor held, ALT alone if the second did, else the
    // shorter of the two diffs (the first on a tie).
    let effects: ByteSink | undefined;
    let regsBytes = 0;
    if (!held(p.first, r)) {
      if (p.second !== undefined && held(p.second, r)) flags |= Flag.ALT;
      else {
        const a = this.effects(this.scratchA, t, p.first, r);
        const b = p.second === undefined ? undefined : this.effects(this.scratchB, t, p.second, r);
        const useSecond = b !== undefined && this.scratchB.length < this.scratchA.length;
        const chosen = useSecond ? b : a;
        flags |= chosen.flags | (useSecond ? Flag.ALT : 0);
        effects = useSecond ? this.scratchB : this.scratchA;
        regsBytes = chosen.regsBytes;
      }
    }

    if (flags === 0) this.run++;
    else {
      this.flushRun();
      const tally = this.bytesByField;
      let at = this.out.length;
      const count = (field: keyof typeof tally): void => {
        tally[field] += this.out.length - at;
        at = this.out.length;
      };
      this.out.varint(flags * 2 + 1);
      count('op');
      if (flags & Flag.PIR) this.out.varint(r.pir);
      count('pir');
      if (flags & Flag.CYCLE) this.out.varbig(zigzag(BigInt(cycleDelta)));
      count('cycle');
      if (flags & Flag.NIP) this.out.varbig(zigzag(signed64(r.nip - predictedNip)));
      count('nip');
      if (flags & Flag.WORD) this.out.bytes(Uint8Array.of(r.word >>> 24, (r.word >>> 16) & 0xff, (r.word >>> 8) & 0xff, r.word & 0xff));
      count('word');
      if (effects !== undefined) {
        this.out.bytes(effects.view());
        tally.regs += regsBytes;
        tally.mem += effects.length - regsBytes;
        at = this.out.length;
      }
      if (flags & Flag.ALT) this.altRecords++;
    }
    this.scratchA.clear();
    this.scratchB.clear();
    m.commit(r, t, p);
    this.check = recordsCrc([r], this.check);
    for (const w of r.mem) this.stored += w.bytes.length;
    this.recordCount++;
  }

  take(): InstructionsPayload {
    this.flushRun();
    const payload = { count: this.recordCount, reset: this.resetPending, ops: this.out.take(), check: this.check };
    this.recordCount = 0;
    this.resetPending = false;
    this.check = 0;
    this.stored = 0;
    return payload;
  }

  private flushRun(): void {
    const at = this.out.length;
    if (this.run > 0) this.out.varint(this.run * 2);
    this.bytesByField.run += this.out.length - at;
    this.run = 0;
  }

  /**
   * Write the register and store fields of `r` against predictor `p` into `sink`; returns their
   * flags and how many of the bytes are register fields (the rest are stores).
   */
  private effects(sink: ByteSink, t: ThreadModel, p: Effects, r: InstructionRecord): { flags: number; regsBytes: number } {
    let flags = 0;
    if (!sameRegs(p.regs, r.regs)) {
      const sameSlots = p.regs.length === r.regs.length && p.regs.every((w, i) => w.reg === r.regs[i]!.reg);
      flags |= sameSlots ? Flag.REGVALS : Flag.REGS;
      if (!sameSlots) sink.varint(r.regs.length);
      const overlay = new Map<number, bigint>();
      for (const w of r.regs) {
        if (!sameSlots) sink.varint(w.reg);
        const old = overlay.get(w.reg) ?? t.reg(w.reg);
        overlay.set(w.reg, w.value);
        writeValue(sink, w.value, old, predictedValue(p, w.reg));
      }
    }
    const regsBytes = sink.length;
    if (!sameMem(p.mem, r.mem)) {
      flags |= Flag.MEM;
      sink.varint(r.mem.length);
      let previousEnd = t.memEnd;
      r.mem.forEach((w, i) => {
        const predicted = p.mem[i];
        sink.varbig(zigzag(signed64(w.addr - (predicted?.addr ?? previousEnd))));
        sink.varint(w.bytes.length);
        previousEnd = wrap(w.addr + BigInt(w.bytes.length));
        if (predicted !== undefined && sameBytes(predicted.bytes, w.bytes)) {
          sink.byte(SOURCE_PREDICTED);
          return;
        }
        const source = findGprSource(t, w.bytes);
        if (source.kind === 'literal') {
          sink.byte(SOURCE_LITERAL);
          sink.bytes(w.bytes);
        } else {
          sink.byte(source.littleEndian ? SOURCE_GPR_LE : SOURCE_GPR_BE);
          sink.varint(source.reg);
        }
      });
    }
    return { flags, regsBytes };
  }
}

function writeValue(sink: ByteSink, value: bigint, old: bigint, predicted: bigint | undefined): void {
  let best = (zigzag(signed64(value - old)) << 2n) | MODE_OLD;
  const absolute = (value << 2n) | MODE_ABSOLUTE;
  if (varbigSizeBytes(absolute) < varbigSizeBytes(best)) best = absolute;
  if (predicted !== undefined) {
    const fromPrediction = (zigzag(signed64(value - predicted)) << 2n) | MODE_PREDICTED;
    if (varbigSizeBytes(fromPrediction) < varbigSizeBytes(best)) best = fromPrediction;
  }
  if (varbigSizeBytes(best) > 9) {
    sink.varbig(TAG_RAW);
    for (let i = 7; i >= 0; i--) sink.byte(Number((value >> BigInt(8 * i)) & 0xffn));
    return;
  }
  sink.varbig(best);
}

// ---------------------------------------------------------------------------------------------
// Decoder.

export class InsnDecoderV2 {
  private model = new V2Model();
  private started = false;
  /** Bytes stored by the chunk's records decoded so far (STORED_BYTES_PER_CHUNK_MAX). */
  private stored = 0;

  /** Decode one chunk. Throws PayloadError on any inconsistency; never loops past `count`. */
  decode(p: InstructionsPayload): InstructionRecord[] {
    if (p.check === undefined) throw new PayloadError('instructions chunk has no check');
    if (p.reset) this.model = new V2Model();
    else if (!this.started) throw new PayloadError('first instructions chunk does not reset the decoder');
    this.started = true;
    const src = new ByteSource(p.ops);
    const out: InstructionRecord[] = [];
    this.stored = 0;
    while (!src.done) {
      if ((src.peek() & 1) === 1) {
        const flags = (src.varint(FLAGS_MAX * 2 + 1, 'op flags') - 1) / 2;
        if (flags === 0 || (flags & Flag.REGS && flags & Flag.REGVALS)) throw new PayloadError(`bad op flags ${flags}`);
        if (out.length + 1 > p.count) throw new PayloadError(`more instructions than the chunk count ${p.count}`);
        out.push(this.record(src, flags));
      } else {
        const n = src.varint(Number.MAX_SAFE_INTEGER, 'run length') / 2;
        if (n === 0 || out.length + n > p.count) throw new PayloadError(`run of ${n} instructions overflows the chunk count ${p.count}`);
        for (let i = 0; i < n; i++) out.push(this.record(src, 0));
      }
    }
    if (out.length !== p.count) throw new PayloadError(`chunk count says ${p.count} instructions, ops hold ${out.length}`);
    const check = recordsCrc(out);
    // The ops decoded without error but to other records than were written: this build's ISA
    // semantics (or its model) differ from the recorder's. Refuse rather than return them.
    if (check !== p.check) throw new PayloadError(`decoded records fail the chunk check (CRC 0x${check.toString(16)}, recorded 0x${p.check.toString(16)}): recorded by a build with other instruction semantics`);
    return out;
  }

  private record(src: ByteSource, flags: number): InstructionRecord {
    const m = this.model;
    const v1 = m.shapes;
    let pir = v1.predictPir();
    if (flags & Flag.PIR) pir = src.varint(PIR_MAX, 'pir');
    if (pir === undefined) throw new PayloadError('first instruction has no pir');
    let cycle = v1.predictCycle(pir);
    if (flags & Flag.CYCLE) cycle += Number(unzigzag(src.varbig(64, 'cycle delta')));
    if (!Number.isSafeInteger(cycle) || cycle < 0) throw new PayloadError(`instruction cycle ${cycle} is out of range`);
    const t = v1.thread(pir);
    let nip = m.predictNip(pir, t);
    if (flags & Flag.NIP) nip = wrap(nip + unzigzag(src.varbig(64, 'nip delta')));
    let word = v1.predictWord(nip);
    if (flags & Flag.WORD) {
      const b = src.bytes(4);
      word = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    }
    if (word === undefined) throw new PayloadError(`nip 0x${nip.toString(16)} has no known instruction word`);
    const p = m.predictions(pir, t, nip, word);
    let chosen = p.first;
    if (flags & Flag.ALT) {
      if (p.second === undefined) throw new PayloadError('second predictor asked for where there is none');
      chosen = p.second;
    }
    let regs = chosen.regs;
    if (flags & (Flag.REGS | Flag.REGVALS)) regs = this.readRegs(src, t, chosen, (flags & Flag.REGVALS) !== 0);
    let mem = chosen.mem;
    if (flags & Flag.MEM) mem = this.readMem(src, t, chosen);
    const rec: InstructionRecord = { cycle, pir, nip, word, regs: regs.slice(), mem: mem.slice() };
    for (const w of rec.mem) this.stored += w.bytes.length;
    if (this.stored > STORED_BYTES_PER_CHUNK_MAX) throw new PayloadError(`instructions chunk stores more than ${STORED_BYTES_PER_CHUNK_MAX} bytes`);
    m.commit(rec, t, p);
    return rec;
  }

  private readRegs(src: ByteSource, t: ThreadModel, p: Effects, sameSlots: boolean): RegWrite[] {
    if (sameSlots && p.regs.length === 0) throw new PayloadError('new register values for an instruction predicted to write none');
    const n = sameSlots ? p.regs.length : src.varint(REG_WRITES_PER_INSN_MAX, 'register write count');
    const overlay = new Map<number, bigint>();
    const regs: RegWrite[] = [];
    for (let i = 0; i < n; i++) {
      const reg = sameSlots ? p.regs[i]!.reg : src.varint(REG_SLOT_MAX, 'register slot');
      const old = overlay.get(reg) ?? t.reg(reg);
      const value = readValue(src, old, predictedValue(p, reg));
      overlay.set(reg, value);
      regs.push({ reg, value });
    }
    return regs;
  }

  private readMem(src: ByteSource, t: ThreadModel, p: Effects): MemWrite[] {
    const n = src.varint(MEM_WRITES_PER_INSN_MAX, 'store count');
    const mem: MemWrite[] = [];
    let previousEnd = t.memEnd;
    for (let i = 0; i < n; i++) {
      const predicted = p.mem[i];
      const addr = wrap((predicted?.addr ?? previousEnd) + unzigzag(src.varbig(64, 'store address delta')));
      const sizeBytes = src.varint(MEM_WRITE_SIZE_MAX_BYTES, 'store size');
      if (sizeBytes === 0) throw new PayloadError('store of 0 bytes');
      previousEnd = wrap(addr + BigInt(sizeBytes));
      const kind = src.byte();
      let bytes: Uint8Array;
      if (kind === SOURCE_LITERAL) bytes = src.bytes(sizeBytes);
      else if (kind === SOURCE_GPR_BE || kind === SOURCE_GPR_LE) {
        if (sizeBytes > 8) throw new PayloadError(`GPR store of ${sizeBytes} bytes`);
        bytes = gprBytes(t.reg(src.varint(GPR_COUNT - 1, 'store source GPR')), sizeBytes, kind === SOURCE_GPR_LE);
      } else if (kind === SOURCE_PREDICTED) {
        if (predicted === undefined || predicted.bytes.length !== sizeBytes) throw new PayloadError(`store ${i} takes predicted bytes that do not exist`);
        bytes = predicted.bytes.slice();
      } else throw new PayloadError(`store source kind ${kind}`);
      mem.push({ addr, bytes });
    }
    return mem;
  }
}

function readValue(src: ByteSource, old: bigint, predicted: bigint | undefined): bigint {
  const tag = src.varbig(66, 'register value');
  if (tag === TAG_RAW) {
    let v = 0n;
    for (const b of src.bytes(8)) v = (v << 8n) | BigInt(b);
    return v;
  }
  const mode = tag & 3n;
  const operand = tag >> 2n;
  if (mode === MODE_OLD) return wrap(old + unzigzag(operand));
  if (mode === MODE_ABSOLUTE) {
    if (operand > U64_MAX) throw new PayloadError('register value exceeds 64 bits');
    return operand;
  }
  if (mode === MODE_PREDICTED) {
    if (predicted === undefined) throw new PayloadError('register value relative to a prediction that does not exist');
    return wrap(predicted + unzigzag(operand));
  }
  throw new PayloadError(`register value tag ${tag}`);
}
