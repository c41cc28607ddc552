/**
 * `mpipl-sim shrink FILE [-o FILE]`: delta-debug a failing trace's scenario (sim/bisect/shrink.ts)
 * to a smaller one that breaks the same invariant, and record it as a valid trace (atomically,
 * by the trace writer) — by default next to FILE as `NAME.shrunk.mpt`. Prints the scenario before
 * and after in the spec's vocabulary.
 *
 * Exit codes: 1 the shrunk trace breaks the invariant (a finding, like `run` on a failing
 * scenario); 2 bad input, or a trace that does not fail ("nothing to shrink"); 125 a trace this
 * build cannot run.
 */
import type { CliIo, Command } from '../io.js';
import { intFlag, parseFlags, stringFlag } from '../args.js';
import { CannotTestError, ExitCode, UsageError } from '../../core/errors.js';
import { resolveProfile, type ProfileFactory } from '../../firmware/profiles.js';
import { loadFirmware } from '../firmware-loader.js';
import { describeScenario } from '../../check/describe.js';
import { DEFAULT_SHRINK_RUNS_MAX, scenarioSize, shrinkScenario } from '../../bisect/shrink.js';
import { recordRun, scenarioFromHeader } from '../recording.js';
import { loadTrace } from '../trace-scenario.js';
import { messagesTo, outputTarget } from '../outputs.js';
import { progressBar } from '../progress.js';

/** `t.mpt` → `t.shrunk.mpt`; any other name gets the suffix appended. */
export function defaultShrinkOutput(file: string): string {
  return file.endsWith('.mpt') ? `${file.slice(0, -'.mpt'.length)}.shrunk.mpt` : `${file}.shrunk.mpt`;
}

/** The trace's own firmware: one this build lacks cannot be tested (125). */
function recordedFirmware(name: string): ProfileFactory {
  try {
    return resolveProfile(name);
  } catch (e) {
    if (e instanceof UsageError) throw new CannotTestError(`trace needs firmware "${name}", which this build does not have`);
    throw e;
  }
}

export const shrinkCommand: Command = async (argv: string[], io: CliIo) => {
  const p = parseFlags(argv, { output: { type: 'string', short: 'o' }, 'max-runs': { type: 'string' }, firmware: { type: 'string' } }, true);
  if (p.positionals.length !== 1) throw new UsageError('expected exactly one trace FILE');
  const file = p.positionals[0]!;
  const outPath = stringFlag(p, 'output') ?? defaultShrinkOutput(file);
  const out = outputTarget(io, outPath, '-o', [file]);
  const runsMax = intFlag(p, 'max-runs', 1_000_000) ?? DEFAULT_SHRINK_RUNS_MAX;
  // The whole file is checked first, as replay does: a damaged trace is bad input, not a scenario.
  const h = loadTrace(file, false).header;
  const spec = scenarioFromHeader(h);
  // --firmware NAME|PATH: shrink under that firmware (a plugin's trace names its profile, not its file).
  const firmware = stringFlag(p, 'firmware');
  const profileFor: ProfileFactory = firmware !== undefined ? await loadFirmware(firmware) : recordedFirmware(h.firmware.name);
  const bar = progressBar(io, 'shrink', runsMax, 'runs');
  let r;
  try {
    r = shrinkScenario({ spec, profileFor, runsMax, onRun: (n) => bar.update(n) });
  } finally {
    bar.stop();
  }
  recordRun(r.spec, profileFor(r.spec), out, h.traceLevel);
  const before = scenarioSize(spec);
  const after = scenarioSize(r.spec);
  const changed = Object.keys(before).filter((k) => before[k] !== after[k]).map((k) => `${k} ${before[k]} → ${after[k]}`);
  messagesTo(io, out)(
    [
      `before: ${describeScenario(spec)}`,
      `after:  ${describeScenario(r.spec)}`,
      `still breaks ${r.invariant}: ${r.detail}`,
      `${changed.length === 0 ? 'no smaller scenario breaks it' : changed.join(', ')}  (${r.runs} runs, ${r.accepted} reductions${r.budgetExhausted ? '; run budget spent before a fixpoint: --max-runs' : ''})`,
      `written: ${out.path}`,
      '',
    ].join('\n'),
  );
  return ExitCode.finding;
};
