/**
 * Machine configuration: defaults, parsing from a config file, and eager validation (every bad
 * value is a one-line UsageError naming the field, as fast-check validates at its public edge).
 */
import { UsageError } from '../core/errors.js';
import { RAM_SIZE_MAX_BYTES, PAGE_SIZE } from '../mem/physical-memory.js';

export type WorkloadKind = 'synthetic' | 'machine-code';
export type Endian = 'big' | 'little';

export interface MachineConfig {
  readonly chips: number;
  readonly coresPerChip: number;
  /** POWER9 is SMT4. */
  readonly threadsPerCore: number;
  readonly ramSizeBytes: number;
  /** Byte order of the Linux kernel (its private structures and the vmcore ELF). */
  readonly kernelEndian: Endian;
  readonly workload: WorkloadKind;
}

export const DEFAULT_CONFIG: MachineConfig = {
  chips: 1,
  coresPerChip: 2,
  threadsPerCore: 4,
  ramSizeBytes: 4 * 2 ** 30,
  kernelEndian: 'little',
  workload: 'machine-code',
};

/** POWER9 limits: PIR has 6 bits of core id and 2 of thread; skiboot supports up to 8 chips here. */
export const LIMITS = {
  chipsMax: 8,
  coresPerChipMax: 24,
  threadsPerCoreMax: 4,
  /** Linux boot memory, skiboot and its reservations need the first ~1 GiB. */
  ramSizeMinBytes: 2 ** 30,
  ramSizeMaxBytes: RAM_SIZE_MAX_BYTES,
} as const;

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tib: 2 ** 40 };

/** "4GiB", "512M", "0x100000000" or a plain number of bytes. */
export function parseSize(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new UsageError(`${field}: ${value} is not a byte count`);
    return value;
  }
  if (typeof value !== 'string') throw new UsageError(`${field}: expected a size such as "4GiB"`);
  const t = value.trim().toLowerCase();
  if (/^0x[0-9a-f]+$/.test(t)) {
    const n = Number(BigInt(t));
    if (!Number.isSafeInteger(n)) throw new UsageError(`${field}: ${value} is too large`);
    return n;
  }
  const m = /^([0-9]+)\s*([a-z]*)$/.exec(t);
  const unit = m === null ? undefined : SIZE_UNITS[m[2]!];
  if (m === null || unit === undefined) throw new UsageError(`${field}: cannot read size "${value}"`);
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${field}: ${value} is too large`);
  return n;
}

function intField(obj: Record<string, unknown>, key: string, lo: number, hi: number, dflt: number): number {
  const v = obj[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new UsageError(`config ${key}: expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
  return v;
}

const KNOWN_KEYS = new Set(['chips', 'coresPerChip', 'threadsPerCore', 'ramSize', 'kernelEndian', 'workload']);

/** Build a validated config from a parsed JSON object (config file or programmatic overrides). */
export function configFromObject(obj: unknown): MachineConfig {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UsageError('config: expected a JSON object');
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN_KEYS.has(k)) throw new UsageError(`config: unknown key "${k}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const ramSizeBytes = o['ramSize'] === undefined ? DEFAULT_CONFIG.ramSizeBytes : parseSize(o['ramSize'], 'config ramSize');
  if (ramSizeBytes < LIMITS.ramSizeMinBytes || ramSizeBytes > LIMITS.ramSizeMaxBytes || ramSizeBytes % PAGE_SIZE !== 0) {
    throw new UsageError(`config ramSize: must be whole 4 KiB pages between 1 GiB and 1 TiB, got ${ramSizeBytes}`);
  }
  const kernelEndian = o['kernelEndian'] ?? DEFAULT_CONFIG.kernelEndian;
  if (kernelEndian !== 'big' && kernelEndian !== 'little') throw new UsageError('config kernelEndian: expected "big" or "little"');
  const workload = o['workload'] ?? DEFAULT_CONFIG.workload;
  if (workload !== 'synthetic' && workload !== 'machine-code') throw new UsageError('config workload: expected "synthetic" or "machine-code"');
  return {
    chips: intField(o, 'chips', 1, LIMITS.chipsMax, DEFAULT_CONFIG.chips),
    coresPerChip: intField(o, 'coresPerChip', 1, LIMITS.coresPerChipMax, DEFAULT_CONFIG.coresPerChip),
    threadsPerCore: intField(o, 'threadsPerCore', 1, LIMITS.threadsPerCoreMax, DEFAULT_CONFIG.threadsPerCore),
    ramSizeBytes,
    kernelEndian,
    workload,
  };
}

/** JSON form of a config, as written in traces and `run --json`. */
export function configToObject(c: MachineConfig): Record<string, string | number> {
  return {
    chips: c.chips,
    coresPerChip: c.coresPerChip,
    threadsPerCore: c.threadsPerCore,
    ramSize: `0x${c.ramSizeBytes.toString(16)}`,
    kernelEndian: c.kernelEndian,
    workload: c.workload,
  };
}
