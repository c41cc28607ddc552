/**
 * `mpipl-sim exec` against qemu-user on real GCC output: the same C programs, built at test
 * time for little- and big-endian ppc64, must print the same bytes and exit with the same status.
 * `corner.c` prints every tricky fixed-point instruction over a grid of edge values (carry,
 * overflow, divide corner cases, rotates, cmpb, popcnt, setb…), so a semantic difference shows
 * up as a one-line diff.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { TARGETS, buildDir, compile, requireTools, runExec, runQemu } from './toolchain.js';

const targets = requireTools(TARGETS);
const dir = buildDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAMS = ['hello', 'algo', 'corner', 'loop', 'trap', 'illegal', 'segv'] as const;

/** First differing line, so a failure reads as one instruction's result. */
function firstDiff(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}: exec "${x[i]}" vs qemu "${y[i]}"`;
  }
  return '';
}

describe.each(targets)('exec vs qemu ($name)', (target) => {
  it.each(PROGRAMS)('%s', async (program) => {
    const elf = compile(target, program, dir);
    const ref = runQemu(target, elf);
    const got = await runExec([elf]);
    expect(firstDiff(got.stdout, ref.stdout)).toBe('');
    expect(got.status).toBe(ref.status);
    if (got.status >= 128) expect(got.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
