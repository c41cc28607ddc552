import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PhysicalMemory, PAGE_SIZE } from '../../sim/mem/physical-memory.js';
import { comparePieces, readPieces, type BytePiece } from '../../sim/mem/byte-source.js';
import { OpalCoreFile } from '../../sim/participants/linux/opalcore.js';

const MiB = 2 ** 20;

function seeded(mem: PhysicalMemory, at: number, sizeBytes: number, seed: number): void {
  const b = new Uint8Array(sizeBytes);
  let x = seed | 1;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  mem.writeBytes(at, b);
}

/** The file bytes as the OPAL core defined them before pieces: prefix, then each segment from memory, zeros outside RAM. */
function referenceRead(mem: PhysicalMemory, prefix: Uint8Array, segs: { fileOffset: number; dest: number; sizeBytes: number }[], size: number, offset: number, n: number): Uint8Array {
  const end = Math.min(size, offset + n);
  const out = new Uint8Array(Math.max(0, end - offset));
  for (let f = offset; f < end; f++) {
    if (f < prefix.length) out[f - offset] = prefix[f]!;
    for (const s of segs) {
      if (f >= s.fileOffset && f < s.fileOffset + s.sizeBytes) {
        const a = s.dest + (f - s.fileOffset);
        out[f - offset] = a < mem.sizeBytes ? mem.read8(a) : 0;
      }
    }
  }
  return out;
}

describe('byte sources (pieces of host bytes and memory ranges)', () => {
  it('OpalCoreFile.read equals the byte-by-byte definition for any range, including segments past the end of RAM', () => {
    const mem = new PhysicalMemory(4 * MiB);
    seeded(mem, 0x10_0000, 3 * PAGE_SIZE + 123, 7);
    seeded(mem, 4 * MiB - 2 * PAGE_SIZE, 2 * PAGE_SIZE, 9);
    const prefix = new Uint8Array(0x1000).map((_, i) => (i * 7) & 0xff);
    const segs = [
      { fileOffset: 0x1000, dest: 0x10_0000 + 17, sizeBytes: 2 * PAGE_SIZE + 5 },
      { fileOffset: 0x1000 + 2 * PAGE_SIZE + 5, dest: 4 * MiB - PAGE_SIZE - 3, sizeBytes: 2 * PAGE_SIZE }, // runs off the end of RAM
      { fileOffset: 0x1000 + 4 * PAGE_SIZE + 5, dest: 8 * MiB, sizeBytes: 100 }, // wholly outside RAM
    ];
    const size = 0x1000 + 4 * PAGE_SIZE + 105;
    const core = new OpalCoreFile(mem, prefix, segs, size);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: size + 10 }), fc.integer({ min: 0, max: 3 * PAGE_SIZE }), (offset, n) => {
        const want = referenceRead(mem, prefix, segs, size, offset, n);
        expect(core.read(offset, n)).toEqual(want);
        expect(readPieces(core.pieces(offset, n))).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  it('comparePieces: shared page objects are equal unread; a write after sharing (a copy-on-write clone) is found at its byte', () => {
    const live = new PhysicalMemory(4 * MiB);
    seeded(live, 0x20_0000, 8 * PAGE_SIZE, 3);
    const clockStop = live.snapshot();
    live.copy(0x30_0000, 0x20_0000, 8 * PAGE_SIZE); // preservation: pages shared, not copied
    const pieces: BytePiece[] = [{ mem: live, address: 0x30_0000, sizeBytes: 8 * PAGE_SIZE }];
    expect(comparePieces(pieces, clockStop, 0x20_0000)).toBe(-1);
    live.write8(0x30_0000 + 5 * PAGE_SIZE + 77, live.read8(0x30_0000 + 5 * PAGE_SIZE + 77) ^ 1);
    expect(comparePieces(pieces, clockStop, 0x20_0000)).toBe(5 * PAGE_SIZE + 77);
    // Same bytes in different page objects (an unaligned copy) compare equal byte by byte.
    live.copy(0x30_0001, 0x20_0000, 4 * PAGE_SIZE);
    expect(comparePieces([{ mem: live, address: 0x30_0001, sizeBytes: 4 * PAGE_SIZE }], clockStop, 0x20_0000)).toBe(-1);
  });

  it('comparePieces: host-byte pieces and offsets across pieces', () => {
    const mem = new PhysicalMemory(MiB);
    seeded(mem, 0, 3 * PAGE_SIZE, 5);
    const head = mem.readBytes(0, 100);
    const pieces: BytePiece[] = [{ bytes: head }, { mem, address: 100, sizeBytes: 2 * PAGE_SIZE }];
    expect(comparePieces(pieces, mem, 0)).toBe(-1);
    const bad = head.slice();
    bad[42]! ^= 0x80;
    expect(comparePieces([{ bytes: bad }, pieces[1]!], mem, 0)).toBe(42);
    expect(comparePieces(pieces, mem, 1)).toBeGreaterThanOrEqual(0);
  });
});

describe('PhysicalMemory.firstDifference (page identity, whole directories)', () => {
  it('equals a byte-by-byte search over shared, cloned, absent and differing pages across 16 MiB directories', () => {
    const DIR = 16 * MiB;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * DIR - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 0, maxLength: 12 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * DIR - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 0, maxLength: 4 }),
        fc.constantFrom(0, DIR, PAGE_SIZE, 3),
        fc.integer({ min: 1, max: 2 * DIR + 5 * PAGE_SIZE }),
        (writes, later, shift, sizeBytes) => {
          const live = new PhysicalMemory(4 * DIR);
          for (const [a, v] of writes) live.write8(a, v);
          const snap = live.snapshot();
          for (const [a, v] of later) live.write8(a, v); // clones shared pages
          const size = Math.min(sizeBytes, 4 * DIR - shift);
          const got = live.firstDifference(shift, snap, 0, size);
          const x = live.readBytes(shift, size);
          const y = snap.readBytes(0, size);
          let want = -1;
          for (let i = 0; i < size; i++) if (x[i] !== y[i]) { want = i; break; }
          expect(got).toBe(want);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('PhysicalMemory snapshots sharing directories', () => {
  it('any sequence of writes, fills, copies and snapshots reads like a byte model, in every memory', () => {
    const SIZE = 32 * MiB; // two 16 MiB directories
    type Op = [kind: number, a: number, b: number, v: number];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: SIZE - 4 * PAGE_SIZE }), fc.integer({ min: 0, max: SIZE - 4 * PAGE_SIZE }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }),
        (ops: Op[]) => {
          const mems: { mem: PhysicalMemory; model: Map<number, number> }[] = [{ mem: new PhysicalMemory(SIZE), model: new Map() }];
          const probes = new Set<number>();
          const modelRead = (m: Map<number, number>, a: number): number => m.get(a) ?? 0;
          for (const [kind, a, b, v] of ops) {
            const live = mems[0]!;
            probes.add(a).add(b).add(a + PAGE_SIZE - 1).add(b + 1);
            if (kind === 0 || kind === 1) {
              live.mem.write8(a, v);
              live.model.set(a, v);
            } else if (kind === 2) {
              mems.push({ mem: live.mem.snapshot(), model: new Map(live.model) });
            } else if (kind === 3) {
              const at = a & ~(PAGE_SIZE - 1); // whole-page zero fill drops the page
              live.mem.fill(at, PAGE_SIZE, 0);
              for (let i = 0; i < PAGE_SIZE; i++) live.model.delete(at + i);
            } else if (kind === 6) {
              // A whole 16 MiB directory onto the other one (shares the directory).
              const DIR = 16 * MiB;
              const from = v & 1 ? DIR : 0;
              const to = DIR - from;
              const moved = [...live.model].filter(([k]) => k >= from && k < from + DIR);
              for (const k of [...live.model.keys()]) if (k >= to && k < to + DIR) live.model.delete(k);
              live.mem.copy(to, from, DIR);
              for (const [k, x] of moved) live.model.set(k - from + to, x);
              probes.add(to + (a % DIR)).add(from + (b % DIR));
            } else {
              // kind 4: page-aligned copy (shares pages); kind 5: unaligned copy (bytes)
              const from = kind === 4 ? a & ~(PAGE_SIZE - 1) : a;
              const to = kind === 4 ? b & ~(PAGE_SIZE - 1) : b;
              const n = 2 * PAGE_SIZE + (kind === 5 ? v : 0);
              const src = Array.from({ length: n }, (_, i) => modelRead(live.model, from + i));
              live.mem.copy(to, from, n);
              src.forEach((x, i) => (x === 0 ? live.model.delete(to + i) : live.model.set(to + i, x)));
            }
          }
          for (const { mem, model } of mems) {
            for (const a of [...probes, ...model.keys()]) expect(mem.read8(a)).toBe(modelRead(model, a));
          }
          // Memories with the same bytes digest alike, however their pages and directories are shared.
          const fresh = new PhysicalMemory(SIZE);
          for (const [a, x] of mems[0]!.model) fresh.write8(a, x);
          expect(mems[0]!.mem.digest()).toBe(fresh.digest());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('PhysicalMemory whole-directory copies', () => {
  it('tell the code watcher about every watched page they overwrite, like page-by-page copies', () => {
    const DIR = 16 * MiB;
    const mem = new PhysicalMemory(2 * DIR);
    const told: number[] = [];
    mem.setCodeWatcher((i) => told.push(i));
    mem.write8(DIR + 5 * PAGE_SIZE, 1);
    mem.watchPage(DIR / PAGE_SIZE + 5);
    mem.watchPage(DIR / PAGE_SIZE + 4000); // absent page, watched
    mem.write8(3, 9);
    mem.copy(DIR, 0, DIR);
    expect(told).toEqual([DIR / PAGE_SIZE + 5, DIR / PAGE_SIZE + 4000]);
    expect(mem.read8(DIR + 3)).toBe(9);
    expect(mem.read8(DIR + 5 * PAGE_SIZE)).toBe(0);
    mem.write8(DIR + 3, 7); // the shared directory is cloned, the source keeps its byte
    expect(mem.read8(3)).toBe(9);
  });
});
