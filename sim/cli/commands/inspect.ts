/**
 * `mpipl-sim inspect FILE [--from CYCLE] [--to CYCLE] [--json]`: show a trace.
 *
 * Human output: a header summary, then one aligned line per event (and per instruction in a `full`
 * trace) — `cycle  participant  event  details` — with addresses in hex and sizes in human units,
 * then the footer's verdict. `--json`: one JSON document {file, header, events, instructions?,
 * footer} with 64-bit values as hex strings.
 *
 * The file is read twice, streaming both times: the first pass checks every chunk (and measures
 * the columns), so a corrupt trace prints one line on stderr and nothing on stdout, and memory
 * stays bounded whatever the trace's size.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo, Command } from '../io.js';
import { boolFlag, intFlag, parseFlags } from '../args.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { hex, humanBytes, parseUnsigned } from '../../core/u64.js';
import { SPR_BY_NAME, SPR_SLOT, Slot } from '../../cpu/state.js';
import type { SimEvent } from '../../trace/events.js';
import { readTrace } from '../../../traces/reader.js';
import type { FirmwareElfRecord, InstructionRecord, JsonValue, TraceFooter, TraceHeader, TraceItem } from '../../../traces/format.js';
import { firmwareRoot } from '../../firmware-elf/builtin.js';
import { firmwareSymbolizer, type FirmwareSymbolizer } from '../firmware-symbols.js';

const USAGE = 'usage: mpipl-sim inspect FILE [--from CYCLE] [--to CYCLE] [--json]';
/** Lines per stdout write: fewer syscalls, bounded buffering. */
const LINES_PER_WRITE = 1024;

export const inspectCommand: Command = async (argv: string[], io: CliIo): Promise<number> => {
  const parsed = parseFlags(argv, { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one trace FILE (${USAGE})`);
  const file = parsed.positionals[0]!;
  const from = intFlag(parsed, 'from') ?? 0;
  const to = intFlag(parsed, 'to') ?? Number.MAX_SAFE_INTEGER;
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const inRange = (cycle: number): boolean => cycle >= from && cycle <= to;

  // Two passes (column widths, then lines): a pipe cannot be read twice.
  if (existsSync(file) && !statSync(file).isFile()) throw new UsageError(`${file}: inspect reads the trace twice and needs a regular file, not a pipe or device (save it to a file first)`);
  const survey = surveyTrace(file, inRange);
  firmwareSymbols = firmwareSymbolizer(survey.header);
  if (boolFlag(parsed, 'json')) io.stdout(`${JSON.stringify(jsonDocument(file, survey, inRange), null, 2)}\n`);
  else renderTimeline(file, survey, inRange, io);
  return ExitCode.pass;
};

interface Survey {
  readonly header: TraceHeader;
  readonly footer: TraceFooter;
  readonly widths: { cycle: number; who: number; kind: number };
}

/** First pass: validate the whole file and size the columns of the lines that will be shown. */
function surveyTrace(file: string, inRange: (cycle: number) => boolean): Survey {
  let header: TraceHeader | undefined;
  let footer: TraceFooter | undefined;
  const widths = { cycle: 'cycle'.length, who: 'participant'.length, kind: 'event'.length };
  for (const item of readTrace(file)) {
    if (item.type === 'header') header = item.header;
    else if (item.type === 'footer') footer = item.footer;
    else {
      const row = rowOf(item);
      if (row === undefined || !inRange(row.cycle)) continue;
      widths.cycle = Math.max(widths.cycle, String(row.cycle).length);
      widths.who = Math.max(widths.who, row.who.length);
      widths.kind = Math.max(widths.kind, row.kind.length);
    }
  }
  // The reader only finishes after a valid header and footer.
  return { header: header!, footer: footer!, widths };
}

interface Row {
  readonly cycle: number;
  readonly who: string;
  readonly kind: string;
  readonly details: string;
}

function rowOf(item: TraceItem): Row | undefined {
  if (item.type === 'event') return { cycle: item.event.cycle, who: item.event.who, kind: item.event.kind, details: eventDetails(item.event.data) };
  if (item.type === 'instruction') {
    // Coupled time: a thread's firmware instructions get their own lane, symbolised from the ELF.
    const symbol = firmwareSymbols(item.insn.nip);
    if (symbol !== undefined) return { cycle: item.insn.cycle, who: `fw ${item.insn.pir}`, kind: 'insn', details: `${symbol.text} ${insnDetails(item.insn)}` };
    return { cycle: item.insn.cycle, who: `cpu ${item.insn.pir}`, kind: 'insn', details: insnDetails(item.insn) };
  }
  return undefined;
}

/** The firmware symbol of an instruction of this trace, or undefined (guest code, unknown firmware). */
let firmwareSymbols: FirmwareSymbolizer = () => undefined;

function renderTimeline(file: string, survey: Survey, inRange: (cycle: number) => boolean, io: CliIo): void {
  const { header, footer, widths } = survey;
  const lines = headerSummary(file, header);
  lines.push('');
  const line = (cycle: string, who: string, kind: string, details: string): string =>
    `${cycle.padStart(widths.cycle)}  ${who.padEnd(widths.who)}  ${kind.padEnd(widths.kind)}  ${details}`.trimEnd();
  lines.push(line('cycle', 'participant', 'event', 'details'));
  const flush = (): void => {
    if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
    lines.length = 0;
  };
  for (const item of readTrace(file)) {
    const row = rowOf(item);
    if (row === undefined || !inRange(row.cycle)) continue;
    lines.push(line(String(row.cycle), row.who, row.kind, row.details));
    if (lines.length >= LINES_PER_WRITE) flush();
  }
  lines.push('');
  lines.push(
    `verdict    ${footer.verdict}  final digest ${footer.finalDigest}  ${footer.eventCount} events, ${footer.instructionCount} instructions`,
  );
  flush();
}

function headerSummary(file: string, h: TraceHeader): string[] {
  const out = [
    `trace      ${file}`,
    `format     v${h.formatVersion}  simulator ${h.simulatorVersion}  cost model ${h.costModelVersion}  level ${h.traceLevel}`,
    `seed       ${h.seed}`,
    `firmware   ${h.firmware.name}  hash ${h.firmware.contentHash}`,
    `config     ${jsonDetails(h.config)}`,
  ];
  const files = committedElfFiles();
  for (const e of h.firmwareElfs ?? []) out.push(`elf        ${e.participant.padEnd(8)}  ${elfFileOf(e, files)}  sha256 ${e.sha256}  ABI v${e.abi}`);
  for (const w of h.workloads) out.push(`workload   ${w.name}  ${humanBytes(w.bytes.length)}  digest ${w.digest}`);
  out.push(`scenario   ${JSON.stringify(h.scenario)}`);
  return out;
}

/** The manifest of the committed ELFs is small; anything larger is not ours. */
const MANIFEST_SIZE_MAX_BYTES = 1 << 20;

/**
 * SHA-256 → file of the committed firmware ELFs (firmware/bin/manifest.json, written by
 * scripts/build-firmware.sh): a trace header records an ELF's bytes, never its path (paths come only
 * from the command line), so the file is named when the bytes are one of ours. Empty when the
 * manifest is missing or unreadable: inspect still shows the identities.
 */
function committedElfFiles(): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  const root = firmwareRoot();
  if (root === undefined) return out;
  try {
    const path = join(root, 'firmware', 'bin', 'manifest.json');
    if (statSync(path).size > MANIFEST_SIZE_MAX_BYTES) return out;
    const elfs = (JSON.parse(readFileSync(path, 'utf8')) as { elfs?: unknown }).elfs;
    if (!Array.isArray(elfs)) return out;
    for (const e of elfs as { file?: unknown; sha256?: unknown }[]) {
      if (typeof e?.file === 'string' && typeof e.sha256 === 'string') out.set(e.sha256, `firmware/bin/${e.file}`);
    }
  } catch {
    // No manifest (a stripped install): identities only.
  }
  return out;
}

function elfFileOf(e: FirmwareElfRecord, files: ReadonlyMap<string, string>): string {
  return files.get(e.sha256) ?? '(path not recorded: not a committed ELF)';
}

// ---------------------------------------------------------------------------------------------
// Value rendering: the catalogue stores 64-bit values as hex strings already; numbers under
// address-like keys are shown in hex too, and size-like keys get a human unit beside the value.

const ADDRESS_KEY = /(addr|address|src|dest|base|nip|msr|lr|ctr|xer)$/i;
const SIZE_KEY = /^(size|len|length)$|(Size|Bytes)$/;

function renderValue(key: string, v: string | number | boolean): string {
  let text: string;
  if (typeof v === 'number' && ADDRESS_KEY.test(key) && Number.isSafeInteger(v) && v >= 0) text = hex(v);
  else if (typeof v === 'string') text = v === '' || /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  else text = String(v);
  if (SIZE_KEY.test(key)) {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? parseUnsigned(v) : undefined;
    if (n !== undefined && n >= 1024) text += ` (${humanBytes(n)})`;
  }
  return text;
}

function eventDetails(data: SimEvent['data']): string {
  return Object.keys(data)
    .sort()
    .map((k) => `${k}=${renderValue(k, data[k]!)}`)
    .join(' ');
}

function jsonDetails(obj: { readonly [key: string]: JsonValue }): string {
  return Object.keys(obj)
    .sort()
    .map((k) => {
      const v = obj[k]!;
      return `${k}=${typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? renderValue(k, v) : JSON.stringify(v)}`;
    })
    .join(' ');
}

const REG_NAMES: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  for (let i = 0; i < 32; i++) m.set(i, `r${i}`);
  for (const [name, slot] of Object.entries(Slot)) m.set(slot, name.toLowerCase());
  for (const [name, info] of SPR_BY_NAME) {
    const slot = SPR_SLOT.get(info.num);
    if (slot !== undefined && !m.has(slot)) m.set(slot, name.toLowerCase());
  }
  return m;
})();

export function regName(slot: number): string {
  return REG_NAMES.get(slot) ?? `slot${slot}`;
}

function bytesHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function insnDetails(r: InstructionRecord): string {
  const parts = [`nip=${hex(r.nip)}`, `word=0x${r.word.toString(16).padStart(8, '0')}`];
  for (const w of r.regs) parts.push(`${regName(w.reg)}=${hex(w.value)}`);
  for (const w of r.mem) parts.push(`[${hex(w.addr)}]=${w.bytes.length <= 16 ? bytesHex(w.bytes) : humanBytes(w.bytes.length)}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------

function jsonDocument(file: string, survey: Survey, inRange: (cycle: number) => boolean): unknown {
  const { header: h, footer } = survey;
  const committedFiles = committedElfFiles();
  const events: unknown[] = [];
  const instructions: unknown[] = [];
  for (const item of readTrace(file)) {
    if (item.type === 'event' && inRange(item.event.cycle)) events.push({ cycle: item.event.cycle, who: item.event.who, kind: item.event.kind, data: item.event.data });
    else if (item.type === 'instruction' && inRange(item.insn.cycle)) {
      const r = item.insn;
      instructions.push({
        cycle: r.cycle,
        pir: r.pir,
        nip: hex(r.nip),
        word: `0x${r.word.toString(16).padStart(8, '0')}`,
        regs: r.regs.map((w) => ({ reg: regName(w.reg), value: hex(w.value) })),
        mem: r.mem.map((w) => ({ addr: hex(w.addr), bytes: bytesHex(w.bytes) })),
      });
    }
  }
  return {
    file,
    header: {
      formatVersion: h.formatVersion,
      simulatorVersion: h.simulatorVersion,
      costModelVersion: h.costModelVersion,
      seed: h.seed,
      firmware: h.firmware,
      traceLevel: h.traceLevel,
      config: h.config,
      scenario: h.scenario,
      workloads: h.workloads.map((w) => ({ name: w.name, digest: w.digest, sizeBytes: w.bytes.length })),
      ...(h.firmwareElfs === undefined ? {} : { firmwareElfs: h.firmwareElfs.map((e) => ({ ...e, file: committedFiles.get(e.sha256) ?? null })) }),
    },
    events,
    ...(h.traceLevel === 'full' ? { instructions } : {}),
    footer,
  };
}
