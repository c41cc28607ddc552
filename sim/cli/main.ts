/**
 * The command-line entry (composition root). Every command returns an exit code of design
 * section 8; usage errors and bad input become one line on stderr and exit 2, never a stack trace.
 */
import type { CliIo, Command } from './io.js';
import { CannotTestError, ExitCode, UsageError } from '../core/errors.js';
import { runCommand } from './commands/run.js';
import { replayCommand } from './commands/replay.js';
import { inspectCommand } from './commands/inspect.js';
import { checkCommand } from './commands/check.js';
import { mutantsCommand } from './commands/mutants.js';
import { execCommand } from './commands/exec.js';
import { vmcoreCommand } from './commands/vmcore.js';
import { reportCommand } from './commands/report.js';
import { bisectCommand } from './commands/bisect.js';
import { shrinkCommand } from './commands/shrink.js';
import { sweepCommand } from './commands/sweep.js';
import { benchCommand } from './commands/bench.js';
import { applyFirmwareElfOption } from './firmware-elf-option.js';

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: 'run one scenario and judge it against every invariant' },
  check: { run: checkCommand, summary: 'generate scenarios, judge each, shrink every failure to a counterexample' },
  mutants: { run: mutantsCommand, summary: 'score the property suite against every built-in single-bug mutant' },
  exec: { run: execCommand, summary: 'run a static ppc64 Linux ELF in user mode (compare with qemu-ppc64le)' },
  replay: { run: replayCommand, summary: 're-run recorded traces and compare them bit for bit' },
  bisect: { run: bisectCommand, summary: 'bisect crash | diverge | firmware: the first bad crash cycle, divergent cycle or firmware version' },
  shrink: { run: shrinkCommand, summary: 'shrink a failing trace to a smaller scenario that breaks the same invariant' },
  sweep: { run: sweepCommand, summary: 'check one scenario at every crash cycle in a window' },
  bench: { run: benchCommand, summary: 'measure every performance goal against its baseline in the same run' },
  inspect: { run: inspectCommand, summary: 'show a trace as a timeline (or JSON)' },
  vmcore: { run: vmcoreCommand, summary: "write a round's /proc/vmcore (and OPAL core) as ELF core files" },
  report: { run: reportCommand, summary: 'write a self-contained HTML report of a trace' },
};

const USAGE = `usage: mpipl-sim <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`)
  .join('\n')}

exit codes: 0 pass, 1 finding, 2 usage or bad input, 125 cannot test this trace
`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name === undefined ? ExitCode.usage : ExitCode.pass;
  }
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    io.stderr(`mpipl-sim: unknown command "${name}" (try: ${Object.keys(COMMANDS).join(', ')})\n`);
    return ExitCode.usage;
  }
  try {
    return await cmd.run(await applyFirmwareElfOption(name, rest), io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mpipl-sim ${name}: ${e.message}\n`);
      return ExitCode.usage;
    }
    if (e instanceof CannotTestError) {
      io.stderr(`mpipl-sim ${name}: ${e.message}\n`);
      return ExitCode.cannotTest;
    }
    throw e;
  }
}
