/**
 * The v2 instruction codec (traces/insn-codec-v2.ts) and its execution model
 * (traces/exec-model.ts): any record stream round-trips exactly, whatever the model predicts; the
 * model predicts what re-execution can recompute (a load of bytes the stream stored costs
 * nothing); a decoder whose semantics differ is refused by the chunk check; the model stays
 * within its bounds; and v1 traces still decode with the v1 decoder.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { packPayload } from '../../traces/codec.js';
import { ExecModel, MODEL_PAGES_MAX, MODEL_THREADS_MAX } from '../../traces/exec-model.js';
import { InsnEncoder, sameMem, sameRegs } from '../../traces/insn-codec.js';
import { InsnDecoderV2, InsnEncoderV2, recordsCrc } from '../../traces/insn-codec-v2.js';
import { ChunkKind, FORMAT_VERSION, encodeChunk, encodePreamble, type InstructionRecord, type InstructionsPayload } from '../../traces/format.js';
import { collect, readTraceBytes } from '../../traces/reader.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import { FOOTER, concat, header, instructionItems, instructionStream } from './fixtures.js';

const SEED = 20240611;

/** Instruction words the model can run (loads, stores, arithmetic, branches, SPR moves, lmw/stmw, dcbz, sc, mftb, mfmsr/mtmsrd) and some it cannot. */
const WORDS = [
  0xe9230000, // ld r9,0(r3)
  0xf9230008, // std r9,8(r3)
  0x81230004, // lwz r9,4(r3)
  0x90830000, // stw r4,0(r3)
  0x7d2a3214, // add r9,r10,r6
  0x38630008, // addi r3,r3,8
  0x7c0802a6, // mflr r0
  0x7c6903a6, // mtctr r3
  0x4200fff8, // bdnz .-8
  0x4bfffff0, // b .-16
  0xbc610010, // stmw r3,16(r1)
  0xb8610010, // lmw r3,16(r1)
  0x7c0027ec, // dcbz r0,r4
  0x44000002, // sc
  0x7c0000a6, // mfmsr r0
  0x7c000164, // mtmsrd r0,0
  0x7c6c42e6, // mftb r3
  0x7c632428, // ldbrx r3,r3,r4
  0x00000200, // attn
  0xffffffff, // illegal
];

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
/** Mostly small values and addresses near each other, so that the model's predictions sometimes hold. */
const value = fc.oneof(u64, fc.bigInt({ min: 0n, max: 0x2000n }), fc.constantFrom(0n, 0x1000_0000n, 0x1000_0008n, 0xc000_0000_0000_1000n));
const addr = fc.oneof(fc.bigInt({ min: 0x1000_0000n, max: 0x1000_0040n }), u64, fc.constantFrom(0n, (1n << 40n) - 4n, 1n << 40n));

const record = fc.record({
  pir: fc.nat({ max: 3 }),
  cycleStep: fc.nat({ max: 3 }),
  nip: fc.oneof(fc.constantFrom(0x3000_0000n, 0x3000_0004n, 0x3000_0008n, 0x3000_000cn), u64),
  word: fc.oneof(fc.constantFrom(...WORDS), fc.nat({ max: 0xffff_ffff })),
  regs: fc.array(fc.record({ reg: fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 4095 })), value }), { maxLength: 4 }),
  mem: fc.array(fc.record({ addr, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), { maxLength: 3 }),
});

/** Records with non-decreasing cycles, as the machine emits them. */
const stream = fc.array(record, { minLength: 1, maxLength: 120 }).map((rs) => {
  let cycle = 0;
  return rs.map(({ cycleStep, ...r }): InstructionRecord => {
    cycle += cycleStep;
    return { cycle, ...r };
  });
});

/** Encode in chunks of `chunk` records, resetting the model every `resetEvery` chunks; decode them all. */
function roundTrip(records: readonly InstructionRecord[], chunk: number, resetEvery: number): InstructionRecord[] {
  const enc = new InsnEncoderV2();
  const payloads: InstructionsPayload[] = [];
  records.forEach((r, i) => {
    enc.add(r);
    if ((i + 1) % chunk === 0) {
      payloads.push(enc.take());
      if (payloads.length % resetEvery === 0) enc.resetModel();
    }
  });
  if (enc.count > 0) payloads.push(enc.take());
  const dec = new InsnDecoderV2();
  return payloads.flatMap((p) => dec.decode(p));
}

describe('v2 codec round trip', () => {
  test('random record streams decode to exactly the records written', () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 3 }), (records, chunk, resetEvery) => {
        expect(roundTrip(records, chunk, resetEvery)).toEqual(records);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  test('the synthetic loop streams round-trip through the file writer and reader', () => {
    for (const loads of [false, true]) {
      const records = instructionStream(20_000, { threads: 4, loads });
      const bytes = encodeTraceToBytes(header('full'), instructionItems(records), FOOTER, { instructionsPerChunk: 3000 });
      const t = collect(readTraceBytes(bytes, 't.mpt'));
      expect(t.instructions).toEqual(records);
    }
  });

  test('the same records give the same bytes', () => {
    const records = instructionStream(5000, { threads: 4 });
    const a = encodeTraceToBytes(header('full'), instructionItems(records), FOOTER);
    const b = encodeTraceToBytes(header('full'), instructionItems(records), FOOTER);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});

describe('what execution predicts', () => {
  /** li r3; lis r9; std r9,8(r3) storing bytes the model's r9 does not hold; ld r10,8(r3) loading `loadedValue`. */
  function storeThenLoad(loadedValue: bigint): InstructionRecord[] {
    const stored = new Uint8Array(8);
    new DataView(stored.buffer).setBigUint64(0, 0x0123_4567_89ab_cdefn);
    return [
      { cycle: 0, pir: 0, nip: 0x3000_0000n, word: 0x38600100, regs: [{ reg: 3, value: 0x100n }], mem: [] },
      { cycle: 1, pir: 0, nip: 0x3000_0004n, word: 0x3d200123, regs: [{ reg: 9, value: 0x0123_0000n }], mem: [] },
      { cycle: 2, pir: 0, nip: 0x3000_0008n, word: 0xf9230008, regs: [], mem: [{ addr: 0x108n, bytes: stored }] },
      { cycle: 3, pir: 0, nip: 0x3000_000cn, word: 0xe9430008, regs: [{ reg: 10, value: loadedValue }], mem: [] },
    ];
  }

  test('a load of bytes the stream stored costs no value bytes; another value does', () => {
    // The std's record stores bytes r9 does not hold in the model (as after an OPAL return): the
    // store is explicit, and the load of those bytes is then predicted.
    const predictable = storeThenLoad(0x0123_4567_89ab_cdefn);
    const unpredictable = storeThenLoad(0x1111_2222_3333_4444n);
    const size = (rs: InstructionRecord[]): number => {
      const enc = new InsnEncoderV2();
      for (const r of rs) enc.add(r);
      const p = enc.take();
      expect(new InsnDecoderV2().decode(p)).toEqual(rs);
      return p.ops.length;
    };
    expect(size(unpredictable) - size(predictable)).toBeGreaterThanOrEqual(8);
  });

  test('a load of memory the stream never saw is taught by its record, and predicted the next time', () => {
    const x = new ExecModel();
    const ld = { pir: 0, nip: 0x3000_0000n, word: 0xe9230000 }; // ld r9,0(r3)
    const first = x.predict(ld.pir, ld.nip, ld.word);
    expect(first?.regs).toEqual([]); // the model reads zeros, and r9 is 0 already
    const rec = { cycle: 0, ...ld, regs: [{ reg: 9, value: 0xfeed_face_cafe_beefn }], mem: [] };
    x.commit(rec, first, false, false);
    // r9 is clobbered; the same load again comes back with the taught value.
    x.commit({ cycle: 1, pir: 0, nip: 0x3000_0004n, word: 0x39200000, regs: [{ reg: 9, value: 0n }], mem: [] }, x.predict(0, 0x3000_0004n, 0x39200000), true, false); // li r9,0
    expect(x.predict(ld.pir, ld.nip, ld.word)?.regs).toEqual([{ reg: 9, value: 0xfeed_face_cafe_beefn }]);
  });

  /** Run `records` through the model as the codec does; returns which of them execution predicted. */
  function predicted(records: readonly InstructionRecord[]): boolean[] {
    const x = new ExecModel();
    return records.map((r) => {
      const p = x.predict(r.pir, r.nip, r.word);
      const held = p !== undefined && sameRegs(p.regs, r.regs) && sameMem(p.mem, r.mem);
      x.commit(r, p, held, false);
      return held;
    });
  }
  const rec = (word: number, regs: [number, bigint][], mem: InstructionRecord['mem'] = []): InstructionRecord => ({ cycle: 0, pir: 0, nip: 0x3000_0000n, word, regs: regs.map(([reg, value]) => ({ reg, value })), mem });

  test('a register set before the stream (a loop invariant) is solved from the first result that used it', () => {
    // r10 is never written in the stream; add r9,r10,r6 gives r9 = r10 + r6, so r10 = 0x1000.
    const r = [rec(0x38c00005, [[6, 5n]]), rec(0x7d2a3214, [[9, 0x1005n]]), rec(0x38c00007, [[6, 7n]]), rec(0x7d2a3214, [[9, 0x1007n]])];
    expect(predicted(r)).toEqual([true, false, true, true]);
  });

  test('the byte order is learnt from a store that only comes out right little-endian', () => {
    const le = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    const r = [
      rec(0x38600100, [[3, 0x100n]]), // li r3,0x100
      rec(0x38801234, [[4, 0x1234n]]), // li r4,0x1234
      rec(0x90830000, [], [{ addr: 0x100n, bytes: le(0x1234) }]), // stw r4,0(r3), little-endian
      rec(0x90830004, [], [{ addr: 0x104n, bytes: le(0x1234) }]), // stw r4,4(r3): now predicted
    ];
    expect(predicted(r)).toEqual([true, true, false, true]);
  });

  test('words the model cannot run give no prediction, never an exception', () => {
    const x = new ExecModel();
    for (const word of [0x44000002, 0x00000200, 0xffffffff, 0x00000000]) expect(x.predict(0, 0x100n, word)).toBeUndefined();
    // A load far beyond any machine's RAM: no prediction either.
    x.commit({ cycle: 0, pir: 0, nip: 0n, word: 0x38600000, regs: [{ reg: 3, value: 0x0fff_ffff_ffff_0000n }], mem: [] }, undefined, false, false);
    expect(x.predict(0, 4n, 0xe9230000)).toBeUndefined();
  });

  test('the model memory never holds more than its bound', () => {
    const x = new ExecModel();
    for (let i = 0; i < MODEL_PAGES_MAX + 100; i++) {
      x.commit({ cycle: i, pir: 0, nip: 0n, word: 0x60000000, regs: [], mem: [{ addr: BigInt(i) * 4096n, bytes: Uint8Array.of(1) }] }, undefined, false, false);
    }
    expect(x.memory.pageCount).toBe(MODEL_PAGES_MAX);
  });

  test('the model keeps registers for at most MODEL_THREADS_MAX threads; records of others still round-trip', () => {
    const x = new ExecModel();
    const li = (pir: number): InstructionRecord => ({ cycle: pir, pir, nip: 0n, word: 0x38600001, regs: [{ reg: 3, value: 1n }], mem: [] });
    for (let pir = 0; pir < MODEL_THREADS_MAX + 50; pir++) x.commit(li(pir), x.predict(pir, 0n, 0x38600001), true, false);
    expect(x.threadCount).toBe(MODEL_THREADS_MAX);
    expect(x.predict(MODEL_THREADS_MAX + 10, 0n, 0x38600001)).toBeUndefined();
    expect(x.predict(5, 0n, 0x38600002)?.regs).toEqual([{ reg: 3, value: 2n }]); // li r3,2 on a kept thread
    const records = Array.from({ length: MODEL_THREADS_MAX + 50 }, (_, pir) => li(pir));
    expect(roundTrip(records, 4096, 1)).toEqual(records);
  });
});

describe('bounds', () => {
  /** Records that each store 16 × 4 KiB, the most one record may: 300 of them are 19 MiB of stores. */
  function bigStores(n: number): InstructionRecord[] {
    const page = Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff);
    return Array.from({ length: n }, (_, i) => ({
      cycle: i,
      pir: 0,
      nip: 0x3000_0000n,
      word: 0x60000000, // nop: execution predicts no store, the shape model predicts these
      regs: [],
      mem: Array.from({ length: 16 }, (_, k) => ({ addr: BigInt(i * 16 + k) * 4096n, bytes: page })),
    }));
  }

  test('a chunk whose records store more than STORED_BYTES_PER_CHUNK_MAX is refused; the writer cuts before it', () => {
    const records = bigStores(300);
    const enc = new InsnEncoderV2();
    for (const r of records) enc.add(r);
    const p = enc.take();
    expect(() => new InsnDecoderV2().decode(p)).toThrowError(/stores more than 16777216 bytes/);
    const t = collect(readTraceBytes(encodeTraceToBytes(header('full'), instructionItems(records), FOOTER), 'big.mpt'));
    expect(t.instructions.length).toBe(300);
    expect(t.instructions[299]).toEqual(records[299]);
  });
});

describe('the chunk check', () => {
  test('records that decode differently from what was written are refused', () => {
    const records = instructionStream(500, { threads: 2 });
    const enc = new InsnEncoderV2();
    for (const r of records) enc.add(r);
    const p = enc.take();
    expect(p.check).toBe(recordsCrc(records));
    // As if this build's semantics decoded the same ops to other records.
    expect(() => new InsnDecoderV2().decode({ ...p, check: (p.check! ^ 1) >>> 0 })).toThrowError(/decoded records fail the chunk check/);
  });

  test('in a file, a wrong check is a format error naming the chunk', () => {
    const records = instructionStream(100, { threads: 2 });
    const enc = new InsnEncoderV2();
    for (const r of records) enc.add(r);
    const p = enc.take();
    const headerChunk = encodeChunk(ChunkKind.header, packPayload({ formatVersion: FORMAT_VERSION, ...header('full') }));
    const bad = encodeChunk(ChunkKind.instructions, packPayload({ ...p, check: (p.check! + 1) >>> 0 }));
    const bytes = concat(encodePreamble(), headerChunk, bad);
    expect(() => collect(readTraceBytes(bytes, 'c.mpt'))).toThrowError(new RegExp(`^c\\.mpt: corrupt chunk at byte offset ${12 + headerChunk.length}: decoded records fail the chunk check`));
  });
});

describe('v1 traces', () => {
  /** A v1 file as the v1 writer made it: v1 preamble and header, v1 codec chunks, footer. */
  function v1File(records: readonly InstructionRecord[]): Uint8Array {
    const enc = new InsnEncoder();
    const chunks: Uint8Array[] = [];
    records.forEach((r, i) => {
      enc.add(r);
      if ((i + 1) % 1000 === 0) chunks.push(encodeChunk(ChunkKind.instructions, packPayload(enc.take())));
    });
    if (enc.count > 0) chunks.push(encodeChunk(ChunkKind.instructions, packPayload(enc.take())));
    const footer = encodeChunk(ChunkKind.footer, packPayload({ ...FOOTER, eventCount: 0, instructionCount: records.length }));
    return concat(encodePreamble(1), encodeChunk(ChunkKind.header, packPayload({ formatVersion: 1, ...header('full') })), ...chunks, footer);
  }

  test('decode exactly with the v1 decoder', () => {
    const records = instructionStream(5000, { threads: 4 });
    const t = collect(readTraceBytes(v1File(records), 'v1.mpt'));
    expect(t.header.formatVersion).toBe(1);
    expect(t.instructions).toEqual(records);
  });

  test('random streams written by the v1 encoder still decode exactly', () => {
    fc.assert(
      fc.property(stream, (records) => {
        expect(collect(readTraceBytes(v1File(records), 'v1.mpt')).instructions).toEqual(records);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
