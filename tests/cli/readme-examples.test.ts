/**
 * Every `$ npx mpipl-sim …` example in README.md runs from a fresh clone and prints what README
 * shows (issue 12). Examples run in order in a scratch directory that sees the repository's
 * traces/, workloads/ and examples/ (later examples read files earlier ones wrote), through bash,
 * so `; echo "exit $?"` works as shown. Output is compared line by line after normalising what
 * legitimately varies (rates, timings, the scratch path). A long-running example may be skipped
 * with `<!-- readme-test: skip REASON -->` on the line before its code block; a skip without a
 * reason fails. Lines of other tools (`$ gdb-multiarch …`, `$ qemu-…`) are not run here.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ReadmeExample {
  /** The command line after `$ `. */
  readonly command: string;
  /** The lines README shows after it, up to the next `$` line or the end of the block. */
  readonly expected: readonly string[];
  readonly skip: string | undefined;
}

const SKIP = /<!--\s*readme-test:\s*skip\s*(.*?)\s*-->/;

/** The `$ npx mpipl-sim` examples of a markdown text, in order. */
export function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const out: ReadmeExample[] = [];
  let inBlock = false;
  let skip: string | undefined;
  let current: { command: string; expected: string[]; skip: string | undefined } | undefined;
  const flush = (): void => {
    if (current !== undefined) out.push(current);
    current = undefined;
  };
  lines.forEach((line, i) => {
    if (line.startsWith('```')) {
      if (inBlock) {
        flush();
        skip = undefined;
      } else {
        const m = SKIP.exec(lines[i - 1] ?? '');
        skip = m === null ? undefined : m[1]!;
      }
      inBlock = !inBlock;
      return;
    }
    if (!inBlock) return;
    if (line.startsWith('$ ')) {
      flush();
      if (line.startsWith('$ npx mpipl-sim ')) current = { command: line.slice(2), expected: [], skip };
      return;
    }
    current?.expected.push(line);
  });
  return out;
}

/** What may differ between runs and hosts: rates, durations, and the scratch directory. */
export function normalise(text: string, scratch: string): string[] {
  const lines = text
    .split(scratch)
    .join('.')
    .replace(/\d+(\.\d+)? (cycles|scenarios|runs)\/s/g, 'N $2/s')
    .replace(/\d+(\.\d+)? ?(ms|s)\b(?! of)/g, 'N $2')
    .split('\n')
    .map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const readme = readFileSync('README.md', 'utf8');
const examples = readmeExamples(readme);
const bin = resolve('bin/mpipl-sim.js');

describe('README examples', () => {
  it('README has examples to run, and every skip says why', () => {
    expect(examples.length).toBeGreaterThan(5);
    for (const e of examples) if (e.skip !== undefined) expect(e.skip, e.command).toMatch(/\S{3,}/);
  });

  const scratch = mkdtempSync(join(tmpdir(), 'mpipl-readme-'));
  for (const d of ['traces', 'workloads', 'examples']) symlinkSync(resolve(d), join(scratch, d));

  for (const e of examples) {
    it.skipIf(e.skip !== undefined)(e.command, () => {
      const line = e.command.replace(/npx mpipl-sim/g, `node '${bin}'`);
      const r = spawnSync('bash', ['-c', line], { cwd: scratch, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
      // README shows no bad-input examples: exit 2 means the example itself is broken (a missing file).
      expect(r.status, r.stderr).not.toBe(null);
      expect(r.status, r.stderr).not.toBe(2);
      expect(normalise(r.stdout, scratch)).toEqual(normalise(e.expected.join('\n'), scratch));
    });
  }
});
