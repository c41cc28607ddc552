/**
 * The report escapes everything it shows: escapeHtml on hostile strings, and a whole report built
 * from a trace whose header, event data (keys and values), invariant details and footer are hostile
 * contains no markup but ours. Plus the pieces the page is drawn from: the compressed cycle axis,
 * the got/expected extraction from oracle details, and the rounds the model finds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeHtml, CycleAxis, differencesOf, renderReport } from '../../sim/cli/report/html.js';
import { buildModel } from '../../sim/cli/report/model.js';
import { reportCommand } from '../../sim/cli/commands/report.js';
import { readTraceFile } from '../../traces/reader.js';
import { HOSTILE, hostileTrace } from './hostile.js';
import { cli } from '../helpers/cli.js';
import { runCommand } from '../vmcore/command.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpipl-report-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml('<script>alert("x")</script>')).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(escapeHtml(`a'b"c`)).toBe('a&#39;b&quot;c');
    expect(escapeHtml(']]>')).toBe(']]&gt;');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
    expect(escapeHtml('<!-- x -->')).toBe('&lt;!-- x --&gt;');
    expect(escapeHtml('plain 0x30000000 text')).toBe('plain 0x30000000 text');
    expect(escapeHtml('')).toBe('');
  });

  it('leaves no character that could open a tag, an entity or leave an attribute', () => {
    const all = Array.from({ length: 0x2100 }, (_, i) => String.fromCharCode(i)).join('') + HOSTILE;
    const e = escapeHtml(all);
    expect(e).not.toMatch(/[<>"']/);
    expect(e.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
  });
});

describe('a report of a hostile trace', () => {
  it('contains no markup from the trace, only escaped text', async () => {
    const real = join(dir, 'real.mpt');
    expect((await cli('run', '--seed', '1', '--record', real)).code).toBe(0);
    const trace = hostileTrace(real, dir);
    const out = join(dir, 'hostile.html');
    const r = await runCommand('report', reportCommand, [trace, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<svg onload|<!--/i);
    expect(html.match(/<svg/gi)?.length).toBe((html.match(/class="memmap"/g)?.length ?? 0) + 1);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain(']]&gt;');
    expect(html).toContain('&amp;amp;');
    // The hostile config cannot be re-run: the report says so (escaped) and shows the rest.
    expect(html).toMatch(/not re-run \((trace header )?config: unknown key &quot;&lt;\/title&gt;/);
  });
});

describe('report command input', () => {
  it('bad flags, a missing or corrupt trace, an unwritable output: one line, exit 2, no file', async () => {
    const trace = join(dir, 'in.mpt');
    expect((await cli('run', '--seed', '1', '--record', trace)).code).toBe(0);
    const bad = join(dir, 'in-bad.mpt');
    const bytes = readFileSync(trace);
    bytes[bytes.length - 20]! ^= 0xff;
    writeFileSync(bad, bytes);
    const out = join(dir, 'in-bad.html');
    for (const argv of [[trace], [trace, '-o'], [], [join(dir, 'none.mpt'), '-o', out], [bad, '-o', out], [trace, '-o', out, '--json'], [trace, '-o', join(dir, 'no', 'dir', 'r.html')]]) {
      const r = await runCommand('report', reportCommand, argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    }
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('report pieces', () => {
  it('the cycle axis keeps order and gives short and long gaps both room', () => {
    const axis = new CycleAxis([0, 20_000, 170_500, 173_582, 173_882, 174_282, 398_938, 751_438]);
    const xs = [0, 10_000, 20_000, 170_500, 173_582, 173_882, 174_282, 300_000, 398_938, 751_438].map((c) => axis.at(c));
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
    expect(xs[0]).toBe(0);
    expect(xs[xs.length - 1]).toBe(1);
    // 300 cycles of crash path get at least a third of the width of a 150 000-cycle boot.
    const crashPath = axis.at(173_882) - axis.at(173_582);
    const boot = axis.at(170_500) - axis.at(20_000);
    expect(crashPath / boot).toBeGreaterThan(1 / 3);
    expect(axis.gaps(10_000).map((g) => g.to - g.from)).toEqual([20_000, 150_500, 224_656, 352_500]);
  });

  it('differencesOf pulls got/expected out of every oracle detail format', () => {
    expect(differencesOf('MDRT[0] dest 0x30000000 differs from src 0x30000000 at +0x100cb (got 0x0, clock-stop 0x2)')).toEqual([
      { what: 'byte at dest 0x30000000 + 0x100cb (src 0x30000000 + 0x100cb)', got: '0x0', expected: '0x2' },
    ]);
    expect(differencesOf('PT_LOAD p_paddr 0x0: byte at +0x4008e is 0x37, clock-stop 0x34')).toEqual([{ what: 'byte at +0x4008e', got: '0x37', expected: '0x34' }]);
    expect(differencesOf('byte at 0x31c50000 changed from 0x0 to 0x72 outside every declared area')).toEqual([{ what: 'byte at 0x31c50000', got: '0x72', expected: '0x0' }]);
    expect(differencesOf('note 0 (PIR 0x0, clock stop): xer is 0x0, expected 0x20040000')).toEqual([{ what: 'register xer', got: '0x0', expected: '0x20040000' }]);
    expect(differencesOf('KERNEL: got 0x64000000, expected 0x34000000')).toEqual([{ what: 'KERNEL', got: '0x64000000', expected: '0x34000000' }]);
    expect(differencesOf('all 2 valid pairs preserved')).toEqual([]);
  });

  it('the model finds one round with its copies, MDRT and verdicts (seed 1)', async () => {
    const path = join(dir, 'm.mpt');
    expect((await cli('run', '--seed', '1', '--record', path)).code).toBe(0);
    const t = readTraceFile(path);
    const m = buildModel('m.mpt', t.header, t.footer, t.events, 'not re-run (test)');
    expect(m.rounds).toHaveLength(1);
    const r = m.rounds[0]!;
    expect(r.crash?.pir).toBe('7');
    expect(r.clockStopCycle).toBeGreaterThan(r.crash!.cycle);
    expect(r.copies.map((c) => [c.region, c.status])).toEqual([
      [3, 'preserved'],
      [0x80, 'preserved'],
    ]);
    expect(r.mdrt).toBeUndefined();
    expect(r.invariants.every((i) => i.ok)).toBe(true);
    expect(m.phases.map((p) => p.kind)).toEqual(['power', 'ipl', 'skiboot', 'linux', 'crash', 'ipl', 'skiboot', 'linux']);
    const html = renderReport(m);
    expect(html).toContain('not re-run (test)');
  });
});
