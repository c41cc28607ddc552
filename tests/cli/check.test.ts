/**
 * `mpipl-sim check` as a user drives it: the seed first, JSON fields of design section 8, exit
 * codes, bad flags, and an interrupted check that keeps the counterexample it already wrote.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

describe('check', () => {
  it('prints the seed first and passes on reference', async () => {
    const r = await cli('check', '--runs', '6', '--seed', '42');
    expect(r.stdout.split('\n')[0]).toMatch(/^mpipl-sim check {2}seed=42 {2}firmware=reference/);
    expect(r.stdout).toMatch(/PASS: 6 scenarios, 0 failure\(s\)/);
    expect(r.code).toBe(0);
  });

  it('--json: verdict, runs, seed, failures[{invariant, trace, shrunk}]', async () => {
    const corpus = mkdtempSync(join(tmpdir(), 'mpipl-corpus-'));
    const r = await cli('check', '--runs', '3', '--seed', '1', '--firmware', 'mutant:hostboot-reg-offset-0x18', '--corpus', corpus, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.verdict).toBe('fail');
    expect(doc.seed).toBe('1');
    expect(doc.failures[0].invariant).toBe('cpu-state');
    expect(doc.failures[0].shrunk).toMatch(/crash at/);
    expect(existsSync(doc.failures[0].trace)).toBe(true);
    expect(readdirSync(corpus).every((f) => f.endsWith('.mpt'))).toBe(true);
  });

  it.each([[['--runs', 'x']], [['--runs', '5', '--time', '5']], [['--shard', '3/2']], [['--shard', 'a']], [['--workers', '0']], [['--firmware', 'nope']], [['--seed', '!']]])('bad flags %j exit 2 with one line', async (flags) => {
    const r = await cli('check', ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an interrupted check keeps the counterexamples it already wrote', async () => {
    const corpus = mkdtempSync(join(tmpdir(), 'mpipl-int-'));
    const child = spawn(process.execPath, ['bin/mpipl-sim.js', 'check', '--time', '600', '--seed', '3', '--firmware', 'mutant:skiboot-query-tag-not-big-endian', '--corpus', corpus], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('trace: ')) {
          child.kill('SIGTERM');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => child.on('exit', r));
    const files = readdirSync(corpus);
    expect(files.filter((f) => f.endsWith('.mpt'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.tmp'))).toHaveLength(0);
  });
});
