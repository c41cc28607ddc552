/**
 * PhysicalMemory.beginWatch/endWatch (the oracle's per-OPAL-call view of RAM, issue 11): every page
 * written in the stretch is listed with its bytes before it, untouched pages are the memory's own
 * again afterwards, and nothing shared meanwhile is ever written in place.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysicalMemory } from '../../sim/mem/physical-memory.js';

describe('PhysicalMemory watch', () => {
  it('lists each written page once, in address order, with its bytes before the stretch', () => {
    const m = new PhysicalMemory(64 * PAGE_SIZE);
    m.write32BE(5 * PAGE_SIZE, 0x11223344);
    m.beginWatch();
    m.write32BE(5 * PAGE_SIZE, 0xaabbccdd);
    m.write8(5 * PAGE_SIZE + 9, 7);
    m.write8(2 * PAGE_SIZE, 1); // a page never written before
    m.fill(9 * PAGE_SIZE, PAGE_SIZE, 0); // dropped whole
    const w = m.endWatch();
    expect(w.map((x) => x.pageIndex)).toEqual([2, 5, 9]);
    expect(new DataView(w[1]!.before.buffer, w[1]!.before.byteOffset).getUint32(0, false)).toBe(0x11223344);
    expect(w[0]!.before.every((b) => b === 0)).toBe(true);
    expect(m.read32BE(5 * PAGE_SIZE)).toBe(0xaabbccdd);
  });

  it('an empty stretch lists nothing; a call that threw is ended by the next beginWatch', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    m.beginWatch();
    expect(m.endWatch()).toEqual([]);
    m.beginWatch();
    m.write8(3 * PAGE_SIZE, 1);
    m.beginWatch(); // the previous stretch never ended
    m.write8(4 * PAGE_SIZE, 1);
    expect(m.endWatch().map((x) => x.pageIndex)).toEqual([4]);
  });

  it('a snapshot taken before or during the stretch keeps its bytes (nothing shared is re-owned)', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    m.write8(1 * PAGE_SIZE, 1);
    m.write8(2 * PAGE_SIZE, 2);
    const early = m.snapshot();
    m.beginWatch();
    const during = m.snapshot();
    m.write8(2 * PAGE_SIZE, 3);
    m.endWatch();
    m.write8(1 * PAGE_SIZE, 9);
    m.write8(2 * PAGE_SIZE, 9);
    expect([early.read8(PAGE_SIZE), early.read8(2 * PAGE_SIZE)]).toEqual([1, 2]);
    expect([during.read8(PAGE_SIZE), during.read8(2 * PAGE_SIZE)]).toEqual([1, 2]);
  });

  it('a page shared by a copy during the stretch is not written in place afterwards', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    m.write8(1 * PAGE_SIZE, 5);
    m.beginWatch();
    m.copy(6 * PAGE_SIZE, 1 * PAGE_SIZE, PAGE_SIZE); // shares page 1 with page 6
    expect(m.endWatch().map((x) => x.pageIndex)).toEqual([6]);
    m.write8(1 * PAGE_SIZE, 7);
    expect(m.read8(6 * PAGE_SIZE)).toBe(5);
  });

  it('pages the stretch left alone are owned again: later writes change digests as they should', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    m.write8(1 * PAGE_SIZE, 5);
    const d0 = m.digest();
    m.beginWatch();
    m.endWatch();
    m.write8(1 * PAGE_SIZE, 6);
    expect(m.digest()).not.toBe(d0);
    m.write8(1 * PAGE_SIZE, 5);
    expect(m.digest()).toBe(d0);
  });
});
