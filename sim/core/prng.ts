/**
 * The single source of randomness. One seed drives everything: each consumer takes a named
 * stream (`prng.stream('workload/pir=5')`), so adding a consumer never shifts another's sequence.
 * Built on seedrandom's alea generator, whose output is defined by its algorithm, not the host.
 */
import seedrandom from 'seedrandom';

export class Prng {
  private readonly gen: seedrandom.PRNG;

  constructor(
    readonly seed: string,
    readonly name = 'root',
  ) {
    this.gen = seedrandom.alea(`${seed}/${name}`);
  }

  /** An independent stream derived from the same seed. */
  stream(name: string): Prng {
    return new Prng(this.seed, `${this.name}/${name}`);
  }

  u32(): number {
    return this.gen.int32() >>> 0;
  }

  /** Uniform integer in [lo, hi] (inclusive), for ranges up to 2^53. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`Prng.int: empty range [${lo}, ${hi}]`);
    const span = hi - lo + 1;
    if (span <= 0x1_0000_0000) return lo + (this.u32() % span);
    const r = this.u32() * 0x20_0000 + (this.u32() >>> 11);
    return lo + (r % span);
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  bool(pTrue = 0.5): boolean {
    return this.u32() / 0x1_0000_0000 < pTrue;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Prng.pick: empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  fill(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 4) {
      const v = this.u32();
      bytes[i] = v >>> 24;
      if (i + 1 < bytes.length) bytes[i + 1] = v >>> 16;
      if (i + 2 < bytes.length) bytes[i + 2] = v >>> 8;
      if (i + 3 < bytes.length) bytes[i + 3] = v;
    }
  }
}

/**
 * Seeds are decimal integers or any other token (a git hash works, as in TigerBeetle's VOPR):
 * we keep them as strings so every seed the user can type is reproducible exactly.
 */
export function parseSeed(text: string): string | undefined {
  const t = text.trim();
  if (t.length === 0 || t.length > 128 || !/^[0-9A-Za-z._-]+$/.test(t)) return undefined;
  return t;
}
