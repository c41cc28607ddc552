/**
 * The report's firmware lanes (issue 14): a coupled `full` trace gets one `fw PIR` lane per thread
 * that ran firmware instructions, a span per OPAL call with its symbols in the tooltip, and a table
 * of the calls with the interrupted one marked; traces without firmware instructions get none of
 * it; strings from the trace stay escaped there too. Plus the call tracker on hand-made input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirmwareCallTracker } from '../../sim/cli/report/firmware.js';
import type { FirmwareSymbolizer } from '../../sim/cli/firmware-symbols.js';
import type { SimEvent } from '../../sim/trace/events.js';
import type { InstructionRecord, TraceItem } from '../../traces/format.js';
import { readTraceFile } from '../../traces/reader.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import { HOSTILE } from './hostile.js';
import { cli } from '../helpers/cli.js';

let dir = '';
/** seed 3, coupled, crash after 10 firmware instructions of OPAL call 2 (PIR 3), full level. */
let coupledFull = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpipl-report-fw-'));
  coupledFull = join(dir, 'f.mpt');
  const r = await cli('run', '--seed', '3', '--firmware', 'reference-elf', '--time-mode', 'coupled', '--crash-in-opal-call', '2+10', '--record', coupledFull, '--trace-level', 'full');
  expect(r.code).toBe(0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function report(trace: string, name: string): Promise<string> {
  const out = join(dir, name);
  const r = await cli('report', trace, '-o', out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return readFileSync(out, 'utf8');
}

/** The firmware call table's markup. */
function callTable(html: string): string {
  const start = html.indexOf('<h2 id="firmware-calls">');
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</table>', start));
}

describe('a coupled full trace', () => {
  it('has a fw lane per thread that ran firmware, with symbolised spans and the interrupted call', async () => {
    const html = await report(coupledFull, 'f.html');
    const inspect = await cli('inspect', coupledFull);
    expect(inspect.code).toBe(0);
    // inspect's firmware lane and the report's agree: same threads, same instruction count.
    const fwLines = inspect.stdout.split('\n').filter((l) => /^\s*\d+ {2}fw \d+ /.test(l));
    const inspectPirs = [...new Set(fwLines.map((l) => Number(/fw (\d+)/.exec(l)![1])))].sort((a, b) => a - b);
    expect(inspectPirs.length).toBeGreaterThan(1);
    const lanes = [...html.matchAll(/<text class="lane-label"[^>]*>fw PIR (0x[0-9a-f]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(lanes).toEqual(inspectPirs);
    // Lanes sit between cpu and oracle.
    const labels = [...html.matchAll(/<text class="lane-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels.slice(0, 6)).toEqual(['machine', 'sbe', 'hostboot', 'skiboot', 'linux', 'cpu']);
    expect(labels.slice(6 + lanes.length, 8 + lanes.length)).toEqual(['oracle', 'harness']);

    const spans = [...html.matchAll(/<rect class="range fw-call( fw-interrupted)?"[^>]*><title>([^<]*)<\/title><\/rect>/g)];
    expect(spans.length).toBeGreaterThanOrEqual(lanes.length);
    const counted = spans.map((s) => Number(/\n(\d+) firmware instructions?,/.exec(s[2]!)![1]));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(fwLines.length);
    for (const s of spans) {
      expect(s[2]).toMatch(/^OPAL_[A-Z_0-9]+ \(token \d+\) on PIR 0x[0-9a-f]+/);
      expect(s[2]).toContain('\nran skiboot: mpipl_fw_opal_call');
      expect(s[2]).toMatch(/\nfirst skiboot:mpipl_fw_opal_call · last skiboot:mpipl_fw_opal_call\+0x[0-9a-f]+$/);
    }
    const interrupted = spans.filter((s) => s[1] !== undefined);
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]![2]).toMatch(/^OPAL_CHECK_TOKEN \(token 80\) on PIR 0x3, interrupted by a crash\n10 firmware instructions, cycles /);

    const table = callTable(html);
    const rows = table.split('<tr class="row-').slice(1);
    expect(rows).toHaveLength(spans.length);
    const bad = rows.filter((r) => r.startsWith('bad"'));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toContain('<td>0x3</td><td><code>OPAL_CHECK_TOKEN (token 80)</code></td><td class="num">10</td><td>skiboot: mpipl_fw_opal_call</td>');
    expect(bad[0]).toMatch(/<td><code>skiboot:mpipl_fw_opal_call<\/code><\/td><td><code>skiboot:mpipl_fw_opal_call\+0x[0-9a-f]+<\/code><\/td><td><span class="badge bad">interrupted<\/span>/);
    expect(rows.filter((r) => r.includes('<span class="badge ok">returned</span>'))).toHaveLength(rows.length - 1);
    // The interrupted call's last instruction is in the cycle of the crash the report draws.
    const crash = /<g class="mark-crash">.*?<title>crash PIR 3 \(injected\) at cycle ([\d,]+)<\/title>/.exec(html);
    expect(crash).not.toBeNull();
    expect(bad[0]).toContain(`– ${crash![1]}</td>`);
  });
});

describe('traces without firmware instructions', () => {
  it('an events-level coupled trace and a charged full trace have no firmware lane or table', async () => {
    const events = join(dir, 'e.mpt');
    expect((await cli('run', '--seed', '3', '--firmware', 'reference-elf', '--time-mode', 'coupled', '--crash-in-opal-call', '2+10', '--record', events)).code).toBe(0);
    const charged = join(dir, 'c.mpt');
    expect((await cli('run', '--seed', '3', '--firmware', 'reference-elf', '--record', charged, '--trace-level', 'full')).code).toBe(0);
    for (const [trace, name] of [
      [events, 'e.html'],
      [charged, 'c.html'],
    ] as const) {
      const html = await report(trace, name);
      expect(html).toContain('<svg id="timeline"');
      expect(html, name).not.toContain('fw PIR');
      expect(html, name).not.toContain('fw-call');
      expect(html, name).not.toContain('firmware-calls');
      expect(html.match(/<text class="lane-label"/g)?.length).toBeGreaterThanOrEqual(8);
    }
  });
});

describe('a hostile coupled trace', () => {
  it('keeps OPAL call names and tokens from the trace escaped in the lane and the table', async () => {
    // The real header (so the ELF is known and instructions are symbolised) with hostile call names.
    const t = readTraceFile(coupledFull);
    const { formatVersion: _, ...header } = t.header;
    // Coupled calls: the opal-call has `coupled=`, its opal-return the instruction count.
    const hostile = (e: SimEvent): SimEvent =>
      (e.kind === 'opal-call' && e.data['coupled'] !== undefined) || (e.kind === 'opal-return' && e.data['instructions'] !== undefined)
        ? { ...e, data: { ...e.data, name: HOSTILE, token: HOSTILE } }
        : e;
    const items: TraceItem[] = t.items.filter((i) => i.type === 'event' || i.type === 'instruction').map((i) => (i.type === 'event' ? { type: 'event', event: hostile(i.event) } : i));
    const trace = join(dir, 'hostile-fw.mpt');
    writeFileSync(trace, encodeTraceToBytes(header, items, { finalDigest: t.footer.finalDigest, verdict: t.footer.verdict }));
    const html = await report(trace, 'hostile-fw.html');
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<svg onload|<!--/i);
    const escaped = escapedHostile();
    const table = callTable(html);
    expect(table).not.toContain('<script');
    expect(table).toContain(`<code>${escaped} (token ${escaped})</code>`);
    const spans = [...html.matchAll(/<rect class="range fw-call[^"]*"[^>]*><title>([^<]*)<\/title>/g)];
    expect(spans.length).toBeGreaterThan(0);
    for (const s of spans) expect(s[1]!.startsWith(`${escaped} (token ${escaped}) on PIR 0x`)).toBe(true);
  });
});

function escapedHostile(): string {
  return HOSTILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

describe('FirmwareCallTracker', () => {
  /** Firmware is 0x3000_0000 upwards; the function is the address's 0x100-byte block. */
  const symbolize: FirmwareSymbolizer = (nip) => {
    if (nip < 0x3000_0000n) return undefined;
    const func = `f${(nip >> 8n).toString(16)}`;
    return { participant: 'skiboot', func, text: `skiboot:${func}+0x${(nip & 0xffn).toString(16)}` };
  };
  const insn = (cycle: number, pir: number, nip: number): InstructionRecord => ({ cycle, pir, nip: BigInt(nip), word: 0, regs: [], mem: [] }) as unknown as InstructionRecord;
  const ev = (cycle: number, who: string, kind: string, data: SimEvent['data']): SimEvent => ({ cycle, who, kind, data }) as SimEvent;

  it('spans a call from its first to its last firmware instruction, per thread', () => {
    const t = new FirmwareCallTracker(symbolize);
    t.event(ev(10, 'cpu', 'opal-call', { coupled: 0, name: 'OPAL_A', pir: 1, token: 7 }));
    t.event(ev(11, 'cpu', 'opal-call', { coupled: 1, name: 'OPAL_B', pir: 2, token: 8 }));
    t.instruction(insn(11, 1, 0x3000_0100));
    t.instruction(insn(12, 0, 0x1000)); // another thread's guest code changes nothing
    t.instruction(insn(12, 2, 0x3000_0104));
    t.instruction(insn(13, 1, 0x3000_0200));
    t.instruction(insn(14, 1, 0x3000_0104));
    t.event(ev(14, 'skiboot', 'opal-return', { instructions: 3, name: 'OPAL_A', pir: 1, token: 7 }));
    t.event(ev(15, 'harness', 'crash', { cause: 'injected', pir: 2 }));
    t.event(ev(15, 'skiboot', 'opal-return', { interrupted: true, name: 'OPAL_B', pir: 2, token: 8, returned: false }));
    // A call that retired nothing has no span.
    t.event(ev(20, 'cpu', 'opal-call', { coupled: 2, name: 'OPAL_C', pir: 1, token: 9 }));
    t.event(ev(20, 'skiboot', 'opal-return', { instructions: 0, name: 'OPAL_C', pir: 1, token: 9 }));
    // Firmware outside any coupled call ends when the thread is back in guest code.
    t.instruction(insn(30, 3, 0x3000_0300));
    t.instruction(insn(31, 3, 0x3000_0304));
    t.instruction(insn(32, 3, 0x2000));
    const calls = t.finish();
    expect(calls.map((c) => [c.pir, c.name, c.token, c.first.cycle, c.last.cycle, c.instructions, c.interrupted, c.returned])).toEqual([
      [1, 'OPAL_A', '7', 11, 14, 3, false, true],
      [2, 'OPAL_B', '8', 12, 12, 1, true, true],
      [3, undefined, undefined, 30, 31, 2, false, false],
    ]);
    expect(calls[0]!.functions.map((f) => f.func)).toEqual(['f300001', 'f300002']);
    expect(calls[0]!.first.symbol).toBe('skiboot:f300001+0x0');
    expect(calls[0]!.last.symbol).toBe('skiboot:f300001+0x4');
  });

  it('a crash on another thread does not interrupt a call; a call still open at the end is kept', () => {
    const t = new FirmwareCallTracker(symbolize);
    t.event(ev(10, 'cpu', 'opal-call', { coupled: 0, name: 'OPAL_A', pir: 1, token: 7 }));
    t.instruction(insn(11, 1, 0x3000_0100));
    t.event(ev(12, 'harness', 'crash', { cause: 'injected', pir: 4 }));
    t.event(ev(12, 'skiboot', 'opal-return', { name: 'OPAL_X', pir: 1, token: 99 })); // another call's return
    t.instruction(insn(13, 1, 0x3000_0104));
    const calls = t.finish();
    expect(calls.map((c) => [c.pir, c.instructions, c.interrupted, c.returned])).toEqual([[1, 2, false, false]]);
  });
});
