/**
 * A minimal ELF64 writer and reader for ppc64 static executables, both byte orders.
 *
 * The writer makes what the differential tests need and nothing more: an ELF header, one
 * PT_LOAD per segment, no sections. Loaders (ours and qemu-user) only look at program headers.
 * The reader extracts the header fields and PT_LOAD segments of the committed workload ELFs.
 */

export type Endian = 'le' | 'be';

export const EM_PPC64 = 21;
const ET_EXEC = 2;
const PT_LOAD = 1;
const EHDR_BYTES = 64;
const PHDR_BYTES = 56;
/** ELFv2 in e_flags: without it qemu-ppc64 (big-endian) treats e_entry as an ELFv1 descriptor. */
export const EF_PPC64_ABI_V2 = 2;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
/** Segments are page aligned in memory and in the file (4 KiB, the smallest ppc64 page). */
export const SEGMENT_ALIGN_BYTES = 0x1000;

export interface Segment {
  readonly vaddr: bigint;
  readonly data: Uint8Array;
  /** Size in memory; the part past `data` is zero-filled by the loader (.bss). Default data.length. */
  readonly memBytes?: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
}

export interface ElfImage {
  readonly endian: Endian;
  readonly entry: bigint;
  readonly segments: readonly Segment[];
  /** e_flags; default ELFv2. */
  readonly flags?: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function writeElf64(img: ElfImage): Uint8Array {
  const le = img.endian === 'le';
  const phoff = EHDR_BYTES;
  let offset = alignUp(phoff + PHDR_BYTES * img.segments.length, SEGMENT_ALIGN_BYTES);
  const placed = img.segments.map((s) => {
    if (s.vaddr % BigInt(SEGMENT_ALIGN_BYTES) !== 0n) throw new RangeError(`segment vaddr 0x${s.vaddr.toString(16)} not page aligned`);
    const memBytes = s.memBytes ?? s.data.length;
    if (memBytes < s.data.length) throw new RangeError('segment memBytes smaller than its data');
    const at = offset;
    offset = alignUp(at + s.data.length, SEGMENT_ALIGN_BYTES);
    return { s, at, memBytes };
  });
  const out = new Uint8Array(offset);
  const dv = new DataView(out.buffer);
  // e_ident
  out.set([0x7f, 0x45, 0x4c, 0x46], 0);
  out[4] = 2; // ELFCLASS64
  out[5] = le ? 1 : 2; // ELFDATA2LSB / ELFDATA2MSB
  out[6] = 1; // EV_CURRENT
  dv.setUint16(16, ET_EXEC, le);
  dv.setUint16(18, EM_PPC64, le);
  dv.setUint32(20, 1, le);
  dv.setBigUint64(24, img.entry, le);
  dv.setBigUint64(32, BigInt(phoff), le);
  dv.setBigUint64(40, 0n, le); // no section headers
  dv.setUint32(48, img.flags ?? EF_PPC64_ABI_V2, le);
  dv.setUint16(52, EHDR_BYTES, le);
  dv.setUint16(54, PHDR_BYTES, le);
  dv.setUint16(56, img.segments.length, le);
  dv.setUint16(58, 64, le); // e_shentsize: the size a section header would have
  dv.setUint16(60, 0, le);
  dv.setUint16(62, 0, le);
  placed.forEach(({ s, at, memBytes }, i) => {
    const p = phoff + i * PHDR_BYTES;
    dv.setUint32(p, PT_LOAD, le);
    dv.setUint32(p + 4, s.flags, le);
    dv.setBigUint64(p + 8, BigInt(at), le);
    dv.setBigUint64(p + 16, s.vaddr, le);
    dv.setBigUint64(p + 24, s.vaddr, le);
    dv.setBigUint64(p + 32, BigInt(s.data.length), le);
    dv.setBigUint64(p + 40, BigInt(memBytes), le);
    dv.setBigUint64(p + 48, BigInt(SEGMENT_ALIGN_BYTES), le);
    out.set(s.data, at);
  });
  return out;
}

export interface ParsedElf {
  readonly endian: Endian;
  readonly entry: bigint;
  readonly flags: number;
  readonly machine: number;
  readonly segments: readonly (Segment & { readonly paddr: bigint })[];
}

/** Parse the header and PT_LOAD segments; throws a RangeError naming the problem on bad input. */
export function readElf64(bytes: Uint8Array): ParsedElf {
  if (bytes.length < EHDR_BYTES || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    throw new RangeError('not an ELF file');
  if (bytes[4] !== 2) throw new RangeError('not ELFCLASS64');
  const le = bytes[5] === 1;
  if (!le && bytes[5] !== 2) throw new RangeError('bad EI_DATA');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = Number(dv.getBigUint64(32, le));
  const phentsize = dv.getUint16(54, le);
  const phnum = dv.getUint16(56, le);
  if (phoff + phnum * phentsize > bytes.length) throw new RangeError('program headers past end of file');
  const segments: (Segment & { paddr: bigint })[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, le) !== PT_LOAD) continue;
    const off = Number(dv.getBigUint64(p + 8, le));
    const filesz = Number(dv.getBigUint64(p + 32, le));
    if (off + filesz > bytes.length) throw new RangeError(`segment ${i} past end of file`);
    segments.push({
      flags: dv.getUint32(p + 4, le),
      vaddr: dv.getBigUint64(p + 16, le),
      paddr: dv.getBigUint64(p + 24, le),
      data: bytes.slice(off, off + filesz),
      memBytes: Number(dv.getBigUint64(p + 40, le)),
    });
  }
  return {
    endian: le ? 'le' : 'be',
    entry: dv.getBigUint64(24, le),
    flags: dv.getUint32(48, le),
    machine: dv.getUint16(18, le),
    segments,
  };
}
