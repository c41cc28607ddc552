/**
 * `mpipl-sim report FILE -o OUT.html`: one self-contained HTML page about a recorded run — summary,
 * findings (the first differing bytes or registers of each failing invariant), an SVG timeline of
 * the MPIPL flow with a lane per participant (and, for a coupled `full` trace, per thread that ran
 * firmware instructions, with a table of those firmware calls), an SVG memory map of each round's MDST/MDDT/MDRT
 * ranges, the invariant table and the event log.
 *
 * Built from the trace's events. The MDRT entries and the crashing thread's registers are not in
 * the events, so the scenario is re-run for them; when it cannot be (firmware this build lacks, a
 * header this build cannot run), the report says so and shows everything else.
 *
 * Exit codes: 0 written (whatever the run's verdict: the report is the product); 2 bad flags or
 * a bad trace, one line on stderr.
 */
import { basename } from 'node:path';
import type { CliIo, Command } from '../io.js';
import { parseFlags, stringFlag } from '../args.js';
import { CannotTestError, ExitCode, UsageError } from '../../core/errors.js';
import { humanBytes } from '../../core/u64.js';
import { runScenario, type RunResult } from '../../scenario/run.js';
import { discardEvents, loadTrace, runnableScenario } from '../trace-scenario.js';
import { buildModel } from '../report/model.js';
import { FirmwareCallTracker } from '../report/firmware.js';
import { firmwareSymbolizer } from '../firmware-symbols.js';
import { renderReport } from '../report/html.js';
import { writeOutput } from '../../../traces/output-file.js';
import { messagesTo, outputTarget } from '../outputs.js';

const USAGE = 'usage: mpipl-sim report FILE -o OUT.html';

export const reportCommand: Command = async (argv: string[], io: CliIo): Promise<number> => {
  const p = parseFlags(argv, { output: { type: 'string', short: 'o' } }, true);
  if (p.positionals.length !== 1) throw new UsageError(`expected one trace FILE (${USAGE})`);
  const file = p.positionals[0]!;
  const outPath = stringFlag(p, 'output');
  if (outPath === undefined || outPath === '') throw new UsageError(`-o OUT.html is required (${USAGE})`);
  const out = outputTarget(io, outPath, '-o', [file]);

  // Firmware calls are found while the instructions stream past (they are never kept).
  let calls: FirmwareCallTracker | undefined;
  const trace = loadTrace(file, true, (item) => {
    if (item.type === 'header') calls = new FirmwareCallTracker(firmwareSymbolizer(item.header));
    else if (item.type === 'event') calls?.event(item.event);
    else if (item.type === 'instruction') calls?.instruction(item.insn);
  });
  const model = buildModel(basename(file), trace.header, trace.footer, trace.events, rerunFor(trace.header), calls?.finish() ?? []);
  const html = Buffer.from(renderReport(model), 'utf8');
  writeOutput(out, 'report', html.length, (o) => o.writeAt(0, html));
  const failed = model.invariants.filter((r) => !r.ok).length;
  messagesTo(io, out)(`${out.path}: report of ${basename(file)} (verdict ${trace.footer.verdict}, ${model.rounds.length} round(s), ${failed} failed verdict(s)), ${humanBytes(html.length)}\n`);
  return ExitCode.pass;
};

/** Re-run the scenario for what the events lack; a reason string when it cannot be re-run. */
function rerunFor(header: Parameters<typeof runnableScenario>[0]): RunResult | string {
  try {
    const { spec, profile } = runnableScenario(header);
    return runScenario(spec, { sink: discardEvents, profile });
  } catch (e) {
    if (e instanceof CannotTestError || e instanceof UsageError) return `not re-run (${e.message}): MDRT entries and crash registers are not shown`;
    throw e;
  }
}
