/**
 * Running a ppc64 ELF under qemu-user and under our `mpipl-sim exec` (in-process, with a
 * capturing CliIo), returning stdout bytes and exit status in the same shape so tests compare
 * them directly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo, Command } from '../../sim/cli/io.js';
import type { Endian } from './elf64.js';

export interface RunResult {
  readonly stdout: Uint8Array;
  /** Exit status, or undefined when killed by a signal. */
  readonly status: number | undefined;
  /** Signal name when killed by one (qemu-user re-raises the guest's fatal signal). */
  readonly signal: string | undefined;
  readonly stderr: string;
}

export const QEMU_FOR: Readonly<Record<Endian, string>> = { le: 'qemu-ppc64le', be: 'qemu-ppc64' };

/** Generous: the largest user workload takes well under a second in qemu. */
/** POWER9, as the simulator models; pinned so a qemu upgrade changing its default cannot change results. */
export const QEMU_CPU = 'power9';

const QEMU_TIMEOUT_MS = 60_000;
const OUTPUT_BYTES_MAX = 256 * 1024 * 1024;

/**
 * Run under qemu-user. `cwd` matters for programs that die of a signal: qemu-user may write a
 * core file into its working directory, which should be a temporary one.
 */
export function runQemu(qemuPath: string, elfPath: string, cwd?: string): RunResult {
  const r = spawnSync(qemuPath, ['-cpu', QEMU_CPU, elfPath], {
    timeout: QEMU_TIMEOUT_MS,
    maxBuffer: OUTPUT_BYTES_MAX,
    ...(cwd === undefined ? {} : { cwd }),
  });
  if (r.error) throw r.error;
  return {
    stdout: new Uint8Array(r.stdout),
    status: r.status ?? undefined,
    signal: r.signal ?? undefined,
    stderr: r.stderr.toString('utf8'),
  };
}

/** A CliIo that keeps everything; stdout as bytes because guest output is binary. */
export class CapturingIo implements CliIo {
  readonly isTty = false;
  private readonly out: Uint8Array[] = [];
  private err = '';
  stdout(text: string | Uint8Array): void {
    this.out.push(typeof text === 'string' ? new Uint8Array(Buffer.from(text, 'utf8')) : text.slice());
  }
  stderr(text: string): void {
    this.err += text;
  }
  stdoutBytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.out));
  }
  stderrText(): string {
    return this.err;
  }
}

/**
 * The exec command, or undefined while sim/cli/commands/exec.ts does not exist yet (it is
 * being written in parallel). The specifier is computed so that type-checking does not need
 * the file; once it has landed, a failure to load it is a real error and is rethrown.
 */
export async function loadExecCommand(): Promise<Command | undefined> {
  const specifier = ['..', '..', 'sim', 'cli', 'commands', 'exec.js'].join('/');
  try {
    const mod = (await import(specifier)) as { execCommand?: Command };
    if (typeof mod.execCommand !== 'function') throw new Error('sim/cli/commands/exec.ts does not export execCommand');
    return mod.execCommand;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const msg = String((e as Error).message ?? e);
    if (code === 'ERR_MODULE_NOT_FOUND' || /Failed to load url|Cannot find module/.test(msg)) {
      if (msg.includes('commands/exec')) return undefined;
    }
    throw e;
  }
}

export async function runExec(exec: Command, elfPath: string, extraArgs: readonly string[] = []): Promise<RunResult> {
  const io = new CapturingIo();
  const status = await exec([elfPath, ...extraArgs], io);
  return { stdout: io.stdoutBytes(), status, signal: undefined, stderr: io.stderrText() };
}

/** A scratch directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  // Executable: qemu-user refuses (silently, exit 1) to load a file without an x bit.
  writeFileSync(p, bytes, { mode: 0o755 });
  return p;
}
