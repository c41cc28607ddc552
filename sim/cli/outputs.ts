/**
 * The CLI's side of traces/output-file.ts: `-` is this process's standard output (through the
 * injected CliIo, so in-process tests capture it), and every command passes the files it reads so
 * that an output naming one of them is refused before any work is done.
 */
import type { CliIo } from './io.js';
import { resolveOutput, type OutputTarget } from '../../traces/output-file.js';
import { UsageError } from '../core/errors.js';

export function outputTarget(io: CliIo, path: string, flag: string, inputs: readonly string[] = []): OutputTarget {
  return resolveOutput(path, flag, inputs, (bytes) => io.stdout(bytes));
}

/** Two outputs of one command must not be the same file (or both standard output). */
export function distinctOutputs(a: OutputTarget, b: OutputTarget, flags: string): void {
  // Two streams may be the same device (both to /dev/null); two files or two stdouts would mix.
  const same = (a.kind === 'file' && b.kind === 'file' && a.finalPath === b.finalPath) || (a.kind === 'stdout' && b.kind === 'stdout');
  if (same) throw new UsageError(`${flags} name the same output`);
}

/** Where a command's human-readable lines go: stderr when its data goes to standard output. */
export function messagesTo(io: CliIo, ...targets: (OutputTarget | undefined)[]): (text: string) => void {
  return targets.some((t) => t?.kind === 'stdout') ? (text) => io.stderr(text) : (text) => io.stdout(text);
}
