/**
 * Content digests for checkpoints, firmware hashes and replay comparison. SHA-256 from node:crypto
 * is defined by its algorithm, so the same bytes give the same digest on every host.
 */
import { createHash, type Hash } from 'node:crypto';

export type Digest = string;

export class Digester {
  private readonly h: Hash = createHash('sha256');

  bytes(b: Uint8Array): this {
    this.h.update(b);
    return this;
  }

  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, false);
    this.h.update(b);
    return this;
  }

  /** Each word big-endian, so the digest never depends on the host's byte order. */
  u32Array(words: Uint32Array): this {
    const b = new Uint8Array(4 * words.length);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < words.length; i++) dv.setUint32(4 * i, words[i]!, false);
    this.h.update(b);
    return this;
  }

  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    this.h.update(b);
    return this;
  }

  text(s: string): this {
    this.u32(s.length);
    this.h.update(s, 'utf8');
    return this;
  }

  done(): Digest {
    return this.h.digest('hex').slice(0, 32);
  }
}

export function digestBytes(b: Uint8Array): Digest {
  return new Digester().bytes(b).done();
}

export function digestText(s: string): Digest {
  return new Digester().text(s).done();
}
