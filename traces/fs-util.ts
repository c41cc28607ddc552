/**
 * File-system helpers shared by everything that writes output atomically (traces, dump files):
 * temporary name in the same directory, fsync, rename, then a best-effort fsync of the directory.
 */
import { closeSync, fsyncSync, openSync, constants as fsConstants } from 'node:fs';

/** The errno code of a file-system error (ENOENT, EACCES …), or its message. */
export function fsErrorCode(err: unknown): string {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}

/** Make a rename durable where the platform allows fsync on a directory; the rename itself is atomic. */
export function syncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, fsConstants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Best effort: some platforms cannot fsync a directory.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
