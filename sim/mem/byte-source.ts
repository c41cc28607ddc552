/**
 * A file whose bytes come partly from host buffers and partly from machine memory (the OPAL core,
 * whose PT_LOAD data is read from memory on every read). Its content is described as pieces: host
 * bytes, or a range of a PhysicalMemory. `readPieces` turns pieces into bytes, so a file that
 * offers its pieces and reads through them cannot say one thing and read another.
 *
 * Why pieces: a reader that compares such a file with another memory (the oracle, against its
 * clock-stop snapshot) can let the memory system compare page objects (`comparePieces`): where
 * copy-on-write shares one immutable page object between the two memories, the bytes are equal
 * without being read. The identity is established by PhysicalMemory itself (the page objects its
 * directories hold), never taken from what the file's producer says the bytes are.
 */
import type { PhysicalMemory } from './physical-memory.js';

export type BytePiece =
  /** Host bytes (headers, notes, or zeros standing for memory outside RAM). */
  | { readonly bytes: Uint8Array }
  /** `sizeBytes` bytes of `mem` at `address` (inside RAM), as they are at the time of the read. */
  | { readonly mem: PhysicalMemory; readonly address: number; readonly sizeBytes: number };

/** A file that can describe a byte range of itself as pieces (in order, covering the range exactly). */
export interface PieceSource {
  pieces(offset: number, sizeBytes: number): BytePiece[];
}

export function pieceSize(p: BytePiece): number {
  return 'bytes' in p ? p.bytes.length : p.sizeBytes;
}

/** The bytes the pieces stand for, concatenated (one copy). */
export function readPieces(pieces: readonly BytePiece[]): Uint8Array {
  let total = 0;
  for (const p of pieces) total += pieceSize(p);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    if ('bytes' in p) out.set(p.bytes, at);
    else p.mem.readInto(p.address, out, at, p.sizeBytes);
    at += pieceSize(p);
  }
  return out;
}

/**
 * First offset at which the pieces differ from `mem` at `address` (the same number of bytes), or
 * -1. Memory pieces are compared by PhysicalMemory.firstDifference, which skips page objects the
 * two memories share and whole untouched directories, and compares the rest byte by byte.
 */
export function comparePieces(pieces: readonly BytePiece[], mem: PhysicalMemory, address: number): number {
  let at = 0;
  for (const p of pieces) {
    const n = pieceSize(p);
    if ('bytes' in p) {
      if (!mem.equalsBytes(address + at, p.bytes)) {
        const want = mem.readBytes(address + at, n);
        for (let i = 0; i < n; i++) if (p.bytes[i] !== want[i]) return at + i;
      }
    } else {
      const d = mem.firstDifference(address + at, p.mem, p.address, n);
      if (d >= 0) return at + d;
    }
    at += n;
  }
  return -1;
}
