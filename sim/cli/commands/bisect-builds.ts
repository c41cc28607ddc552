/**
 * Build against build on the command line (docs/bisect.md, "Build against build"):
 *
 *   bisect builds --firmware-elf skiboot=A.elf --against skiboot=B.elf [--seed S] [--json]
 *   bisect diverge FILE --firmware-elf skiboot=B.elf [--recorded-elf skiboot=A.elf] [--json]
 *   bisect firmware --firmware-elf skiboot=b1.elf,b2.elf,… [--seed S] [--json]
 *
 * The search and the alignment live in sim/bisect/builds.ts; this is parsing and printing. Exit
 * codes: 0 the builds do the same, 1 they part (a finding), 2 usage or bad input, 125 a trace whose
 * recorded build is not at hand.
 */
import type { CliIo } from '../io.js';
import { boolFlag, parseFlags, stringFlag } from '../args.js';
import { CannotTestError, ExitCode, UsageError } from '../../core/errors.js';
import type { ProfileFactory } from '../../firmware/profiles.js';
import { committedElfs } from '../../firmware-elf/builtin.js';
import { loadFirmware } from '../firmware-loader.js';
import { parseFirmwareElfOption, readFirmwareElf } from '../firmware-elf-option.js';
import { profileWithElfs, type FirmwareElfSet } from '../../firmware-elf/profile.js';
import type { FirmwareElf } from '../../firmware-elf/loader.js';
import { compareBuilds, type BuildsDivergence, type EffectSide } from '../../bisect/builds.js';
import { bisectVersions } from '../../bisect/versions.js';
import { scenarioFromFlags } from './run.js';
import { scenarioFromHeader } from '../recording.js';
import { traceHeader } from './bisect.js';
import type { ScenarioSpec } from '../../scenario/scenario.js';

const SCENARIO_FLAGS = {
  seed: { type: 'string' },
  config: { type: 'string' },
  firmware: { type: 'string' },
  'crash-pir': { type: 'string' },
  'crash-at': { type: 'string' },
  crashes: { type: 'string' },
  'time-mode': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `--against` / `--recorded-elf` take the same `skiboot=PATH,hostboot=PATH` as `--firmware-elf`. */
function parseElfSet(flag: string, text: string): FirmwareElfSet {
  try {
    return parseFirmwareElfOption(text);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace(/^--firmware-elf\b/, flag));
    throw e;
  }
}

function label(set: FirmwareElfSet): string {
  return [set.skiboot, set.hostboot]
    .filter((e): e is FirmwareElf => e !== undefined)
    .map((e) => `${e.participant}=${e.label}`)
    .join(',');
}

/** `--firmware-elf` (this command's own: the CLI entry leaves it here) over `--firmware BASE`. */
async function givenBuild(command: string, p: ReturnType<typeof parseFlags>): Promise<{ set: FirmwareElfSet; base: ProfileFactory }> {
  const text = stringFlag(p, 'firmware-elf');
  if (text === undefined) throw new UsageError(`${command}: --firmware-elf skiboot=PATH[,hostboot=PATH] is required`);
  return { set: parseFirmwareElfOption(text), base: await loadFirmware(stringFlag(p, 'firmware') ?? 'reference') };
}

// ------------------------------------------------------------------ printing

function sideText(tag: string, s: EffectSide | null): string[] {
  if (s === null) return [`  ${tag}: (no effect here: the call ended)`];
  const L = [`  ${tag}: ${s.where} ${s.effect}`];
  if (s.instruction !== '') L.push(`     instruction ${s.pc}: ${s.instruction}`);
  for (const c of s.callers) L.push(`     called from ${c}`);
  return L;
}

export function buildsText(r: BuildsDivergence, aLabel: string, bLabel: string): string {
  const L: string[] = [];
  if (r.verdict === 'same') {
    L.push(`same: ${r.callsCompared} firmware calls, every shared effect equal (A = ${aLabel}, B = ${bLabel})`);
    return `${L.join('\n')}\n`;
  }
  const c = r.call!;
  L.push(`A = ${aLabel}`);
  L.push(`B = ${bLabel}`);
  L.push(`first divergent call: #${c.index} ${c.participant} ${c.entry}(${c.args.join(', ')}) on PIR ${c.pir}, cycle ${r.firstDivergentCycle ?? '-'} (B: ${r.cycleB ?? '-'})`);
  if (r.effectIndex === null) {
    L.push('the calls themselves differ (one build made a call the other did not, or with other arguments):');
    L.push(...sideText('A', r.a), ...sideText('B', r.b));
  } else {
    L.push(`first differing shared effect: #${r.effectIndex} (A made ${r.effectsA}, B ${r.effectsB}${r.heapCompared ? '; found among skiboot heap stores, which the kernel reads through the tags' : ''})`);
    L.push(...sideText('A', r.a), ...sideText('B', r.b));
  }
  if (r.registers.length > 0) L.push(`  registers: ${r.registers.map((x) => `${x.reg} A ${x.a} B ${x.b}`).join(', ')}`);
  if (r.origin !== null && r.origin.b.length > 1) {
    const last = (steps: typeof r.origin.a): string => {
      const s = steps[steps.length - 1]!;
      return `${s.where}: ${s.instruction}`;
    };
    L.push(`  value origin: A ${last(r.origin.a)}`);
    L.push(`                B ${last(r.origin.b)}`);
  }
  const lines = (xs: typeof r.linesOnlyB): string => xs.map((x) => `${x.file}:${x.line} (${x.function})`).join(', ');
  if (r.linesOnlyB.length > 0) L.push(`  lines only B ran in this call: ${lines(r.linesOnlyB)}`);
  if (r.linesOnlyA.length > 0) L.push(`  lines only A ran in this call: ${lines(r.linesOnlyA)}`);
  L.push(`verdicts: A ${r.resultA.verdict.toUpperCase()}, B ${r.resultB.verdict.toUpperCase()}`);
  return `${L.join('\n')}\n`;
}

export function buildsJson(r: BuildsDivergence, aLabel: string, bLabel: string): Record<string, unknown> {
  const side = (s: EffectSide | null): Record<string, unknown> | null =>
    s === null ? null : { symbol: s.symbol, file: s.file, line: s.line, where: s.where, pc: s.pc, instruction: s.instruction, effect: s.effect, frames: s.frames, callers: s.callers };
  return {
    verdict: r.verdict,
    a: side(r.a),
    b: side(r.b),
    buildA: aLabel,
    buildB: bLabel,
    firstDivergentCycle: r.firstDivergentCycle,
    cycleB: r.cycleB,
    call: r.call,
    effectIndex: r.effectIndex,
    effects: { a: r.effectsA, b: r.effectsB },
    heapCompared: r.heapCompared,
    registers: r.registers,
    origin: r.origin,
    linesOnlyA: r.linesOnlyA,
    linesOnlyB: r.linesOnlyB,
    callsCompared: r.callsCompared,
    verdicts: { a: r.resultA.verdict.toUpperCase(), b: r.resultB.verdict.toUpperCase() },
  };
}

function report(io: CliIo, json: boolean, r: BuildsDivergence, aLabel: string, bLabel: string): number {
  if (json) io.stdout(`${JSON.stringify(buildsJson(r, aLabel, bLabel), null, 2)}\n`);
  else io.stdout(buildsText(r, aLabel, bLabel));
  return r.verdict === 'same' ? ExitCode.pass : ExitCode.finding;
}

// ------------------------------------------------------------------ bisect builds

export async function bisectBuildsCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parseFlags(argv, { ...SCENARIO_FLAGS, against: { type: 'string' }, 'firmware-elf': { type: 'string' } }, false);
  const a = await givenBuild('bisect builds', p);
  const againstText = stringFlag(p, 'against');
  if (againstText === undefined) throw new UsageError('bisect builds: --against skiboot=PATH[,hostboot=PATH] is required (the other build)');
  const b = parseElfSet('--against', againstText);
  const spec = scenarioFromFlags(p);
  const profileA = profileWithElfs('build-a', a.base, a.set);
  const profileB = profileWithElfs('build-b', a.base, { ...a.set, ...b });
  const r = compareBuilds(spec, profileA, profileB);
  return report(io, boolFlag(p, 'json'), r, label(a.set), label({ ...a.set, ...b }));
}

// ------------------------------------------------------------------ bisect diverge FILE --firmware-elf

/**
 * `bisect diverge FILE --firmware-elf …` without `--firmware`: the recording's build against the
 * given one, aligned by effects on the recorded scenario. The recording's ELFs are `--recorded-elf`
 * (checked against the SHA-256 the trace header carries) or, without it, the profile the header
 * names when it is a built-in one (`reference-elf`).
 */
export async function divergeBuildsCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parseFlags(argv, { json: { type: 'boolean' }, 'recorded-elf': { type: 'string' }, 'firmware-elf': { type: 'string' } }, true);
  if (p.positionals.length !== 1) throw new UsageError('bisect diverge: expected exactly one trace FILE');
  const file = p.positionals[0]!;
  const b = await givenBuild('bisect diverge', p);
  const h = traceHeader(file);
  const spec: ScenarioSpec = scenarioFromHeader(h);
  const recordedText = stringFlag(p, 'recorded-elf');
  let setA: FirmwareElfSet;
  if (recordedText !== undefined) setA = parseElfSet('--recorded-elf', recordedText);
  else if (h.firmware.name === 'reference-elf') setA = committedElfs();
  else throw new CannotTestError(`trace was recorded with firmware "${h.firmware.name}"; give its ELFs with --recorded-elf skiboot=PATH[,hostboot=PATH]`);
  for (const r of h.firmwareElfs ?? []) {
    const mine = setA[r.participant];
    if (mine === undefined || mine.sha256 !== r.sha256) {
      throw new CannotTestError(`trace ran ${r.participant} ELF sha256 ${r.sha256.slice(0, 16)}…; ${mine === undefined ? 'no such ELF was given' : `${mine.label} has sha256 ${mine.sha256.slice(0, 16)}…`}`);
    }
  }
  const profileA = profileWithElfs('recorded', b.base, setA);
  const aLabel = label(setA);
  const candidate = profileWithElfs('candidate', b.base, { ...setA, ...b.set });
  const r = compareBuilds(spec, profileA, candidate);
  return report(io, boolFlag(p, 'json'), r, `${aLabel} (the recording's build)`, label({ ...setA, ...b.set }));
}

// ------------------------------------------------------------------ bisect firmware --firmware-elf list

/** `skiboot=b1.elf,b2.elf,…[,hostboot=…]`: a participant then the ordered list of its builds. */
export function parseBuildList(text: string): { participant: 'skiboot' | 'hostboot'; paths: string[] } {
  const parts = text.split(',').filter((x) => x !== '');
  const first = parts[0] ?? '';
  const eq = first.indexOf('=');
  const who = eq < 0 ? '' : first.slice(0, eq);
  if (who !== 'skiboot' && who !== 'hostboot') throw new UsageError('--firmware-elf: expected skiboot=B1.elf,B2.elf,… (one participant, its builds in order)');
  const paths = [first.slice(eq + 1), ...parts.slice(1)];
  if (paths.some((x) => x.includes('='))) throw new UsageError('--firmware-elf: bisect firmware takes the builds of one participant (skiboot=B1,B2,… or hostboot=B1,B2,…)');
  if (paths.length < 2 || paths.some((x) => x === '')) throw new UsageError('--firmware-elf: give at least two builds in order (the first good, the last bad)');
  return { participant: who, paths };
}

/**
 * The first bad build in an ordered list: a build is bad when it parts from the first (good) build
 * on the scenario. Each probe is one `bisect builds` against the first build; the divergence of
 * the first bad build from its predecessor is reported.
 */
export async function bisectFirmwareBuildsCommand(argv: string[], io: CliIo): Promise<number> {
  let text: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--firmware-elf') text = argv[++i];
    else if (x.startsWith('--firmware-elf=')) text = x.slice('--firmware-elf='.length);
    else rest.push(x);
  }
  if (text === undefined || text.startsWith('--')) throw new UsageError('--firmware-elf: expected skiboot=B1.elf,B2.elf,…');
  const p = parseFlags(rest, SCENARIO_FLAGS, false);
  const { participant, paths } = parseBuildList(text);
  const elfs = paths.map((x) => readFirmwareElf(participant, x));
  const base = await loadFirmware(stringFlag(p, 'firmware') ?? 'reference');
  const spec = scenarioFromFlags(p);
  const profiles = elfs.map((e, i) => profileWithElfs(`build-${i}`, base, { [participant]: e }));
  const results = new Map<number, BuildsDivergence>();
  const r = bisectVersions(
    elfs.map((_, i) => i),
    (i) => {
      if (i === 0) return false;
      const d = compareBuilds(spec, profiles[0]!, profiles[i]!);
      results.set(i, d);
      return d.verdict === 'diverged';
    },
    (i) => paths[i]!,
  );
  const k = r.firstBadIndex;
  const d = compareBuilds(spec, profiles[k - 1]!, profiles[k]!);
  const aLabel = `${participant}=${paths[k - 1]}`;
  const bLabel = `${participant}=${paths[k]}`;
  if (boolFlag(p, 'json')) {
    io.stdout(`${JSON.stringify({ verdict: 'found', firstBad: paths[k], firstBadIndex: k, lastGood: paths[k - 1], tested: r.tested.map((t) => ({ index: t.index, build: paths[t.index], bad: t.bad })), divergence: buildsJson(d, aLabel, bLabel) }, null, 2)}\n`);
  } else {
    const L = [`mpipl-sim bisect firmware  ${paths.length} ${participant} builds  seed=${spec.seed}`];
    for (const t of r.tested) L.push(`  [${t.index}] ${paths[t.index]}: ${t.bad ? 'bad (parts from the first build)' : 'good'}`);
    L.push(`first bad build: ${paths[k]} (build ${k}); last good: ${paths[k - 1]}`);
    io.stdout(`${L.join('\n')}\n${buildsText(d, aLabel, bLabel)}`);
  }
  return ExitCode.finding;
}
