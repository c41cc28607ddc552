/**
 * Firmware calls for the report's firmware lanes: in coupled time a `full` trace records every
 * firmware ELF instruction on the thread that ran it, so each OPAL call the firmware served
 * (an `opal-call` event with `coupled=`, then its `opal-return`) becomes a span on that thread:
 * from its first to its last firmware instruction, with the functions it went through.
 *
 * Fed the trace's events and instructions in file order (the report streams past the
 * instructions, never keeping them). Which instructions are firmware, and their symbols, come from
 * the same symboliser `inspect` uses. Plain data; the HTML renderer escapes what it writes.
 */
import type { SimEvent, EventValue } from '../../trace/events.js';
import type { InstructionRecord } from '../../../traces/format.js';
import { parseUnsigned } from '../../core/u64.js';
import type { FirmwareSymbolizer } from '../firmware-symbols.js';

export interface FirmwareInstruction {
  readonly cycle: number;
  /** `participant:symbol+0xoff`. */
  readonly symbol: string;
}

export interface FirmwareCall {
  readonly pir: number;
  /** The OPAL call's name from its opal-call event; undefined for firmware run outside any coupled call. */
  readonly name: string | undefined;
  readonly token: string | undefined;
  /** Cycle of the opal-call event (the entry branch retires nothing, so it precedes `first`). */
  readonly callCycle: number | undefined;
  readonly first: FirmwareInstruction;
  readonly last: FirmwareInstruction;
  readonly instructions: number;
  /** Functions the call ran, in the order it first entered them, per participant. */
  readonly functions: readonly { readonly participant: string; readonly func: string }[];
  /** A crash landed on this thread inside the call, or its opal-return says it was interrupted. */
  readonly interrupted: boolean;
  /** Its opal-return is in the trace. */
  readonly returned: boolean;
}

interface OpenCall {
  readonly pir: number;
  readonly call: SimEvent | undefined;
  first: FirmwareInstruction | undefined;
  last: FirmwareInstruction | undefined;
  instructions: number;
  readonly functions: { participant: string; func: string }[];
  readonly seen: Set<string>;
  interrupted: boolean;
}

/** A PIR an event names (a number, or a hex/decimal string), or undefined. */
function pirOf(v: EventValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const n = parseUnsigned(v);
  return n !== undefined && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

export class FirmwareCallTracker {
  private readonly open = new Map<number, OpenCall>();
  private readonly done: FirmwareCall[] = [];

  constructor(private readonly symbolize: FirmwareSymbolizer) {}

  event(e: SimEvent): void {
    const pir = pirOf(e.data['pir']);
    if (pir === undefined) return;
    const o = this.open.get(pir);
    if (e.kind === 'opal-call' && e.data['coupled'] !== undefined) {
      // One OPAL call at a time per thread: anything still open on it has ended unseen.
      this.close(pir);
      this.open.set(pir, { pir, call: e, first: undefined, last: undefined, instructions: 0, functions: [], seen: new Set(), interrupted: false });
    } else if (e.kind === 'opal-return' && o?.call !== undefined && String(e.data['token']) === String(o.call.data['token'])) {
      if (e.data['interrupted'] === true) o.interrupted = true;
      this.close(pir, true);
    } else if (e.kind === 'crash' && o !== undefined) {
      o.interrupted = true;
    }
  }

  instruction(r: InstructionRecord): void {
    const s = this.symbolize(r.nip);
    const o = this.open.get(r.pir);
    if (s === undefined) {
      // Back in guest code: firmware run outside any coupled call has ended there.
      if (o !== undefined && o.call === undefined) this.close(r.pir);
      return;
    }
    const call = o ?? { pir: r.pir, call: undefined, first: undefined, last: undefined, instructions: 0, functions: [], seen: new Set<string>(), interrupted: false };
    if (o === undefined) this.open.set(r.pir, call);
    const at = { cycle: r.cycle, symbol: s.text };
    call.first ??= at;
    call.last = at;
    call.instructions++;
    const key = `${s.participant}:${s.func}`;
    if (!call.seen.has(key)) {
      call.seen.add(key);
      call.functions.push({ participant: s.participant, func: s.func });
    }
  }

  /** The calls that ran firmware instructions, by first instruction (then PIR). */
  finish(): FirmwareCall[] {
    for (const pir of [...this.open.keys()]) this.close(pir);
    return [...this.done].sort((a, b) => a.first.cycle - b.first.cycle || a.pir - b.pir);
  }

  private close(pir: number, returned = false): void {
    const o = this.open.get(pir);
    if (o === undefined) return;
    this.open.delete(pir);
    // A call that retired no firmware instruction (an events-level trace, a crash at +0) has no span.
    if (o.first === undefined || o.last === undefined) return;
    const c = o.call;
    this.done.push({
      pir,
      name: c === undefined ? undefined : String(c.data['name'] ?? `token ${String(c.data['token'] ?? '?')}`),
      token: c?.data['token'] === undefined ? undefined : String(c.data['token']),
      callCycle: c?.cycle,
      first: o.first,
      last: o.last,
      instructions: o.instructions,
      functions: o.functions,
      interrupted: o.interrupted,
      returned,
    });
  }
}
