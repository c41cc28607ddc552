/**
 * The `git bisect` recipe of docs/firmware-plugins.md, run exactly as written: the shell block
 * from `git init -q` to `git bisect reset`, in an empty temporary directory, with
 * `/path/to/mpipl-sim` replaced by this checkout. It installs mpipl-sim as a path dependency
 * (npm, offline: nothing is fetched), records a trace with the good plugin, commits a bad one and
 * must end with git naming the "faster table walk" commit. This is what a user of a fresh plugin
 * repository does, so the recipe cannot silently rot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const hasTools = ['git', 'npm', 'bash'].every((t) => spawnSync(t, ['--version']).status === 0);

/** The documented commands: the fenced block that starts with `git init -q`. */
function recipe(): string {
  const page = readFileSync(join(ROOT, 'docs', 'firmware-plugins.md'), 'utf8');
  const start = page.indexOf('```sh\ngit init -q\n');
  expect(start, 'the recipe block in docs/firmware-plugins.md').toBeGreaterThanOrEqual(0);
  const body = page.slice(start + '```sh\n'.length, page.indexOf('\n```', start + 1));
  expect(body).toContain('git bisect run npx mpipl-sim replay');
  return body.split('/path/to/mpipl-sim').join(ROOT);
}

describe.skipIf(!hasTools)('the plugin git-bisect recipe of docs/firmware-plugins.md', () => {
  beforeAll(() => {
    // npx mpipl-sim runs bin/mpipl-sim.js of this checkout, which needs the compiled dist.
    if (!existsSync(join(ROOT, 'dist', 'sim', 'cli', 'main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  it('finds the commit that broke the plugin, in a fresh repository', () => {
    const dir = tempDir();
    const script = join(dir, 'recipe.sh');
    writeFileSync(script, `set -euo pipefail\n${recipe()}\n`);
    const repo = join(dir, 'my-plugin');
    execFileSync('mkdir', ['-p', repo]);
    try {
      runRecipe(script, repo);
    } finally {
      // node_modules/mpipl-sim is a symlink to this checkout: rmSync removes the link, not the target.
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

/** Run the recipe in `repo` and check git named the commit that broke the plugin. */
function runRecipe(script: string, repo: string): void {
  const r = spawnSync('bash', [script], {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'recipe',
      GIT_AUTHOR_EMAIL: 'recipe@test',
      GIT_COMMITTER_NAME: 'recipe',
      GIT_COMMITTER_EMAIL: 'recipe@test',
      GIT_CONFIG_NOSYSTEM: '1',
      npm_config_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  expect(r.status, r.stderr).toBe(0);
  const culprit = execFileSync('git', ['log', '--format=%H', '--grep=faster table walk'], { cwd: repo, encoding: 'utf8' }).trim();
  expect(culprit).toMatch(/^[0-9a-f]{40}$/);
  expect(r.stdout).toContain(`${culprit} is the first bad commit`);
}
