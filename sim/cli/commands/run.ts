/**
 * `mpipl-sim run`: one scenario, judged by the oracle (design section 8).
 */
import { readInputFile } from '../input-file.js';
import type { Command, CliIo } from '../io.js';
import { boolFlag, intFlag, parseFlags, stringFlag } from '../args.js';
import { UsageError } from '../../core/errors.js';
import { parseSeed } from '../../core/prng.js';
import { hex, humanBytes } from '../../core/u64.js';
import { DEFAULT_CONFIG, type MachineConfig } from '../../machine/config.js';
import { TIME_MODES, type TimeMode } from '../../machine/cost-model.js';
import { deriveScenario, type ScenarioSpec } from '../../scenario/scenario.js';
import { SCENARIO_LIMITS, splitConfigFile, validateScenario } from '../../scenario/validate.js';
import { runScenario, type RunResult } from '../../scenario/run.js';
import { isPluginPath, loadFirmware } from '../firmware-loader.js';
import { describeFault } from '../../firmware/guard.js';
import { messagesTo, outputTarget } from '../outputs.js';
import { MemorySink } from '../../trace/events.js';
import type { RegisterView } from '../../cpu/state.js';
import { parseTraceLevel, recordRun } from '../recording.js';

const FLAGS = {
  seed: { type: 'string' },
  config: { type: 'string' },
  firmware: { type: 'string' },
  'crash-at': { type: 'string' },
  'crash-pir': { type: 'string' },
  'crash-in-opal-call': { type: 'string' },
  'time-mode': { type: 'string' },
  crashes: { type: 'string' },
  record: { type: 'string' },
  'trace-level': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

/** Read and validate `--config FILE` (JSON; keys of sim/machine/config.ts plus optional `linux` and `faults`). */
export function loadConfigFile(path: string | undefined): { config: MachineConfig; linux: Record<string, unknown>; faults: Record<string, unknown> } {
  if (path === undefined) return { config: DEFAULT_CONFIG, linux: {}, faults: {} };
  const text = readInputFile(path, '--config', 1 << 20).toString('utf8');
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: ${path} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UsageError(`--config: ${path} must hold a JSON object`);
  return splitConfigFile(obj, 'config');
}

/** Build the scenario `run` and `record` use from the common flags. */
export function scenarioFromFlags(p: ReturnType<typeof parseFlags>): ScenarioSpec {
  const seedText = stringFlag(p, 'seed') ?? '1';
  const seed = parseSeed(seedText);
  if (seed === undefined) throw new UsageError(`--seed: "${seedText}" is not a seed (letters, digits, . _ -)`);
  const { config, linux, faults } = loadConfigFile(stringFlag(p, 'config'));
  const firmware = stringFlag(p, 'firmware') ?? 'reference';
  const crashAt = intFlag(p, 'crash-at', SCENARIO_LIMITS.maxCyclesMax);
  const crashPir = intFlag(p, 'crash-pir', 0xffff);
  const crashes = intFlag(p, 'crashes', 64);
  if (crashes === 0) throw new UsageError('--crashes: at least 1');
  const timeMode = parseTimeMode(stringFlag(p, 'time-mode'));
  const crashInOpalCall = parseCrashInOpalCall(stringFlag(p, 'crash-in-opal-call'));
  if (crashInOpalCall !== undefined && crashAt !== undefined) throw new UsageError('--crash-in-opal-call and --crash-at both place the first crash: give one');
  if (crashInOpalCall !== undefined && timeMode !== 'coupled') throw new UsageError('--crash-in-opal-call needs --time-mode coupled (in charged time an OPAL call is one step)');
  const base = deriveScenario(seed, config, firmware, {
    ...(crashInOpalCall === undefined ? {} : { crashInOpalCall }),
    ...(crashAt === undefined ? {} : { crashAt }),
    ...(crashPir === undefined ? {} : { crashPir }),
    ...(crashes === undefined ? {} : { crashes }),
  });
  if (crashAt !== undefined && crashAt >= base.maxCycles) throw new UsageError(`--crash-at: cycle ${crashAt} is at or past the scenario's cycle limit ${base.maxCycles}`);
  // The same validation a trace header's scenario gets (sim/scenario/validate.ts).
  return validateScenario({ ...base, linux, faults, ...(timeMode === 'coupled' ? { timeMode } : {}) }, config, 'config');
}

/** `--time-mode charged|coupled` (docs/firmware-elf.md, "Time modes"); default charged. */
export function parseTimeMode(text: string | undefined): TimeMode {
  if (text === undefined) return 'charged';
  if (!(TIME_MODES as readonly string[]).includes(text)) throw new UsageError(`--time-mode: expected ${TIME_MODES.join(' or ')}, got "${text}"`);
  return text as TimeMode;
}

/** `--crash-in-opal-call K+N`: N firmware instructions into the K-th coupled OPAL call (0-based). */
export function parseCrashInOpalCall(text: string | undefined): { call: number; instructions: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^([0-9]{1,7})\+([0-9]{1,8})$/.exec(text.trim());
  if (m === null) throw new UsageError(`--crash-in-opal-call: expected K+N (N instructions into the K-th OPAL call), got "${text}"`);
  const call = Number(m[1]);
  const instructions = Number(m[2]);
  if (call > SCENARIO_LIMITS.opalCallIndexMax || instructions > SCENARIO_LIMITS.opalCallInstructionsMax) throw new UsageError(`--crash-in-opal-call: K at most ${SCENARIO_LIMITS.opalCallIndexMax}, N at most ${SCENARIO_LIMITS.opalCallInstructionsMax}`);
  return { call, instructions };
}

export function registersJson(r: RegisterView): Record<string, unknown> {
  return { nip: hex(r.nip), msr: hex(r.msr), cr: hex(r.cr), xer: hex(r.xer), lr: hex(r.lr), ctr: hex(r.ctr), gpr: r.gpr.map((g) => hex(g)) };
}

export function runJson(r: RunResult): Record<string, unknown> {
  const crashes = r.crashes.map((c) => ({
    cycle: c.cycle,
    pir: hex(c.pir),
    cause: c.cause,
    clockStopCycle: c.clockStopCycle ?? null,
    mpiplBoot: c.mpiplBoot,
    registers: registersJson(c.registers),
    mdrt: c.mdrt.map((e) => ({ src: hex(e.src), dest: hex(e.dest), size: hex(e.size), region: hex(e.region) })),
  }));
  const first = crashes[0];
  return {
    verdict: verdictOf(r),
    seed: r.spec.seed,
    firmware: r.spec.firmware,
    config: { ...r.spec.config, ramSizeBytes: hex(r.spec.config.ramSizeBytes) },
    crash: first === undefined ? null : { cycle: first.cycle, pir: first.pir, cause: first.cause, clockStopCycle: first.clockStopCycle, registers: first.registers },
    mdrt: first?.mdrt ?? [],
    crashes,
    invariants: r.invariants.map((i) => ({ id: i.id, ok: i.ok, detail: i.detail, round: i.round, cycle: i.cycle })),
    finalCycle: r.finalCycle,
    finalDigest: r.finalDigest,
    note: r.note ?? null,
    fault: r.fault === undefined ? null : { firmware: r.fault.firmware, activity: r.fault.activity, reason: r.fault.reason, location: r.fault.location ?? null },
  };
}

const REGION_NAMES: Record<number, string> = { 0x01: 'console', 0x02: 'HBRT log', 0x03: 'OPAL', 0x80: 'kernel' };

export function runText(r: RunResult, verbose = false): string {
  const c = r.spec.config;
  const lines: string[] = [];
  lines.push(`mpipl-sim run  seed=${r.spec.seed}  firmware=${r.spec.firmware}  machine=${c.chips} chip × ${c.coresPerChip} cores × SMT${c.threadsPerCore}, ${humanBytes(c.ramSizeBytes)}  workload=${c.workload}`);
  r.crashes.forEach((cr, i) => {
    lines.push(`crash ${i}: PIR ${hex(cr.pir)} at cycle ${cr.cycle} (${cr.cause})` + (cr.clockStopCycle === undefined ? ', normal reboot (no MPIPL)' : `, clocks stopped at cycle ${cr.clockStopCycle}`));
    lines.push(`  nip ${hex(cr.registers.nip)}  msr ${hex(cr.registers.msr)}  lr ${hex(cr.registers.lr)}  cr ${hex(cr.registers.cr)}`);
    if (cr.clockStopCycle !== undefined) {
      lines.push(`  MDRT: ${cr.mdrt.length} entr${cr.mdrt.length === 1 ? 'y' : 'ies'}, mpipl-boot ${cr.mpiplBoot ? 'set' : 'not set'}`);
      for (const e of cr.mdrt) lines.push(`    [${e.index}] src ${hex(e.src)}  dest ${hex(e.dest)}  size ${humanBytes(e.size)}  region ${hex(e.region)} (${REGION_NAMES[e.region] ?? 'other'})`);
    }
    const inv = r.invariants.filter((x) => x.round === i);
    const w = Math.max(...inv.map((x) => x.id.length), 0);
    for (const x of inv) lines.push(`  ${x.ok ? 'ok  ' : 'FAIL'} ${x.id.padEnd(w)}  ${x.detail}`);
  });
  // Verdicts about no crash round — the firmware failed (a plugin fault, a machine-code firmware's
  // fw-fault checkstop) before the first crash — are that scenario's verdict: printed as a round of
  // their own, named in the verdict line.
  const early = r.invariants.filter((x) => x.round >= r.crashes.length && !x.ok);
  const earlyWhen = r.crashes.length === 0 ? 'before the first crash' : `after crash ${r.crashes.length - 1}`;
  if (early.length > 0) {
    lines.push(`${earlyWhen} (cycle ${early[0]!.cycle}):`);
    const w = Math.max(...early.map((x) => x.id.length));
    for (const x of early) lines.push(`  FAIL ${x.id.padEnd(w)}  ${x.detail}`);
  }
  if (r.fault !== undefined) lines.push(`firmware-fault: ${describeFault(r.fault)}  (firmware ${r.fault.firmware})`);
  else if (r.note !== undefined) lines.push(`note: ${r.note}`);
  if (r.fault?.stack !== undefined && verbose) lines.push(r.fault.stack);
  const verdict = { pass: 'PASS', fail: 'FAIL', 'not-judged': 'NOT JUDGED (no crash took a dump: only the reboots were judged)' }[verdictOf(r)];
  const earlyIds = [...new Set(early.map((x) => x.id))].join(', ');
  lines.push(`verdict: ${verdict}  (${early.length > 0 ? `${earlyIds} ${earlyWhen}; ` : ''}${r.invariants.filter((x) => x.ok).length}/${r.invariants.length} checks, final cycle ${r.finalCycle})`);
  return `${lines.join('\n')}\n`;
}

export const runCommand: Command = async (argv: string[], io: CliIo) => {
  const p = parseFlags(argv, FLAGS, false);
  const recordPath = stringFlag(p, 'record');
  const levelText = stringFlag(p, 'trace-level');
  if (levelText !== undefined && recordPath === undefined) throw new UsageError('--trace-level needs --record FILE (it sets what the recording holds)');
  const level = parseTraceLevel(levelText);
  const spec = scenarioFromFlags(p);
  const configPath = stringFlag(p, 'config');
  const inputs = [...(configPath === undefined ? [] : [configPath]), ...(isPluginPath(spec.firmware) ? [spec.firmware] : [])];
  const record = recordPath === undefined ? undefined : outputTarget(io, recordPath, '--record', inputs);
  const factory = await loadFirmware(spec.firmware);
  const profile = factory(spec);
  const result = record === undefined ? runScenario(spec, { sink: new MemorySink(), profile }) : recordRun(spec, profile, record, level);
  const say = messagesTo(io, record);
  if (boolFlag(p, 'json')) say(`${JSON.stringify(runJson(result), null, 2)}\n`);
  else say(runText(result, boolFlag(p, 'verbose')));
  return verdictOf(result) === 'pass' ? 0 : 1;
};

/** A run that passed without any dump to judge is not a PASS (design section 6). */
export function verdictOf(r: RunResult): 'pass' | 'fail' | 'not-judged' {
  return r.verdict === 'pass' && r.dumpsTaken === 0 ? 'not-judged' : r.verdict;
}
