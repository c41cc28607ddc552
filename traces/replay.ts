/**
 * Replay comparison (design section 7; re-execute and compare): walk the recorded items and the items a
 * re-run produced, one by one, and stop at the first difference with a report of the cycle, both
 * items, the differing fields and the last few items that agreed.
 *
 * Items are compared in a canonical form: object keys sorted, 64-bit values and instruction words
 * as `0x` hex, stored bytes as hex. Header items are skipped (the header is the re-run's input, not
 * an observation); footers are compared on `finalDigest` and `verdict` only, since their counts
 * follow from the items already compared. Checkpoints are events of kind 'checkpoint', so a digest
 * difference shows as `data.digest`.
 *
 * The re-run must present its items in emission order, which is the order the writer keeps in
 * the file (see docs/trace-format.md, "Order").
 */
import { hex } from '../sim/core/u64.js';
import { itemCycle, type TraceItem } from './format.js';

export interface CompareOptions {
  /** How many equal items before the divergence to keep as context (default 5). */
  readonly contextSize?: number;
  /** Compare footers (default true). A re-run that produces no footer item can turn this off. */
  readonly compareFooter?: boolean;
}

export interface FieldDifference {
  /** Dotted path in the canonical form, e.g. `data.size` or `regs[0].value`. */
  readonly path: string;
  /** Canonical value text; undefined when the field exists on one side only. */
  readonly recorded: string | undefined;
  readonly replayed: string | undefined;
}

export type CompareResult =
  | { readonly ok: true; readonly itemsCompared: number }
  | {
      readonly ok: false;
      /** Position of the divergent item among the compared items (headers excluded), from 0. */
      readonly index: number;
      /** Cycle of the divergent item (recorded side first); for a footer, the last cycle compared. */
      readonly cycle: number;
      /** Absent when the recorded stream ended first. */
      readonly recorded?: TraceItem;
      /** Absent when the replayed stream ended first. */
      readonly replayed?: TraceItem;
      /** The last items that were equal, oldest first. */
      readonly context: readonly TraceItem[];
      readonly differences: readonly FieldDifference[];
    };

type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

/** The canonical form of an item: what is compared and what reports print. */
export function canonicalItem(item: TraceItem): Canonical {
  switch (item.type) {
    case 'header':
      return { type: 'header', seed: item.header.seed, firmware: item.header.firmware.name, formatVersion: item.header.formatVersion };
    case 'event':
      return sortKeys({ type: 'event', cycle: item.event.cycle, who: item.event.who, kind: item.event.kind, data: { ...item.event.data } });
    case 'instruction': {
      const r = item.insn;
      return sortKeys({
        type: 'instruction',
        cycle: r.cycle,
        pir: r.pir,
        nip: hex(r.nip),
        word: `0x${r.word.toString(16).padStart(8, '0')}`,
        regs: r.regs.map((w) => ({ reg: w.reg, value: hex(w.value) })),
        mem: r.mem.map((w) => ({ addr: hex(w.addr), bytes: bytesHex(w.bytes) })),
      });
    }
    case 'footer':
      return sortKeys({ type: 'footer', finalDigest: item.footer.finalDigest, verdict: item.footer.verdict });
  }
}

/** One line of canonical JSON for an item. Two equal items always give the same text. */
export function canonicalText(item: TraceItem): string {
  return JSON.stringify(canonicalItem(item));
}

export function compareStreams(recorded: Iterable<TraceItem>, replayed: Iterable<TraceItem>, options: CompareOptions = {}): CompareResult {
  const contextSize = options.contextSize ?? 5;
  const compareFooter = options.compareFooter ?? true;
  const keep = (item: TraceItem): boolean => item.type !== 'header' && (compareFooter || item.type !== 'footer');
  const a = filtered(recorded, keep);
  const b = filtered(replayed, keep);
  const context: TraceItem[] = [];
  let index = 0;
  let lastCycle = 0;
  try {
    for (;;) {
      const x = a.next();
      const y = b.next();
      if (x.done && y.done) return { ok: true, itemsCompared: index };
      const left = x.done ? undefined : x.value;
      const right = y.done ? undefined : y.value;
      const leftText = left === undefined ? undefined : canonicalText(left);
      const rightText = right === undefined ? undefined : canonicalText(right);
      if (leftText !== rightText) {
        const cycle = (left && itemCycle(left)) ?? (right && itemCycle(right)) ?? lastCycle;
        return {
          ok: false,
          index,
          cycle,
          ...(left === undefined ? {} : { recorded: left }),
          ...(right === undefined ? {} : { replayed: right }),
          context: [...context],
          differences: diffFields(left === undefined ? undefined : canonicalItem(left), right === undefined ? undefined : canonicalItem(right)),
        };
      }
      lastCycle = itemCycle(left!) ?? lastCycle;
      context.push(left!);
      if (context.length > contextSize) context.shift();
      index++;
    }
  } finally {
    a.return?.();
    b.return?.();
  }
}

function* filtered(items: Iterable<TraceItem>, keep: (item: TraceItem) => boolean): Generator<TraceItem, void, undefined> {
  for (const item of items) if (keep(item)) yield item;
}

/**
 * The divergence report as canonical text: fixed line order, sorted fields, `0x` hex, so two
 * reports of the same divergence are byte-identical and two different ones diff line by line.
 */
export function renderDivergence(result: CompareResult): string {
  if (result.ok) return `replay matches: ${result.itemsCompared} items compared\n`;
  const lines: string[] = [];
  lines.push(`divergence at cycle ${result.cycle} (item ${result.index})`);
  lines.push(`recorded: ${result.recorded === undefined ? '(stream ended)' : canonicalText(result.recorded)}`);
  lines.push(`replayed: ${result.replayed === undefined ? '(stream ended)' : canonicalText(result.replayed)}`);
  lines.push('differences:');
  for (const d of result.differences) lines.push(`  ${d.path}: recorded ${d.recorded ?? '(absent)'}, replayed ${d.replayed ?? '(absent)'}`);
  lines.push(`context (last ${result.context.length} equal items):`);
  for (const item of result.context) lines.push(`  ${canonicalText(item)}`);
  return `${lines.join('\n')}\n`;
}

function diffFields(left: Canonical | undefined, right: Canonical | undefined): FieldDifference[] {
  const l = new Map<string, string>();
  const r = new Map<string, string>();
  if (left !== undefined) flatten(left, '', l);
  if (right !== undefined) flatten(right, '', r);
  const paths = [...new Set([...l.keys(), ...r.keys()])].sort();
  const out: FieldDifference[] = [];
  for (const path of paths) {
    const a = l.get(path);
    const b = r.get(path);
    if (a !== b) out.push({ path, recorded: a, replayed: b });
  }
  return out;
}

function flatten(v: Canonical, path: string, out: Map<string, string>): void {
  if (Array.isArray(v)) {
    out.set(`${path}.length`.replace(/^\./, ''), String(v.length));
    v.forEach((x, i) => flatten(x, `${path}[${i}]`, out));
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v).sort()) flatten(v[k]!, path === '' ? k : `${path}.${k}`, out);
  } else {
    out.set(path, JSON.stringify(v));
  }
}

function sortKeys(v: unknown): Canonical {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: { [key: string]: Canonical } = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v as Canonical;
}

function bytesHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
