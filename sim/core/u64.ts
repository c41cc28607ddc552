/**
 * 64-bit helpers for API edges. Hot paths keep 64-bit values as two 32-bit halves
 * (see sim/cpu/state.ts); firmware models and tables use bigint, which is fine off the hot path.
 */

export const U64_MASK = (1n << 64n) - 1n;

export function u64(v: bigint): bigint {
  return v & U64_MASK;
}

/** IBM bit numbering: bit 0 is the most significant bit of a 64-bit word (skiboot PPC_BIT). */
export function ppcBit(n: number): bigint {
  return 1n << BigInt(63 - n);
}

/** PPC_BITMASK(from, to): bits from..to inclusive, IBM numbering. */
export function ppcBitmask(from: number, to: number): bigint {
  let m = 0n;
  for (let b = from; b <= to; b++) m |= ppcBit(b);
  return m;
}



/** Canonical hex rendering used in JSON, traces and reports: lower case, `0x` prefix. */
export function hex(v: bigint | number): string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return `0x${(BigInt(Math.trunc(v)) & U64_MASK).toString(16)}`;
    return `0x${v.toString(16)}`;
  }
  return `0x${u64(v).toString(16)}`;
}


export function hiLoToBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Parse a non-negative integer written in decimal or 0x-hex, as users type addresses and cycles. */
export function parseUnsigned(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  return undefined;
}

/** Human unit rendering for sizes: exact units when they divide ("768 MiB"), else one decimal ("28.3 MiB"). */
export function humanBytes(n: number | bigint): string {
  const v = typeof n === 'bigint' ? Number(n) : n;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (i < units.length - 1 && v >= 1024 ** (i + 1)) i++;
  const x = v / 1024 ** i;
  return Number.isInteger(x) ? `${x} ${units[i]}` : `${x.toFixed(1)} ${units[i]}`;
}
