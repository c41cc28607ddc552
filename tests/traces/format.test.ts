import { describe, expect, test } from 'vitest';
import { CannotTestError } from '../../sim/core/errors.js';
import { crc32 } from '../../traces/crc32.js';
import { PayloadError, packPayload, scanPayload, unpackPayload } from '../../traces/codec.js';
import { ChunkKind, FORMAT_VERSION, encodeChunk, encodePreamble, isCheckpoint, type TraceItem } from '../../traces/format.js';
import { collect, readTraceBytes, TraceFormatError } from '../../traces/reader.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import { FOOTER, concat, eventItems, events, header, instructionItems, instructionStream } from './fixtures.js';

describe('round trip', () => {
  test('events level: header, every event (checkpoints included) and footer come back in order', () => {
    const bytes = encodeTraceToBytes(header('events'), eventItems(), FOOTER, { eventsPerChunk: 3 });
    const t = collect(readTraceBytes(bytes));
    expect(t.header).toEqual({ formatVersion: FORMAT_VERSION, ...header('events') });
    expect(t.events).toEqual(events());
    expect(t.instructions).toEqual([]);
    expect(t.footer).toEqual({ ...FOOTER, eventCount: events().length, instructionCount: 0 });
    expect(t.items.filter(isCheckpoint).map((i) => i.event.data['digest'])).toEqual(['aa11bb22cc33dd44ee55ff6677889900']);
  });

  test('full level: events and instructions interleaved keep their emission order across chunks', () => {
    const insns = instructionStream(5000, { threads: 3 });
    // An event every 700 instructions, a checkpoint (decoder reset) in the middle.
    const items: TraceItem[] = [];
    const evs = events();
    insns.forEach((insn, i) => {
      if (i % 700 === 0) items.push({ type: 'event', event: { ...evs[(i / 700) % evs.length]!, cycle: insn.cycle } });
      items.push({ type: 'instruction', insn });
    });
    const bytes = encodeTraceToBytes(header('full'), items, FOOTER, { instructionsPerChunk: 1000 });
    const t = collect(readTraceBytes(bytes));
    expect(t.items.slice(1, -1)).toEqual(items);
    expect(t.footer.instructionCount).toBe(5000);
  });

  test('edge values: 64-bit extremes, big cycles, multi-write instructions, wide stores', () => {
    const max = (1n << 64n) - 1n;
    const insns = [
      { cycle: 2 ** 40, pir: 0xffff_ffff, nip: max - 3n, word: 0xffff_ffff, regs: [{ reg: 4095, value: max }, { reg: 4095, value: 0n }], mem: [] },
      { cycle: 2 ** 40, pir: 0, nip: 0n, word: 0, regs: [], mem: [{ addr: max, bytes: new Uint8Array(4096).fill(0xa5) }, { addr: 0n, bytes: Uint8Array.of(1) }] },
      { cycle: 2 ** 53 - 1, pir: 0, nip: 4n, word: 1, regs: [{ reg: 1, value: 1n << 63n }], mem: [{ addr: 8n, bytes: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0) }] },
    ];
    const bytes = encodeTraceToBytes(header('full'), instructionItems(insns), FOOTER);
    expect(collect(readTraceBytes(bytes)).instructions).toEqual(insns);
  });
});

describe('determinism', () => {
  test('the same input twice gives byte-identical files', () => {
    const items = [...eventItems(), ...instructionItems(instructionStream(3000))];
    const a = encodeTraceToBytes(header('full'), items, FOOTER);
    const b = encodeTraceToBytes(header('full'), items, FOOTER);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  test('object key order does not reach the file', () => {
    const h = header('events');
    const reordered = { ...h, config: Object.fromEntries(Object.entries(h.config).reverse()) };
    const evs = events().map((e) => ({ type: 'event' as const, event: { ...e, data: Object.fromEntries(Object.entries(e.data).reverse()) } }));
    expect(Buffer.from(encodeTraceToBytes(reordered, evs, FOOTER)).equals(Buffer.from(encodeTraceToBytes(h, eventItems(), FOOTER)))).toBe(true);
  });
});

describe('versions and vocabulary', () => {
  test('a newer format version is CannotTestError naming both versions', () => {
    const bytes = encodeTraceToBytes(header(), eventItems(), FOOTER);
    bytes.set(encodePreamble(FORMAT_VERSION + 1), 0);
    expect(() => collect(readTraceBytes(bytes, 'new.mpt'))).toThrowError(new CannotTestError(`new.mpt: trace format v${FORMAT_VERSION + 1} is newer than this build (v${FORMAT_VERSION})`));
  });

  test('version 0 is not readable: a format error, exit 2', () => {
    const bytes = encodeTraceToBytes(header(), eventItems(), FOOTER);
    bytes.set(encodePreamble(0), 0);
    expect(() => collect(readTraceBytes(bytes, 'old.mpt'))).toThrowError(/^old\.mpt: trace format v0 is not readable by this build \(reads v1, v2\)$/);
  });

  test('an event kind this build does not know is CannotTestError, not corruption', () => {
    // Built by hand: preamble, header chunk, an events chunk with a future kind (no footer needed).
    const headerChunk = encodeChunk(ChunkKind.header, packPayload({ formatVersion: FORMAT_VERSION, ...header() }));
    const future = encodeChunk(ChunkKind.events, packPayload({ firstCycle: 5, cycleDeltas: [0], who: ['sbe'], kind: ['warp-drive'], data: [{}] }));
    const bytes = concat(encodePreamble(), headerChunk, future);
    expect(() => collect(readTraceBytes(bytes, 'f.mpt'))).toThrowError(new CannotTestError('f.mpt: event kind "warp-drive" is unknown to this build (chunk at byte offset ' + (12 + headerChunk.length) + ')'));
  });
});

describe('building blocks', () => {
  test('CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
  });

  test('payloads are plain MessagePack: a map with sorted keys, bin for bytes', () => {
    expect(Buffer.from(packPayload({ b: 1, a: Uint8Array.of(7) })).toString('hex')).toBe('82a161c40107a16201');
    expect(unpackPayload(packPayload({ z: [1, 'x', null, true, 2 ** 40, -3.5] }))).toEqual({ z: [1, 'x', null, true, 2 ** 40, -3.5] });
  });

  test('the payload scan rejects extension types, forged counts, deep nesting and trailing bytes', () => {
    expect(() => scanPayload(Uint8Array.of(0xd4, 0x72, 0x00))).toThrowError(PayloadError); // msgpackr record
    expect(() => scanPayload(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff))).toThrowError(/container of 4294967295 entries/);
    expect(() => scanPayload(Uint8Array.of(0x81, 0x01, 0x02))).toThrowError(/map key/);
    expect(() => scanPayload(new Uint8Array(100).fill(0x91))).toThrowError(/nesting/);
    expect(() => scanPayload(Uint8Array.of(0x01, 0x02))).toThrowError(/1 bytes after/);
    expect(() => scanPayload(Uint8Array.of(0xc6, 0x7f, 0xff, 0xff, 0xff))).toThrowError(/bin runs past/);
  });

  test('instructions in an events-level trace are corruption', () => {
    const full = encodeTraceToBytes(header('full'), instructionItems(instructionStream(10)), FOOTER);
    const events = encodeTraceToBytes(header('events'), [], FOOTER);
    // Swap in the events-level header chunk; chunk CRCs stay valid, the contents do not agree.
    const headerChunkLength = (b: Uint8Array): number => 16 + new DataView(b.buffer, b.byteOffset).getUint32(12 + 4, false);
    const spliced = concat(events.subarray(0, 12 + headerChunkLength(events)), full.subarray(12 + headerChunkLength(full)));
    expect(() => collect(readTraceBytes(spliced, 's.mpt'))).toThrowError(/^s\.mpt: corrupt chunk at byte offset \d+: instruction records in an "events"-level trace$/);
  });

  test('errors are TraceFormatError with the offset', () => {
    const bytes = encodeTraceToBytes(header(), eventItems(), FOOTER);
    bytes[bytes.length - 1]! ^= 0x10;
    try {
      collect(readTraceBytes(bytes, 'x.mpt'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TraceFormatError);
      const err = e as TraceFormatError;
      expect(err.message).toMatch(/^x\.mpt: corrupt chunk at byte offset \d+: checksum mismatch$/);
      expect(err.offsetBytes).toBeGreaterThan(12);
    }
  });
});
