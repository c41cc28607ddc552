/**
 * The report as one self-contained HTML file: inline CSS, a few lines of inline JS, inline SVG; no
 * network, no external assets (a Content-Security-Policy says so to the browser as well).
 *
 * Every string that comes from the trace — file name, header, event data keys and values,
 * invariant details — goes through escapeHtml, in text and in attributes alike. Numbers we compute
 * are formatted by us. There is no other way into the output: the builders below only concatenate
 * literals, escaped strings and numbers.
 */
import type { SimEvent } from '../../trace/events.js';
import { humanBytes, parseUnsigned } from '../../core/u64.js';
import { RAM_SIZE_MAX_BYTES } from '../../mem/physical-memory.js';
import { location, type CopyRange, type MdrtRange, type ReportModel, type RoundModel, type InvariantRow } from './model.js';
import type { FirmwareCall } from './firmware.js';

/** Escape for HTML text and double- or single-quoted attribute values (also inside inline SVG). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const esc = escapeHtml;

function hx(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

/** A number with thousands separators (cycle counts). */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Coordinates are rounded so the file is stable and small. */
function f1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

const LANES = ['machine', 'sbe', 'hostboot', 'skiboot', 'linux', 'cpu', 'oracle', 'harness'] as const;
/** Firmware lanes (one per thread that ran firmware instructions) go right below the cpu lane. */
const FW_LANES_AFTER = LANES.indexOf('cpu');

// ---------------------------------------------------------------------------------------------
// Event text

const ADDRESS_KEY = /(addr|address|src|dest|base|nip|msr|lr|ctr|xer)$/i;
const SIZE_KEY = /^(size|len|length)$|(Size|Bytes)$/;

function valueText(key: string, v: string | number | boolean): string {
  let text = typeof v === 'number' && ADDRESS_KEY.test(key) && Number.isSafeInteger(v) && v >= 0 ? hx(v) : String(v);
  if (SIZE_KEY.test(key)) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(BigInt(v)) : undefined;
    if (n !== undefined && n >= 1024) text += ` (${humanBytes(n)})`;
  }
  return text;
}

export function eventDetails(e: SimEvent): string {
  return Object.keys(e.data)
    .sort()
    .map((k) => `${k}=${valueText(k, e.data[k]!)}`)
    .join(' ');
}

function eventClass(e: SimEvent): string {
  if (e.kind === 'invariant') return e.data['ok'] === true ? 'ev-ok' : 'ev-bad';
  if (e.kind === 'copy') return e.data['result'] === 'preserved' ? 'ev-ok' : 'ev-warn';
  if (e.kind === 'crash' || e.kind === 'interrupt') return 'ev-bad';
  if (e.kind === 'clock-stop' || e.kind === 's0') return 'ev-stop';
  if (e.kind === 'opal-call' || e.kind === 'opal-return') return 'ev-opal';
  if (e.kind === 'linux-log' || e.kind === 'skiboot-log') return 'ev-log';
  if (e.kind === 'boot' || e.kind === 'ipl' || e.kind === 'power-on') return 'ev-boot';
  return 'ev-misc';
}

// ---------------------------------------------------------------------------------------------
// The compressed cycle axis

/**
 * Piecewise-linear axis over the distinct event cycles: consecutive cycles are placed
 * 1 + log2(1 + gap) units apart, so a 300-cycle crash path and a 200 000-cycle IPL copy both stay
 * visible, and order is preserved. Between two listed cycles the mapping is linear.
 */
export class CycleAxis {
  private readonly cycles: number[];
  private readonly units: number[];
  readonly totalUnits: number;

  constructor(cycles: Iterable<number>) {
    this.cycles = [...new Set(cycles)].sort((a, b) => a - b);
    if (this.cycles.length === 0) this.cycles.push(0);
    this.units = [0];
    for (let i = 1; i < this.cycles.length; i++) this.units.push(this.units[i - 1]! + 1 + Math.log2(1 + this.cycles[i]! - this.cycles[i - 1]!));
    this.totalUnits = Math.max(1, this.units[this.units.length - 1]!);
  }

  /** Position of `cycle` in [0, 1]. */
  at(cycle: number): number {
    const c = this.cycles;
    if (cycle <= c[0]!) return 0;
    if (cycle >= c[c.length - 1]!) return this.units[c.length - 1]! / this.totalUnits;
    let lo = 0;
    let hi = c.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (c[mid]! <= cycle) lo = mid;
      else hi = mid;
    }
    const t = (cycle - c[lo]!) / (c[hi]! - c[lo]!);
    return (this.units[lo]! + t * (this.units[hi]! - this.units[lo]!)) / this.totalUnits;
  }

  /** Consecutive listed cycles further apart than `minCycles`: the compressed stretches. */
  gaps(minCycles: number): { from: number; to: number }[] {
    const out: { from: number; to: number }[] = [];
    for (let i = 1; i < this.cycles.length; i++) if (this.cycles[i]! - this.cycles[i - 1]! >= minCycles) out.push({ from: this.cycles[i - 1]!, to: this.cycles[i]! });
    return out;
  }
}

const TL = { width: 1200, left: 96, right: 16, top: 52, laneHeightPx: 30, bottom: 40 } as const;
/** Markers beyond this many are left out of the SVG (the event table still lists them). */
const TIMELINE_MARKERS_MAX = 20_000;
/** Idle stretches at least this long get a break mark on the axis. */
const BREAK_MIN_CYCLES = 10_000;

export function timelineSvg(m: ReportModel): string {
  const events = m.events;
  const calls = m.firmwareCalls;
  // Firmware spans put their ends on the axis too, so a short call keeps some width.
  const axis = new CycleAxis([...events.map((e) => e.cycle), m.finalCycle, ...calls.flatMap((c) => [c.first.cycle, c.last.cycle])]);
  const plotW = TL.width - TL.left - TL.right;
  const x = (c: number): number => TL.left + axis.at(c) * plotW;
  const fwPirs = [...new Set(calls.map((c) => c.pir))].sort((a, b) => a - b);
  const lanes: string[] = [...LANES.slice(0, FW_LANES_AFTER + 1), ...fwPirs.map((p) => `fw PIR ${hx(p)}`), ...LANES.slice(FW_LANES_AFTER + 1)];
  // Only participants' own names select an event lane: an event cannot claim a firmware lane.
  const eventLane = (who: string): number => {
    const i = LANES.indexOf(who as (typeof LANES)[number]);
    return i <= FW_LANES_AFTER ? i : i + fwPirs.length;
  };
  const fwLane = (pir: number): number => FW_LANES_AFTER + 1 + fwPirs.indexOf(pir);
  const height = TL.top + lanes.length * TL.laneHeightPx + TL.bottom;
  const laneTop = (i: number): number => TL.top + i * TL.laneHeightPx;
  const out: string[] = [];
  out.push(`<svg id="timeline" class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${TL.width} ${height}" role="img" aria-label="MPIPL timeline">`);
  out.push('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#c8ccd2"/></pattern></defs>');

  // Phase bands behind everything.
  const phases = m.phases;
  phases.forEach((p, i) => {
    const x0 = x(p.start);
    const x1 = i + 1 < phases.length ? x(phases[i + 1]!.start) : x(m.finalCycle);
    const w = Math.max(0, x1 - x0);
    out.push(`<g class="phase phase-${p.kind}"><rect x="${f1(x0)}" y="${TL.top - 20}" width="${f1(w)}" height="${lanes.length * TL.laneHeightPx + 20}"><title>${esc(p.label)}: cycles ${grouped(p.start)} to ${grouped(i + 1 < phases.length ? phases[i + 1]!.start : m.finalCycle)}</title></rect>`);
    if (w > p.label.length * 5.6 + 6) out.push(`<text class="phase-label" x="${f1(x0 + 3)}" y="${TL.top - 7}">${esc(p.label)}</text>`);
    out.push('</g>');
  });

  // Lanes.
  lanes.forEach((lane, i) => {
    out.push(`<line class="lane" x1="${TL.left}" x2="${TL.width - TL.right}" y1="${f1(laneTop(i) + TL.laneHeightPx / 2)}" y2="${f1(laneTop(i) + TL.laneHeightPx / 2)}"/>`);
    out.push(`<text class="lane-label" x="${TL.left - 8}" y="${f1(laneTop(i) + TL.laneHeightPx / 2 + 4)}">${lane}</text>`);
  });

  // Compressed stretches: a break mark and the real length.
  for (const g of axis.gaps(BREAK_MIN_CYCLES)) {
    const xm = (x(g.from) + x(g.to)) / 2;
    const yb = TL.top + lanes.length * TL.laneHeightPx;
    out.push(`<g class="axis-break"><path d="M${f1(xm - 4)} ${yb + 2} l4 -6 l4 6 M${f1(xm - 4)} ${yb + 8} l4 -6 l4 6"/><title>${grouped(g.to - g.from)} cycles between ${grouped(g.from)} and ${grouped(g.to)} (axis compressed)</title></g>`);
  }

  // Crash and clock-stop lines across all lanes.
  const yTop = TL.top - 20;
  const yBottom = TL.top + lanes.length * TL.laneHeightPx;
  for (const c of m.crashes) {
    out.push(`<g class="mark-crash"><line x1="${f1(x(c.cycle))}" x2="${f1(x(c.cycle))}" y1="${yTop - 12}" y2="${yBottom}"/><text x="${f1(x(c.cycle) + 3)}" y="${yTop - 4}">${esc(c.label)}</text><title>${esc(c.label)} at cycle ${grouped(c.cycle)}</title></g>`);
  }
  for (const c of m.clockStops) {
    out.push(`<g class="mark-stop"><line x1="${f1(x(c.cycle))}" x2="${f1(x(c.cycle))}" y1="${yTop - 12}" y2="${yBottom}"/><title>${esc(c.label)} at cycle ${grouped(c.cycle)}</title></g>`);
  }

  // Firmware spans: first to last firmware instruction of each call, on its thread's lane.
  for (const c of calls.slice(0, TIMELINE_MARKERS_MAX)) {
    const x0 = x(c.first.cycle);
    const x1 = Math.max(x0 + 3, x(c.last.cycle));
    const y = laneTop(fwLane(c.pir)) + TL.laneHeightPx / 2 - 6;
    out.push(`<rect class="range fw-call${c.interrupted ? ' fw-interrupted' : ''}" x="${f1(x0)}" y="${f1(y)}" width="${f1(x1 - x0)}" height="12"><title>${esc(firmwareCallTitle(c))}</title></rect>`);
  }

  // Event markers: events at the same cycle on the same lane fan out so each can be hovered.
  const stack = new Map<string, number>();
  let drawn = 0;
  for (const e of events) {
    if (drawn >= TIMELINE_MARKERS_MAX) break;
    const lane = eventLane(e.who);
    if (lane < 0) continue;
    const key = `${lane}:${e.cycle}`;
    const k = stack.get(key) ?? 0;
    stack.set(key, k + 1);
    const cx = x(e.cycle) + Math.floor(k / 3) * 3;
    const cy = laneTop(lane) + TL.laneHeightPx / 2 + ((k % 3) - 1) * 7;
    const r = e.kind === 'crash' || (e.kind === 'invariant' && e.data['ok'] !== true) ? 5.5 : 3.5;
    out.push(`<circle class="ev ${eventClass(e)}" cx="${f1(cx)}" cy="${f1(cy)}" r="${r}"><title>cycle ${grouped(e.cycle)} · ${esc(e.who)} ${esc(e.kind)}\n${esc(eventDetails(e))}</title></circle>`);
    drawn++;
  }

  // Cycle ticks at phase starts, crashes and clock stops (labels never overlap).
  const ticks = [...new Set([...m.phases.map((p) => p.start), ...m.crashes.map((c) => c.cycle), ...m.clockStops.map((c) => c.cycle), m.finalCycle])].sort((a, b) => a - b);
  let lastLabelX = -Infinity;
  for (const t of ticks) {
    const tx = x(t);
    out.push(`<line class="tick" x1="${f1(tx)}" x2="${f1(tx)}" y1="${yBottom}" y2="${yBottom + 5}"/>`);
    if (tx - lastLabelX < 58) continue;
    // Labels at the plot's right edge end there instead of running off the picture.
    const anchor = tx > TL.width - TL.right - 30 ? ' style="text-anchor:end"' : '';
    out.push(`<text class="tick-label" x="${f1(tx)}" y="${yBottom + 18}"${anchor}>${grouped(t)}</text>`);
    lastLabelX = tx;
  }
  out.push(`<text class="axis-title" x="${TL.left}" y="${height - 6}">cycle (compressed axis: spacing grows with the log of the gap; ≈ marks idle stretches of ${grouped(BREAK_MIN_CYCLES)}+ cycles)</text>`);
  out.push('</svg>');
  if (events.length > TIMELINE_MARKERS_MAX) out.push(`<p class="note">The timeline draws the first ${grouped(TIMELINE_MARKERS_MAX)} of ${grouped(events.length)} events.</p>`);
  if (calls.length > TIMELINE_MARKERS_MAX) out.push(`<p class="note">The timeline draws the first ${grouped(TIMELINE_MARKERS_MAX)} of ${grouped(calls.length)} firmware calls.</p>`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Firmware calls (coupled time, `full` traces)

/** The call's name as the report shows it (unescaped: callers escape). */
function callName(c: FirmwareCall): string {
  if (c.name === undefined) return 'firmware outside an OPAL call';
  return c.token === undefined ? c.name : `${c.name} (token ${c.token})`;
}

/** Functions per participant, in the order the call entered them: `skiboot: a, b`. */
function functionsText(c: FirmwareCall): string {
  const by = new Map<string, string[]>();
  for (const f of c.functions) by.set(f.participant, [...(by.get(f.participant) ?? []), f.func]);
  return [...by].map(([participant, funcs]) => `${participant}: ${funcs.join(', ')}`).join('; ');
}

function callStatus(c: FirmwareCall): string {
  if (c.interrupted) return 'interrupted';
  if (c.name === undefined) return 'outside an OPAL call';
  return c.returned ? 'returned' : 'no return in the trace';
}

function firmwareCallTitle(c: FirmwareCall): string {
  return [
    `${callName(c)} on PIR ${hx(c.pir)}${c.interrupted ? ', interrupted by a crash' : ''}`,
    `${grouped(c.instructions)} firmware instruction${c.instructions === 1 ? '' : 's'}, cycles ${grouped(c.first.cycle)} to ${grouped(c.last.cycle)}`,
    `ran ${functionsText(c)}`,
    `first ${c.first.symbol} · last ${c.last.symbol}`,
  ].join('\n');
}

/** Rows of the firmware call table; a long coupled run is cut like the event log. */
const FW_CALL_ROWS_MAX = 5_000;

function firmwareCallsHtml(calls: readonly FirmwareCall[]): string {
  if (calls.length === 0) return '';
  const rows = calls
    .slice(0, FW_CALL_ROWS_MAX)
    .map((c) => {
      const status = callStatus(c);
      const badge = c.interrupted ? 'badge bad' : c.returned ? 'badge ok' : 'badge';
      return `<tr class="${c.interrupted ? 'row-bad' : 'row-ok'}"><td class="num">${grouped(c.first.cycle)} – ${grouped(c.last.cycle)}</td><td>${hx(c.pir)}</td><td><code>${esc(callName(c))}</code></td><td class="num">${grouped(c.instructions)}</td><td>${esc(functionsText(c))}</td><td><code>${esc(c.first.symbol)}</code></td><td><code>${esc(c.last.symbol)}</code></td><td><span class="${badge}">${status}</span></td></tr>`;
    })
    .join('\n');
  const cut = calls.length > FW_CALL_ROWS_MAX ? `<p class="note">First ${grouped(FW_CALL_ROWS_MAX)} of ${grouped(calls.length)} firmware calls; <code>mpipl-sim inspect</code> shows every firmware instruction.</p>` : '';
  return `<h2 id="firmware-calls">Firmware calls</h2>
<p class="note">Coupled time: the OPAL calls whose firmware instructions this trace records, on the thread that ran them, symbolised from the firmware ELF (first to last firmware instruction; the entry branch retires nothing). The <code>fw PIR</code> lanes of the timeline show the same spans.</p>
${cut}<table class="fw-calls"><thead><tr><th>cycles</th><th>PIR</th><th>OPAL call</th><th>instructions</th><th>functions</th><th>first instruction</th><th>last instruction</th><th>status</th></tr></thead><tbody>${rows}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------
// The memory map

const MM = { width: 1200, left: 150, right: 90, laneGapPx: 10, rowPx: 14, top: 14, bottom: 30 } as const;

interface Bar {
  readonly lane: number;
  readonly start: bigint;
  readonly sizeBytes: bigint;
  readonly status: string;
  readonly title: string;
  readonly pair: number;
}

function rangeTitle(what: string, addrField: bigint, sizeBytes: bigint, extra: string[]): string {
  const start = location(addrField);
  const lines = [`${what}: ${hx(addrField)}${addrField !== start ? ` (location ${hx(start)})` : ''} … ${hx(start + sizeBytes)}`, `size ${hx(sizeBytes)} (${humanBytes(sizeBytes)})`, ...extra];
  return lines.join('\n');
}

export function memoryMapSvg(round: RoundModel, ramSizeBytes: number): string {
  const bars: Bar[] = [];
  round.copies.forEach((c, i) => {
    const extra = [`MDST/MDDT index ${c.index ?? '?'}${c.region === undefined ? '' : `, region ${hx(c.region)}`}`, `hostboot: ${c.result}`, ...(c.brokenBy === undefined ? [] : [`broken: ${c.brokenBy}`])];
    bars.push({ lane: 0, start: location(c.src), sizeBytes: c.sizeBytes, status: c.status, title: rangeTitle('MDST source', c.src, c.sizeBytes, extra), pair: i });
    bars.push({ lane: 1, start: location(c.dest), sizeBytes: c.sizeBytes, status: c.status, title: rangeTitle('MDDT destination', c.dest, c.sizeBytes, extra), pair: i });
  });
  for (const e of round.mdrt ?? []) {
    const extra = [`MDRT[${e.index}] src ${hx(e.src)} → dest ${hx(e.dest)}, region ${hx(e.region)}`, ...(e.brokenBy === undefined ? [] : [`broken: ${e.brokenBy}`])];
    bars.push({ lane: 2, start: location(e.dest), sizeBytes: e.sizeBytes, status: e.status, title: rangeTitle('MDRT destination', e.dest, e.sizeBytes, extra), pair: -1 });
  }
  const ram = BigInt(ramSizeBytes);
  const plotW = MM.width - MM.left - MM.right;
  const pastX = MM.width - MM.right + 8;
  const px = (a: bigint): number => (a >= ram ? pastX : MM.left + (Number(a) / ramSizeBytes) * plotW);
  // Greedy rows per lane so overlapping ranges stay visible.
  const laneRows: number[][] = [[], [], []];
  const placed = bars.map((b) => {
    const x0 = px(b.start);
    const x1 = b.start >= ram ? pastX + 60 : Math.max(x0 + 3, px(b.start + b.sizeBytes > ram ? ram : b.start + b.sizeBytes));
    const rows = laneRows[b.lane]!;
    let row = rows.findIndex((end) => end <= x0);
    if (row < 0) {
      row = rows.length;
      rows.push(0);
    }
    rows[row] = x1 + 1;
    return { b, x0, x1, row };
  });
  const laneH = laneRows.map((r) => Math.max(1, r.length) * MM.rowPx + 6);
  const laneY: number[] = [];
  let y = MM.top;
  for (let i = 0; i < 3; i++) {
    laneY.push(y);
    y += laneH[i]! + MM.laneGapPx;
  }
  const axisY = y;
  const height = axisY + MM.bottom;
  const out: string[] = [];
  out.push(`<svg class="memmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${MM.width} ${height}" role="img" aria-label="memory map of round ${round.index}">`);
  const names = ['MDST (source)', 'MDDT (destination)', round.mdrt === undefined ? 'MDRT (not re-run)' : 'MDRT (preserved)'];
  for (let i = 0; i < 3; i++) {
    out.push(`<rect class="mm-lane" x="${MM.left}" y="${laneY[i]}" width="${plotW}" height="${laneH[i]}"/>`);
    out.push(`<text class="lane-label" x="${MM.left - 8}" y="${f1(laneY[i]! + laneH[i]! / 2 + 4)}">${names[i]}</text>`);
  }
  out.push(`<rect class="mm-past" x="${pastX}" y="${MM.top}" width="${MM.right - 12}" height="${axisY - MM.top - MM.laneGapPx}"><title>past the end of RAM (${hx(ram)})</title></rect>`);
  // Source → destination connectors for each copied pair.
  const byPair = new Map<number, { x: number; y: number }[]>();
  for (const p of placed) {
    if (p.b.pair < 0) continue;
    const pts = byPair.get(p.b.pair) ?? [];
    pts.push({ x: (p.x0 + p.x1) / 2, y: laneY[p.b.lane]! + 3 + p.row * MM.rowPx + (p.b.lane === 0 ? MM.rowPx - 3 : 0) });
    byPair.set(p.b.pair, pts);
  }
  for (const [pair, pts] of byPair) {
    const [a, b] = pts;
    if (a === undefined || b === undefined) continue;
    out.push(`<path class="mm-link st-${round.copies[pair]!.status}" d="M${f1(a.x)} ${f1(a.y)} L${f1(b.x)} ${f1(b.y)}"/>`);
  }
  for (const p of placed) {
    const yb = laneY[p.b.lane]! + 3 + p.row * MM.rowPx;
    out.push(`<rect class="range st-${p.b.status}" x="${f1(p.x0)}" y="${f1(yb)}" width="${f1(p.x1 - p.x0)}" height="${MM.rowPx - 3}"><title>${esc(p.b.title)}</title></rect>`);
  }
  for (const a of round.collateral) {
    const cx = px(a);
    out.push(`<path class="mm-collateral" d="M${f1(cx)} ${axisY - 8} l-5 -9 h10 z"><title>collateral write at ${hx(a)}</title></path>`);
  }
  // Address axis: eighths of RAM.
  for (let i = 0; i <= 8; i++) {
    const a = (ram * BigInt(i)) / 8n;
    const ax = px(a >= ram ? ram - 1n : a);
    out.push(`<line class="tick" x1="${f1(ax)}" x2="${f1(ax)}" y1="${axisY - MM.laneGapPx}" y2="${axisY - 4}"/>`);
    out.push(`<text class="tick-label" x="${f1(ax)}" y="${axisY + 10}">${hx(a)}</text>`);
  }
  out.push(`<text class="axis-title" x="${MM.left}" y="${height - 4}">physical address, linear from 0 to the end of RAM (${humanBytes(ram)}); ranges narrower than 3 px are drawn 3 px wide</text>`);
  out.push('</svg>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Findings: the first differing bytes or registers, from the failing invariants' details

interface Difference {
  readonly what: string;
  readonly got: string;
  readonly expected: string;
}

/** Pull "got / expected" pairs out of an oracle detail string (its formats are in oracle.ts). */
export function differencesOf(detail: string): Difference[] {
  const out: Difference[] = [];
  const H = '(0x[0-9a-f]+)';
  const patterns: [RegExp, (m: RegExpExecArray) => Difference][] = [
    [new RegExp(`dest ${H} differs from src ${H} at \\+${H} \\(got ${H}, clock-stop ${H}\\)`, 'g'), (m) => ({ what: `byte at dest ${m[1]} + ${m[3]} (src ${m[2]} + ${m[3]})`, got: m[4]!, expected: m[5]! })],
    [new RegExp(`byte at \\+${H} is ${H}, clock-stop ${H}`, 'g'), (m) => ({ what: `byte at +${m[1]}`, got: m[2]!, expected: m[3]! })],
    [new RegExp(`byte at ${H} changed from ${H} to ${H}`, 'g'), (m) => ({ what: `byte at ${m[1]}`, got: m[3]!, expected: m[2]! })],
    [new RegExp(`\\b([a-z][a-z0-9_]*) is ${H}, expected ${H}`, 'g'), (m) => ({ what: `register ${m[1]}`, got: m[2]!, expected: m[3]! })],
    [new RegExp(`\\b([A-Za-z_]+): got ${H}, expected ${H}`, 'g'), (m) => ({ what: m[1]!, got: m[2]!, expected: m[3]! })],
  ];
  for (const [re, make] of patterns) {
    for (let m = re.exec(detail); m !== null; m = re.exec(detail)) out.push(make(m));
  }
  return out;
}

function findingsHtml(m: ReportModel): string {
  const failing = m.invariants.filter((r) => !r.ok);
  if (failing.length === 0) return `<section class="findings ok"><h2>No findings</h2><p>Every invariant held in every round.</p></section>`;
  const items = failing.map((r) => {
    const diffs = differencesOf(r.detail);
    const table =
      diffs.length === 0
        ? ''
        : `<table class="diff"><tr><th>where</th><th>got</th><th>expected (clock stop / panic)</th></tr>${diffs.map((d) => `<tr><td>${esc(d.what)}</td><td class="got">${esc(d.got)}</td><td class="want">${esc(d.expected)}</td></tr>`).join('')}</table>`;
    return `<li><div class="finding-head"><span class="badge bad">FAIL</span> round ${r.round} · <code>${esc(r.id)}</code> · cycle ${grouped(r.cycle)}</div><div class="detail">${esc(r.detail)}</div>${table}</li>`;
  });
  return `<section class="findings bad" id="findings"><h2>Findings: ${failing.length} invariant verdict${failing.length === 1 ? '' : 's'} failed</h2><ol>${items.join('')}</ol></section>`;
}

// ---------------------------------------------------------------------------------------------
// Tables

function invariantTable(rows: readonly InvariantRow[]): string {
  if (rows.length === 0) return '<p class="note">No invariant verdicts in this trace.</p>';
  const body = rows
    .map((r) => `<tr class="${r.ok ? 'row-ok' : 'row-bad'}"><td>${r.round}</td><td><code>${esc(r.id)}</code></td><td><span class="badge ${r.ok ? 'ok' : 'bad'}">${r.ok ? 'ok' : 'FAIL'}</span></td><td class="num">${grouped(r.cycle)}</td><td>${esc(r.detail)}</td></tr>`)
    .join('\n');
  return `<table class="invariants"><thead><tr><th>round</th><th>invariant</th><th>verdict</th><th>cycle</th><th>detail</th></tr></thead><tbody>${body}</tbody></table>`;
}

function rangeRows(copies: readonly CopyRange[], mdrt: readonly MdrtRange[] | undefined): string {
  const rows: string[] = [];
  for (const c of copies) {
    rows.push(
      `<tr class="st-row-${c.status}"><td>MDST/MDDT ${c.index ?? '?'}</td><td>${c.region === undefined ? '' : hx(c.region)}</td><td><code>${hx(c.src)}</code></td><td><code>${hx(c.dest)}</code></td><td><code>${hx(c.sizeBytes)}</code> (${humanBytes(c.sizeBytes)})</td><td><span class="badge st-${c.status}">${c.status}</span></td><td>${esc(c.brokenBy ?? c.result)}</td></tr>`,
    );
  }
  for (const e of mdrt ?? []) {
    rows.push(
      `<tr class="st-row-${e.status}"><td>MDRT[${e.index}]</td><td>${hx(e.region)}</td><td><code>${hx(e.src)}</code></td><td><code>${hx(e.dest)}</code></td><td><code>${hx(e.sizeBytes)}</code> (${humanBytes(e.sizeBytes)})</td><td><span class="badge st-${e.status}">${e.status}</span></td><td>${esc(e.brokenBy ?? '')}</td></tr>`,
    );
  }
  if (rows.length === 0) return '';
  return `<table class="ranges"><thead><tr><th>entry</th><th>region</th><th>src</th><th>dest</th><th>size</th><th>status</th><th>hostboot / why broken</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function roundSection(round: RoundModel, ramSizeBytes: number): string {
  const head = [
    round.crash === undefined ? 'no kernel panic (firmware-initiated)' : `crash on PIR ${esc(round.crash.pir)} (${esc(round.crash.cause)}) at cycle ${grouped(round.crash.cycle)}`,
    round.clockStopCycle === undefined ? 'no clock stop' : `clocks stopped at cycle ${grouped(round.clockStopCycle)}`,
  ].join('; ');
  const parts = [`<section class="round" id="round-${round.index}"><h3>Round ${round.index}</h3><p>${head}</p>`];
  if (round.registers !== undefined) {
    const r = round.registers;
    const main = ['nip', 'msr', 'lr', 'ctr', 'cr', 'xer'].map((k) => `<span class="reg"><b>${k}</b> <code>${esc(r[k] ?? '')}</code></span>`).join(' ');
    const gprs = Array.from({ length: 32 }, (_, k) => `<span class="reg"><b>r${k}</b> <code>${esc(r[`r${k}`] ?? '')}</code></span>`).join(' ');
    parts.push(`<details class="regs"><summary>Crashing thread at the panic cycle: ${main}</summary><div class="gprs">${gprs}</div></details>`);
  }
  for (const n of round.notes) parts.push(`<p class="note">hostboot: ${esc(n)}</p>`);
  for (const w of round.mdrtWrites) parts.push(`<p class="note">MDRT write: ${esc(w)}</p>`);
  if (round.copies.length > 0 || (round.mdrt ?? []).length > 0) {
    parts.push(memoryMapSvg(round, ramSizeBytes));
    parts.push(`<details open><summary>Ranges of round ${round.index}</summary>${rangeRows(round.copies, round.mdrt)}</details>`);
  } else parts.push('<p class="note">No ranges were copied in this round.</p>');
  parts.push('</section>');
  return parts.join('\n');
}

/** Rows of the event log; long traces are cut so the file stays a reasonable size. */
const EVENT_ROWS_MAX = 5_000;

function eventTable(events: readonly SimEvent[]): string {
  const rows = events
    .slice(0, EVENT_ROWS_MAX)
    .map((e) => `<tr class="${eventClass(e)}"><td class="num">${grouped(e.cycle)}</td><td>${esc(e.who)}</td><td>${esc(e.kind)}</td><td>${esc(eventDetails(e))}</td></tr>`)
    .join('\n');
  const cut = events.length > EVENT_ROWS_MAX ? `<p class="note">First ${grouped(EVENT_ROWS_MAX)} of ${grouped(events.length)} events; <code>mpipl-sim inspect</code> shows them all.</p>` : '';
  return `<details class="events"><summary>All ${grouped(events.length)} events</summary>${cut}<table><thead><tr><th>cycle</th><th>participant</th><th>event</th><th>details</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function configText(config: Readonly<Record<string, unknown>>): string {
  return Object.keys(config)
    .sort()
    .map((k) => {
      const v = config[k];
      return `${k}=${typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? valueText(k, v) : JSON.stringify(v)}`;
    })
    .join('  ');
}

function summaryHtml(m: ReportModel): string {
  const h = m.header;
  const verdict = m.footer.verdict;
  const rows: [string, string][] = [
    ['trace', esc(m.file)],
    ['seed', `<code>${esc(h.seed)}</code>`],
    ['firmware', `${esc(h.firmware.name)} <span class="dim">content hash ${esc(h.firmware.contentHash)}</span>`],
    ['versions', `simulator ${esc(h.simulatorVersion)} · cost model ${esc(h.costModelVersion)} · trace format v${h.formatVersion} (${esc(h.traceLevel)})`],
    ['config', `<code>${esc(configText(h.config))}</code>`],
    ['run', `${grouped(m.footer.eventCount)} events, ${grouped(m.footer.instructionCount)} instructions, last event at cycle ${grouped(m.finalCycle)} · final digest <code>${esc(m.footer.finalDigest)}</code>`],
    ['rounds', `${m.rounds.length} MPIPL round${m.rounds.length === 1 ? '' : 's'}`],
  ];
  if (m.rerunNote !== undefined) rows.push(['re-run', `<span class="warn">${esc(m.rerunNote)}</span>`]);
  else if (m.rerunVerdict !== undefined && m.rerunVerdict !== verdict) rows.push(['re-run', `<span class="warn">the re-run's verdict (${esc(m.rerunVerdict)}) differs from the trace's; the trace is shown</span>`]);
  const failed = m.invariants.filter((r) => !r.ok).length;
  return `<header><h1>mpipl-sim report <span class="verdict ${verdict === 'pass' ? 'ok' : 'bad'}">${esc(verdict.toUpperCase())}</span></h1>
<p class="lede">${m.invariants.length - failed} of ${m.invariants.length} invariant verdicts held${failed > 0 ? `; <a href="#findings">${failed} failed</a>` : ''}.</p>
<table class="summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table></header>`;
}

const CSS = `
:root { --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --skip:#8c959f; --fg:#1f2328; --dim:#656d76; --bg:#fff; --panel:#f6f8fa; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1260px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 18px 0 6px; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; }
.dim, .note { color: var(--dim); } .note { font-size: 12.5px; } .warn { color: var(--warn); }
.verdict { font-size: 14px; padding: 2px 10px; border-radius: 12px; color: #fff; vertical-align: middle; }
.verdict.ok { background: var(--ok); } .verdict.bad { background: var(--bad); }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 3px 8px; border-bottom: 1px solid var(--line); }
table.summary th { width: 90px; color: var(--dim); font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { font-size: 11.5px; padding: 1px 7px; border-radius: 10px; color: #fff; background: var(--skip); white-space: nowrap; }
.badge.ok, .badge.st-preserved { background: var(--ok); } .badge.bad, .badge.st-broken { background: var(--bad); } .badge.st-skipped { background: var(--skip); }
tr.row-bad td { background: #ffebe9; }
.findings { border: 2px solid var(--bad); border-radius: 8px; padding: 4px 16px 12px; background: #fff8f7; margin-top: 16px; }
.findings.ok { border-color: var(--ok); background: #f6fff8; }
.findings ol { padding-left: 18px; } .findings li { margin: 10px 0; }
.finding-head { font-weight: 600; } .detail { font: 13px ui-monospace, monospace; margin: 4px 0; word-break: break-word; }
table.diff { width: auto; margin-top: 4px; } table.diff td { font: 14px ui-monospace, monospace; } td.got { color: var(--bad); font-weight: 700; } td.want { color: var(--ok); font-weight: 700; }
svg { width: 100%; height: auto; display: block; margin: 8px 0; font: 11px system-ui, sans-serif; }
.phase rect { stroke: #fff; stroke-width: 1; } .phase-power rect { fill: #eef1f4; } .phase-ipl rect { fill: #e8eefc; } .phase-skiboot rect { fill: #eaf5ee; } .phase-linux rect { fill: #f7f1e3; } .phase-crash rect { fill: #fbe9e7; }
.phase-label { fill: #444c56; font-size: 10.5px; }
.lane { stroke: var(--line); } .lane-label { text-anchor: end; fill: var(--fg); font-size: 11.5px; }
.ev { stroke: #fff; stroke-width: 0.8; cursor: pointer; } .ev:hover, .ev.sel { stroke: #000; stroke-width: 1.6; }
.ev-ok { fill: var(--ok); } .ev-bad { fill: var(--bad); } .ev-warn { fill: #bf8700; } .ev-stop { fill: #e16f24; } .ev-opal { fill: #0969da; } .ev-log { fill: #8250df; } .ev-boot { fill: #24292f; } .ev-misc { fill: #8c959f; }
.mark-crash line { stroke: var(--bad); stroke-width: 2; } .mark-crash text { fill: var(--bad); font-weight: 600; }
.mark-stop line { stroke: #e16f24; stroke-width: 2; stroke-dasharray: 5 3; }
.axis-break path { stroke: var(--dim); fill: none; } .tick { stroke: var(--dim); } .tick-label { text-anchor: middle; fill: var(--dim); font-size: 10px; } .axis-title { fill: var(--dim); font-size: 10.5px; }
.mm-lane { fill: var(--panel); } .mm-past { fill: url(#hatch); opacity: 0.5; }
.range { stroke: #fff; stroke-width: 0.6; cursor: pointer; } .range:hover { stroke: #000; stroke-width: 1.4; }
.range.st-preserved { fill: var(--ok); } .range.st-skipped { fill: var(--skip); } .range.st-broken { fill: var(--bad); }
.mm-link { fill: none; stroke-width: 1; opacity: 0.6; } .mm-link.st-preserved { stroke: var(--ok); } .mm-link.st-skipped { stroke: var(--skip); stroke-dasharray: 3 3; } .mm-link.st-broken { stroke: var(--bad); stroke-width: 1.5; }
.mm-collateral { fill: var(--bad); }
.legend span { margin-right: 14px; white-space: nowrap; } .sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -2px; margin-right: 4px; }
#evinfo { position: sticky; top: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; min-height: 44px; font: 12.5px ui-monospace, monospace; white-space: pre-wrap; word-break: break-word; z-index: 1; }
.reg { margin-right: 10px; white-space: nowrap; } .gprs { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2px 12px; margin: 6px 0 0 16px; }
details > summary { cursor: pointer; } details.events table td { font: 12px ui-monospace, monospace; }
`;

/** Only in reports that have firmware lanes, so other reports stay byte for byte as they were. */
const FW_CSS = `
.range.fw-call { fill: #1b7c83; } .range.fw-interrupted { fill: var(--bad); }
`;

/** Hover (or focus) a marker or a range: its title text goes to the sticky panel above the timeline. */
const JS = `
(function () {
  var panel = document.getElementById('evinfo');
  if (!panel) return;
  var shown = null;
  function show(el) {
    var t = el.querySelector('title');
    if (!t) return;
    if (shown) shown.classList.remove('sel');
    shown = el;
    el.classList.add('sel');
    panel.textContent = t.textContent;
  }
  document.querySelectorAll('svg .ev, svg .range').forEach(function (el) {
    el.addEventListener('mouseenter', function () { show(el); });
    el.addEventListener('click', function () { show(el); });
  });
})();
`;

/** RAM size from the header's config (a hex string, as configToObject writes it); 1 TiB if unreadable. */
function ramSizeOf(config: Readonly<Record<string, unknown>>): number {
  const v = config['ramSize'];
  const n = typeof v === 'number' ? BigInt(Math.max(0, Math.trunc(v))) : typeof v === 'string' ? parseUnsigned(v) : undefined;
  return n !== undefined && n > 0n && n <= BigInt(RAM_SIZE_MAX_BYTES) ? Number(n) : RAM_SIZE_MAX_BYTES;
}

export function renderReport(m: ReportModel): string {
  const ramSizeBytes = ramSizeOf(m.header.config);
  const fw = m.firmwareCalls.length > 0;
  const fwLegend = fw ? '<span><i class="sw" style="background:#1b7c83"></i>firmware call (interrupted: red)</span>' : '';
  const legend = `<p class="legend"><span><i class="sw" style="background:var(--ok)"></i>preserved / ok</span><span><i class="sw" style="background:var(--skip)"></i>skipped</span><span><i class="sw" style="background:var(--bad)"></i>broken / failed</span><span><i class="sw" style="background:#0969da"></i>OPAL call</span><span><i class="sw" style="background:#8250df"></i>console log</span><span><i class="sw" style="background:#e16f24"></i>S0 / clock stop</span><span><i class="sw" style="background:#24292f"></i>boot / IPL</span>${fwLegend}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mpipl-sim report: ${esc(m.header.firmware.name)} seed ${esc(m.header.seed)} — ${esc(m.footer.verdict)}</title>
<style>${CSS}${fw ? FW_CSS : ''}</style>
</head>
<body>
${summaryHtml(m)}
${findingsHtml(m)}
<h2>Timeline</h2>
${legend}
<div id="evinfo">Hover a marker or a range for its details.</div>
${timelineSvg(m)}
${fw ? `${firmwareCallsHtml(m.firmwareCalls)}\n` : ''}<h2>Memory map per round</h2>
<p class="note">Each round's MDST sources, MDDT destinations and the MDRT hostboot wrote, on the physical address axis. Hover a range for its addresses and size.</p>
${m.rounds.map((r) => roundSection(r, ramSizeBytes)).join('\n') || '<p class="note">No MPIPL round in this trace.</p>'}
<h2>Invariants</h2>
${invariantTable(m.invariants)}
<h2>Events</h2>
${eventTable(m.events)}
<script>${JS}</script>
</body>
</html>
`;
}
