/**
 * git bisect over C firmware commits, end to end (docs/bisect.md, "git bisect over firmware
 * commits"): a throw-away repository holding our firmware sources and build script gets four
 * commits — good, good (a comment), bad (ADD_RANGE passes dest and src swapped, edited in place),
 * good-but-unrelated (a comment elsewhere, on top of the bug). `git bisect run
 * scripts/git-bisect-firmware.sh GOOD corpus/` must name the bad commit, and `bisect builds`
 * between the last good and the first bad build must name the changed source line (taken from
 * the commit's diff, not hard-coded). Needs git and powerpc64-linux-gnu-gcc: a failure in CI when
 * missing, a skip elsewhere. Each step runs the built CLI (bin/mpipl-sim.js) in a child process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTools } from '../helpers/tools.js';
import { tempDir } from '../helpers/runners.js';
import { REPO_ROOT } from '../helpers/workloads.js';

const tools = requireTools(['git', 'powerpc64-linux-gnu-gcc']);
const BIN = join(REPO_ROOT, 'bin', 'mpipl-sim.js');
const SCRIPT = join(REPO_ROOT, 'scripts', 'git-bisect-firmware.sh');

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=bisect-test', '-c', 'user.email=bisect@test', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Replace exactly one occurrence of `from` in `file`. */
function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.split(from).length - 1, `${from} in ${file}`).toBe(1);
  writeFileSync(file, text.replace(from, to));
}

describe.skipIf(!tools.available)('git bisect run over C firmware commits', () => {
  const tmp = tempDir('mpipl-git-bisect-fw-');
  afterAll(tmp.cleanup);
  const repo = join(tmp.dir, 'fw');
  const commits: string[] = [];
  let changedLine = '';

  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'sim', 'cli', 'commands', 'bisect-builds.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO_ROOT, stdio: 'ignore' });
    mkdirSync(join(repo, 'scripts'), { recursive: true });
    for (const d of ['include', 'lib', 'src', 'ld']) cpSync(join(REPO_ROOT, 'firmware', d), join(repo, 'firmware', d), { recursive: true });
    // Our build script without the C-level mutants (each bisect step builds only the two ELFs).
    const script = readFileSync(join(REPO_ROOT, 'scripts', 'build-firmware.sh'), 'utf8').replace(/\nMUTANTS="[^"]*"/, '\nMUTANTS=""');
    writeFileSync(join(repo, 'scripts', 'build-firmware.sh'), script, { mode: 0o755 });
    git(repo, 'init', '-q');
    const commit = (message: string): void => {
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', message);
      commits.push(git(repo, 'rev-parse', 'HEAD').trim());
    };
    commit('good: the firmware');
    appendFileSync(join(repo, 'firmware/src/skiboot/tables.c'), '/* a comment that changes nothing */\n');
    commit('good: a comment');
    edit(join(repo, 'firmware/src/skiboot/mpipl.c'), 'return opal_mpipl_add_range(src, dest, size);', 'return opal_mpipl_add_range(dest, src, size);');
    commit('bad: ADD_RANGE with dest and src swapped');
    appendFileSync(join(repo, 'firmware/src/hostboot/ipl.c'), '/* unrelated to the bug */\n');
    commit('good but unrelated: a comment in hostboot');
    // The changed line, from the bad commit's diff: file and new line number of its one-line hunk.
    const diff = git(repo, 'diff', '-U0', commits[1]!, commits[2]!);
    const hunk = /\+\+\+ b\/(\S+)\n@@ -\d+(?:,\d+)? \+(\d+) @@/.exec(diff)!;
    changedLine = `${basename(hunk[1]!)}:${hunk[2]}`;
    // The corpus: one trace recorded with the good build.
    const good = join(tmp.dir, 'good');
    git(repo, 'checkout', '-q', commits[0]!);
    execFileSync('sh', [join(repo, 'scripts', 'build-firmware.sh'), good], { cwd: repo, stdio: 'ignore' });
    git(repo, 'checkout', '-q', commits[3]!);
    mkdirSync(join(tmp.dir, 'corpus'));
    execFileSync(process.execPath, [BIN, 'run', '--seed', '1', '--firmware-elf', `skiboot=${good}/skiboot.elf,hostboot=${good}/hostboot.elf`, '--record', join(tmp.dir, 'corpus', 'seed1.mpt')], { stdio: 'ignore' });
  }, 600_000);

  it('names the bad commit, and bisect builds names the changed line', () => {
    git(repo, 'bisect', 'start', commits[3]!, commits[0]!);
    const run = spawnSync('git', ['bisect', 'run', SCRIPT, commits[0]!, join(tmp.dir, 'corpus')], { cwd: repo, encoding: 'utf8' });
    git(repo, 'bisect', 'reset');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${commits[2]} is the first bad commit`);

    // The last good and the first bad build, compared.
    const build = (sha: string, out: string): string => {
      git(repo, 'checkout', '-q', sha);
      execFileSync('sh', ['scripts/build-firmware.sh', out], { cwd: repo, stdio: 'ignore' });
      return `${out}/skiboot.elf`;
    };
    const a = build(commits[1]!, join(tmp.dir, 'last-good'));
    const b = build(commits[2]!, join(tmp.dir, 'first-bad'));
    git(repo, 'checkout', '-q', commits[3]!);
    const r = spawnSync(process.execPath, [BIN, 'bisect', 'builds', '--firmware-elf', `skiboot=${a}`, '--against', `skiboot=${b}`, '--seed', '1', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout) as { b: Record<string, unknown>; origin: { b: unknown[] } | null; linesOnlyB: unknown[] };
    // Every file:line B's side names (the instruction, its inline chain, its callers, the value's origin).
    const named = new Set([...JSON.stringify([j.b, j.origin?.b ?? [], j.linesOnlyB]).matchAll(/([\w-]+\.[ch])(?::|","line":)(\d+)/g)].map((m) => `${m[1]}:${m[2]}`));
    expect([...named], `changed line ${changedLine}`).toContain(changedLine);
  }, 900_000);
});
