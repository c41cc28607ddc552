/**
 * Error classes and the CLI exit codes of design section 8.
 *
 * Three classes, as in QEMU's taxonomy: a problem with what the user gave us (UsageError → exit 2),
 * an architected failure inside the simulated machine (TransactionError, turned by participants into
 * the architected result: skipped copy, OPAL return code, program interrupt), and a bug in the
 * simulator itself (SimBugError → assertion, never caught to hide it).
 */

export const ExitCode = {
  pass: 0,
  finding: 1,
  usage: 2,
  /** `git bisect run` skips a commit that exits 125: this build cannot test that trace. */
  cannotTest: 125,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad input from the user (flags, config, traces, ELF files, plugins). One line, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** This build cannot test the given input (newer trace format, unknown firmware). Exit 125. */
export class CannotTestError extends Error {
  override readonly name = 'CannotTestError';
}

/** A physical access that no RAM or device answers: the bus returns a transaction error. */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
  constructor(
    readonly address: number,
    readonly sizeBytes: number,
    readonly write: boolean,
  ) {
    super(`transaction error: ${write ? 'write' : 'read'} of ${sizeBytes} bytes at 0x${address.toString(16)}`);
  }
}

/** A broken internal invariant of the simulator. Always on, never caught to continue. */
export class SimBugError extends Error {
  override readonly name = 'SimBugError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SimBugError(`assertion failed: ${message}`);
}

export function unreachable(value: never, what: string): never {
  throw new SimBugError(`unreachable: unexpected ${what} ${String(value)}`);
}
