/**
 * `mpipl-sim bisect crash|diverge|firmware` (design sections 1, 7 and 8): from a failing run to
 * the first bad crash cycle, the first cycle two firmwares part, or the first bad firmware version.
 * The searches live in sim/bisect; this file is the trace-reading and printing side.
 *
 * Exit codes: 0 nothing found (no divergence); 1 a finding (a first bad cycle or version);
 * 2 usage or bad input (including ends that do not verify); 125 a trace this build cannot run.
 */
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags, stringFlag } from '../args.js';
import { CannotTestError, ExitCode, UsageError } from '../../core/errors.js';
import { resolveProfile, type ProfileFactory } from '../../firmware/profiles.js';
import { loadFirmware } from '../firmware-loader.js';
import { readTrace } from '../../../traces/reader.js';
import { canonicalItem, canonicalText, compareStreams, type CompareResult } from '../../../traces/replay.js';
import type { TraceHeader, TraceItem } from '../../../traces/format.js';
import { CHECKPOINT_EVERY_CYCLES, rerun, scenarioFromHeader } from '../recording.js';
import { runScenario } from '../../scenario/run.js';
import { traceFiles } from './replay.js';
import { scenarioFromFlags } from './run.js';
import { narrowDivergence, type Narrowed } from '../../bisect/diverge.js';
import { bisectCrash, DEFAULT_EXTRA_SAMPLES, type CrashBisectResult } from '../../bisect/crash.js';
import { bisectVersions } from '../../bisect/versions.js';
import type { SimEvent, TraceSink } from '../../trace/events.js';
import { progressBar } from '../progress.js';
import { hostNowMs } from '../host-clock.js';
import { bisectBuildsCommand, bisectFirmwareBuildsCommand, divergeBuildsCommand } from './bisect-builds.js';

const USAGE =
  'expected a sub-command: crash, diverge, firmware or builds (bisect crash --seed N --good CYCLE --bad CYCLE | bisect diverge FILE --firmware NAME | bisect diverge FILE --firmware-elf skiboot=B.elf | bisect firmware FW1 FW2... --trace FILE... | bisect firmware --firmware-elf skiboot=B1.elf,B2.elf,... | bisect builds --firmware-elf skiboot=A.elf --against skiboot=B.elf)';

export const bisectCommand: Command = async (argv: string[], io: CliIo) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'crash':
      return bisectCrashCommand(rest, io);
    case 'diverge':
      // With --firmware-elf and no --firmware: the recording's build against the given one.
      if (rest.some((a) => a === '--firmware-elf' || a.startsWith('--firmware-elf=')) && !rest.some((a) => a === '--firmware' || a.startsWith('--firmware='))) return divergeBuildsCommand(rest, io);
      return bisectDivergeCommand(rest, io);
    case 'firmware':
      if (rest.some((a) => a === '--firmware-elf' || a.startsWith('--firmware-elf='))) return bisectFirmwareBuildsCommand(rest, io);
      return bisectFirmwareCommand(rest, io);
    case 'builds':
      return bisectBuildsCommand(rest, io);
    default:
      throw new UsageError(sub === undefined ? USAGE : `unknown sub-command "${sub}"; ${USAGE}`);
  }
};

// ====================================================================== diverge

/** The header of a trace file (the stream is closed again at once). */
export function traceHeader(file: string): TraceHeader {
  const it = readTrace(file);
  try {
    const first = it.next();
    if (first.done || first.value.type !== 'header') throw new UsageError(`${file}: no header`);
    return first.value.header;
  } finally {
    it.return();
  }
}

/** The recording's own firmware: a trace whose firmware this build lacks cannot be tested (125). */
function recordedFactory(h: TraceHeader): ProfileFactory {
  try {
    return resolveProfile(h.firmware.name);
  } catch (e) {
    if (e instanceof UsageError) throw new CannotTestError(`trace needs firmware "${h.firmware.name}", which this build does not have`);
    throw e;
  }
}

function isCheckpoint(item: TraceItem | undefined): boolean {
  return item?.type === 'event' && item.event.kind === 'checkpoint';
}

export interface DivergeReport {
  readonly file: string;
  readonly recordedFirmware: string;
  readonly firmware: string;
  readonly compare: CompareResult;
  readonly lastEqualCheckpointCycle: number | undefined;
  readonly narrowed: Narrowed | undefined;
}

/**
 * One streaming comparison of the recording with a re-run under `firmware` finds the first
 * differing event or checkpoint; then sim/bisect narrows the state divergence to its cycle between
 * the last checkpoint that matched and that item.
 */
export function divergeFile(file: string, firmware: string, candidate?: ProfileFactory): DivergeReport {
  const candidateFactory = candidate ?? resolveProfile(firmware);
  const it = readTrace(file);
  try {
    const first = it.next();
    if (first.done || first.value.type !== 'header') throw new UsageError(`${file}: no header`);
    const h = first.value.header;
    const spec = scenarioFromHeader(h);
    const recorded = recordedFactory(h);
    const { items } = candidate === undefined ? rerun(h, firmware) : rerunFactory(h, firmware, candidate);
    // Remember the last two checkpoints the comparison pulled from the recording: the divergent
    // item may itself be one, and the one before it is then the last equal one.
    let index = 0;
    const checkpoints: { index: number; cycle: number }[] = [];
    const tracked = function* (): Generator<TraceItem> {
      for (const item of it) {
        if (item.type === 'header') continue;
        if (isCheckpoint(item)) {
          checkpoints.push({ index, cycle: item.type === 'event' ? item.event.cycle : 0 });
          if (checkpoints.length > 2) checkpoints.shift();
        }
        index++;
        yield item;
      }
    };
    const compare = compareStreams(tracked(), items);
    const base = { file, recordedFirmware: h.firmware.name, firmware };
    if (compare.ok) return { ...base, compare, lastEqualCheckpointCycle: undefined, narrowed: undefined };
    const lastEqual = checkpoints.filter((c) => c.index < compare.index).pop();
    const narrowed = narrowDivergence({
      spec,
      recorded,
      candidate: candidateFactory,
      lastEqualCycle: lastEqual?.cycle ?? 0,
      firstItemCycle: compare.cycle,
      firstItemIsCheckpoint: isCheckpoint(compare.recorded) || isCheckpoint(compare.replayed),
    });
    return { ...base, compare, lastEqualCheckpointCycle: lastEqual?.cycle, narrowed };
  } finally {
    it.return();
  }
}

/**
 * `rerun` for a firmware given as a factory rather than a name (a sabotaged profile in tests, a
 * plugin already loaded): the same items in the same order, footer last.
 */
function rerunFactory(h: TraceHeader, name: string, factory: ProfileFactory): { items: TraceItem[] } {
  const spec = { ...scenarioFromHeader(h), firmware: name };
  const items: TraceItem[] = [];
  const sink: TraceSink = { event: (event: SimEvent): void => void items.push({ type: 'event', event }) };
  // A `full` trace holds every retired instruction; the re-run must produce them to compare.
  if (h.traceLevel === 'full') sink.instruction = (insn): void => void items.push({ type: 'instruction', insn });
  const result = runScenario(spec, { sink, profile: factory(spec), checkpointEveryCycles: CHECKPOINT_EVERY_CYCLES });
  items.push({ type: 'footer', footer: { finalDigest: result.finalDigest, verdict: result.verdict, eventCount: 0, instructionCount: 0 } });
  return { items };
}

function eventText(e: SimEvent): string {
  const data = Object.keys(e.data)
    .sort()
    .map((k) => `${k}=${JSON.stringify(e.data[k])}`)
    .join(' ');
  return `${e.who} ${e.kind} ${data}`;
}

export function divergeJson(r: DivergeReport): Record<string, unknown> {
  const c = r.compare;
  if (c.ok || r.narrowed === undefined) {
    return { verdict: 'same', trace: r.file, recordedFirmware: r.recordedFirmware, firmware: r.firmware, itemsCompared: c.ok ? c.itemsCompared : 0, firstDivergentCycle: null, event: null, stateDiff: null };
  }
  const n = r.narrowed;
  return {
    verdict: 'diverged',
    trace: r.file,
    recordedFirmware: r.recordedFirmware,
    firmware: r.firmware,
    firstDivergentCycle: n.firstDivergentCycle,
    stateDiverged: n.stateDiverged,
    atomicStep: n.atomicStep ?? null,
    lastEqualCheckpointCycle: r.lastEqualCheckpointCycle ?? null,
    event: {
      cycle: c.cycle,
      recorded: c.recorded === undefined ? null : canonicalItem(c.recorded),
      replayed: c.replayed === undefined ? null : canonicalItem(c.replayed),
      differences: c.differences,
    },
    eventsAtCycle: { recorded: n.eventsAt.recorded, replayed: n.eventsAt.candidate },
    stateDiff: n.stateDiff,
    instructions: n.instructions,
    reruns: n.reruns,
  };
}

/** Events per side printed for the divergent cycle (a firmware step can emit hundreds in one cycle). */
const EVENTS_SHOWN_MAX = 12;

export function divergeText(r: DivergeReport): string {
  const c = r.compare;
  if (c.ok || r.narrowed === undefined) return `${r.file}: ${r.firmware} does not diverge from the recording (${r.recordedFirmware}): ${c.ok ? c.itemsCompared : 0} items compared\n`;
  const n = r.narrowed;
  const L: string[] = [];
  L.push(`${r.file}: ${r.firmware} diverges from the recording (${r.recordedFirmware})`);
  const what = n.stateDiverged ? 'state and events' : 'events only; the state is equal after that cycle';
  L.push(`first divergent cycle: ${n.firstDivergentCycle} (${what})`);
  if (n.atomicStep !== undefined) {
    L.push(`  inside one firmware step running from cycle ${n.atomicStep.startCycle} to ${n.atomicStep.endCycle} (no stop falls inside it; its events carry the finer cycles)`);
  }
  L.push(`first differing item, cycle ${c.cycle}:`);
  L.push(`  recorded: ${c.recorded === undefined ? '(stream ended)' : canonicalText(c.recorded)}`);
  L.push(`  replayed: ${c.replayed === undefined ? '(stream ended)' : canonicalText(c.replayed)}`);
  for (const d of c.differences) L.push(`  ${d.path}: recorded ${d.recorded ?? '(absent)'}, replayed ${d.replayed ?? '(absent)'}`);
  L.push(`events at cycle ${n.firstDivergentCycle}:`);
  const side = (label: string, events: readonly SimEvent[]): void => {
    for (const e of events.slice(0, EVENTS_SHOWN_MAX)) L.push(`  ${label}  ${eventText(e)}`);
    if (events.length > EVENTS_SHOWN_MAX) L.push(`  ${label}  … ${events.length - EVENTS_SHOWN_MAX} more (--json lists them)`);
  };
  side('recorded', n.eventsAt.recorded);
  side('replayed', n.eventsAt.candidate);
  if (n.eventsAt.recorded.length + n.eventsAt.candidate.length === 0) L.push('  (none: the state changed silently, by instructions or memory writes)');
  for (const i of n.instructions) L.push(`instruction: PIR ${i.pir} at ${i.nip}: ${i.word === undefined ? '' : `${i.word} `}${i.text}`);
  const s = n.stateDiff;
  L.push(`state after that cycle (stopped at cycle ${s.cycleA}${s.cycleB === s.cycleA ? '' : ` recorded, ${s.cycleB} replayed`}):`);
  if (s.empty) L.push('  equal');
  for (const t of s.threads) {
    const regs = t.registers.slice(0, 8).map((x) => `${x.reg} ${x.a} → ${x.b}`);
    L.push(`  PIR ${t.pir}: ${regs.join(', ')}${t.registers.length > 8 ? `, … (${t.registers.length} registers)` : ''}`);
  }
  if (s.pagesDiffering > 0) {
    L.push(`  memory: ${s.pagesDiffering} page(s) differ${s.pagesDiffering > s.pages.length ? `, first ${s.pages.length}` : ''}:`);
    for (const p of s.pages) L.push(`    page ${p.page}: ${p.bytesDiffering} byte(s), first at ${p.firstAddress}: ${p.a} → ${p.b}`);
  }
  L.push(`narrowed from the checkpoint at cycle ${r.lastEqualCheckpointCycle ?? 0} with ${n.reruns} partial re-runs`);
  return `${L.join('\n')}\n`;
}

async function bisectDivergeCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parseFlags(argv, { firmware: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (p.positionals.length !== 1) throw new UsageError('bisect diverge: expected exactly one trace FILE');
  const firmware = stringFlag(p, 'firmware');
  if (firmware === undefined) throw new UsageError('bisect diverge: --firmware NAME is required');
  const file = p.positionals[0]!;
  await loadFirmware(firmware); // a plugin path, like run and check
  const startMs = hostNowMs();
  const r = divergeFile(file, firmware);
  if (boolFlag(p, 'json')) io.stdout(`${JSON.stringify(divergeJson(r), null, 2)}\n`);
  else io.stdout(`${divergeText(r)}(${((hostNowMs() - startMs) / 1000).toFixed(2)} s)\n`);
  return r.compare.ok ? ExitCode.pass : ExitCode.finding;
}

// ====================================================================== crash

const CRASH_FLAGS = {
  seed: { type: 'string' },
  config: { type: 'string' },
  firmware: { type: 'string' },
  'crash-pir': { type: 'string' },
  crashes: { type: 'string' },
  good: { type: 'string' },
  bad: { type: 'string' },
  samples: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const CYCLE_MAX = 2 ** 50;

export function crashJson(r: CrashBisectResult, seed: string, firmware: string): Record<string, unknown> {
  return {
    verdict: 'found',
    seed,
    firmware,
    goodCycle: r.goodCycle,
    badCycle: r.badCycle,
    firstBadCycle: r.firstBadCycle,
    invariant: r.failure.invariant ?? null,
    detail: r.failure.detail ?? null,
    monotonic: r.monotonic,
    flips: r.flips,
    extraSamples: r.extraSamples,
    probed: r.probed.map((o) => ({ cycle: o.cycle, fails: o.fails, invariant: o.invariant ?? null })),
  };
}

export function crashText(r: CrashBisectResult, seed: string, firmware: string): string {
  const L: string[] = [];
  L.push(`mpipl-sim bisect crash  seed=${seed}  firmware=${firmware}  window=[${r.goodCycle}, ${r.badCycle}]`);
  L.push(`first failing crash cycle: ${r.firstBadCycle} (${r.failure.invariant}: ${r.failure.detail}); crash cycle ${r.firstBadCycle - 1} passes`);
  L.push(`probed ${r.probed.length} crash cycles (ends, binary search, ${r.extraSamples} extra samples)`);
  if (r.monotonic) L.push('outcome looks monotonic in the window (one pass → fail flip among the probed cycles)');
  else {
    L.push(`outcome is NOT monotonic in the window: ${r.flips.length} flips among the probed cycles; ${r.firstBadCycle} is one boundary, not necessarily the first:`);
    for (const f of r.flips) L.push(`  ${f.fromCycle} ${f.from} → ${f.toCycle} ${f.to}`);
    L.push('  (mpipl-sim sweep checks every cycle of a window)');
  }
  return `${L.join('\n')}\n`;
}

async function bisectCrashCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parseFlags(argv, CRASH_FLAGS, false);
  const good = intFlag(p, 'good', CYCLE_MAX);
  const bad = intFlag(p, 'bad', CYCLE_MAX);
  if (good === undefined || bad === undefined) throw new UsageError('bisect crash: --good CYCLE and --bad CYCLE are required');
  const samples = intFlag(p, 'samples', 1000) ?? DEFAULT_EXTRA_SAMPLES;
  const spec = scenarioFromFlags(p);
  if (Math.max(good, bad) >= spec.maxCycles) throw new UsageError(`--good/--bad: crash cycles must be below the scenario's cycle limit ${spec.maxCycles}`);
  const profileFor = await loadFirmware(spec.firmware);
  const bar = progressBar(io, 'bisect crash', Math.ceil(Math.log2(Math.max(2, bad - good))) + 2 + samples, 'runs');
  let runs = 0;
  let r: CrashBisectResult;
  try {
    r = bisectCrash({ spec, profileFor, goodCycle: good, badCycle: bad, extraSamples: samples, onProbe: () => bar.update(++runs) });
  } finally {
    bar.stop();
  }
  if (boolFlag(p, 'json')) io.stdout(`${JSON.stringify(crashJson(r, spec.seed, spec.firmware), null, 2)}\n`);
  else io.stdout(crashText(r, spec.seed, spec.firmware));
  return ExitCode.finding;
}

// ====================================================================== firmware

/**
 * Replay `file` under `firmware` and compare it with the recording: every event, checkpoint and
 * the footer's digest and verdict — but with the power-on event's firmware name taken as the
 * recording's (events never name the firmware), so only what the firmware did can make it differ.
 */
export function compareUnder(file: string, firmware: string): CompareResult {
  const it = readTrace(file);
  try {
    const first = it.next();
    if (first.done || first.value.type !== 'header') throw new UsageError(`${file}: no header`);
    const h = first.value.header;
    const { items } = rerun(h, firmware);
    return compareStreams(it, items);
  } finally {
    it.return();
  }
}

/**
 * `--trace FILE...` takes every following word up to the next flag (parseArgs would give the rest
 * to the positionals, the firmware versions).
 */
export function splitTraceArgs(argv: string[]): { traces: string[]; rest: string[] } {
  const traces: string[] = [];
  const rest: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a.startsWith('--trace=')) traces.push(a.slice('--trace='.length));
    else if (a === '--trace') {
      const before = traces.length;
      while (k + 1 < argv.length && !argv[k + 1]!.startsWith('--')) traces.push(argv[++k]!);
      if (traces.length === before) throw new UsageError('--trace needs at least one FILE');
    } else rest.push(a);
  }
  return { traces, rest };
}

async function bisectFirmwareCommand(argv: string[], io: CliIo): Promise<number> {
  const { traces, rest } = splitTraceArgs(argv);
  const p = parseFlags(rest, { json: { type: 'boolean' } }, true);
  const versions = p.positionals;
  if (versions.length < 2) throw new UsageError('bisect firmware: give at least two firmware versions in order (the first good, the last bad)');
  if (traces.length === 0) throw new UsageError('bisect firmware: --trace FILE... is required');
  for (const v of versions) await loadFirmware(v); // plugin paths load; unknown names are usage errors before anything runs
  const files = traceFiles(traces);
  if (files.length === 0) throw new UsageError('bisect firmware: no .mpt traces in the given directories');
  const bar = progressBar(io, 'bisect firmware', Math.ceil(Math.log2(versions.length)) + 2, 'versions');
  let tested = 0;
  const diverged = new Map<string, string>();
  let r;
  try {
    r = bisectVersions(versions, (v) => {
      let bad = false;
      for (const f of files) {
        const c = compareUnder(f, v);
        if (!c.ok) {
          bad = true;
          diverged.set(v, `${f} diverges at cycle ${c.cycle}`);
          break; // one diverging trace makes the version bad
        }
      }
      bar.update(++tested);
      return bad;
    });
  } finally {
    bar.stop();
  }
  const lastGood = versions[r.firstBadIndex - 1]!;
  if (boolFlag(p, 'json')) {
    io.stdout(
      `${JSON.stringify(
        {
          verdict: 'found',
          firstBad: r.firstBad,
          firstBadIndex: r.firstBadIndex,
          lastGood,
          traces: files,
          tested: r.tested.map((t) => ({ index: t.index, firmware: t.version, bad: t.bad, why: diverged.get(t.version) ?? null })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const L = [`mpipl-sim bisect firmware  ${versions.length} versions  ${files.length} trace(s)`];
    for (const t of r.tested) L.push(`  [${t.index}] ${t.version}: ${t.bad ? `bad (${diverged.get(t.version) ?? 'diverges'})` : 'good'}`);
    L.push(`first bad firmware: ${r.firstBad} (version ${r.firstBadIndex}); last good: ${lastGood}`);
    io.stdout(`${L.join('\n')}\n`);
  }
  return ExitCode.finding;
}
