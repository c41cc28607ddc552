/**
 * Crash points inside firmware (coupled time, docs/firmware-elf.md "Time modes"). The generator
 * learns where a scenario spends cycles inside firmware — it runs the scenario's first boot with
 * its crash held, as a sweep's base run does, and reads the coupled OPAL calls from the trace
 * events (who called, which token, how many instructions) — then aims the first crash at one
 * instruction of one of them: on the thread in firmware (an interrupt inside OPAL) or on another
 * thread while the call is in flight. Calls that change the MPIPL tables (the harness's
 * OPAL_MPIPL_UPDATEs) are preferred, since that is where a half-updated table can be left behind,
 * and among them every kind of update is as likely as another (ADD_RANGEs outnumber the rest).
 * Half of the aimed scenarios also undo ranges they added: most generated REMOVE_RANGEs name
 * nothing registered (only one that finds its range moves entries), and REMOVE_ALL is rare.
 */
import fc from 'fast-check';
import type { ScenarioSpec, CrashPoint, OpalOp } from '../scenario/scenario.js';
import { startScenario } from '../scenario/run.js';
import { resolveProfile } from '../firmware/profiles.js';
import type { RetiredInstruction, SimEvent, TraceSink } from '../trace/events.js';
import { OpalToken } from '../participants/opal-api.js';
import { SkibootMap } from '../participants/layout.js';

/** One coupled OPAL call of the first boot. */
export interface FirmwareSpan {
  /** Its index among the boot's coupled calls (CrashPoint.inOpalCall.call). */
  readonly call: number;
  readonly pir: number;
  readonly who: string;
  readonly token: number;
  /** OPAL_MPIPL_UPDATE's operation (its first argument); undefined for other tokens. */
  readonly op: number | undefined;
  readonly startCycle: number;
  /** Firmware instructions it retired before returning. */
  readonly instructions: number;
  /**
   * How many instructions in each store to SPIRA-H, MDST or MDDT landed (counted from the
   * retired-instruction records, which leave out service calls: a few off at most).
   */
  readonly tableStores: readonly number[];
}

/** SPIRA-H (act_cnt fields) through MDDT: the stores a half-updated table is made of. */
const TABLES = { start: BigInt(SkibootMap.SKIBOOT_BASE + SkibootMap.SPIRAH_OFF), end: BigInt(SkibootMap.SKIBOOT_BASE + SkibootMap.MDDT_TABLE_OFF + SkibootMap.MDDT_TABLE_SIZE) };
const REAL = 0x0fff_ffff_ffff_ffffn;

/** Cycles the probe runs past the boot's last harness call (a long REMOVE_ALL takes a few thousand). */
const PROBE_TAIL_CYCLES = 4_000;
/** Without harness calls, the probe watches this much of the boot (the guests call OPAL every 64 iterations). */
const PROBE_MIN_CYCLES = 12_000;

/**
 * The coupled OPAL calls `spec`'s first boot makes before its first crash, learned from a run of
 * that boot with the crash held. Deterministic: the same scenario, the same spans.
 */
export function firmwareSpans(spec: ScenarioSpec): FirmwareSpan[] {
  const events: SimEvent[] = [];
  const open = new Map<number, { call: number; who: string; token: number; op: number | undefined; startCycle: number; retired: number; tableStores: number[] }>();
  const spans: FirmwareSpan[] = [];
  let crashed = false;
  const sink: TraceSink = {
    event: (e) => {
      events.push(e);
      if (crashed || e.kind === 'crash') return void (crashed = true);
      const pir = e.data['pir'];
      if (typeof pir !== 'number') return;
      if (e.kind === 'opal-call' && typeof e.data['coupled'] === 'number') {
        const token = Number(e.data['token']);
        const first = String(e.data['args'] ?? '').split(',')[0] ?? '';
        const op = token === OpalToken.MPIPL_UPDATE && /^0x[0-9a-f]+$/.test(first) ? Number(first) : undefined;
        open.set(pir, { call: e.data['coupled'], who: e.who, token, op, startCycle: e.cycle, retired: 0, tableStores: [] });
      } else if (e.kind === 'opal-return' && typeof e.data['instructions'] === 'number') {
        const o = open.get(pir);
        if (o === undefined) return;
        open.delete(pir);
        spans.push({ call: o.call, who: o.who, token: o.token, op: o.op, startCycle: o.startCycle, pir, instructions: e.data['instructions'], tableStores: o.tableStores });
      }
    },
    instruction: (r: RetiredInstruction) => {
      const o = open.get(r.pir);
      if (o === undefined) return;
      o.retired++;
      if (r.mem.some((w) => (w.addr & REAL) < TABLES.end && (w.addr & REAL) + BigInt(w.bytes.length) > TABLES.start)) o.tableStores.push(o.retired);
    },
  };
  // The first crash is held (and a guest trap plan left out) so the boot runs past its calls.
  const first = spec.crashes[0];
  const crashes = first === undefined ? [] : [{ afterBootCycles: 0, pir: first.pir }, ...spec.crashes.slice(1)];
  const coupled: ScenarioSpec = { ...spec, crashes, timeMode: 'coupled' };
  const h = startScenario(coupled, { sink, profile: resolveProfile(coupled.firmware)(coupled) });
  h.holdCrashes = true;
  h.m.powerOn();
  const lastOp = Math.max(0, ...spec.ops.filter((o) => o.boot === 0).map((o) => o.afterBootCycles));
  const until = h.m.cycle() + Math.max(PROBE_MIN_CYCLES, lastOp + PROBE_TAIL_CYCLES);
  h.m.runUntil(until, () => h.finished || h.crashesDone > 0 || h.m.goingDown());
  return spans;
}

/** Crash 0 of `spec` placed `instructions` into `span`, on its caller or on the plan's own thread. */
export function aimFirstCrash(spec: ScenarioSpec, span: FirmwareSpan, instructions: number, onCaller: boolean): ScenarioSpec {
  const first = spec.crashes[0];
  if (first === undefined) return { ...spec, timeMode: 'coupled' };
  const { atCycle: _a, afterBootCycles: _b, trapAfterIterations: _t, beforeRelease: _r, ...rest } = first;
  const aimed: CrashPoint = { ...rest, inOpalCall: { call: span.call, instructions, ...(onCaller ? { onCaller: true } : {}) } };
  return { ...spec, timeMode: 'coupled', crashes: [aimed, ...spec.crashes.slice(1)] };
}

/** One aimed crash in this many lands in a call that does not write the tables (the guests' CHECK_TOKENs). */
const OTHER_CALLS_ONE_IN = 17;
/** Instructions after a table store the aimed crash may land (the next stores of the same update). */
const AFTER_STORE_JITTER = 6;

const writesTables = (s: FirmwareSpan): boolean => s.tableStores.length > 0 || (s.who !== 'cpu' && s.token === OpalToken.MPIPL_UPDATE);

/**
 * The call to aim at: one that writes the tables, its kind (token and operation) drawn first so a
 * boot's one REMOVE_ALL is as likely as its ten ADD_RANGEs; one in OTHER_CALLS_ONE_IN any call.
 */
function pickSpan(spans: readonly FirmwareSpan[], pick: number): FirmwareSpan {
  const writers = spans.filter(writesTables);
  if (writers.length === 0 || pick % OTHER_CALLS_ONE_IN === 0) return spans[Math.floor(pick / OTHER_CALLS_ONE_IN) % spans.length]!;
  const kinds = [...new Set(writers.map((s) => `${s.token}/${s.op ?? ''}`))];
  const kind = kinds[pick % kinds.length]!;
  const ofKind = writers.filter((s) => `${s.token}/${s.op ?? ''}` === kind);
  return ofKind[Math.floor(pick / kinds.length) % ofKind.length]!;
}

/**
 * `spec` with an update that undoes some of its first boot's ADD_RANGEs, due right after one of
 * them (it waits for the add to return): two in three a REMOVE_RANGE of that range, which finds
 * it and compacts the tables; one in three a REMOVE_ALL, which compacts OPAL's own pair and the
 * others around the removed ones.
 */
function undoingAnAdd(spec: ScenarioSpec, choice: number): ScenarioSpec {
  const adds = spec.ops.filter((o) => o.boot === 0 && o.call === 'ADD_RANGE');
  const add = adds[choice % Math.max(1, adds.length)];
  if (add === undefined) return spec;
  const afterBootCycles = add.afterBootCycles + 1 + (choice % 64);
  const undo: OpalOp =
    choice % 3 === 2
      ? { boot: 0, afterBootCycles, call: 'REMOVE_ALL', args: ['0x0', '0x0', '0x0'] }
      : { boot: 0, afterBootCycles, call: 'REMOVE_RANGE', args: [add.args[0] ?? '0x0', add.args[1] ?? '0x0', '0x0'] };
  return { ...spec, ops: [...spec.ops, undo] };
}

/**
 * Scenarios in coupled time; three in four have their first crash aimed inside a firmware call of
 * the first boot (three in four of those on the calling thread): half of the aimed ones just
 * after one of the call's table stores, the rest at any of its instructions; half of the aimed
 * ones undo ranges they added (undoingAnAdd). A scenario whose first boot makes no coupled
 * call keeps its crash plan.
 */
export function inCoupledTime(arb: fc.Arbitrary<ScenarioSpec>): fc.Arbitrary<ScenarioSpec> {
  const plain = arb.map((s): ScenarioSpec => ({ ...s, timeMode: 'coupled' }));
  const aimed = fc.tuple(arb, fc.nat(), fc.nat(), fc.nat(3), fc.boolean(), fc.nat(AFTER_STORE_JITTER), fc.option(fc.nat(), { nil: undefined })).map(([generated, pick, at, side, afterStore, jitter, undo]): ScenarioSpec => {
    const spec = undo === undefined ? generated : undoingAnAdd(generated, undo);
    const spans = firmwareSpans(spec);
    if (spans.length === 0) return { ...spec, timeMode: 'coupled' };
    const span = pickSpan(spans, pick);
    const instructions = afterStore && span.tableStores.length > 0 ? span.tableStores[at % span.tableStores.length]! + jitter : at % Math.max(1, span.instructions);
    return aimFirstCrash(spec, span, instructions, side !== 0);
  });
  return fc.oneof({ weight: 1, arbitrary: plain }, { weight: 3, arbitrary: aimed });
}
