/**
 * `mpipl-sim vmcore FILE -o OUT [--opalcore OUT2] [--round N] [--exact]`: save the dumps of one MPIPL round
 * of a recorded scenario as files gdb, crash and readelf open.
 *
 * The trace's scenario is re-run with the firmware its header names; when the capture kernel of
 * round N (default 0) has processed the dump, its /proc/vmcore is written to OUT the way Linux's
 * fs/proc/vmcore.c presents it (see dump-files.ts), and with --opalcore its OPAL core
 * (/sys/firmware/opal/mpipl/core, big-endian) to OUT2. The run stops there: later rounds would
 * change the memory the files are read from.
 *
 * One deliberate difference from the kernel's bytes, unless --exact: Linux leaves pr_pid 0 in every
 * CPU note, which makes gdb fold all threads into one; they are numbered 1..N in note order.
 *
 * Exit codes: 0 written; 1 no dump in that round (one line naming the reason; with --opalcore, also
 * when the vmcore was written but no OPAL core exists); 2 bad flags or trace; 125 the trace needs
 * firmware this build does not have.
 */
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags, stringFlag } from '../args.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { hex, humanBytes } from '../../core/u64.js';
import { runScenario, type CaptureView } from '../../scenario/run.js';
import { linuxOptionsOf } from '../../firmware/profiles.js';
import { buildVmcoreImage, DumpLayoutError, writeCoreFile, writeVmcoreData, type VmcoreImage } from '../dump-files.js';
import { writeOutput, type OutputTarget } from '../../../traces/output-file.js';
import { distinctOutputs, messagesTo, outputTarget } from '../outputs.js';
import { discardEvents, loadTrace, runnableScenario } from '../trace-scenario.js';

const USAGE = 'usage: mpipl-sim vmcore FILE -o OUT [--opalcore OUT2] [--round N] [--exact]';
/** More rounds than any scenario has (check generates at most three crashes). */
const ROUND_MAX = 1_000_000;

/** Thrown from onCapture to stop the re-run once round N's files are written. */
class RoundCaptured extends Error {
  override readonly name = 'RoundCaptured';
}

interface Outcome {
  readonly lines: string[];
  readonly problems: string[];
}

export const vmcoreCommand: Command = async (argv: string[], io: CliIo): Promise<number> => {
  const p = parseFlags(argv, { output: { type: 'string', short: 'o' }, opalcore: { type: 'string' }, round: { type: 'string' }, exact: { type: 'boolean' } }, true);
  if (p.positionals.length !== 1) throw new UsageError(`expected one trace FILE (${USAGE})`);
  const file = p.positionals[0]!;
  const outPath = stringFlag(p, 'output');
  if (outPath === undefined || outPath === '') throw new UsageError(`-o OUT is required (${USAGE})`);
  const opalPath = stringFlag(p, 'opalcore');
  if (opalPath === '') throw new UsageError('--opalcore needs a file name');
  const round = intFlag(p, 'round', ROUND_MAX) ?? 0;
  const out = outputTarget(io, outPath, '-o', [file]);
  const opalOut = opalPath === undefined ? undefined : outputTarget(io, opalPath, '--opalcore', [file]);
  if (opalOut !== undefined) distinctOutputs(out, opalOut, '--opalcore and -o');
  const say = messagesTo(io, out, opalOut);

  const { header } = loadTrace(file, false);
  const { spec, profile } = runnableScenario(header);
  const pageSizeBytes = linuxOptionsOf(spec).pageSizeBytes;

  let outcome: Outcome | undefined;
  const onCapture = (c: CaptureView): void => {
    if (c.round !== round) return;
    outcome = saveRound(c, round, out, opalOut, pageSizeBytes, !boolFlag(p, 'exact'));
    throw new RoundCaptured();
  };
  let result;
  try {
    result = runScenario(spec, { sink: discardEvents, profile, onCapture });
  } catch (e) {
    if (!(e instanceof RoundCaptured)) throw e;
  }
  if (outcome === undefined) {
    io.stderr(`no vmcore in round ${round}: ${whyNoCapture(result, round)}\n`);
    return ExitCode.finding;
  }
  if (outcome.lines.length > 0) say(`${outcome.lines.join('\n')}\n`);
  for (const line of outcome.problems) io.stderr(`${line}\n`);
  return outcome.problems.length > 0 ? ExitCode.finding : ExitCode.pass;
};

function saveRound(c: CaptureView, round: number, out: OutputTarget, opalOut: OutputTarget | undefined, pageSizeBytes: number, numberThreads: boolean): Outcome {
  const lines: string[] = [];
  const problems: string[] = [];
  const addr = c.capture.elfcorehdrAddr;
  if (addr === undefined) {
    problems.push(`no vmcore in round ${round}: ${c.capture.noDumpReason ?? 'the capture kernel exported no /proc/vmcore'}`);
    return { lines, problems };
  }
  let image: VmcoreImage;
  try {
    image = buildVmcoreImage(c.machine.mem, addr, c.capture.elfcorehdrSize, pageSizeBytes, numberThreads);
  } catch (e) {
    if (!(e instanceof DumpLayoutError)) throw e;
    problems.push(`no vmcore in round ${round}: ${e.message}`);
    return { lines, problems };
  }
  let dataPages = 0;
  writeOutput(out, 'vmcore', image.sizeBytes, (o) => {
    o.writeAt(0, image.head);
    dataPages = writeVmcoreData(o, c.machine.mem, image.segments).dataPages;
  });
  lines.push(
    `${out.path}: /proc/vmcore of round ${round} (elfcorehdr ${hex(addr)}), ${image.littleEndian ? 'little' : 'big'}-endian ELF64 core, ` +
      `${image.phnum} program headers (1 PT_NOTE of ${humanBytes(image.noteSizeBytes)}, ${image.segments.length} PT_LOAD), ` +
      `${humanBytes(image.sizeBytes)} (${humanBytes(dataPages * 4096)} of data, the rest holes)`,
  );
  if (image.numberedThreads > 0) lines.push(`${out.path}: NT_PRSTATUS pr_pid 0 set to 1..${image.numberedThreads} in note order so gdb lists every thread (--exact keeps the kernel's bytes)`);
  if (opalOut !== undefined) {
    const core = c.capture.opalcore;
    if (core === undefined) {
      const why = c.capture.messages.filter((m) => /opal core/i.test(m)).at(-1) ?? 'the capture kernel exported none';
      problems.push(`no OPAL core in round ${round}: ${why}`);
    } else {
      writeOutput(opalOut, 'OPAL core', core.sizeBytes, (o) => writeCoreFile(o, core));
      lines.push(`${opalOut.path}: OPAL core of round ${round}, big-endian ELF64 core, ${humanBytes(core.sizeBytes)}`);
    }
  }
  return { lines, problems };
}

/** Why round N had no capture kernel: the oracle's vmcore verdict for it, or the rounds there were. */
function whyNoCapture(result: ReturnType<typeof runScenario> | undefined, round: number): string {
  if (result === undefined) return 'the run stopped before the capture kernel';
  if (round >= result.crashes.length) {
    const n = result.crashes.length;
    return `the scenario has ${n} MPIPL round${n === 1 ? '' : 's'}${n > 0 ? ` (0..${n - 1})` : ''}${result.note === undefined ? '' : `; ${result.note}`}`;
  }
  const verdict = result.invariants.find((i) => i.round === round && i.id === 'vmcore');
  if (verdict !== undefined) return verdict.detail;
  const crash = result.crashes[round]!;
  return crash.mpiplBoot ? 'no capture kernel booted' : 'no capture kernel: the IPL after the crash was not memory preserving (mpipl-boot absent)';
}
