/**
 * Byte-order helpers. Every kernel-private structure is in the kernel's native order
 * (`p.config.kernelEndian`); firmware structures are big-endian (spec conventions). These helpers
 * make the order explicit at every access instead of hiding it in a global.
 */
import type { PhysicalMemory } from '../../mem/physical-memory.js';
import type { Endian } from '../../machine/config.js';

/** Native-order accessors on machine memory for one kernel. */
export class KernelMem {
  constructor(
    readonly mem: PhysicalMemory,
    readonly endian: Endian,
  ) {}

  get le(): boolean {
    return this.endian === 'little';
  }

  r16(a: number): number {
    const v = this.mem.read16BE(a);
    return this.le ? ((v & 0xff) << 8) | (v >>> 8) : v;
  }

  w16(a: number, v: number): void {
    this.mem.write16BE(a, this.le ? ((v & 0xff) << 8) | ((v >>> 8) & 0xff) : v & 0xffff);
  }

  r32(a: number): number {
    return this.le ? this.mem.read32LE(a) : this.mem.read32BE(a);
  }

  w32(a: number, v: number): void {
    if (this.le) this.mem.write32LE(a, v >>> 0);
    else this.mem.write32BE(a, v >>> 0);
  }

  r64(a: number): bigint {
    return this.le ? this.mem.read64LE(a) : this.mem.read64BE(a);
  }

  w64(a: number, v: bigint): void {
    if (this.le) this.mem.write64LE(a, BigInt.asUintN(64, v));
    else this.mem.write64BE(a, BigInt.asUintN(64, v));
  }
}

/** A host buffer being built in a chosen byte order (ELF headers, notes) before it goes to memory. */
export class ByteBuilder {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;

  constructor(
    sizeBytes: number,
    readonly le: boolean,
  ) {
    this.bytes = new Uint8Array(sizeBytes);
    this.dv = new DataView(this.bytes.buffer);
  }

  u8(off: number, v: number): void {
    this.dv.setUint8(off, v);
  }

  u16(off: number, v: number): void {
    this.dv.setUint16(off, v, this.le);
  }

  u32(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, this.le);
  }

  u64(off: number, v: bigint): void {
    this.dv.setBigUint64(off, BigInt.asUintN(64, v), this.le);
  }

  text(off: number, s: string): void {
    for (let i = 0; i < s.length; i++) this.dv.setUint8(off + i, s.charCodeAt(i) & 0xff);
  }
}

export function bswap64(v: bigint): bigint {
  let x = BigInt.asUintN(64, v);
  let r = 0n;
  for (let i = 0; i < 8; i++) {
    r = (r << 8n) | (x & 0xffn);
    x >>= 8n;
  }
  return r;
}

export function alignUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}

export function alignDown(v: number, align: number): number {
  return Math.floor(v / align) * align;
}

/** A physical range [start, end). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

export function overlaps(a: Range, b: Range): boolean {
  return a.start < b.end && b.start < a.end;
}

/** `ranges` minus every range in `holes`, sorted by start, empty pieces dropped. */
export function subtractRanges(ranges: readonly Range[], holes: readonly Range[]): Range[] {
  let cur = ranges.filter((r) => r.end > r.start).map((r) => ({ ...r }));
  for (const h of holes) {
    const next: Range[] = [];
    for (const r of cur) {
      if (!overlaps(r, h)) {
        next.push(r);
        continue;
      }
      if (r.start < h.start) next.push({ start: r.start, end: h.start });
      if (h.end < r.end) next.push({ start: h.end, end: r.end });
    }
    cur = next;
  }
  return cur.sort((a, b) => a.start - b.start);
}
