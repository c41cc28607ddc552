/**
 * Streaming trace reader. It reads one chunk at a time (16 header bytes, then at most
 * PAYLOAD_SIZE_MAX_BYTES of payload), so memory stays bounded whatever the file size, and it never
 * allocates from a length field it has not checked against that maximum and the header CRC.
 *
 * Every problem with the file is a TraceFormatError (a UsageError: exit 2) with one line naming
 * the file and the first bad byte offset. A trace that is well formed but newer than this build
 * (format version, or an event kind this build does not know) is a CannotTestError (exit 125), so
 * `git bisect run` skips the commit instead of blaming it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { SimEvent } from '../sim/trace/events.js';
import { CannotTestError, UsageError } from '../sim/core/errors.js';
import { digestBytes } from '../sim/core/digest.js';
import { PayloadError, unpackPayload } from './codec.js';
import { crc32 } from './crc32.js';
import {
  CHUNK_HEADER_SIZE_BYTES,
  ChunkKind,
  FORMAT_VERSION,
  MAGIC,
  PREAMBLE_SIZE_BYTES,
  READABLE_FORMAT_VERSIONS,
  UnknownVocabularyError,
  chunkKindName,
  decodeChunkHeader,
  validateEventsPayload,
  validateFooter,
  validateHeader,
  validateInstructionsPayload,
  type InstructionRecord,
  type TraceFooter,
  type TraceHeader,
  type TraceItem,
} from './format.js';
import { InsnDecoder } from './insn-codec.js';
import { InsnDecoderV2 } from './insn-codec-v2.js';

export class TraceFormatError extends UsageError {
  constructor(
    readonly file: string,
    /** First bad byte offset in the file. */
    readonly offsetBytes: number,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Random-access bytes: a file descriptor or a buffer. `read` returns fewer bytes only at the end. */
interface ByteInput {
  read(positionBytes: number, lengthBytes: number): Uint8Array;
}

class BufferInput implements ByteInput {
  constructor(private readonly bytes: Uint8Array) {}
  read(positionBytes: number, lengthBytes: number): Uint8Array {
    return this.bytes.subarray(Math.min(positionBytes, this.bytes.length), Math.min(positionBytes + lengthBytes, this.bytes.length));
  }
}

class FileInput implements ByteInput {
  /** Where a pipe stands: `mpipl-sim run --record - | mpipl-sim inspect /dev/stdin` reads in order. */
  private streamPos = 0;

  constructor(
    private readonly fd: number,
    private readonly name: string,
    private readonly seekable: boolean,
  ) {}
  read(positionBytes: number, lengthBytes: number): Uint8Array {
    if (!this.seekable) return this.readStream(positionBytes, lengthBytes);
    const buf = new Uint8Array(lengthBytes);
    let got = 0;
    try {
      while (got < lengthBytes) {
        const n = readSync(this.fd, buf, got, lengthBytes - got, positionBytes + got);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : String(err);
      throw new UsageError(`cannot read trace ${this.name}: ${code}`);
    }
    return got === lengthBytes ? buf : buf.subarray(0, got);
  }

  /** A pipe or device: reads must go forward (the reader's do); a gap is read and dropped. */
  private readStream(positionBytes: number, lengthBytes: number): Uint8Array {
    if (positionBytes < this.streamPos) throw new UsageError(`cannot read trace ${this.name}: it is not a seekable file and the reader went back; save it to a file first`);
    const skip = positionBytes - this.streamPos;
    const buf = new Uint8Array(skip + lengthBytes);
    let got = 0;
    try {
      while (got < buf.length) {
        const n = readSync(this.fd, buf, got, buf.length - got, null);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : String(err);
      throw new UsageError(`cannot read trace ${this.name}: ${code}`);
    }
    this.streamPos += got;
    return got <= skip ? new Uint8Array(0) : buf.subarray(skip, got);
  }
}

/** Stream the items of the trace file at `path`. The file is closed when iteration ends or stops. */
export function* readTrace(path: string): Generator<TraceItem, void, undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    throw new UsageError(`cannot read trace ${path}: ${code}`);
  }
  try {
    yield* readItems(new FileInput(fd, path, fstatSync(fd).isFile()), path);
  } finally {
    closeSync(fd);
  }
}

/** Stream the items of a trace held in memory; `name` is used in error messages. */
export function readTraceBytes(bytes: Uint8Array, name = 'trace'): Generator<TraceItem, void, undefined> {
  return readItems(new BufferInput(bytes), name);
}

export interface TraceContents {
  readonly header: TraceHeader;
  readonly events: readonly SimEvent[];
  readonly instructions: readonly InstructionRecord[];
  readonly footer: TraceFooter;
  /** Everything in file order, header and footer included. */
  readonly items: readonly TraceItem[];
}

/** Read a whole (small) trace into memory. Large `full` traces should be streamed with readTrace. */
export function readTraceFile(path: string): TraceContents {
  return collect(readTrace(path));
}

export function collect(iter: Iterable<TraceItem>): TraceContents {
  const items: TraceItem[] = [];
  const events: SimEvent[] = [];
  const instructions: InstructionRecord[] = [];
  let header: TraceHeader | undefined;
  let footer: TraceFooter | undefined;
  for (const item of iter) {
    items.push(item);
    if (item.type === 'header') header = item.header;
    else if (item.type === 'event') events.push(item.event);
    else if (item.type === 'instruction') instructions.push(item.insn);
    else footer = item.footer;
  }
  // readItems guarantees both; a hand-built iterable might not.
  if (header === undefined || footer === undefined) throw new UsageError('trace has no header or no footer');
  return { header, events, instructions, footer, items };
}

function* readItems(input: ByteInput, name: string): Generator<TraceItem, void, undefined> {
  const corrupt = (offset: number, why: string): TraceFormatError => new TraceFormatError(name, offset, `corrupt chunk at byte offset ${offset}: ${why}`);
  const truncated = (offset: number, what: string, needBytes: number, gotBytes: number): TraceFormatError =>
    new TraceFormatError(name, offset, `truncated at byte offset ${offset} (${what} needs ${needBytes} bytes, ${gotBytes} present)`);

  const fileVersion = readPreamble(input, name, truncated);

  let offset = PREAMBLE_SIZE_BYTES;
  let header: TraceHeader | undefined;
  let eventCount = 0;
  let instructionCount = 0;
  // v1 traces keep their own decoder: the v2 codec predicts differently from the same bytes.
  const decoder = fileVersion === 1 ? new InsnDecoder() : new InsnDecoderV2();

  for (;;) {
    const head = input.read(offset, CHUNK_HEADER_SIZE_BYTES);
    if (head.length === 0) {
      if (header === undefined) throw new TraceFormatError(name, offset, `missing header at byte offset ${offset} (the file holds no chunks)`);
      throw new TraceFormatError(name, offset, `missing footer at byte offset ${offset} (the recording did not finish)`);
    }
    if (head.length < CHUNK_HEADER_SIZE_BYTES) throw truncated(offset, 'chunk header', CHUNK_HEADER_SIZE_BYTES, head.length);
    const ch = decodeChunkHeader(head);
    if (typeof ch === 'string') throw corrupt(offset, ch);
    const payload = input.read(offset + CHUNK_HEADER_SIZE_BYTES, ch.payloadSizeBytes);
    if (payload.length < ch.payloadSizeBytes) throw truncated(offset, `${chunkKindName(ch.kind)} chunk payload`, ch.payloadSizeBytes, payload.length);
    if (crc32(payload) !== ch.payloadCrc) throw corrupt(offset, 'checksum mismatch');
    const next = offset + CHUNK_HEADER_SIZE_BYTES + ch.payloadSizeBytes;

    if (header === undefined && ch.kind !== ChunkKind.header) throw corrupt(offset, `expected a header chunk, found ${chunkKindName(ch.kind)}`);
    try {
      const value = unpackPayload(payload);
      switch (ch.kind) {
        case ChunkKind.header: {
          if (header !== undefined) throw corrupt(offset, 'a second header chunk');
          header = validateHeader(value);
          checkHeader(header, fileVersion, (why) => corrupt(offset, why));
          yield { type: 'header', header };
          break;
        }
        case ChunkKind.events: {
          const events = validateEventsPayload(value);
          eventCount += events.length;
          for (const event of events) yield { type: 'event', event };
          break;
        }
        case ChunkKind.instructions: {
          if (header!.traceLevel !== 'full') throw corrupt(offset, 'instruction records in an "events"-level trace');
          const records = decoder.decode(validateInstructionsPayload(value, fileVersion));
          instructionCount += records.length;
          for (const insn of records) yield { type: 'instruction', insn };
          break;
        }
        case ChunkKind.footer: {
          const footer = validateFooter(value);
          if (footer.eventCount !== eventCount) throw corrupt(offset, `footer counts ${footer.eventCount} events, the file holds ${eventCount}`);
          if (footer.instructionCount !== instructionCount) {
            throw corrupt(offset, `footer counts ${footer.instructionCount} instructions, the file holds ${instructionCount}`);
          }
          if (input.read(next, 1).length > 0) throw new TraceFormatError(name, next, `corrupt data at byte offset ${next}: bytes after the footer`);
          yield { type: 'footer', footer };
          return;
        }
      }
    } catch (err) {
      if (err instanceof PayloadError) throw corrupt(offset, err.message);
      if (err instanceof UnknownVocabularyError) throw new CannotTestError(`${name}: ${err.message} (chunk at byte offset ${offset})`);
      throw err;
    }
    offset = next;
  }
}

function readPreamble(
  input: ByteInput,
  name: string,
  truncated: (offset: number, what: string, needBytes: number, gotBytes: number) => TraceFormatError,
): number {
  const pre = input.read(0, PREAMBLE_SIZE_BYTES);
  for (let i = 0; i < Math.min(pre.length, MAGIC.length); i++) {
    if (pre[i] !== MAGIC[i]) throw new TraceFormatError(name, i, `not an mpipl-sim trace (bad magic at byte offset ${i})`);
  }
  if (pre.length < PREAMBLE_SIZE_BYTES) throw truncated(0, 'file preamble', PREAMBLE_SIZE_BYTES, pre.length);
  const version = new DataView(pre.buffer, pre.byteOffset, PREAMBLE_SIZE_BYTES).getUint32(8, false);
  if (version > FORMAT_VERSION) throw new CannotTestError(`${name}: trace format v${version} is newer than this build (v${FORMAT_VERSION})`);
  if (!READABLE_FORMAT_VERSIONS.includes(version)) {
    throw new TraceFormatError(name, 8, `trace format v${version} is not readable by this build (reads ${READABLE_FORMAT_VERSIONS.map((v) => `v${v}`).join(', ')})`);
  }
  return version;
}

function checkHeader(h: TraceHeader, fileVersion: number, corrupt: (why: string) => TraceFormatError): void {
  if (h.formatVersion !== fileVersion) throw corrupt(`header says format v${h.formatVersion}, unlike the preamble`);
  for (const w of h.workloads) {
    // The CRC catches accidents; this catches a header edited by hand.
    if (digestBytes(w.bytes) !== w.digest) throw corrupt(`workload ${JSON.stringify(w.name)} does not match its digest`);
  }
}
