/**
 * Run one of issue 7's commands in-process the way sim/cli/main.ts runs every command (UsageError →
 * one line and exit 2, CannotTestError → exit 125), so these tests do not depend on the wiring.
 */
import type { CliIo, Command } from '../../sim/cli/io.js';
import { CannotTestError, ExitCode, UsageError } from '../../sim/core/errors.js';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(name: string, cmd: Command, argv: string[]): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += typeof t === 'string' ? t : Buffer.from(t).toString('latin1');
    },
    stderr: (t) => {
      stderr += t;
    },
    isTty: false,
  };
  let code: number;
  try {
    code = await cmd(argv, io);
  } catch (e) {
    if (e instanceof UsageError) code = ExitCode.usage;
    else if (e instanceof CannotTestError) code = ExitCode.cannotTest;
    else throw e;
    stderr += `mpipl-sim ${name}: ${e.message}\n`;
  }
  return { code, stdout, stderr };
}
