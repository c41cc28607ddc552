/**
 * Where an output goes (`-o`, `--record`, `--opalcore`, corpus files) and how it is written
 * (design section 10: "output files are written atomically", without ever destroying what the
 * user did not ask to replace).
 *
 * - A regular file or a new path: written under a temporary name in the same directory, synced and
 *   renamed, so the final name never holds a partial file.
 * - A character device (`/dev/null`, a terminal), a FIFO or a socket: written through, in order,
 *   holes as zeros. Renaming onto them would replace the device node or the pipe with a file.
 * - `-`: standard output, written through like a FIFO.
 * - A symbolic link is followed on purpose: the file it points to is replaced atomically (the link
 *   stays a link) or the device or FIFO it points to is written through (`/dev/stdout`). A link to
 *   nothing, a directory or a block device is refused.
 * - An output that is one of the command's inputs (same file after following links) is refused:
 *   writing it would destroy the input the command is still reading.
 *
 * Every refusal is a UsageError (exit 2, one line).
 */
import { closeSync, fsyncSync, ftruncateSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, constants as fsConstants, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { SimBugError, UsageError } from '../sim/core/errors.js';
import { fsErrorCode, syncDirectory } from './fs-util.js';

export type OutputTarget =
  /** Standard output: bytes go to `write` (the CLI's stdout), in order. */
  | { readonly kind: 'stdout'; readonly path: '-'; readonly write: (bytes: Uint8Array) => void }
  /** A character device, FIFO or socket (possibly through a link): opened and written in order. */
  | { readonly kind: 'stream'; readonly path: string }
  /** A regular file or a new name: `finalPath` (links resolved) is replaced atomically. */
  | { readonly kind: 'file'; readonly path: string; readonly finalPath: string };

function statOrUndefined(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Decide how `path` is written. `inputs` are the files the command reads; `flag` names the option
 * in messages. `stdoutWrite` is where `-` goes (omit it where `-` makes no sense).
 */
export function resolveOutput(path: string, flag: string, inputs: readonly string[] = [], stdoutWrite?: (bytes: Uint8Array) => void): OutputTarget {
  if (path === '') throw new UsageError(`${flag}: needs a file name`);
  if (path === '-') {
    if (stdoutWrite === undefined) throw new UsageError(`${flag}: cannot write to standard output here`);
    return { kind: 'stdout', path: '-', write: stdoutWrite };
  }
  const link = statOrUndefined(path, false);
  const target = statOrUndefined(path, true);
  if (link?.isSymbolicLink() === true && target === undefined) throw new UsageError(`${flag}: ${path} is a symbolic link to nothing; name the file itself`);
  if (target !== undefined) {
    for (const input of inputs) {
      const st = statOrUndefined(input, true);
      if (st !== undefined && st.dev === target.dev && st.ino === target.ino) throw new UsageError(`${flag}: ${path} is the input ${input}; choose another output file`);
    }
    if (target.isDirectory()) throw new UsageError(`${flag}: ${path} is a directory`);
    if (target.isBlockDevice()) throw new UsageError(`${flag}: ${path} is a block device; refusing to write it`);
    if (target.isCharacterDevice() || target.isFIFO() || target.isSocket()) return { kind: 'stream', path };
  }
  // A regular file (directly or through links) or a new name in an existing directory.
  let finalPath = path;
  if (link?.isSymbolicLink() === true) {
    try {
      finalPath = realpathSync(path);
    } catch (err) {
      throw new UsageError(`${flag}: cannot resolve ${path}: ${fsErrorCode(err)}`);
    }
  }
  return { kind: 'file', path, finalPath };
}

/** A sink for bytes at positions; a streamed output needs them in increasing position order. */
export interface PositionedOut {
  writeAt(positionBytes: number, data: Uint8Array): void;
}

const ZERO_CHUNK = new Uint8Array(1 << 20);

function writeAll(fd: number, data: Uint8Array, position: number | null): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position === null ? null : position + done);
}

/** An open output: sequential `append`, or positioned writes for sparse files; `commit` or `abort`. */
export class OutputFile {
  private fd = -1;
  private tmpPath: string | undefined;
  private streamedBytes = 0;
  private open = true;

  constructor(
    readonly target: OutputTarget,
    private readonly what: string,
  ) {
    if (target.kind === 'stdout') return;
    const file = target.kind === 'file' ? `${target.finalPath}.${process.pid}.tmp` : target.path;
    const flags = target.kind === 'file' ? fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC : fsConstants.O_WRONLY;
    try {
      this.fd = openSync(file, flags, 0o644);
    } catch (err) {
      throw new UsageError(`cannot write ${what} ${target.path}: ${fsErrorCode(err)}`);
    }
    if (target.kind === 'file') this.tmpPath = file;
  }

  /** The temporary file being written (regular-file targets only). */
  get temporaryPath(): string | undefined {
    return this.open ? this.tmpPath : undefined;
  }

  /** Append bytes after everything written so far. */
  append(data: Uint8Array): void {
    this.writeAt(this.streamedBytes, data);
  }

  /** Write at a position. Streams fill skipped bytes with zeros and cannot go back. */
  writeAt(positionBytes: number, data: Uint8Array): void {
    if (!this.open) throw new SimBugError(`write to a closed ${this.what}`);
    this.guard(() => {
      if (this.target.kind === 'file') {
        writeAll(this.fd, data, positionBytes);
        this.streamedBytes = Math.max(this.streamedBytes, positionBytes + data.length);
        return;
      }
      if (positionBytes < this.streamedBytes) throw new SimBugError(`${this.what}: out-of-order write to a stream`);
      this.zeroFill(positionBytes);
      this.emit(data);
    });
  }

  /** Finish: extend to `sizeBytes` (holes), sync and rename a file; pad a stream with zeros. */
  commit(sizeBytes: number = this.streamedBytes): void {
    if (!this.open) throw new SimBugError(`${this.what} committed twice`);
    this.guard(() => {
      if (this.target.kind === 'file') {
        // Extending by ftruncate leaves the tail a hole: sparse dump files stay small on disk.
        ftruncateSync(this.fd, sizeBytes);
        fsyncSync(this.fd);
        closeSync(this.fd);
        this.fd = -1;
        renameSync(this.tmpPath!, this.target.finalPath);
        this.open = false;
        syncDirectory(dirname(this.target.finalPath));
        return;
      }
      this.zeroFill(sizeBytes);
      if (this.fd >= 0) closeSync(this.fd);
      this.fd = -1;
      this.open = false;
    });
  }

  /** Give up: a file's temporary name is removed; a stream is closed where it stands. Safe in any state. */
  abort(): void {
    if (!this.open) return;
    this.open = false;
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // Already failing; removing the temporary file is what matters.
      }
      this.fd = -1;
    }
    if (this.tmpPath !== undefined) {
      try {
        unlinkSync(this.tmpPath);
      } catch {
        // Nothing to remove.
      }
    }
  }

  private zeroFill(toBytes: number): void {
    while (this.streamedBytes < toBytes) this.emit(ZERO_CHUNK.subarray(0, Math.min(ZERO_CHUNK.length, toBytes - this.streamedBytes)));
  }

  private emit(data: Uint8Array): void {
    if (this.target.kind === 'stdout') this.target.write(data.slice());
    else writeAll(this.fd, data, null);
    this.streamedBytes += data.length;
  }

  /** A file-system failure while open: remove the temporary file, one line naming the output. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.abort();
      if (err instanceof Error && 'code' in err && typeof err.code === 'string') throw new UsageError(`cannot write ${this.what} ${this.target.path}: ${err.code}`);
      throw err;
    }
  }
}

/** Write a whole output of `sizeBytes` (positions may leave holes) through `fill`, atomically where it is a file. */
export function writeOutput(target: OutputTarget, what: string, sizeBytes: number, fill: (out: PositionedOut) => void): void {
  const out = new OutputFile(target, what);
  try {
    fill(out);
    out.commit(sizeBytes);
  } catch (err) {
    out.abort();
    throw err;
  }
}
