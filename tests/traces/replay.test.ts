import { describe, expect, test } from 'vitest';
import { compareStreams, renderDivergence } from '../../traces/replay.js';
import type { TraceItem } from '../../traces/format.js';
import { collect, readTraceBytes } from '../../traces/reader.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import { FOOTER, eventItems, header, instructionItems, instructionStream } from './fixtures.js';

function recordedItems(): TraceItem[] {
  const items = [...eventItems().slice(0, 5), ...instructionItems(instructionStream(64, { threads: 2 })), ...eventItems().slice(5)];
  return collect(readTraceBytes(encodeTraceToBytes(header('full'), items, FOOTER))).items.slice();
}

describe('compareStreams', () => {
  test('a faithful replay matches, header skipped and footer compared on digest and verdict', () => {
    const recorded = recordedItems();
    const replayed = recorded.map((i) => (i.type === 'footer' ? { type: 'footer' as const, footer: { ...i.footer, eventCount: 0 } } : i)).slice(1);
    expect(compareStreams(recorded, replayed)).toEqual({ ok: true, itemsCompared: recorded.length - 1 });
  });

  test('finds the first divergent event, with context and the differing field', () => {
    const recorded = recordedItems();
    const replayed = recorded.slice();
    const at = replayed.findIndex((i) => i.type === 'event' && i.event.kind === 'crash');
    const orig = replayed[at]!;
    if (orig.type !== 'event') throw new Error('fixture');
    replayed[at] = { type: 'event', event: { ...orig.event, data: { ...orig.event.data, pir: 2 } } };
    // A later difference must not be the one reported.
    replayed[replayed.length - 2] = { type: 'event', event: { cycle: 1, who: 'sbe', kind: 's0', data: {} } };
    const r = compareStreams(recorded, replayed, { contextSize: 2 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.index).toBe(at - 1); // the header is not counted
    expect(r.cycle).toBe(1500);
    expect(r.recorded).toEqual(orig);
    expect(r.context).toHaveLength(2);
    expect(r.differences).toEqual([{ path: 'data.pir', recorded: '1', replayed: '2' }]);
    expect(renderDivergence(r)).toMatchInlineSnapshot(`
      "divergence at cycle 1500 (item 69)
      recorded: {"cycle":1500,"data":{"cause":"trap","pir":1},"kind":"crash","type":"event","who":"linux"}
      replayed: {"cycle":1500,"data":{"cause":"trap","pir":2},"kind":"crash","type":"event","who":"linux"}
      differences:
        data.pir: recorded 1, replayed 2
      context (last 2 equal items):
        {"cycle":41,"mem":[],"nip":"0x3000001c","pir":0,"regs":[],"type":"instruction","word":"0x4082ffe4"}
        {"cycle":41,"mem":[],"nip":"0x3000001c","pir":1,"regs":[],"type":"instruction","word":"0x4082ffe4"}
      "
    `);
  });

  test('finds a register difference inside an instruction record', () => {
    const recorded = recordedItems();
    const replayed = recorded.slice();
    const at = replayed.findIndex((i) => i.type === 'instruction' && i.insn.regs.length > 0 && i.insn.cycle > 20);
    const orig = replayed[at]!;
    if (orig.type !== 'instruction') throw new Error('fixture');
    replayed[at] = { type: 'instruction', insn: { ...orig.insn, regs: orig.insn.regs.map((w) => ({ ...w, value: w.value ^ 0x100n })) } };
    const r = compareStreams(recorded, replayed);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.cycle).toBe(orig.insn.cycle);
    expect(r.differences.map((d) => d.path)).toEqual(['regs[0].value']);
  });

  test('a stream that ends early diverges at its end', () => {
    const recorded = recordedItems();
    const r = compareStreams(recorded, recorded.slice(0, 10));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.index).toBe(9);
    expect(r.replayed).toBeUndefined();
    expect(r.recorded).toEqual(recorded[10]);
    expect(renderDivergence(r).split('\n')[2]).toBe('replayed: (stream ended)');
  });

  test('reports are canonical: the same divergence renders to the same text however it was built', () => {
    const a = compareStreams([{ type: 'event', event: { cycle: 5, who: 'sbe', kind: 's0', data: { b: '0x1', a: 2 } } }], [{ type: 'event', event: { cycle: 5, who: 'sbe', kind: 's0', data: { a: 3, b: '0x1' } } }]);
    const b = compareStreams([{ type: 'event', event: { kind: 's0', data: { a: 2, b: '0x1' }, who: 'sbe', cycle: 5 } }], [{ type: 'event', event: { data: { b: '0x1', a: 3 }, cycle: 5, kind: 's0', who: 'sbe' } }]);
    expect(renderDivergence(a)).toBe(renderDivergence(b));
  });
});
