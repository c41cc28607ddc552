/**
 * Trace writing. `TraceEncoder` turns a header, a stream of events and instruction records, and a
 * footer into chunk bytes; `TraceWriter` puts those bytes in a file atomically (temporary name in
 * the same directory, fsync, rename), so the final name never holds a partial trace.
 *
 * Determinism: the bytes depend only on the inputs. There are no timestamps, host names or paths
 * in the file, object keys are sorted before packing, and chunk boundaries depend only on counts.
 *
 * Chunks keep the order in which the machine emitted things: switching between events and
 * instructions closes the pending chunk of the other kind, so the reader yields items in exactly
 * the emission order and replay can compare them one by one.
 */
import type { SimEvent, TraceSink } from '../sim/trace/events.js';
import { SimBugError, UsageError, assert } from '../sim/core/errors.js';
import { digestBytes } from '../sim/core/digest.js';
import { PayloadError, packPayload, unpackPayload } from './codec.js';
import {
  ChunkKind,
  EVENTS_PER_CHUNK_MAX,
  FORMAT_VERSION,
  INSTRUCTIONS_PER_CHUNK_MAX,
  MEM_WRITES_PER_INSN_MAX,
  MEM_WRITE_SIZE_MAX_BYTES,
  PAYLOAD_SIZE_MAX_BYTES,
  STORED_BYTES_PER_CHUNK_MAX,
  UnknownVocabularyError,
  encodeChunk,
  encodePreamble,
  validateEvent,
  validateHeader,
  type EventsPayload,
  type InstructionRecord,
  type TraceFooter,
  type TraceFooterInput,
  type TraceHeader,
  type TraceHeaderInput,
  type TraceItem,
} from './format.js';
import { instructionProblem } from './insn-codec.js';
import { InsnEncoderV2 } from './insn-codec-v2.js';
import { OutputFile, type OutputTarget } from './output-file.js';

export interface TraceWriterOptions {
  /** Events per chunk (default 4096): small enough to stream, large enough that headers are noise. */
  readonly eventsPerChunk?: number;
  /** Instructions per chunk (default 65536, the format's maximum). */
  readonly instructionsPerChunk?: number;
}

const EVENTS_PER_CHUNK_DEFAULT = 4096;
/** Cut an instruction chunk well below the payload maximum: one record can add up to ~64 KiB. */
const INSTRUCTION_OPS_CUT_BYTES = 1024 * 1024;
/** Cut before the chunk's stores could pass STORED_BYTES_PER_CHUNK_MAX: one record stores at most 16 × 4 KiB. */
const INSTRUCTION_STORES_CUT_BYTES = STORED_BYTES_PER_CHUNK_MAX - MEM_WRITES_PER_INSN_MAX * MEM_WRITE_SIZE_MAX_BYTES;

export class TraceEncoder {
  private readonly eventsPerChunk: number;
  private readonly instructionsPerChunk: number;
  private readonly level: TraceHeader['traceLevel'];
  private pendingEvents: SimEvent[] = [];
  private readonly insns = new InsnEncoderV2();
  private eventCount = 0;
  private instructionCount = 0;
  private finished = false;

  constructor(
    header: TraceHeaderInput,
    private readonly output: (bytes: Uint8Array) => void,
    options: TraceWriterOptions = {},
  ) {
    this.eventsPerChunk = options.eventsPerChunk ?? EVENTS_PER_CHUNK_DEFAULT;
    this.instructionsPerChunk = options.instructionsPerChunk ?? INSTRUCTIONS_PER_CHUNK_MAX;
    assert(Number.isInteger(this.eventsPerChunk) && this.eventsPerChunk >= 1 && this.eventsPerChunk <= EVENTS_PER_CHUNK_MAX, 'eventsPerChunk in range');
    assert(
      Number.isInteger(this.instructionsPerChunk) && this.instructionsPerChunk >= 1 && this.instructionsPerChunk <= INSTRUCTIONS_PER_CHUNK_MAX,
      'instructionsPerChunk in range',
    );
    this.level = header.traceLevel;
    output(encodePreamble(FORMAT_VERSION));
    output(encodeChunk(ChunkKind.header, packHeader(header)));
  }

  event(e: SimEvent): void {
    assert(!this.finished, 'event after the footer');
    try {
      validateEvent(e.cycle, e.who, e.kind, e.data, 'event');
    } catch (err) {
      if (err instanceof PayloadError || err instanceof UnknownVocabularyError) throw new SimBugError(`trace writer got a malformed event: ${err.message}`);
      throw err;
    }
    this.flushInstructions();
    this.pendingEvents.push(e);
    this.eventCount++;
    // A checkpoint is a keyframe: instruction decoding can start again after it.
    if (e.kind === 'checkpoint') this.insns.resetModel();
    if (this.pendingEvents.length >= this.eventsPerChunk) this.flushEvents();
  }

  instruction(r: InstructionRecord): void {
    assert(!this.finished, 'instruction after the footer');
    assert(this.level === 'full', 'instruction records need trace level "full"');
    const problem = instructionProblem(r);
    if (problem !== undefined) throw new SimBugError(`trace writer got a malformed instruction record: ${problem}`);
    this.flushEvents();
    this.insns.add(r);
    this.instructionCount++;
    if (this.insns.count >= this.instructionsPerChunk || this.insns.sizeBytes >= INSTRUCTION_OPS_CUT_BYTES || this.insns.storedBytes >= INSTRUCTION_STORES_CUT_BYTES) this.flushInstructions();
  }

  finish(footer: TraceFooterInput): TraceFooter {
    assert(!this.finished, 'footer written twice');
    this.flushEvents();
    this.flushInstructions();
    const full: TraceFooter = { finalDigest: footer.finalDigest, verdict: footer.verdict, eventCount: this.eventCount, instructionCount: this.instructionCount };
    this.output(encodeChunk(ChunkKind.footer, packPayload(full)));
    this.finished = true;
    return full;
  }

  private flushEvents(): void {
    if (this.pendingEvents.length === 0) return;
    this.writeEvents(this.pendingEvents);
    this.pendingEvents = [];
  }

  /** Pack a batch; if it exceeds the payload maximum, split it (one huge event is a simulator bug). */
  private writeEvents(events: readonly SimEvent[]): void {
    const first = events[0]!.cycle;
    let previous = first;
    const payload: EventsPayload = {
      firstCycle: first,
      cycleDeltas: events.map((e) => {
        const d = e.cycle - previous;
        previous = e.cycle;
        return d;
      }),
      who: events.map((e) => e.who),
      kind: events.map((e) => e.kind),
      data: events.map((e) => e.data),
    };
    const bytes = packPayload(payload);
    if (bytes.length <= PAYLOAD_SIZE_MAX_BYTES) {
      this.output(encodeChunk(ChunkKind.events, bytes));
      return;
    }
    if (events.length === 1) throw new SimBugError(`one ${events[0]!.kind} event packs to ${bytes.length} bytes, over the chunk maximum`);
    const half = Math.ceil(events.length / 2);
    this.writeEvents(events.slice(0, half));
    this.writeEvents(events.slice(half));
  }

  private flushInstructions(): void {
    if (this.insns.count === 0) return;
    const bytes = packPayload(this.insns.take());
    assert(bytes.length <= PAYLOAD_SIZE_MAX_BYTES, 'instruction chunk within the payload maximum');
    this.output(encodeChunk(ChunkKind.instructions, bytes));
  }
}

function packHeader(input: TraceHeaderInput): Uint8Array {
  const header: TraceHeader = { formatVersion: FORMAT_VERSION, ...input };
  for (const w of header.workloads) {
    assert(w.digest === digestBytes(w.bytes), `workload ${w.name}: digest matches its bytes`);
  }
  let bytes: Uint8Array;
  try {
    bytes = packPayload(header);
    // What we write must be what a reader accepts: check it the same way now, not at replay time.
    validateHeader(unpackPayload(bytes));
  } catch (err) {
    if (err instanceof PayloadError) throw new SimBugError(`trace header is malformed: ${err.message}`);
    throw err;
  }
  if (bytes.length > PAYLOAD_SIZE_MAX_BYTES) {
    throw new UsageError(`trace header is ${bytes.length} bytes (config, scenario and workload images); the format allows ${PAYLOAD_SIZE_MAX_BYTES}`);
  }
  return bytes;
}

/** Encode a whole trace in memory (tests, golden files, determinism checks). */
export function encodeTraceToBytes(header: TraceHeaderInput, items: Iterable<TraceItem>, footer: TraceFooterInput, options?: TraceWriterOptions): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TraceEncoder(header, (b) => parts.push(b), options);
  for (const item of items) {
    if (item.type === 'event') enc.event(item.event);
    else if (item.type === 'instruction') enc.instruction(item.insn);
  }
  enc.finish(footer);
  return concatBytes(parts);
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Write syscalls are batched to about this many bytes. */
const WRITE_BATCH_BYTES = 1024 * 1024;

type WriterState = 'idle' | 'open' | 'closed' | 'aborted';

/**
 * A TraceSink that records to a `.mpt` file. Usage: `open(path, header)`, then `event()` /
 * `instruction()`, then `close(footer)`; on any failure or interruption, `abort()`. The output is
 * a path (a regular file is written atomically) or a resolved OutputTarget (traces/output-file.ts:
 * devices, FIFOs and standard output are written through).
 */
export class TraceWriter implements TraceSink {
  private state: WriterState = 'idle';
  private out: OutputFile | undefined;
  private encoder: TraceEncoder | undefined;
  private pending: Uint8Array[] = [];
  private pendingSizeBytes = 0;

  /** The temporary file being written, while open (tests use it to simulate a crash). */
  get temporaryPath(): string | undefined {
    return this.state === 'open' ? this.out?.temporaryPath : undefined;
  }

  /**
   * Start writing. A file's temporary name is `<path>.<pid>.tmp` in the same directory (same file
   * system, so the final rename is atomic); host data in the name never reaches the file's bytes.
   */
  open(path: string | OutputTarget, header: TraceHeaderInput, options?: TraceWriterOptions): void {
    assert(this.state === 'idle', 'TraceWriter.open called once');
    const target: OutputTarget = typeof path === 'string' ? { kind: 'file', path, finalPath: path } : path;
    this.out = new OutputFile(target, 'trace');
    this.state = 'open';
    this.guard(() => {
      this.encoder = new TraceEncoder(header, (b) => this.enqueue(b), options);
    });
  }

  event(e: SimEvent): void {
    assert(this.state === 'open', 'TraceWriter.event on an open writer');
    this.guard(() => this.encoder!.event(e));
  }

  instruction(r: InstructionRecord): void {
    assert(this.state === 'open', 'TraceWriter.instruction on an open writer');
    this.guard(() => this.encoder!.instruction(r));
  }

  /** Write the footer, flush, fsync, and rename to the final name. Returns the footer written. */
  close(footer: TraceFooterInput): TraceFooter {
    assert(this.state === 'open', 'TraceWriter.close on an open writer');
    return this.guard(() => {
      const written = this.encoder!.finish(footer);
      this.drain();
      this.out!.commit();
      this.state = 'closed';
      return written;
    });
  }

  /** Drop the recording: close and remove the temporary file. Safe to call in any state. */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.out?.abort();
    this.pending = [];
  }

  /** Any failure while open leaves no temporary file behind. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  private enqueue(b: Uint8Array): void {
    this.pending.push(b);
    this.pendingSizeBytes += b.length;
    if (this.pendingSizeBytes >= WRITE_BATCH_BYTES) this.drain();
  }

  private drain(): void {
    if (this.pending.length === 0) return;
    const all = concatBytes(this.pending);
    this.pending = [];
    this.pendingSizeBytes = 0;
    this.out!.append(all);
  }
}


