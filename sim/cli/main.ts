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
import { commandHelp, generalHelp, HELP, wantsHelp } from './help.js';
import { SIMULATOR_VERSION } from '../version.js';
import { isMainThread } from 'node:worker_threads';
import { pluginFirmwaresIn, runSandboxed } from './sandbox.js';
import { FirmwareFault } from '../firmware/guard.js';
import { applyFirmwareElfOption } from './firmware-elf-option.js';

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  check: checkCommand,
  mutants: mutantsCommand,
  exec: execCommand,
  replay: replayCommand,
  bisect: bisectCommand,
  shrink: shrinkCommand,
  sweep: sweepCommand,
  bench: benchCommand,
  inspect: inspectCommand,
  vmcore: vmcoreCommand,
  report: reportCommand,
};

/**
 * One error style everywhere: `mpipl-sim CMD: message`. Messages that already start with the
 * command's name (older call sites) are not prefixed twice.
 */
export function errorLine(name: string, message: string): string {
  const first = message.split('\n')[0]!;
  const bare = first.startsWith(`${name}: `) ? first.slice(name.length + 2) : first;
  return `mpipl-sim ${name}: ${bare}\n`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout)(generalHelp(SIMULATOR_VERSION));
    return name === undefined ? ExitCode.usage : ExitCode.pass;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`mpipl-sim ${SIMULATOR_VERSION}\n`);
    return ExitCode.pass;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      io.stdout(generalHelp(SIMULATOR_VERSION));
      return ExitCode.pass;
    }
    if (HELP[topic] === undefined) {
      io.stderr(`mpipl-sim help: unknown command "${topic}" (try: ${Object.keys(COMMANDS).join(', ')})\n`);
      return ExitCode.usage;
    }
    io.stdout(commandHelp(topic));
    return ExitCode.pass;
  }
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    io.stderr(`mpipl-sim: unknown command "${name}" (try: ${Object.keys(COMMANDS).join(', ')}, or --help)\n`);
    return ExitCode.usage;
  }
  if (wantsHelp(rest)) {
    io.stdout(commandHelp(name));
    return ExitCode.pass;
  }
  // Plugin code runs in a watched worker thread (check watches its own workers).
  const plugins = name === 'check' ? [] : pluginFirmwaresIn(name, rest);
  if (plugins.length > 0 && isMainThread) return runSandboxed(name, rest, plugins, io);
  try {
    return await cmd(await applyFirmwareElfOption(name, rest), io);
  } catch (e) {
    if (e instanceof FirmwareFault) {
      // Outside a scenario run (sweep, bisect): still a finding about the firmware, one line.
      io.stdout(`firmware-fault: ${e.message}  (firmware ${e.info.firmware}, invariant firmware-sane)\n`);
      if (rest.includes('--verbose') && e.info.stack !== undefined) io.stderr(`${e.info.stack}\n`);
      return ExitCode.finding;
    }
    if (e instanceof UsageError) {
      io.stderr(errorLine(name, e.message));
      return ExitCode.usage;
    }
    if (e instanceof CannotTestError) {
      io.stderr(errorLine(name, e.message));
      return ExitCode.cannotTest;
    }
    throw e;
  }
}
