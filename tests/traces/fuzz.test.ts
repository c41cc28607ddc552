/**
 * The reader against damaged files. Whatever the damage, reading must end in a TraceFormatError
 * naming a byte offset (or, for a version field that now reads as newer, a CannotTestError), never
 * in another exception, a hang or a large allocation. fast-check runs with a fixed seed so CI sees
 * the same cases every time.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { CannotTestError } from '../../sim/core/errors.js';
import { packPayload } from '../../traces/codec.js';
import { crc32 } from '../../traces/crc32.js';
import { CHUNK_HEADER_SIZE_BYTES, ChunkKind, FORMAT_VERSION, PAYLOAD_SIZE_MAX_BYTES, PREAMBLE_SIZE_BYTES, READABLE_FORMAT_VERSIONS, encodeChunk, encodePreamble } from '../../traces/format.js';
import { TraceFormatError, collect, readTraceBytes } from '../../traces/reader.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import { FOOTER, concat, eventItems, header, instructionItems, instructionStream } from './fixtures.js';

const SEED = 20240611;

/** A small trace with every chunk kind: header, events, instructions, events, footer. */
function smallTrace(): Uint8Array {
  const items = [...eventItems().slice(0, 4), ...instructionItems(instructionStream(40, { threads: 2 })), ...eventItems().slice(4)];
  return encodeTraceToBytes(header('full'), items, FOOTER);
}

type Outcome = { kind: 'format'; offset: number; message: string } | { kind: 'cannot-test'; message: string } | { kind: 'ok' };

function readAll(bytes: Uint8Array): Outcome {
  try {
    collect(readTraceBytes(bytes, 't.mpt'));
    return { kind: 'ok' };
  } catch (e) {
    if (e instanceof TraceFormatError) {
      expect(e.message).not.toContain('\n');
      expect(e.message.startsWith('t.mpt: ')).toBe(true);
      expect(e.offsetBytes).toBeGreaterThanOrEqual(0);
      expect(e.offsetBytes).toBeLessThanOrEqual(bytes.length);
      return { kind: 'format', offset: e.offsetBytes, message: e.message };
    }
    if (e instanceof CannotTestError) return { kind: 'cannot-test', message: e.message };
    throw e;
  }
}

function chunkStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  let at = PREAMBLE_SIZE_BYTES;
  while (at < bytes.length) {
    starts.push(at);
    at += CHUNK_HEADER_SIZE_BYTES + new DataView(bytes.buffer, bytes.byteOffset).getUint32(at + 4, false);
  }
  return starts;
}

describe('truncation', () => {
  test('every proper prefix is rejected with the offset of the incomplete structure', () => {
    const full = smallTrace();
    const starts = chunkStarts(full);
    expect(starts.length).toBeGreaterThanOrEqual(5);
    for (let n = 0; n < full.length; n++) {
      const r = readAll(full.subarray(0, n));
      expect(r.kind, `prefix of ${n} bytes`).toBe('format');
      if (r.kind !== 'format') continue;
      if (n < PREAMBLE_SIZE_BYTES) {
        expect(r.message).toBe(`t.mpt: truncated at byte offset 0 (file preamble needs 12 bytes, ${n} present)`);
      } else if (starts.includes(n)) {
        // Cut exactly between chunks: nothing is partial, but the recording did not finish.
        expect(r.message).toMatch(n === PREAMBLE_SIZE_BYTES ? /missing header/ : /missing footer at byte offset \d+ \(the recording did not finish\)$/);
        expect(r.offset).toBe(n);
      } else {
        const chunk = Math.max(...starts.filter((s) => s < n));
        expect(r.offset).toBe(chunk);
        expect(r.message).toMatch(/^t\.mpt: truncated at byte offset \d+ \((chunk header|\w+ chunk payload) needs \d+ bytes, \d+ present\)$/);
      }
    }
  });
});

describe('bit flips', () => {
  test('one to three flipped bits anywhere are always caught', () => {
    const full = smallTrace();
    fc.assert(
      fc.property(fc.array(fc.nat({ max: full.length * 8 - 1 }), { minLength: 1, maxLength: 3 }), (bits) => {
        const damaged = full.slice();
        for (const bit of bits) damaged[bit >> 3]! ^= 1 << (bit & 7);
        if (Buffer.from(damaged).equals(Buffer.from(full))) return; // flips that cancel out
        const r = readAll(damaged);
        expect(r.kind).not.toBe('ok');
        // Only the version field can turn a flip into "newer than this build".
        if (r.kind === 'cannot-test') expect(bits.some((b) => b >> 3 >= 8 && b >> 3 < 12)).toBe(true);
        if (r.kind === 'format') expect(r.offset).toBeLessThanOrEqual(Math.min(...bits.map((b) => b >> 3)) + 1);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('absurd lengths', () => {
  /** Rewrite a chunk's length field and re-seal its header CRC, so only the length is wrong. */
  function withLength(bytes: Uint8Array, chunkAt: number, lengthBytes: number): Uint8Array {
    const out = bytes.slice();
    const dv = new DataView(out.buffer);
    dv.setUint32(chunkAt + 4, lengthBytes >>> 0, false);
    dv.setUint32(chunkAt + 12, crc32(out, chunkAt, chunkAt + 12), false);
    return out;
  }

  test('a length above the maximum is corruption, reported before any allocation', () => {
    const full = smallTrace();
    for (const at of chunkStarts(full)) {
      for (const len of [PAYLOAD_SIZE_MAX_BYTES + 1, 0x7fff_ffff, 0xffff_ffff]) {
        const r = readAll(withLength(full, at, len));
        expect(r).toEqual({ kind: 'format', offset: at, message: `t.mpt: corrupt chunk at byte offset ${at}: payload length ${len} exceeds the maximum ${PAYLOAD_SIZE_MAX_BYTES}` });
      }
    }
  });

  test('any length within the maximum ends in a checksum, truncation or decode error', () => {
    const full = smallTrace();
    const starts = chunkStarts(full);
    fc.assert(
      fc.property(fc.constantFrom(...starts), fc.nat({ max: PAYLOAD_SIZE_MAX_BYTES }), (at, len) => {
        const damaged = withLength(full, at, len);
        const original = new DataView(full.buffer).getUint32(at + 4, false);
        const r = readAll(damaged);
        if (len === original) expect(r.kind).toBe('ok');
        else expect(r.kind).toBe('format');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  // Every readable version: each has its own instruction decoder (v1 by shapes, v2 by execution).
  test.each(READABLE_FORMAT_VERSIONS)('forged counts inside a valid chunk do not make the decoder loop or allocate (v%i)', (version) => {
    const headerChunk = encodeChunk(ChunkKind.header, packPayload({ formatVersion: version, ...header('full') }));
    // array32 claiming 2^32 − 1 events, a run op claiming 2^50 instructions.
    const forgedArray = encodeChunk(ChunkKind.events, Uint8Array.of(0x85, 0xa4, 0x64, 0x61, 0x74, 0x61, 0xdd, 0xff, 0xff, 0xff, 0xff));
    const hugeRun = encodeChunk(ChunkKind.instructions, packPayload({ count: 10, reset: true, ops: Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02), check: 0 }));
    for (const chunk of [forgedArray, hugeRun]) {
      const t0 = performance.now();
      const r = readAll(concat(encodePreamble(version), headerChunk, chunk));
      expect(r.kind).toBe('format');
      // The header was accepted: the error is the forged chunk's, not a version mismatch.
      if (r.kind === 'format') expect(r.offset).toBe(PREAMBLE_SIZE_BYTES + headerChunk.length);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});

describe('random payloads under valid framing', () => {
  test.each(READABLE_FORMAT_VERSIONS)('random bytes as an events or instructions payload never escape as another error (v%i)', (version) => {
    const headerChunk = encodeChunk(ChunkKind.header, packPayload({ formatVersion: version, ...header('full') }));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(ChunkKind.events, ChunkKind.instructions, ChunkKind.footer), (payload, kind) => {
        expect(readAll(concat(encodePreamble(version), headerChunk, encodeChunk(kind, payload))).kind).toBe('format');
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  test.each(READABLE_FORMAT_VERSIONS)('random instruction op streams decode or fail cleanly (v%i)', (version) => {
    const headerChunk = encodeChunk(ChunkKind.header, packPayload({ formatVersion: version, ...header('full') }));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 50 }), fc.nat({ max: 0xffff_ffff }), (ops, count, check) => {
        const chunk = encodeChunk(ChunkKind.instructions, packPayload({ count, reset: true, ops, check }));
        // No footer: even a lucky decode ends in "missing footer".
        expect(readAll(concat(encodePreamble(version), headerChunk, chunk)).kind).toBe('format');
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  test('v2: random op streams with real instruction words run the execution model without escaping', () => {
    // Random bytes rarely spell a word the model can run; these ops do: EXPLICIT with PIR, WORD
    // and REGS/MEM flags, then RUNs that repeat the same words through predicted records.
    const headerChunk = encodeChunk(ChunkKind.header, packPayload({ formatVersion: FORMAT_VERSION, ...header('full') }));
    const words = [0xe9230000, 0xf9230008, 0x7d2a3214, 0x7c0802a6, 0x7c6903a6, 0x4200fff8, 0xbc610010, 0xb8610010, 0x7c0027ec, 0x44000002, 0x7c0000a6, 0x7c0001a4, 0x7c000164, 0x7c6c42e6, 0x00000200];
    // Flag varints: PIR | WORD (the effects predicted), and PIR | WORD | REGS | MEM (the random tail spells them).
    const predictedEffects = [0xa1, 0x01];
    const explicitEffects = [0xa5, 0x03];
    const op = fc
      .tuple(fc.constantFrom(predictedEffects, explicitEffects), fc.nat({ max: 3 }), fc.constantFrom(...words), fc.uint8Array({ maxLength: 24 }), fc.integer({ min: 1, max: 40 }))
      .map(([flags, pir, word, tail, run]) => Uint8Array.of(...flags, pir, word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff, ...tail, run << 1));
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 400 }), (ops, count) => {
        const chunk = encodeChunk(ChunkKind.instructions, packPayload({ count, reset: true, ops: concat(...ops), check: 0 }));
        expect(readAll(concat(encodePreamble(), headerChunk, chunk)).kind).toBe('format');
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
