/**
 * `mpipl-sim mutants [--runs N] [--seed S] [--only NAME,...] [--json]`: how good the property
 * suite is at finding bugs. Runs the default check against every built-in single-bug mutant of
 * `reference` (or the named ones), stopping at a mutant's first kill, and reports whether it was
 * killed, by which invariant, after how many scenarios and how much wall time (design section 8).
 * With `--firmware-elf`, the mutants are the C-level variants built beside those ELFs.
 */
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags, stringFlag } from '../args.js';
import { UsageError } from '../../core/errors.js';
import { parseSeed } from '../../core/prng.js';
import { MUTANTS } from '../../firmware/mutants.js';
import { MUTANT_PREFIX, resolveProfile } from '../../firmware/profiles.js';
import { runCheck } from '../../check/check.js';
import { deriveScenario } from '../../scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../machine/config.js';
import { DEFAULT_CHECK_RUNS, inTimeMode } from './check.js';
import { parseTimeMode } from './run.js';
import type { TimeMode } from '../../machine/cost-model.js';
import { progressBar } from '../progress.js';
import { hostNowMs } from '../host-clock.js';
import { appliedFirmwareElfOption, registerElfMutants } from '../firmware-elf-option.js';

export interface MutantResult {
  readonly name: string;
  readonly participant: string;
  readonly description: string;
  readonly killed: boolean;
  readonly invariant: string | null;
  readonly runsToKill: number | null;
  readonly shrunk: string | null;
  /** Host wall time spent on this mutant (checking and shrinking), in milliseconds. */
  readonly wallMs: number;
}

/** A mutant to score: a built-in one (`mutant:NAME`) or a C-level one (`elf-mutant:NAME`). */
interface Candidate {
  readonly name: string;
  readonly participant: string;
  readonly description: string;
  readonly firmware: string;
}

const BUILTIN: readonly Candidate[] = MUTANTS.map((m) => ({ name: m.name, participant: m.participant, description: m.description, firmware: `${MUTANT_PREFIX}${m.name}` }));

/** With `--firmware-elf`: the C-level mutants built beside the ELFs (described as their model twins). */
function elfCandidates(): Candidate[] {
  return registerElfMutants().map((m) => ({ name: m.name, participant: m.participant, description: MUTANTS.find((x) => x.name === m.name)?.description ?? `C variant ${m.define ?? m.name}`, firmware: m.firmware }));
}

export function scoreMutants(seed: string, runs: number, onDone?: (i: number) => void, names?: readonly string[], catalogue: readonly Candidate[] = BUILTIN, timeMode?: TimeMode): MutantResult[] {
  const chosen = names === undefined ? catalogue : catalogue.filter((m) => names.includes(m.name));
  return chosen.map((m, i) => {
    const startMs = hostNowMs();
    const firmware = m.firmware;
    let killedAt: number | undefined;
    let lastRun = 0;
    const report = runCheck({
      seed,
      firmware,
      profileFor: resolveProfile(firmware),
      runs,
      examples: [inTimeMode(deriveScenario(seed, DEFAULT_CONFIG, firmware), timeMode)],
      ...(timeMode === undefined ? {} : { timeMode }),
      onRun: (n) => {
        lastRun = n;
      },
      onFailure: () => {
        killedAt = lastRun;
      },
      shouldStop: () => killedAt !== undefined,
    });
    onDone?.(i + 1);
    const f = report.failures[0];
    return {
      name: m.name,
      participant: m.participant,
      description: m.description,
      killed: f !== undefined,
      invariant: f?.invariant ?? null,
      runsToKill: f === undefined ? null : (killedAt ?? report.runs),
      shrunk: f?.description ?? null,
      wallMs: Math.round(hostNowMs() - startMs),
    };
  });
}

export const mutantsCommand: Command = async (argv: string[], io: CliIo) => {
  const p = parseFlags(argv, { runs: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' }, json: { type: 'boolean' }, 'time-mode': { type: 'string' } }, false);
  const timeMode = parseTimeMode(stringFlag(p, 'time-mode'));
  const seedText = stringFlag(p, 'seed') ?? '1';
  const seed = parseSeed(seedText);
  if (seed === undefined) throw new UsageError(`--seed: "${seedText}" is not a seed`);
  const runs = intFlag(p, 'runs', 1_000_000) ?? DEFAULT_CHECK_RUNS;
  const json = boolFlag(p, 'json');
  const elf = appliedFirmwareElfOption() === undefined ? undefined : elfCandidates();
  if (elf !== undefined && elf.length === 0) throw new UsageError('--firmware-elf: no C-level mutants listed in a manifest.json beside the given ELFs (scripts/build-firmware.sh writes firmware/bin/manifest.json)');
  const catalogue = elf ?? BUILTIN;
  const onlyText = stringFlag(p, 'only');
  const only = onlyText === undefined ? undefined : onlyText.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const unknown = only?.find((n) => !catalogue.some((m) => m.name === n));
  if (unknown !== undefined) throw new UsageError(`--only: no mutant "${unknown}"`);
  const count = only?.length ?? catalogue.length;
  if (!json) io.stdout(`mpipl-sim mutants  seed=${seed}  budget=${runs} scenarios per mutant  mutants=${count}${elf === undefined ? '' : ' (C level)'}\n`);
  const bar = progressBar(io, 'mutants', count, 'mutants');
  const results = scoreMutants(seed, runs, (i) => bar.update(i), only, catalogue, timeMode);
  bar.stop();
  const killed = results.filter((r) => r.killed).length;
  const score = results.length === 0 ? 0 : killed / results.length;
  if (json) {
    io.stdout(`${JSON.stringify({ seed, runs, mutants: results, score }, null, 2)}\n`);
  } else {
    const w = Math.max(...results.map((r) => r.name.length));
    for (const r of results) {
      const seconds = `${(r.wallMs / 1000).toFixed(1)} s`;
      io.stdout(`${r.killed ? 'killed  ' : 'SURVIVED'} ${r.name.padEnd(w)}  ${r.killed ? `${r.invariant} after ${r.runsToKill} scenario(s), ${seconds}` : `not caught in ${runs} scenarios, ${seconds}`}\n`);
    }
    io.stdout(`score: ${killed}/${results.length} = ${score.toFixed(2)}\n`);
  }
  return killed === results.length ? 0 : 1;
};
