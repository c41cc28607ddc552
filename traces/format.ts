/**
 * The `.mpt` trace format: constants, item types, the chunk header, and the validation of every
 * payload. docs/trace-format.md is the normative description; this file must agree with it.
 *
 *   file    = preamble chunk*
 *   preamble= magic (8 bytes) ‖ formatVersion (u32 big-endian)
 *   chunk   = chunk header (16 bytes) ‖ payload (payloadSizeBytes bytes, MessagePack)
 *
 * Any change to the layout bumps FORMAT_VERSION (rr's "did you bump TRACE_VERSION?").
 */
import { EVENT_KINDS, type EventKind, type Participant, type SimEvent, type EventData } from '../sim/trace/events.js';
import { crc32 } from './crc32.js';
import { PayloadError } from './codec.js';

/** Current format version. Bump on every incompatible change and add a row to docs/trace-format.md. */
export const FORMAT_VERSION = 2;
/**
 * Versions this build reads. v1 differs from v2 only in the instruction codec: its traces decode
 * with the v1 decoder (traces/insn-codec.ts), kept as it was.
 */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];

/** "\x89MPT\r\n\x1a\n": the high byte and the CR/LF/^Z catch text-mode and 7-bit mangling, as PNG's do. */
export const MAGIC = Uint8Array.of(0x89, 0x4d, 0x50, 0x54, 0x0d, 0x0a, 0x1a, 0x0a);
export const PREAMBLE_SIZE_BYTES = 12;
export const CHUNK_HEADER_SIZE_BYTES = 16;
/** Hard maximum payload: a larger length field is corruption, never an allocation. */
export const PAYLOAD_SIZE_MAX_BYTES = 4 * 1024 * 1024;
/** Hard maxima per chunk, so one chunk never decodes into an unbounded number of objects. */
export const EVENTS_PER_CHUNK_MAX = 65_536;
export const INSTRUCTIONS_PER_CHUNK_MAX = 65_536;

export const ChunkKind = {
  header: 1,
  events: 2,
  instructions: 3,
  footer: 4,
} as const;
export type ChunkKind = (typeof ChunkKind)[keyof typeof ChunkKind];

export function chunkKindName(kind: number): string {
  for (const [name, k] of Object.entries(ChunkKind)) if (k === kind) return name;
  return `unknown kind ${kind}`;
}

export type TraceLevel = 'events' | 'full';

/** JSON-able values (the config and the runner's opaque scenario). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface WorkloadImage {
  readonly name: string;
  /** digestBytes(bytes) from sim/core/digest.ts; the reader recomputes and compares it. */
  readonly digest: string;
  readonly bytes: Uint8Array;
}

/** Everything needed to re-run the scenario. `formatVersion` is filled in by the writer. */
export interface TraceHeader {
  readonly formatVersion: number;
  readonly simulatorVersion: string;
  readonly costModelVersion: string;
  readonly config: { readonly [key: string]: JsonValue };
  /** The seed as the user gave it (decimal or a git hash), so it is re-parsed the same way. */
  readonly seed: string;
  readonly firmware: { readonly name: string; readonly contentHash: string };
  /** Firmware ELFs the run executed (sim/firmware-elf), absent when none: replay needs the same bytes. */
  readonly firmwareElfs?: readonly FirmwareElfRecord[];
  readonly workloads: readonly WorkloadImage[];
  readonly traceLevel: TraceLevel;
  /** Whatever else the runner needs to re-run (crash point, op sequence …). Opaque to this layer. */
  readonly scenario: JsonValue;
}
export type TraceHeaderInput = Omit<TraceHeader, 'formatVersion'>;

export interface FirmwareElfRecord {
  readonly participant: 'skiboot' | 'hostboot';
  /** SHA-256 of the ELF file, hex. */
  readonly sha256: string;
  /** Firmware ABI version (docs/firmware-elf.md). */
  readonly abi: number;
}

export interface TraceFooter {
  readonly finalDigest: string;
  /** The run's verdict as the runner names it ('pass', 'finding' …). */
  readonly verdict: string;
  readonly eventCount: number;
  readonly instructionCount: number;
}
export type TraceFooterInput = Pick<TraceFooter, 'finalDigest' | 'verdict'>;

/** One register written by an instruction. `reg` is a slot of sim/cpu/state.ts (GPR n = n, LR = 34 …). */
export interface RegWrite {
  readonly reg: number;
  readonly value: bigint;
}

/** Bytes an instruction stored, in memory order, at a real address. */
export interface MemWrite {
  readonly addr: bigint;
  readonly bytes: Uint8Array;
}

/**
 * One retired instruction (`full` level). The next NIP is not a register write: it is the `nip`
 * of the thread's next record, which keeps every record one instruction and no more.
 */
export interface InstructionRecord {
  readonly cycle: number;
  readonly pir: number;
  readonly nip: bigint;
  readonly word: number;
  readonly regs: readonly RegWrite[];
  readonly mem: readonly MemWrite[];
}

/**
 * What the reader yields, in file order. Checkpoints are events of kind 'checkpoint' with
 * `data.digest` (the catalogue already has the kind and the machine emits it through the one
 * TraceSink method); `isCheckpoint` picks them out.
 */
export type TraceItem =
  | { readonly type: 'header'; readonly header: TraceHeader }
  | { readonly type: 'event'; readonly event: SimEvent }
  | { readonly type: 'instruction'; readonly insn: InstructionRecord }
  | { readonly type: 'footer'; readonly footer: TraceFooter };

export function isCheckpoint(item: TraceItem): item is { type: 'event'; event: SimEvent } {
  return item.type === 'event' && item.event.kind === 'checkpoint';
}

/** Cycle of an item; header and footer have none. */
export function itemCycle(item: TraceItem): number | undefined {
  if (item.type === 'event') return item.event.cycle;
  if (item.type === 'instruction') return item.insn.cycle;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Limits on instruction records, checked by the writer (a bug in the simulator) and the reader
// (corruption). They bound what one record can make the decoder allocate.

export const REG_SLOT_MAX = 4095;
export const REG_WRITES_PER_INSN_MAX = 64;
export const MEM_WRITES_PER_INSN_MAX = 16;
export const MEM_WRITE_SIZE_MAX_BYTES = 4096;
export const PIR_MAX = 0xffff_ffff;
export const U64_MAX = (1n << 64n) - 1n;
/**
 * v2: bytes stored by all the records of one instructions chunk. The v2 decoder writes every
 * store into its model memory and checksums it, so a run op must not stand for gigabytes of
 * stores. The machine's largest store is 128 bytes (dcbz, stmw): 65 536 of them are 8 MiB.
 */
export const STORED_BYTES_PER_CHUNK_MAX = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Chunk header: [0] kind u8, [1] flags u8 = 0, [2..3] reserved u16 = 0, [4..7] payloadSizeBytes
// u32, [8..11] payload CRC-32, [12..15] CRC-32 of bytes 0..11. All big-endian. The header CRC
// lets a reader tell a corrupt length from a truncated file before it reads a payload.

export interface ChunkHeader {
  readonly kind: number;
  readonly payloadSizeBytes: number;
  readonly payloadCrc: number;
}

export function encodePreamble(version: number = FORMAT_VERSION): Uint8Array {
  const b = new Uint8Array(PREAMBLE_SIZE_BYTES);
  b.set(MAGIC, 0);
  new DataView(b.buffer).setUint32(8, version, false);
  return b;
}

export function encodeChunk(kind: ChunkKind, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER_SIZE_BYTES + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, kind);
  dv.setUint32(4, payload.length, false);
  dv.setUint32(8, crc32(payload), false);
  dv.setUint32(12, crc32(out, 0, 12), false);
  out.set(payload, CHUNK_HEADER_SIZE_BYTES);
  return out;
}

/** Parse 16 header bytes; returns a reason string when they are not a valid chunk header. */
export function decodeChunkHeader(b: Uint8Array): ChunkHeader | string {
  const dv = new DataView(b.buffer, b.byteOffset, CHUNK_HEADER_SIZE_BYTES);
  if (dv.getUint32(12, false) !== crc32(b, 0, 12)) return 'chunk header checksum mismatch';
  const kind = dv.getUint8(0);
  if (dv.getUint8(1) !== 0 || dv.getUint16(2, false) !== 0) return 'reserved chunk header bits are set';
  if (chunkKindName(kind).startsWith('unknown')) return `unknown chunk kind ${kind}`;
  const payloadSizeBytes = dv.getUint32(4, false);
  if (payloadSizeBytes > PAYLOAD_SIZE_MAX_BYTES) {
    return `payload length ${payloadSizeBytes} exceeds the maximum ${PAYLOAD_SIZE_MAX_BYTES}`;
  }
  return { kind, payloadSizeBytes, payloadCrc: dv.getUint32(8, false) };
}

// ---------------------------------------------------------------------------------------------
// Payload validation. Used on read (a failure is corruption, PayloadError) and on write (the
// writer turns a failure into a SimBugError: the simulator handed it something malformed).

const PARTICIPANTS: ReadonlySet<string> = new Set<Participant>(['machine', 'cpu', 'sbe', 'hostboot', 'skiboot', 'linux', 'oracle', 'harness']);
const NAME_LENGTH_MAX = 256;

/** An event kind or participant this build does not know: the trace is newer, not corrupt. */
export class UnknownVocabularyError extends Error {
  override readonly name = 'UnknownVocabularyError';
}

function fail(what: string): never {
  throw new PayloadError(what);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function expectRecord(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) fail(`${what} is not a map`);
  return v;
}

function expectString(v: unknown, what: string, lengthMax = NAME_LENGTH_MAX): string {
  if (typeof v !== 'string') fail(`${what} is not a string`);
  if (v.length > lengthMax) fail(`${what} is longer than ${lengthMax} characters`);
  return v;
}

function expectCount(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) fail(`${what} is not an integer in [0, ${max}]`);
  return v;
}

function expectArray(v: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(v)) fail(`${what} is not an array`);
  return v;
}

function expectJson(v: unknown, what: string, depth = 0): JsonValue {
  if (depth > 32) fail(`${what} is nested too deeply`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${what} holds a non-finite number`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => expectJson(x, `${what}[${i}]`, depth + 1));
  if (isRecord(v)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = expectJson(x, `${what}.${k}`, depth + 1);
    return out;
  }
  fail(`${what} holds a ${typeof v}, which is not JSON`);
}

export function validateHeader(v: unknown): TraceHeader {
  const h = expectRecord(v, 'header');
  const formatVersion = expectCount(h['formatVersion'], 'header.formatVersion', 0xffff_ffff);
  const traceLevel = h['traceLevel'];
  if (traceLevel !== 'events' && traceLevel !== 'full') fail('header.traceLevel is neither "events" nor "full"');
  const fw = expectRecord(h['firmware'], 'header.firmware');
  const config = expectJson(h['config'], 'header.config');
  if (!isRecord(config)) fail('header.config is not a map');
  const workloads = expectArray(h['workloads'], 'header.workloads').map((w, i) => {
    const r = expectRecord(w, `header.workloads[${i}]`);
    const bytes = r['bytes'];
    if (!(bytes instanceof Uint8Array)) fail(`header.workloads[${i}].bytes is not binary`);
    return { name: expectString(r['name'], `header.workloads[${i}].name`), digest: expectString(r['digest'], `header.workloads[${i}].digest`), bytes };
  });
  return {
    formatVersion,
    simulatorVersion: expectString(h['simulatorVersion'], 'header.simulatorVersion'),
    costModelVersion: expectString(h['costModelVersion'], 'header.costModelVersion'),
    config: config as TraceHeader['config'],
    seed: expectString(h['seed'], 'header.seed'),
    firmware: { name: expectString(fw['name'], 'header.firmware.name', 4096), contentHash: expectString(fw['contentHash'], 'header.firmware.contentHash') },
    workloads,
    traceLevel,
    scenario: expectJson(h['scenario'] ?? null, 'header.scenario'),
    ...(h['firmwareElfs'] === undefined ? {} : { firmwareElfs: expectArray(h['firmwareElfs'], 'header.firmwareElfs').map((v, i) => firmwareElfRecord(v, i)) }),
  };
}

function firmwareElfRecord(v: unknown, i: number): FirmwareElfRecord {
  const r = expectRecord(v, `header.firmwareElfs[${i}]`);
  const participant = r['participant'];
  if (participant !== 'skiboot' && participant !== 'hostboot') fail(`header.firmwareElfs[${i}].participant is neither "skiboot" nor "hostboot"`);
  const sha256 = expectString(r['sha256'], `header.firmwareElfs[${i}].sha256`);
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`header.firmwareElfs[${i}].sha256 is not 64 hex digits`);
  return { participant, sha256, abi: expectCount(r['abi'], `header.firmwareElfs[${i}].abi`, 0xffff) };
}

export function validateFooter(v: unknown): TraceFooter {
  const f = expectRecord(v, 'footer');
  return {
    finalDigest: expectString(f['finalDigest'], 'footer.finalDigest'),
    verdict: expectString(f['verdict'], 'footer.verdict'),
    eventCount: expectCount(f['eventCount'], 'footer.eventCount'),
    instructionCount: expectCount(f['instructionCount'], 'footer.instructionCount'),
  };
}

/** One event as the machine produced it; `where` names it in the message. */
export function validateEvent(cycle: unknown, who: unknown, kind: unknown, data: unknown, where: string): SimEvent {
  const c = expectCount(cycle, `${where}.cycle`);
  const w = expectString(who, `${where}.who`);
  const k = expectString(kind, `${where}.kind`);
  if (!PARTICIPANTS.has(w)) throw new UnknownVocabularyError(`participant "${w}" is unknown to this build`);
  if (!Object.prototype.hasOwnProperty.call(EVENT_KINDS, k)) throw new UnknownVocabularyError(`event kind "${k}" is unknown to this build`);
  const d = expectRecord(data, `${where}.data`);
  const out: Record<string, string | number | boolean> = {};
  for (const [key, x] of Object.entries(d)) {
    if (typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))) out[key] = x;
    else fail(`${where}.data.${key} is not a string, number or boolean`);
  }
  if (k === 'checkpoint' && typeof out['digest'] !== 'string') fail(`${where} is a checkpoint without a digest`);
  return { cycle: c, who: w as Participant, kind: k as EventKind, data: out as EventData };
}

/** Events chunk payload: columns, with cycles delta-coded from `firstCycle`. */
export interface EventsPayload {
  readonly firstCycle: number;
  readonly cycleDeltas: readonly number[];
  readonly who: readonly string[];
  readonly kind: readonly string[];
  readonly data: readonly EventData[];
}

export function validateEventsPayload(v: unknown): SimEvent[] {
  const p = expectRecord(v, 'events payload');
  const firstCycle = expectCount(p['firstCycle'], 'events.firstCycle');
  const deltas = expectArray(p['cycleDeltas'], 'events.cycleDeltas');
  const who = expectArray(p['who'], 'events.who');
  const kind = expectArray(p['kind'], 'events.kind');
  const data = expectArray(p['data'], 'events.data');
  const n = deltas.length;
  if (n === 0 || n > EVENTS_PER_CHUNK_MAX) fail(`events chunk holds ${n} events (allowed 1..${EVENTS_PER_CHUNK_MAX})`);
  if (who.length !== n || kind.length !== n || data.length !== n) fail('events columns have different lengths');
  const out: SimEvent[] = [];
  let cycle = firstCycle;
  for (let i = 0; i < n; i++) {
    const d = deltas[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d)) fail(`events.cycleDeltas[${i}] is not an integer`);
    cycle += d;
    out.push(validateEvent(cycle, who[i], kind[i], data[i], `event[${i}]`));
  }
  return out;
}

export interface InstructionsPayload {
  /** Number of records the op stream decodes to. */
  readonly count: number;
  /** The decoder's prediction state starts empty at this chunk (file start, or after a checkpoint). */
  readonly reset: boolean;
  readonly ops: Uint8Array;
  /** v2: CRC-32 of the records the ops decode to (traces/insn-codec-v2.ts recordsCrc); absent in v1. */
  readonly check?: number;
}

export function validateInstructionsPayload(v: unknown, version: number = FORMAT_VERSION): InstructionsPayload {
  const p = expectRecord(v, 'instructions payload');
  const count = expectCount(p['count'], 'instructions.count', INSTRUCTIONS_PER_CHUNK_MAX);
  if (count === 0) fail('instructions chunk holds no instructions');
  const reset = p['reset'];
  if (typeof reset !== 'boolean') fail('instructions.reset is not a boolean');
  const ops = p['ops'];
  if (!(ops instanceof Uint8Array)) fail('instructions.ops is not binary');
  if (version === 1) return { count, reset, ops };
  const check = expectCount(p['check'], 'instructions.check', 0xffff_ffff);
  return { count, reset, ops, check };
}
