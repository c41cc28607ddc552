/**
 * `mpipl-sim exec ELF [--max-cycles N]`: run a static ppc64 Linux ELF (either byte order) in
 * user mode, so any program can be compared with qemu-ppc64le / qemu-ppc64 (design section 8).
 *
 * Exit status: the program's exit status & 0xff; 128 + signal when it dies of a program
 * interrupt or storage error (SIGTRAP 133, SIGILL 132, SIGBUS 135, SIGSEGV 139), with one line
 * on stderr; 1 when --max-cycles retires without the program exiting; 2 for bad flags or a bad
 * ELF. One cycle is one retired instruction (one thread).
 */
import { readInputFile } from '../input-file.js';
import { basename } from 'node:path';
import type { Command } from '../io.js';
import { intFlag, parseFlags } from '../args.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { runUserElf } from '../../elf/user-mode.js';

export { runElfForBench } from '../../elf/user-mode.js';

/** Default instruction budget: large enough for any test program, small enough to end a runaway. */
export const EXEC_CYCLES_DEFAULT = 10_000_000_000;

const USAGE = 'usage: mpipl-sim exec ELF [--max-cycles N]';
/** Largest ELF file `exec` reads. */
const ELF_SIZE_MAX_BYTES = 256 * 2 ** 20;

export const execCommand: Command = async (argv, io) => {
  try {
    const parsed = parseFlags(argv, { 'max-cycles': { type: 'string' } }, true);
    if (parsed.positionals.length !== 1) throw new UsageError(USAGE);
    const path = parsed.positionals[0]!;
    const maxInstructions = intFlag(parsed, 'max-cycles') ?? EXEC_CYCLES_DEFAULT;
    // A static test program is small; the bound keeps /dev/zero or a FIFO from reading forever.
    const bytes: Uint8Array = readInputFile(path, 'ELF', ELF_SIZE_MAX_BYTES);
    const decoder = new TextDecoder();
    const result = runUserElf(bytes, {
      maxInstructions,
      programName: path,
      stdout: (b) => io.stdout(b),
      stderr: (b) => io.stderr(decoder.decode(b)),
    });
    switch (result.kind) {
      case 'exit':
        return result.status;
      case 'signal':
        io.stderr(`mpipl-sim exec: ${basename(path)} killed by ${result.signalName} (signal ${result.signal}): ${result.detail}\n`);
        return 128 + result.signal;
      case 'limit':
        io.stderr(`mpipl-sim exec: --max-cycles exceeded: ${result.detail}\n`);
        return ExitCode.finding;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mpipl-sim exec: ${e.message}\n`);
      return ExitCode.usage;
    }
    throw e;
  }
};
