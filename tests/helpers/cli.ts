/** Run the CLI in-process and capture what a user would see. */
import { runCli } from '../../sim/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (s) => {
      stdout += typeof s === 'string' ? s : Buffer.from(s).toString('latin1');
    },
    stderr: (s) => {
      stderr += s;
    },
    isTty: false,
  });
  return { code, stdout, stderr };
}
