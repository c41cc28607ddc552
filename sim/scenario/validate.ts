/**
 * The one validation of a scenario, whatever it came from: a config file and flags (`run`), a
 * trace header (`replay`, `vmcore`, `report`, `shrink`, `bisect`) or a generated one. Design
 * section 10: a trace is data, so its scenario passes exactly the checks and limits a user's
 * config does. Every problem is a one-line UsageError naming the field's path (exit 2).
 *
 * The limits bound the work one scenario can ask for (cycles, crashes, harness actions), so no
 * input can make a run take hours or allocate without bound. New scenario fields are validated
 * here, next to the others, so every path that reads scenarios checks them.
 */
import { UsageError } from '../core/errors.js';
import { parseSeed } from '../core/prng.js';
import { configFromObject, type MachineConfig } from '../machine/config.js';
import { resolveLinuxOptions, type LinuxOptions } from '../participants/linux/options.js';
import { validateCrashPoint, validateReboots, validateReservedRanges, validateScenarioExtensions } from './validate-extensions.js';
import { fail, intAt, isObject, knownKeys } from './validate-fields.js';
import { WORKLOAD_NAMES, type CrashPoint, type Faults, type OpalOp, type ScenarioSpec, type TableWrite } from './scenario.js';

export const SCENARIO_LIMITS = {
  /** A run simulates at most this many cycles (the default scenario limit is 1e8). */
  maxCyclesMax: 1_000_000_000,
  /** A kernel keeps running this long after a release: bounded well below the cycle limit. */
  releaseAfterCyclesMax: 10_000_000,
  /** Delay of a crash or harness action after its boot starts its workloads. */
  afterBootCyclesMax: 100_000_000,
  trapAfterIterationsMax: 1_000_000,
  /** MPIPL rounds in one scenario (`run --crashes` allows the same). */
  crashesMax: 64,
  opsMax: 1024,
  tableWritesMax: 1024,
  opArgsMax: 8,
  /** CrashPoint.inOpalCall: which coupled OPAL call of the boot, and how many instructions in. */
  opalCallIndexMax: 1_000_000,
  opalCallInstructionsMax: 50_000_000,
} as const;

/** The POWER9 SMT modes: a core runs 1, 2 or 4 threads. */
const SMT_MODES = [1, 2, 4] as const;

/** Config-file keys: the machine's plus the scenario's `linux` and `faults` objects. */
const MACHINE_KEYS = ['chips', 'coresPerChip', 'threadsPerCore', 'ramSize', 'kernelEndian', 'workload'] as const;
export const CONFIG_FILE_KEYS = [...MACHINE_KEYS, 'linux', 'faults'] as const;

/** A machine config in config-file form (`ramSize` as "4GiB" or 0x…), with the SMT modes POWER9 has. */
export function validateMachineConfig(obj: unknown, path: string): MachineConfig {
  if (!isObject(obj)) fail(path, 'expected a JSON object');
  knownKeys(obj, path, MACHINE_KEYS);
  const t = obj['threadsPerCore'];
  if (t !== undefined && !(SMT_MODES as readonly unknown[]).includes(t)) fail(`${path}.threadsPerCore`, `POWER9 cores run SMT1, SMT2 or SMT4, got ${JSON.stringify(t)}`);
  try {
    return configFromObject(obj);
  } catch (e) {
    // configFromObject's messages start with "config"; elsewhere (a trace header) name the place.
    if (e instanceof UsageError && path !== 'config') throw new UsageError(`${path}: ${e.message.replace(/^config:? ?/, '')}`);
    throw e;
  }
}

/** A config file's JSON: machine keys plus optional `linux` and `faults` objects. */
export function splitConfigFile(obj: unknown, path: string): { config: MachineConfig; linux: Record<string, unknown>; faults: Record<string, unknown> } {
  if (!isObject(obj)) fail(path, 'must hold a JSON object');
  knownKeys(obj, path, CONFIG_FILE_KEYS);
  const { linux, faults, ...machine } = obj;
  const sub = (v: unknown, name: string): Record<string, unknown> => {
    if (v === undefined) return {};
    if (!isObject(v)) fail(`${path}.${name}`, 'expected an object');
    return v;
  };
  return { config: validateMachineConfig(machine, path), linux: sub(linux, 'linux'), faults: sub(faults, 'faults') };
}

function validateFaults(v: unknown, path: string): Faults {
  if (!isObject(v)) fail(path, 'expected an object');
  knownKeys(v, path, ['dropStash', 'allocSizeBytes']);
  const drop = v['dropStash'];
  if (drop !== undefined && typeof drop !== 'boolean') fail(`${path}.dropStash`, 'expected a boolean');
  const a = v['allocSizeBytes'];
  if (a !== undefined) intAt(a, `${path}.allocSizeBytes`, 0, 0xffff_ffff);
  return { ...(drop === true ? { dropStash: true } : {}), ...(a === undefined ? {} : { allocSizeBytes: a as number }) };
}

function validateLinux(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) fail(path, 'expected an object');
  try {
    resolveLinuxOptions(v as Partial<LinuxOptions>);
  } catch (e) {
    if (e instanceof UsageError) fail(path, e.message);
    throw e;
  }
  return v;
}

function validateCrash(v: unknown, path: string, config: MachineConfig, maxCycles: number): CrashPoint {
  const c = validateCrashPoint(v, path, config, { atCycleMax: maxCycles - 1, afterBootCyclesMax: SCENARIO_LIMITS.afterBootCyclesMax, trapAfterIterationsMax: SCENARIO_LIMITS.trapAfterIterationsMax });
  const extras = { ...(c.beforeRelease === undefined ? {} : { beforeRelease: c.beforeRelease }), ...(c.source === undefined ? {} : { source: c.source }), ...(c.alsoPanic === undefined ? {} : { alsoPanic: c.alsoPanic }) };
  const inCall: unknown = c.inOpalCall;
  if (inCall !== undefined) {
    // Coupled time's crash point (CrashPoint.inOpalCall): the only way it is placed.
    if (!isObject(inCall)) fail(`${path}.inOpalCall`, 'expected {call, instructions, onCaller?}');
    knownKeys(inCall, `${path}.inOpalCall`, ['call', 'instructions', 'onCaller']);
    const call = intAt(inCall['call'], `${path}.inOpalCall.call`, 0, SCENARIO_LIMITS.opalCallIndexMax);
    const instructions = intAt(inCall['instructions'], `${path}.inOpalCall.instructions`, 0, SCENARIO_LIMITS.opalCallInstructionsMax);
    const onCaller = inCall['onCaller'];
    if (onCaller !== undefined && typeof onCaller !== 'boolean') fail(`${path}.inOpalCall.onCaller`, 'expected a boolean');
    return { inOpalCall: { call, instructions, ...(onCaller === undefined ? {} : { onCaller }) }, pir: c.pir, ...extras } as CrashPoint;
  }
  // Only the fields a crash point has, in one order (a trace header re-encodes the same bytes).
  const k = (['atCycle', 'afterBootCycles', 'trapAfterIterations'] as const).find((key) => c[key] !== undefined)!;
  return { [k]: c[k], pir: c.pir, ...extras } as CrashPoint;
}

const U64_HEX = /^0x[0-9a-fA-F]{1,16}$/;

function validateOp(v: unknown, path: string, boots: number): OpalOp {
  if (!isObject(v)) fail(path, 'expected an object');
  knownKeys(v, path, ['boot', 'afterBootCycles', 'call', 'args']);
  const boot = intAt(v['boot'], `${path}.boot`, 0, boots - 1);
  const afterBootCycles = intAt(v['afterBootCycles'], `${path}.afterBootCycles`, 0, SCENARIO_LIMITS.afterBootCyclesMax);
  const calls: readonly OpalOp['call'][] = ['ADD_RANGE', 'REMOVE_RANGE', 'REMOVE_ALL', 'FREE_PRESERVED_MEMORY', 'REGISTER_TAG'];
  const call = v['call'];
  if (!calls.includes(call as OpalOp['call'])) fail(`${path}.call`, `expected one of ${calls.join(', ')}, got ${JSON.stringify(call)}`);
  const args = v['args'];
  if (!Array.isArray(args) || args.length > SCENARIO_LIMITS.opArgsMax) fail(`${path}.args`, `expected a list of at most ${SCENARIO_LIMITS.opArgsMax} 64-bit hex strings`);
  args.forEach((a, i) => {
    if (typeof a !== 'string' || !U64_HEX.test(a)) fail(`${path}.args[${i}]`, `expected a 64-bit hex string such as "0x1000", got ${JSON.stringify(a)}`);
  });
  return { boot, afterBootCycles, call: call as OpalOp['call'], args: args as string[] };
}

function validateTableWrite(v: unknown, path: string, boots: number): TableWrite {
  if (!isObject(v)) fail(path, 'expected an object');
  knownKeys(v, path, ['boot', 'afterBootCycles', 'table', 'index', 'addr', 'region', 'sizeBytes', 'actCnt']);
  const table = v['table'];
  if (table !== 'MDST' && table !== 'MDDT') fail(`${path}.table`, 'expected "MDST" or "MDDT"');
  const addr = v['addr'];
  if (typeof addr !== 'string' || !U64_HEX.test(addr)) fail(`${path}.addr`, 'expected a 64-bit hex string');
  const actCnt = v['actCnt'];
  return {
    boot: intAt(v['boot'], `${path}.boot`, 0, boots - 1),
    afterBootCycles: intAt(v['afterBootCycles'], `${path}.afterBootCycles`, 0, SCENARIO_LIMITS.afterBootCyclesMax),
    table,
    index: intAt(v['index'], `${path}.index`, 0, 63),
    addr,
    region: intAt(v['region'], `${path}.region`, 0, 0xff),
    sizeBytes: intAt(v['sizeBytes'], `${path}.sizeBytes`, 0, 0xffff_ffff),
    ...(actCnt === undefined ? {} : { actCnt: intAt(actCnt, `${path}.actCnt`, 0, 0xffff) }),
  };
}

/**
 * Check a scenario (JSON-shaped: from a trace header, or built from flags and a config file)
 * against `config`, the machine it runs on, and return it typed. `path` prefixes messages.
 */
export function validateScenario(obj: unknown, config: MachineConfig, path: string): ScenarioSpec {
  if (!isObject(obj)) fail(path, 'expected an object');
  knownKeys(obj, path, ['seed', 'config', 'firmware', 'crashes', 'linux', 'faults', 'workloadName', 'ops', 'tableWrites', 'releaseAfterCycles', 'maxCycles', 'patterns', 'reservedRanges', 'reboots', 'timeMode']);
  const timeMode = obj['timeMode'];
  if (timeMode !== undefined && timeMode !== 'coupled') fail(`${path}.timeMode`, `expected "coupled" (absent = charged), got ${JSON.stringify(timeMode)}`);
  const seed = obj['seed'];
  if (typeof seed !== 'string' || parseSeed(seed) !== seed) fail(`${path}.seed`, 'expected a seed (1–128 letters, digits, . _ -)');
  const firmware = obj['firmware'];
  if (typeof firmware !== 'string' || firmware.length === 0 || firmware.length > 4096) fail(`${path}.firmware`, 'expected a firmware name');
  const workloadName = obj['workloadName'];
  if (!(WORKLOAD_NAMES as readonly unknown[]).includes(workloadName)) fail(`${path}.workloadName`, `expected one of ${WORKLOAD_NAMES.join(', ')}, got ${JSON.stringify(workloadName)}`);
  const maxCycles = intAt(obj['maxCycles'], `${path}.maxCycles`, 1, SCENARIO_LIMITS.maxCyclesMax);
  const releaseAfterCycles = intAt(obj['releaseAfterCycles'], `${path}.releaseAfterCycles`, 0, SCENARIO_LIMITS.releaseAfterCyclesMax);
  const crashes = obj['crashes'];
  if (!Array.isArray(crashes) || crashes.length > SCENARIO_LIMITS.crashesMax) fail(`${path}.crashes`, `expected a list of at most ${SCENARIO_LIMITS.crashesMax} crash points`);
  const crashPoints = crashes.map((c, i) => validateCrash(c, `${path}.crashes[${i}]`, config, maxCycles));
  // Boot k runs after crash k-1: harness actions may target any boot the crashes lead to.
  const boots = crashPoints.length + 1;
  const list = <T>(key: string, max: number, each: (v: unknown, p: string) => T): T[] => {
    const v = obj[key] ?? [];
    if (!Array.isArray(v) || v.length > max) fail(`${path}.${key}`, `expected a list of at most ${max} entries`);
    return v.map((x, i) => each(x, `${path}.${key}[${i}]`));
  };
  const ops = list('ops', SCENARIO_LIMITS.opsMax, (v, p) => validateOp(v, p, boots));
  const tableWrites = list('tableWrites', SCENARIO_LIMITS.tableWritesMax, (v, p) => validateTableWrite(v, p, boots));
  const spec: ScenarioSpec = {
    seed,
    config,
    firmware,
    crashes: crashPoints,
    linux: validateLinux(obj['linux'] ?? {}, `${path}.linux`),
    faults: validateFaults(obj['faults'] ?? {}, `${path}.faults`),
    workloadName: workloadName as string,
    ops,
    tableWrites,
    releaseAfterCycles,
    maxCycles,
    ...(obj['patterns'] === undefined ? {} : { patterns: obj['patterns'] as boolean }),
    ...(obj['reservedRanges'] === undefined ? {} : { reservedRanges: validateReservedRanges(obj['reservedRanges'], `${path}.reservedRanges`, config.ramSizeBytes) }),
    ...(obj['reboots'] === undefined ? {} : { reboots: validateReboots(obj['reboots'], `${path}.reboots`, crashPoints.length) }),
    ...(timeMode === undefined ? {} : { timeMode }),
  };
  if (timeMode === undefined && crashPoints.some((c) => c.inOpalCall !== undefined)) fail(`${path}.crashes`, 'a crash inside an OPAL call (inOpalCall) needs the coupled time mode');
  return validateScenarioExtensions(spec);
}
