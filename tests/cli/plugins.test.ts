/**
 * `--firmware PATH`: a user module overrides participants through the same interfaces the
 * built-in profiles use; broken plugins are one-line usage errors; a trace recorded with a plugin
 * never loads code by itself on replay (exit 125) but replays with the plugin given again.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../helpers/cli.js';

const example = resolve('examples/hostboot-skips-last-region.js');
const dir = mkdtempSync(join(tmpdir(), 'mpipl-plugin-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('firmware plugins', () => {
  it('the worked example is caught by mdrt-complete', async () => {
    const r = await cli('run', '--seed', '1', '--firmware', example, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.invariants.find((i: { id: string; ok: boolean }) => i.id === 'mdrt-complete').ok).toBe(false);
  });

  it('a plugin that returns the reference profile unchanged passes', async () => {
    const p = write('same.mjs', "export default ({ reference }) => ({ ...reference, name: 'same-as-reference' });\n");
    const r = await cli('run', '--seed', '2', '--firmware', p);
    expect(r.code).toBe(0);
  });

  it.each([
    ['missing.mjs', null, /no such plugin file/],
    ['syntax.mjs', 'export default (', /failed to load/],
    ['notfn.mjs', 'export default 42;', /default-export a function/],
    ['throws.mjs', "export default () => { throw new Error('boom'); };", /plugin threw: boom/],
    ['incomplete.mjs', "export default () => ({ name: 'x' });", /no makeSbe\(\) function/],
  ])('%s is a one-line usage error', async (name, text, message) => {
    const p = text === null ? join(dir, name) : write(name, text);
    const r = await cli('run', '--seed', '1', '--firmware', p);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('replay of a plugin trace needs the plugin named again (never loaded from the trace)', async () => {
    const trace = join(dir, 'plugin.mpt');
    expect((await cli('run', '--seed', '1', '--firmware', example, '--record', trace)).code).toBe(1);
    expect((await cli('replay', trace)).code).toBe(125);
    expect((await cli('replay', trace, '--firmware', example)).code).toBe(0);
    // Replaying the plugin's recording under the reference firmware diverges.
    const r = await cli('replay', trace, '--firmware', 'reference');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/divergence at cycle \d+/);
  });
});
