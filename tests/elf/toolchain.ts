/**
 * Test helpers: build the C programs in tests/elf/programs with the ppc64 cross compilers, run
 * them under qemu-user and under `mpipl-sim exec` (in process), and capture what a user sees.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:os';
import { execCommand } from '../../sim/cli/commands/exec.js';

export const PROGRAMS_DIR = join(import.meta.dirname, 'programs');

export interface Target {
  readonly name: 'le' | 'be';
  readonly cc: string;
  readonly qemu: string;
}

export const TARGETS: readonly Target[] = [
  { name: 'le', cc: '/usr/bin/powerpc64le-linux-gnu-gcc', qemu: '/usr/bin/qemu-ppc64le' },
  { name: 'be', cc: '/usr/bin/powerpc64-linux-gnu-gcc', qemu: '/usr/bin/qemu-ppc64' },
];

export const CFLAGS = ['-static', '-nostdlib', '-ffreestanding', '-O2', '-mcpu=power9', '-mno-altivec', '-mno-vsx', '-msoft-float'];

export function targetAvailable(t: Target): boolean {
  return existsSync(t.cc) && existsSync(t.qemu);
}

/** Make the tool check a failure in CI and a skip with a message elsewhere. */
export function requireTools(targets: readonly Target[]): Target[] {
  const missing = targets.filter((t) => !targetAvailable(t));
  if (missing.length > 0 && process.env.CI) {
    throw new Error(`CI needs ${missing.map((t) => `${t.cc} and ${t.qemu}`).join(', ')}`);
  }
  for (const t of missing) console.warn(`skipping ${t.name} exec-vs-qemu tests: ${t.cc} or ${t.qemu} is not installed`);
  return targets.filter(targetAvailable);
}

export function buildDir(): string {
  return mkdtempSync(join(tmpdir(), 'mpipl-exec-'));
}

export function compile(t: Target, program: string, dir: string, extraFlags: readonly string[] = []): string {
  const out = join(dir, `${program}.${t.name}`);
  execFileSync(t.cc, [...CFLAGS, ...extraFlags, '-o', out, join(PROGRAMS_DIR, `${program}.c`)], { stdio: 'pipe' });
  return out;
}

export interface RunOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

export function runQemu(t: Target, elf: string): RunOutcome {
  const r = spawnSync(t.qemu, [elf], { encoding: 'latin1', maxBuffer: 1 << 26 });
  const status = r.status ?? 128 + (r.signal === null ? 0 : constants.signals[r.signal]);
  return { stdout: r.stdout, stderr: r.stderr, status };
}

export async function runExec(argv: string[]): Promise<RunOutcome> {
  const out: Uint8Array[] = [];
  let stderr = '';
  const status = await execCommand(argv, {
    stdout: (x) => out.push(typeof x === 'string' ? new TextEncoder().encode(x) : x.slice()),
    stderr: (x) => {
      stderr += x;
    },
    isTty: false,
  });
  return { stdout: Buffer.concat(out).toString('latin1'), stderr, status };
}
