/**
 * Eager validation of the scenario fields that widen what a scenario can express (issue 11):
 * crash sources and timing, simultaneous panics, memory patterns, platform-reserved ranges.
 * A config file, a trace header and a generated scenario all go through these functions, so a bad
 * value is the same one-line UsageError naming the field wherever it comes from.
 */
import { UsageError } from '../core/errors.js';
import type { MachineConfig } from '../machine/config.js';
import { Topology } from '../machine/topology.js';
import { SkibootMap } from '../participants/layout.js';
import type { CrashPoint, PlatformReservedRange, ScenarioSpec } from './scenario.js';

/** A second panic later than this after the first is no longer "while the first is in the crash path". */
export const ALSO_PANIC_AFTER_CYCLES_MAX = 100_000;
export const ALSO_PANIC_MAX = 8;
export const RESERVED_RANGES_MAX = 8;
/** The platform rewrites a reserved range whole at every IPL: keep that cheap. */
export const RESERVED_RANGE_SIZE_MAX_BYTES = 64 * 2 ** 20;
const PAGE = 0x1000;

function fail(field: string, why: string): never {
  throw new UsageError(`scenario ${field}: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Record<string, unknown>, field: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(field, `unknown key "${k}" (known: ${known.join(', ')})`);
}

function intIn(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo || v > hi) fail(field, `expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return v;
}

/** One crash point: exactly one way to place it, a PIR the machine has, and consistent extras. */
export function validateCrashPoint(c: unknown, field: string, config: MachineConfig): CrashPoint {
  if (!isObject(c)) fail(field, 'expected an object');
  checkKeys(c, field, ['atCycle', 'afterBootCycles', 'trapAfterIterations', 'inOpalCall', 'pir', 'beforeRelease', 'source', 'alsoPanic']);
  const topo = new Topology(config);
  const pir = intIn(c['pir'], `${field}.pir`, 0, 0xffff);
  if (!topo.hasPir(pir)) fail(`${field}.pir`, `PIR 0x${pir.toString(16)} does not exist on this machine`);
  const ways = ['atCycle', 'afterBootCycles', 'trapAfterIterations', 'inOpalCall'].filter((k) => c[k] !== undefined);
  if (ways.length !== 1) fail(field, 'give exactly one of atCycle, afterBootCycles, trapAfterIterations, inOpalCall');
  if (c['atCycle'] !== undefined) intIn(c['atCycle'], `${field}.atCycle`, 0, 2 ** 50);
  if (c['afterBootCycles'] !== undefined) intIn(c['afterBootCycles'], `${field}.afterBootCycles`, 0, 2 ** 50);
  if (c['trapAfterIterations'] !== undefined) {
    intIn(c['trapAfterIterations'], `${field}.trapAfterIterations`, 1, 1_000_000);
    if (config.workload !== 'machine-code') fail(`${field}.trapAfterIterations`, 'needs the machine-code workload');
  }
  if (c['beforeRelease'] !== undefined && typeof c['beforeRelease'] !== 'boolean') fail(`${field}.beforeRelease`, 'expected a boolean');
  const source = c['source'];
  if (source !== undefined && source !== 'kernel' && source !== 'opal') fail(`${field}.source`, 'expected "kernel" or "opal"');
  if (source === 'opal' && c['trapAfterIterations'] !== undefined) fail(`${field}.source`, 'an OPAL abort is injected; it cannot come from a guest trap');
  const also = c['alsoPanic'];
  if (also !== undefined) {
    if (!Array.isArray(also) || also.length > ALSO_PANIC_MAX) fail(`${field}.alsoPanic`, `expected a list of at most ${ALSO_PANIC_MAX} {pir, afterCycles}`);
    if (c['trapAfterIterations'] !== undefined) fail(`${field}.alsoPanic`, 'needs an injected crash (a guest trap has no cycle known in advance)');
    also.forEach((a, i) => {
      const f = `${field}.alsoPanic[${i}]`;
      if (!isObject(a)) fail(f, 'expected {pir, afterCycles}');
      checkKeys(a, f, ['pir', 'afterCycles']);
      const p = intIn(a['pir'], `${f}.pir`, 0, 0xffff);
      if (!topo.hasPir(p)) fail(`${f}.pir`, `PIR 0x${p.toString(16)} does not exist on this machine`);
      intIn(a['afterCycles'], `${f}.afterCycles`, 0, ALSO_PANIC_AFTER_CYCLES_MAX);
    });
  }
  return c as unknown as CrashPoint;
}

/** Platform-reserved ranges: page aligned, inside RAM, clear of the kernel at 0 and of skiboot. */
export function validateReservedRanges(v: unknown, field: string, ramSizeBytes: number): PlatformReservedRange[] {
  if (!Array.isArray(v) || v.length > RESERVED_RANGES_MAX) fail(field, `expected a list of at most ${RESERVED_RANGES_MAX} {startBytes, sizeBytes}`);
  const skiboot = { start: SkibootMap.SKIBOOT_BASE, end: SkibootMap.SKIBOOT_BASE + SkibootMap.SKIBOOT_SIZE };
  return v.map((r, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(r)) fail(f, 'expected {startBytes, sizeBytes}');
    checkKeys(r, f, ['startBytes', 'sizeBytes']);
    const start = intIn(r['startBytes'], `${f}.startBytes`, 0, ramSizeBytes);
    const size = intIn(r['sizeBytes'], `${f}.sizeBytes`, PAGE, RESERVED_RANGE_SIZE_MAX_BYTES);
    if (start % PAGE !== 0 || size % PAGE !== 0) fail(f, 'start and size must be whole 4 KiB pages');
    if (start + size > ramSizeBytes) fail(f, 'must lie inside RAM');
    // The kernel lives in the first 256 MiB (image, data, workload arenas); skiboot at SKIBOOT_BASE.
    if (start < 0x1000_0000) fail(f, 'must not start below 0x10000000 (the kernel and its workloads live there)');
    if (start < skiboot.end && skiboot.start < start + size) fail(f, 'must not overlap skiboot');
    return { startBytes: start, sizeBytes: size };
  });
}

/**
 * The fields of a scenario beyond the machine config, Linux options and faults: crash points,
 * patterns and reserved ranges. Returns the spec unchanged when valid.
 */
export function validateScenarioExtensions(spec: ScenarioSpec): ScenarioSpec {
  spec.crashes.forEach((c, k) => validateCrashPoint(c, `crashes[${k}]`, spec.config));
  if (spec.patterns !== undefined && typeof spec.patterns !== 'boolean') fail('patterns', 'expected a boolean');
  if (spec.reservedRanges !== undefined) validateReservedRanges(spec.reservedRanges, 'reservedRanges', spec.config.ramSizeBytes);
  return spec;
}
