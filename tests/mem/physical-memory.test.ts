import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PhysicalMemory, PAGE_SIZE } from '../../sim/mem/physical-memory.js';
import { TransactionError } from '../../sim/core/errors.js';

const GiB = 2 ** 30;

describe('PhysicalMemory', () => {
  it('reads zero where nothing was written and costs no pages', () => {
    const m = new PhysicalMemory(64 * GiB);
    expect(m.read64BE(60 * GiB)).toBe(0n);
    expect(m.residentPages()).toBe(0);
  });

  it('big- and little-endian accessors agree with DataView', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * PAGE_SIZE - 8 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (addr, v) => {
        const m = new PhysicalMemory(1 << 20);
        m.write64BE(addr, v);
        const dv = new DataView(m.readBytes(addr, 8).buffer);
        expect(dv.getBigUint64(0, false)).toBe(v);
        expect(m.read64LE(addr)).toBe(dv.getBigUint64(0, true));
        m.write64LE(addr, v);
        expect(m.read64LE(addr)).toBe(v);
        expect(m.read32LE(addr)).toBe(Number(v & 0xffff_ffffn));
      }),
    );
  });

  it('accesses outside RAM are transaction errors', () => {
    const m = new PhysicalMemory(1 << 20);
    expect(() => m.read32BE((1 << 20) - 2)).toThrow(TransactionError);
    expect(() => m.write8(-1, 0)).toThrow(TransactionError);
    expect(() => m.copy(0, (1 << 20) - 4, 8)).toThrow(TransactionError);
  });

  it('snapshots are copy-on-write and isolated both ways', () => {
    const m = new PhysicalMemory(1 << 20);
    m.write32BE(0x100, 0xdeadbeef);
    const s = m.snapshot();
    m.write32BE(0x100, 0x12345678);
    expect(s.read32BE(0x100)).toBe(0xdeadbeef);
    expect(m.read32BE(0x100)).toBe(0x12345678);
    expect(s.firstDifference(0, m, 0, 1 << 20)).toBe(0x100);
  });

  it('page-aligned copies share pages and stay independent after writes', () => {
    const m = new PhysicalMemory(1 << 24);
    m.fill(0, 4 * PAGE_SIZE, 0xab);
    m.copy(0x80_0000, 0, 4 * PAGE_SIZE);
    expect(m.firstDifference(0x80_0000, m, 0, 4 * PAGE_SIZE)).toBe(-1);
    m.write8(0, 1);
    expect(m.read8(0x80_0000)).toBe(0xab);
    m.write8(0x80_0001, 2);
    expect(m.read8(1)).toBe(0xab);
  });

  it('copy behaves like a byte-by-byte forward copy for any alignment and overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * PAGE_SIZE }), fc.integer({ min: 0, max: 5 * PAGE_SIZE }), fc.integer({ min: 0, max: 3 * PAGE_SIZE }), (from, to, n) => {
        const m = new PhysicalMemory(1 << 20);
        const ref = new Uint8Array(9 * PAGE_SIZE);
        for (let i = 0; i < ref.length; i += 97) {
          ref[i] = i & 0xff;
          m.write8(i, i & 0xff);
        }
        const srcCopy = ref.slice(from, from + n); // forward copy of the clock-stop bytes
        ref.set(srcCopy, to);
        m.copy(to, from, n);
        expect(Buffer.from(m.readBytes(0, ref.length)).equals(Buffer.from(ref))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('digests ignore how zero pages are represented', () => {
    const a = new PhysicalMemory(1 << 20);
    const b = new PhysicalMemory(1 << 20);
    a.write8(0x5000, 0);
    expect(a.digest()).toBe(b.digest());
    b.write8(0x5000, 1);
    expect(a.digest()).not.toBe(b.digest());
  });

  it('large copies skip untouched 16 MiB directories yet land every touched byte and clear old ones', () => {
    const MiB = 2 ** 20;
    const m = new PhysicalMemory(256 * MiB);
    const touched = [0, 3 * MiB + 5, 17 * MiB + 4095, 40 * MiB, 63 * MiB + 1];
    touched.forEach((a, i) => m.write8(a, i + 1));
    m.write8(128 * MiB + 20 * MiB, 0xee); // stale byte in the destination, where the source is zero
    m.copy(128 * MiB, 0, 64 * MiB);
    touched.forEach((a, i) => expect(m.read8(128 * MiB + a)).toBe(i + 1));
    expect(m.read8(128 * MiB + 20 * MiB)).toBe(0);
    expect(m.firstDifference(128 * MiB, m, 0, 64 * MiB)).toBe(-1);
  });
});
