/**
 * Read a whole input file (config, ELF) with a size limit enforced while reading, not after:
 * `readFileSync('/dev/zero')` never ends and a FIFO can feed without bound (design section 10).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../core/errors.js';

export function readInputFile(path: string, what: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UsageError(`${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw new UsageError(`${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new UsageError(`${what}: ${path} is larger than ${maxBytes} bytes`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
