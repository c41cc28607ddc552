/**
 * `git bisect run` over `mpipl-sim replay`: a temporary git repository whose history switches its
 * firmware from `reference` to a mutant at a known commit (and, earlier, holds one commit whose
 * trace this build cannot read) must be bisected to exactly that commit. Each step runs the real
 * CLI (`node bin/mpipl-sim.js replay …`, the built dist) in a child process, so replay's exit
 * codes — 0 good, 1 bad, 125 skip — are what git sees.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'mpipl-sim.js');
const MUTANT = 'mutant:hostboot-mdrt-dest-is-src';

const hasGit = spawnSync('git', ['--version']).status === 0;

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=bisect-test', '-c', 'user.email=bisect@test', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The script under bisection: replay the repository's trace under the firmware it names. */
const CHECK_SCRIPT = `import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const here = new URL('.', import.meta.url).pathname;
const firmware = readFileSync(here + 'firmware.txt', 'utf8').trim();
const r = spawnSync(process.execPath, [${JSON.stringify(BIN)}, 'replay', here + 'trace.mpt', '--firmware', firmware], { stdio: 'inherit' });
process.exit(r.status ?? 128);
`;

describe.skipIf(!hasGit)('git bisect run with mpipl-sim replay', () => {
  let repo = '';
  let trace = '';

  beforeAll(() => {
    // The child processes run the compiled CLI; build it if this checkout has not been built.
    if (!existsSync(join(ROOT, 'dist', 'sim', 'cli', 'main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
    const scratch = tempDir();
    trace = join(scratch, 'seed1.mpt');
    // Recorded by the same binary that replays it, so the good commits replay exactly.
    execFileSync(process.execPath, [BIN, 'run', '--seed', '1', '--record', trace], { stdio: 'ignore' });
    repo = join(scratch, 'repo');
    execFileSync('mkdir', ['-p', repo]);
    git(repo, 'init', '-q');
  }, 120_000);

  it('lands on the commit that introduced the bug, skipping the commit it cannot test', () => {
    const commit = (message: string, files: Record<string, string | Buffer>): string => {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(repo, name), content);
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', message);
      return git(repo, 'rev-parse', 'HEAD').trim();
    };
    const good = readFileSync(trace);
    // The same trace claiming a newer format: replay exits 125, git bisect skips the commit.
    const newer = Buffer.from(good);
    newer.writeUInt32BE(99, 8);

    const first = commit('c1: reference firmware', { 'check.mjs': CHECK_SCRIPT, 'firmware.txt': 'reference\n', 'trace.mpt': good });
    commit('c2: docs', { 'README': 'notes\n' });
    const branch = git(repo, 'rev-parse', '--abbrev-ref', 'HEAD').trim();
    const skipped = commit('c3: a trace from a newer build', { 'trace.mpt': newer });
    commit('c4: trace back', { 'trace.mpt': good });
    commit('c5: more docs', { 'README': 'more notes\n' });
    const culprit = commit('c6: switch hostboot', { 'firmware.txt': `${MUTANT}\n` });
    commit('c7: docs', { 'README': 'even more notes\n' });
    commit('c8: docs', { 'README': 'the end\n' });

    // Sanity: the script's exit codes at the ends and at the skipped commit.
    const status = (rev: string): number | null => {
      git(repo, 'checkout', '-q', rev);
      return spawnSync(process.execPath, [join(repo, 'check.mjs')], { cwd: repo, stdio: 'ignore' }).status;
    };
    expect(status(first)).toBe(0);
    expect(status(skipped)).toBe(125);
    expect(status(culprit)).toBe(1);
    git(repo, 'checkout', '-q', branch);

    git(repo, 'bisect', 'start', 'HEAD', first);
    const out = git(repo, 'bisect', 'run', process.execPath, 'check.mjs');
    git(repo, 'bisect', 'reset');
    expect(out).toContain(`${culprit} is the first bad commit`);
  }, 300_000);

  it('bisects a firmware plugin by path: the recipe of the README', () => {
    const plugins = join(dirname(repo), 'plugin-repo');
    execFileSync('mkdir', ['-p', plugins]);
    git(plugins, 'init', '-q');
    const commit = (message: string, files: Record<string, string | Buffer>): string => {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(plugins, name), content);
      git(plugins, 'add', '-A');
      git(plugins, 'commit', '-q', '-m', message);
      return git(plugins, 'rev-parse', 'HEAD').trim();
    };
    const same = "export default ({ reference }) => ({ ...reference, name: 'my-firmware' });\n";
    const buggy = `export default ({ reference, classes }) => {
  class H extends classes.ReferenceHostboot { readPairs(p, base) { return super.readPairs(p, base).slice(0, -1); } }
  return { ...reference, name: 'my-firmware', makeHostboot: () => new H() };
};\n`;
    const first = commit('p1: my firmware', { 'my-firmware.mjs': same, 'seed1.mpt': readFileSync(trace) });
    commit('p2: refactor', { 'my-firmware.mjs': `// tidy\n${same}` });
    const culprit = commit('p3: faster table walk', { 'my-firmware.mjs': buggy });
    commit('p4: docs', { NOTES: 'x\n' });
    git(plugins, 'bisect', 'start', 'HEAD', first);
    const out = git(plugins, 'bisect', 'run', process.execPath, BIN, 'replay', 'seed1.mpt', '--firmware', './my-firmware.mjs');
    git(plugins, 'bisect', 'reset');
    expect(out).toContain(`${culprit} is the first bad commit`);
  }, 300_000);
});
