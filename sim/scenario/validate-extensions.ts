/**
 * Eager validation of the scenario fields that widen what a scenario can express (issue 11):
 * crash sources and timing, simultaneous panics, memory patterns, platform-reserved ranges.
 * A config file, a trace header and a generated scenario all go through these functions, so a bad
 * value is the same one-line UsageError naming the field wherever it comes from.
 */
import { fail, intAt, isObject, knownKeys } from './validate-fields.js';
import type { MachineConfig } from '../machine/config.js';
import { Topology } from '../machine/topology.js';
import { SkibootMap } from '../participants/layout.js';
import type { CrashPoint, PlatformReservedRange, RebootPoint, ScenarioSpec } from './scenario.js';

/** A second panic later than this after the first is no longer "while the first is in the crash path". */
export const ALSO_PANIC_AFTER_CYCLES_MAX = 100_000;
export const ALSO_PANIC_MAX = 8;
export const RESERVED_RANGES_MAX = 8;
/** The platform rewrites a reserved range whole at every IPL: keep that cheap. */
export const RESERVED_RANGE_SIZE_MAX_BYTES = 64 * 2 ** 20;
const PAGE = 0x1000;

/** How far a crash point may be placed (validate.ts passes the scenario's own limits). */
export interface CrashPointLimits {
  readonly atCycleMax: number;
  readonly afterBootCyclesMax: number;
  readonly trapAfterIterationsMax: number;
}

/** The bounds a scenario built in code (generated, shrunk, swept) is held to by startScenario. */
const LOOSE_CRASH_LIMITS: CrashPointLimits = { atCycleMax: 2 ** 50, afterBootCyclesMax: 2 ** 50, trapAfterIterationsMax: 1_000_000 };

/**
 * One crash point: known keys, a PIR the machine has, exactly one way to place it within
 * `limits`, and consistent extras. The one check of a crash point, whatever it came from.
 */
export function validateCrashPoint(c: unknown, field: string, config: MachineConfig, limits: CrashPointLimits = LOOSE_CRASH_LIMITS): CrashPoint {
  if (!isObject(c)) fail(field, 'expected an object');
  knownKeys(c, field, ['atCycle', 'afterBootCycles', 'trapAfterIterations', 'inOpalCall', 'pir', 'beforeRelease', 'source', 'alsoPanic']);
  const topo = new Topology(config);
  const pir = intAt(c['pir'], `${field}.pir`, 0, 0xffff);
  if (!topo.hasPir(pir)) fail(`${field}.pir`, `PIR 0x${pir.toString(16)} does not exist (PIRs: ${topo.threads.map((t) => `0x${t.pir.toString(16)}`).join(' ')})`);
  const ways = (['atCycle', 'afterBootCycles', 'trapAfterIterations', 'inOpalCall'] as const).filter((k) => c[k] !== undefined);
  if (ways.length !== 1) fail(field, `needs exactly one of atCycle, afterBootCycles, trapAfterIterations, inOpalCall (has ${ways.length === 0 ? 'none' : ways.join(', ')})`);
  if (c['atCycle'] !== undefined) intAt(c['atCycle'], `${field}.atCycle`, 0, limits.atCycleMax);
  if (c['afterBootCycles'] !== undefined) intAt(c['afterBootCycles'], `${field}.afterBootCycles`, 0, limits.afterBootCyclesMax);
  if (c['trapAfterIterations'] !== undefined) {
    intAt(c['trapAfterIterations'], `${field}.trapAfterIterations`, 1, limits.trapAfterIterationsMax);
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
      knownKeys(a, f, ['pir', 'afterCycles']);
      const p = intAt(a['pir'], `${f}.pir`, 0, 0xffff);
      if (!topo.hasPir(p)) fail(`${f}.pir`, `PIR 0x${p.toString(16)} does not exist on this machine`);
      intAt(a['afterCycles'], `${f}.afterCycles`, 0, ALSO_PANIC_AFTER_CYCLES_MAX);
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
    knownKeys(r, f, ['startBytes', 'sizeBytes']);
    const start = intAt(r['startBytes'], `${f}.startBytes`, 0, ramSizeBytes);
    const size = intAt(r['sizeBytes'], `${f}.sizeBytes`, PAGE, RESERVED_RANGE_SIZE_MAX_BYTES);
    if (start % PAGE !== 0 || size % PAGE !== 0) fail(f, 'start and size must be whole 4 KiB pages');
    if (start + size > ramSizeBytes) fail(f, 'must lie inside RAM');
    // The kernel lives in the first 256 MiB (image, data, workload arenas); skiboot at SKIBOOT_BASE.
    if (start < 0x1000_0000) fail(f, 'must not start below 0x10000000 (the kernel and its workloads live there)');
    if (start < skiboot.end && skiboot.start < start + size) fail(f, 'must not overlap skiboot');
    return { startBytes: start, sizeBytes: size };
  });
}

export const REBOOTS_MAX = 16;

/** Reboot points: a boot the crash points lead to (or one more per earlier reboot), a delay in range. */
export function validateReboots(v: unknown, field: string, crashes: number): RebootPoint[] {
  if (!Array.isArray(v) || v.length > REBOOTS_MAX) fail(field, `expected a list of at most ${REBOOTS_MAX} {boot, afterBootCycles}`);
  return v.map((r, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(r)) fail(f, 'expected {boot, afterBootCycles}');
    knownKeys(r, f, ['boot', 'afterBootCycles']);
    return { boot: intAt(r['boot'], `${f}.boot`, 0, crashes + v.length), afterBootCycles: intAt(r['afterBootCycles'], `${f}.afterBootCycles`, 0, 2 ** 50) };
  });
}

/**
 * The fields of a scenario beyond the machine config, Linux options and faults: crash points,
 * patterns, reserved ranges and reboots. Returns the spec unchanged when valid.
 */
export function validateScenarioExtensions(spec: ScenarioSpec): ScenarioSpec {
  spec.crashes.forEach((c, k) => validateCrashPoint(c, `scenario.crashes[${k}]`, spec.config));
  if (spec.patterns !== undefined && typeof spec.patterns !== 'boolean') fail('scenario.patterns', 'expected a boolean');
  if (spec.reservedRanges !== undefined) validateReservedRanges(spec.reservedRanges, 'scenario.reservedRanges', spec.config.ramSizeBytes);
  if (spec.reboots !== undefined) validateReboots(spec.reboots, 'scenario.reboots', spec.crashes.length);
  return spec;
}
