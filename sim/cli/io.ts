/**
 * The CLI's view of the outside world, injected so that tests run commands in-process and
 * capture exactly what a user would see.
 */
export interface CliIo {
  stdout(text: string | Uint8Array): void;
  stderr(text: string): void;
  /** stdout is a terminal: progress bars may be drawn (on stderr); never when piped. */
  readonly isTty: boolean;
}

/** A command: argv after the command name → exit code (design section 8). */
export type Command = (argv: string[], io: CliIo) => Promise<number>;
