/**
 * What the HTML report shows, extracted from a trace's events (and, when the scenario can be
 * re-run, the MDRT and crash registers of each round). Everything here is plain data; the HTML
 * renderer escapes every string when it writes it.
 *
 * Rounds follow the oracle's rule (oracle.ts): a crash opens a round unless the current round
 * already has one, a clock stop opens one if none is open, and the next Linux boot closes it.
 */
import type { SimEvent, EventValue } from '../../trace/events.js';
import type { TraceFooter, TraceHeader } from '../../../traces/format.js';
import type { RunResult } from '../../scenario/run.js';
import { parseUnsigned } from '../../core/u64.js';
import type { FirmwareCall } from './firmware.js';

/** Bit 63 (HRMOR_BIT): skiboot tables carry it on addresses; the memory location is without it. */
const HRMOR_BIT = 1n << 63n;

export type RangeStatus = 'preserved' | 'skipped' | 'broken';

export interface CopyRange {
  /** MDST/MDDT index, when the event names one. */
  readonly index: number | undefined;
  readonly src: bigint;
  readonly dest: bigint;
  readonly sizeBytes: bigint;
  readonly region: number | undefined;
  /** hostboot's result text ("preserved", "skipped: …"). */
  readonly result: string;
  readonly status: RangeStatus;
  /** Why the report calls it broken (the failing invariant's words). */
  readonly brokenBy: string | undefined;
  readonly cycle: number;
}

export interface MdrtRange {
  readonly index: number;
  readonly src: bigint;
  readonly dest: bigint;
  readonly sizeBytes: bigint;
  readonly region: number;
  readonly status: 'preserved' | 'broken';
  readonly brokenBy: string | undefined;
}

export interface InvariantRow {
  readonly id: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly round: number;
  readonly cycle: number;
}

export interface RoundModel {
  readonly index: number;
  crash: { readonly cycle: number; readonly pir: string; readonly cause: string } | undefined;
  clockStopCycle: number | undefined;
  readonly copies: CopyRange[];
  /** Copy events without a range (nothing preserved, tables unreadable …). */
  readonly notes: string[];
  /** MDRT entries from the re-run; undefined when the scenario could not be re-run. */
  mdrt: MdrtRange[] | undefined;
  readonly mdrtWrites: string[];
  /** Addresses no-collateral-writes names. */
  readonly collateral: bigint[];
  readonly invariants: InvariantRow[];
  /** The crashing thread's registers at the panic cycle (from the re-run). */
  registers: Record<string, string> | undefined;
}

export interface Phase {
  readonly label: string;
  readonly start: number;
  readonly kind: 'ipl' | 'skiboot' | 'linux' | 'crash' | 'power';
}

export interface ReportModel {
  readonly file: string;
  readonly header: TraceHeader;
  readonly footer: TraceFooter;
  readonly events: readonly SimEvent[];
  readonly finalCycle: number;
  readonly phases: Phase[];
  readonly crashes: { readonly cycle: number; readonly label: string }[];
  readonly clockStops: { readonly cycle: number; readonly label: string }[];
  readonly rounds: RoundModel[];
  readonly invariants: InvariantRow[];
  /** Why the MDRT and registers are missing, when the re-run was not possible. */
  readonly rerunNote: string | undefined;
  /** Whether the re-run's verdict agreed with the trace footer. */
  readonly rerunVerdict: string | undefined;
  /** OPAL calls whose firmware instructions the trace records (coupled time, `full` level); else empty. */
  readonly firmwareCalls: readonly FirmwareCall[];
}

function str(v: EventValue | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

function big(v: EventValue | undefined): bigint | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  return parseUnsigned(v);
}

/** The memory location an address field names (bit 63 is a flag, not part of the address). */
export function location(addr: bigint): bigint {
  return addr & ~HRMOR_BIT;
}

function phaseOf(e: SimEvent): Phase | undefined {
  const kind = str(e.data['kind']) ?? '';
  if (e.who === 'machine' && e.kind === 'power-on') return { label: 'power on', start: e.cycle, kind: 'power' };
  if (e.who === 'hostboot' && e.kind === 'ipl') return { label: kind === 'mpipl' ? 'MPIPL (hostboot)' : 'IPL (hostboot)', start: e.cycle, kind: 'ipl' };
  if (e.who === 'skiboot' && e.kind === 'boot') return { label: kind === 'mpipl' ? 'skiboot MPIPL boot' : 'skiboot', start: e.cycle, kind: 'skiboot' };
  if (e.who === 'linux' && e.kind === 'boot') return { label: `Linux ${kind === '' ? 'boot' : kind}`, start: e.cycle, kind: 'linux' };
  if (e.kind === 'crash') return { label: 'crash path', start: e.cycle, kind: 'crash' };
  return undefined;
}

/** Addresses and indexes that failing invariants name: what the memory map marks broken. */
interface Blame {
  mdrtIndexes: Map<number, string>;
  pairIndexes: Map<number, string>;
  addresses: { addr: bigint; why: string }[];
  collateral: bigint[];
}

function blameOf(rows: readonly InvariantRow[]): Blame {
  const b: Blame = { mdrtIndexes: new Map(), pairIndexes: new Map(), addresses: [], collateral: [] };
  for (const r of rows) {
    if (r.ok) continue;
    const why = `${r.id}: ${r.detail}`;
    let m = /^MDRT\[(\d+)\]/.exec(r.detail);
    if (r.id === 'mdrt-sound' && m !== null) b.mdrtIndexes.set(Number(m[1]), why);
    m = /valid pair (\d+)/.exec(r.detail);
    if (r.id === 'mdrt-complete' && m !== null) b.pairIndexes.set(Number(m[1]), why);
    m = /byte at (0x[0-9a-f]+) changed/.exec(r.detail);
    if (r.id === 'no-collateral-writes' && m !== null) b.collateral.push(BigInt(m[1]!));
    m = /PT_LOAD p_paddr (0x[0-9a-f]+)/.exec(r.detail) ?? /\(OPAL (0x[0-9a-f]+)\)/.exec(r.detail);
    if ((r.id === 'vmcore' || r.id === 'opalcore') && m !== null) b.addresses.push({ addr: BigInt(m[1]!), why });
  }
  return b;
}

export function buildModel(
  file: string,
  header: TraceHeader,
  footer: TraceFooter,
  events: readonly SimEvent[],
  rerun: RunResult | string,
  firmwareCalls: readonly FirmwareCall[] = [],
): ReportModel {
  const phases: Phase[] = [];
  const crashes: { cycle: number; label: string }[] = [];
  const clockStops: { cycle: number; label: string }[] = [];
  const invariants: InvariantRow[] = [];
  const rounds: RoundModel[] = [];
  let current: { round: RoundModel; hasPanic: boolean } | undefined;
  const rawCopies = new Map<RoundModel, SimEvent[]>();

  const open = (): RoundModel => {
    const round: RoundModel = { index: rounds.length, crash: undefined, clockStopCycle: undefined, copies: [], notes: [], mdrt: undefined, mdrtWrites: [], collateral: [], invariants: [], registers: undefined };
    rounds.push(round);
    rawCopies.set(round, []);
    return round;
  };

  for (const e of events) {
    const ph = phaseOf(e);
    if (ph !== undefined) phases.push(ph);
    if (e.kind === 'crash') {
      crashes.push({ cycle: e.cycle, label: `crash PIR ${str(e.data['pir']) ?? '?'} (${str(e.data['cause']) ?? '?'})` });
      if (current === undefined || !current.hasPanic) {
        // A new round unless one is open with a panic already (a second CPU panicking loses).
        const round = open();
        round.crash = { cycle: e.cycle, pir: str(e.data['pir']) ?? '?', cause: str(e.data['cause']) ?? '?' };
        current = { round, hasPanic: true };
      }
    } else if (e.kind === 'clock-stop') {
      clockStops.push({ cycle: e.cycle, label: `clock stop${e.data['chip'] === undefined ? '' : ` (chip ${str(e.data['chip'])})`}` });
      if (current === undefined) current = { round: open(), hasPanic: false };
      if (current.round.clockStopCycle === undefined) current.round.clockStopCycle = e.cycle;
    } else if (e.kind === 'copy' && current !== undefined) {
      rawCopies.get(current.round)!.push(e);
    } else if (e.kind === 'mdrt-write' && current !== undefined) {
      current.round.mdrtWrites.push(Object.entries(e.data).map(([k, v]) => `${k}=${String(v)}`).join(' '));
    } else if (e.kind === 'invariant') {
      const row: InvariantRow = { id: str(e.data['id']) ?? '?', ok: e.data['ok'] === true, detail: str(e.data['detail']) ?? '', round: typeof e.data['round'] === 'number' ? e.data['round'] : -1, cycle: e.cycle };
      invariants.push(row);
    } else if (e.who === 'linux' && e.kind === 'boot') {
      current = undefined;
    }
  }
  // Invariants carry their round; attach by that, not by position.
  for (const row of invariants) rounds[row.round]?.invariants.push(row);

  for (const round of rounds) {
    const blame = blameOf(round.invariants);
    round.collateral.push(...blame.collateral);
    for (const e of rawCopies.get(round)!) {
      const src = big(e.data['src']);
      const dest = big(e.data['dest']);
      const size = big(e.data['size']);
      const result = str(e.data['result']) ?? '';
      if (src === undefined || dest === undefined || size === undefined) {
        round.notes.push(result);
        continue;
      }
      const index = typeof e.data['index'] === 'number' ? e.data['index'] : undefined;
      const regionBig = big(e.data['region']);
      let brokenBy = index === undefined ? undefined : blame.pairIndexes.get(index);
      const s = location(src);
      brokenBy ??= blame.addresses.find((a) => a.addr >= s && a.addr < s + size)?.why;
      const status: RangeStatus = brokenBy !== undefined ? 'broken' : result === 'preserved' ? 'preserved' : 'skipped';
      round.copies.push({ index, src, dest, sizeBytes: size, region: regionBig === undefined ? undefined : Number(regionBig), result, status, brokenBy, cycle: e.cycle });
    }
  }

  let rerunNote: string | undefined;
  let rerunVerdict: string | undefined;
  if (typeof rerun === 'string') rerunNote = rerun;
  else {
    rerunVerdict = rerun.verdict;
    rerun.crashes.forEach((c, i) => {
      const round = rounds[i];
      if (round === undefined) return;
      const blame = blameOf(round.invariants);
      const preserved = round.copies.filter((x) => x.result === 'preserved');
      round.mdrt = c.mdrt.map((e) => {
        let brokenBy = blame.mdrtIndexes.get(e.index);
        const matches = preserved.some((x) => location(x.src) === location(e.src) && location(x.dest) === location(e.dest) && x.sizeBytes === BigInt(e.size));
        if (brokenBy === undefined && !matches) brokenBy = 'this MDRT entry matches no range hostboot reported as preserved';
        return { index: e.index, src: e.src, dest: e.dest, sizeBytes: BigInt(e.size), region: e.region, status: brokenBy === undefined ? 'preserved' : 'broken', brokenBy };
      });
      const r = c.registers;
      const hx = (v: bigint): string => `0x${v.toString(16)}`;
      round.registers = { nip: hx(r.nip), msr: hx(r.msr), lr: hx(r.lr), ctr: hx(r.ctr), cr: hx(r.cr), xer: hx(r.xer), ...Object.fromEntries(r.gpr.map((g, k) => [`r${k}`, hx(g)])) };
    });
  }

  const last = events[events.length - 1];
  return { file, header, footer, events, finalCycle: last === undefined ? 0 : last.cycle, phases, crashes, clockStops, rounds, invariants, rerunNote, rerunVerdict, firmwareCalls };
}
