/**
 * Build against build (docs/bisect.md, "Build against build"; design section 7): run one scenario
 * under two builds of the firmware, watch every firmware entry's shared effects
 * (sim/bisect/effects.ts), and find the first call whose effects differ and, inside it, the first
 * differing effect — one instruction in each build, named `function+offset (file.c:line)` from
 * the ELF's `.symtab` and DWARF.
 *
 * Calls are aligned by their order, effects by their order within a call; cycles are not compared
 * (two builds retire different numbers of instructions, so their clocks drift apart while doing the
 * same thing). A run is deterministic, so watching one whole run per build is the same as re-running
 * only the divergent call: every earlier call is equal by construction.
 */
import { hex } from '../core/u64.js';
import { disasm } from '../isa/disasm.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import type { ProfileFactory } from '../firmware/profiles.js';
import { runScenario, type RunResult } from '../scenario/run.js';
import { withEntryObserver } from '../firmware-elf/entry-observer.js';
import { symbolizerFor, formatLocation, type SourceLocation } from '../elf/symbolize.js';
import type { FirmwareElf } from '../firmware-elf/loader.js';
import { snapGetSlot, slotName } from './state-diff.js';
import { bytesHex, EffectRecorder, effectKey, serviceName, type CallRecord, type Effect, type Writer, type WriterInput } from './effects.js';
import { NULL_SINK } from './probe.js';

/** One side of a divergent effect, in the source's vocabulary. */
export interface EffectSide {
  /** `function+0xoff (file.c:line, inlined …)`. */
  readonly where: string;
  readonly symbol: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly pc: string;
  /** The instruction word and its disassembly. */
  readonly instruction: string;
  /** What the effect did: `std [0x30010c00] ← 0x…`, `callthru FW_SVC_COPY(…) = 0x0`, `return 0x0`. */
  readonly effect: string;
  /** The inline chain and call stack, innermost first: `function (file.c:line)`. */
  readonly frames: readonly { readonly function: string; readonly file: string | null; readonly line: number | null }[];
  /** Return addresses of the non-inlined calls the instruction is inside, symbolized. */
  readonly callers: readonly string[];
  /** Absent when this build has no effect at this index (its call ended or did not happen). */
  readonly present: boolean;
}

export interface BuildsDivergence {
  readonly verdict: 'same' | 'diverged';
  /** Calls compared (equal ones plus the divergent one). */
  readonly callsCompared: number;
  /** True when the heap's stores decided (no divergence outside the heap). */
  readonly heapCompared: boolean;
  /** Cycle the divergent call started at in build A (B's may differ: see cycleB). */
  readonly firstDivergentCycle: number | null;
  readonly cycleB: number | null;
  readonly call: { readonly index: number; readonly participant: string; readonly entry: string; readonly pir: string; readonly args: readonly string[]; readonly argsB: readonly string[] } | null;
  /** Index of the first differing effect inside that call (null when the calls themselves differ). */
  readonly effectIndex: number | null;
  readonly effectsA: number;
  readonly effectsB: number;
  readonly a: EffectSide | null;
  readonly b: EffectSide | null;
  /** Registers the two instructions read, where they differ (values before each instruction). */
  readonly registers: readonly { readonly reg: string; readonly a: string; readonly b: string }[];
  /**
   * Where the differing value came from: the chain of instructions (through registers and memory)
   * behind the first differing input of each build's instruction, followed back while the two
   * builds' inputs still differ. Its last step in B is the instruction that made the value differ.
   */
  readonly origin: { readonly a: readonly OriginStep[]; readonly b: readonly OriginStep[] } | null;
  /**
   * Source lines (every level of the inline chain) the divergent call executed in one build and never
   * in the other, in the order first reached. Line numbers of a changed file agree between the two
   * builds wherever the change is a `#if` branch or an edit in place, so these are the changed lines
   * the call ran through — including a changed condition, which no data flow shows.
   */
  readonly linesOnlyA: readonly SourceLine[];
  readonly linesOnlyB: readonly SourceLine[];
  readonly resultA: RunResult;
  readonly resultB: RunResult;
}

export interface SourceLine {
  readonly file: string;
  readonly line: number;
  readonly function: string;
}

/** The source lines a call executed, in first-reached order, every inline level. */
function executedLines(c: CallRecord): Map<string, SourceLine> {
  const sym = symbolizerFor(c.elf.image, c.elf.symbols);
  const out = new Map<string, SourceLine>();
  const pcs = [...c.pcs.entries()].sort((x, y) => x[1] - y[1]);
  for (const [pc] of pcs) {
    const loc = sym.locate(pc);
    const frames = loc.frames.length > 0 ? loc.frames : loc.file === undefined ? [] : [{ function: loc.symbol, file: loc.file, line: loc.line }];
    for (const f of frames) {
      if (f.file === undefined || f.line === undefined) continue;
      const key = `${f.file}:${f.line}`;
      if (!out.has(key)) out.set(key, { file: f.file, line: f.line, function: f.function });
    }
  }
  return out;
}

/** Bound on the lines listed per side (a rewritten function would list all of its lines). */
const LINES_ONLY_MAX = 32;

function linesOnly(ca: CallRecord, cb: CallRecord): { linesOnlyA: SourceLine[]; linesOnlyB: SourceLine[] } {
  const la = executedLines(ca);
  const lb = executedLines(cb);
  return {
    linesOnlyA: [...la.entries()].filter(([k]) => !lb.has(k)).map(([, v]) => v).slice(0, LINES_ONLY_MAX),
    linesOnlyB: [...lb.entries()].filter(([k]) => !la.has(k)).map(([, v]) => v).slice(0, LINES_ONLY_MAX),
  };
}

/** Run `spec` under `profile` with every firmware entry watched. */
export function recordCalls(spec: ScenarioSpec, profile: ProfileFactory): { calls: CallRecord[]; result: RunResult } {
  const recorder = new EffectRecorder();
  const result = withEntryObserver(recorder, () => runScenario(spec, { sink: NULL_SINK, profile: profile(spec) }));
  return { calls: recorder.calls, result };
}

/** Compare two builds on one scenario. */
export function compareBuilds(spec: ScenarioSpec, a: ProfileFactory, b: ProfileFactory): BuildsDivergence {
  const ra = recordCalls(spec, a);
  const rb = recordCalls(spec, b);
  return alignCalls(ra.calls, rb.calls, ra.result, rb.result);
}

function callIdentity(c: CallRecord): string {
  return `${c.participant} ${c.entry} pir ${c.pir} (${c.args.join(', ')})`;
}

/**
 * Align two builds' calls. Stores into skiboot's heap are private by the ABI (two builds may
 * allocate differently) and are left out first; when every call agrees without them, the heap's
 * stores are compared too, because skiboot hands heap blocks — the fadump tag structures — to the
 * kernel.
 */
export function alignCalls(as: readonly CallRecord[], bs: readonly CallRecord[], resultA: RunResult, resultB: RunResult): BuildsDivergence {
  const shared = alignCallsOn(as, bs, resultA, resultB, (e) => e.kind !== 'store' || !e.heap);
  return shared.verdict === 'diverged' ? shared : { ...alignCallsOn(as, bs, resultA, resultB, () => true), heapCompared: true };
}

const isSilent = (e: Effect): boolean => e.kind === 'store' && e.silent;
const keyOf = (e: Effect | undefined): string | undefined => (e === undefined ? undefined : effectKey(e));

/**
 * When effect k differs only because one build has an extra effect there (the other build's next
 * effects line up with it), and the other build made a silent store to the same address at that
 * point (the store that wrote what was already there), that silent store is the other side.
 */
function counterpart(extra: Effect, others: readonly Effect[], otherAll: readonly Effect[], k: number): Effect | undefined {
  if (extra.kind !== 'store') return undefined;
  const prev = others[k - 1];
  const next = others[k];
  const from = prev === undefined ? 0 : otherAll.indexOf(prev) + 1;
  const to = next === undefined ? otherAll.length : otherAll.indexOf(next);
  for (let i = from; i < to; i++) {
    const e = otherAll[i]!;
    if (e.kind === 'store' && e.silent && e.address === extra.address) return e;
  }
  return undefined;
}

/** Does `longer` from k + 1 on line up with `shorter` from k on (for a few effects)? */
function isInsertion(longer: readonly Effect[], shorter: readonly Effect[], k: number): boolean {
  const span = Math.min(4, shorter.length - k, longer.length - k - 1);
  if (span <= 0) return longer.length === shorter.length + 1;
  for (let i = 0; i < span; i++) if (keyOf(longer[k + 1 + i]) !== keyOf(shorter[k + i])) return false;
  return true;
}

function alignCallsOn(allA: readonly CallRecord[], allB: readonly CallRecord[], resultA: RunResult, resultB: RunResult, keep: (e: Effect) => boolean): BuildsDivergence {
  const only = (c: CallRecord): CallRecord => ({ ...c, effects: c.effects.filter((e) => keep(e) && !isSilent(e)) });
  const as = allA.map(only);
  const bs = allB.map(only);
  const n = Math.max(as.length, bs.length);
  for (let i = 0; i < n; i++) {
    const ca = as[i];
    const cb = bs[i];
    const base = { verdict: 'diverged' as const, callsCompared: i + 1, heapCompared: false, resultA, resultB };
    if (ca === undefined || cb === undefined || callIdentity(ca) !== callIdentity(cb)) {
      // The calls themselves part (one build made a call the other did not, or other arguments):
      // the cause is in an earlier call's effects on something not watched, or in timing.
      const c = (ca ?? cb)!;
      return {
        ...base,
        firstDivergentCycle: ca?.cycle ?? null,
        cycleB: cb?.cycle ?? null,
        call: { index: i, participant: c.participant, entry: c.entry, pir: hex(c.pir), args: ca?.args ?? [], argsB: cb?.args ?? [] },
        effectIndex: null,
        effectsA: ca?.effects.length ?? 0,
        effectsB: cb?.effects.length ?? 0,
        a: ca === undefined ? null : callSide(ca),
        b: cb === undefined ? null : callSide(cb),
        registers: [],
        origin: null,
        ...(ca !== undefined && cb !== undefined ? linesOnly(ca, cb) : { linesOnlyA: [], linesOnlyB: [] }),
      };
    }
    const m = Math.max(ca.effects.length, cb.effects.length);
    for (let k = 0; k < m; k++) {
      let ea = ca.effects[k];
      let eb = cb.effects[k];
      if (ea !== undefined && eb !== undefined && effectKey(ea) === effectKey(eb)) continue;
      // One build's extra store where the other's wrote what was already there: pair them.
      const fullA = allA[i]!.effects;
      const fullB = allB[i]!.effects;
      if (ea !== undefined && isInsertion(ca.effects, cb.effects, k)) eb = counterpart(ea, cb.effects, fullB, k) ?? eb;
      else if (eb !== undefined && isInsertion(cb.effects, ca.effects, k)) ea = counterpart(eb, ca.effects, fullA, k) ?? ea;
      return {
        ...base,
        firstDivergentCycle: ca.cycle,
        cycleB: cb.cycle,
        call: { index: i, participant: ca.participant, entry: ca.entry, pir: hex(ca.pir), args: ca.args, argsB: cb.args },
        effectIndex: k,
        effectsA: ca.effects.length,
        effectsB: cb.effects.length,
        a: ea === undefined ? null : effectSide(ca.elf, ea),
        b: eb === undefined ? null : effectSide(cb.elf, eb),
        registers: ea === undefined || eb === undefined ? [] : registerDifferences(ea, eb),
        origin: ea === undefined || eb === undefined ? null : originOf(ca.elf, cb.elf, ea, eb),
        ...linesOnly(allA[i]!, allB[i]!),
      };
    }
  }
  return { verdict: 'same', callsCompared: n, heapCompared: false, firstDivergentCycle: null, cycleB: null, call: null, effectIndex: null, effectsA: 0, effectsB: 0, a: null, b: null, registers: [], origin: null, linesOnlyA: [], linesOnlyB: [], resultA, resultB };
}

function callSide(c: CallRecord): EffectSide {
  const entry = c.elf.entries.get(c.entry);
  const pc = entry?.code ?? 0n;
  const loc = symbolizerFor(c.elf.image, c.elf.symbols).locate(pc);
  return { ...locationFields(loc), pc: hex(pc), instruction: '', effect: `call ${callIdentity(c)} at cycle ${c.cycle}`, callers: [], present: true };
}

function locationFields(loc: SourceLocation): Pick<EffectSide, 'where' | 'symbol' | 'file' | 'line' | 'frames'> {
  return {
    where: formatLocation(loc),
    symbol: loc.symbol,
    file: loc.file ?? null,
    line: loc.line ?? null,
    frames: loc.frames.map((f) => ({ function: f.function, file: f.file ?? null, line: f.line ?? null })),
  };
}

/** The mnemonic of a disassembled instruction (`std r9,0(r10)` → `std`). */
function mnemonic(text: string): string {
  return text.split(/\s+/)[0] ?? text;
}

function effectText(e: Effect): string {
  switch (e.kind) {
    case 'store':
      return `${mnemonic(disasm(e.site.word))} [${hex(e.address)}] ← ${bytesHex(e.bytes)}${e.silent ? ' (memory already held these bytes)' : ''}`;
    case 'service':
      return `callthru ${serviceName(e.number)}(${e.args.join(', ')}) = ${e.result}`;
    case 'return':
      return `return ${hex(e.value)}`;
    case 'fault':
      return `fault ${e.fault}: ${e.detail}`;
  }
}

function effectSide(elf: FirmwareElf, e: Effect): EffectSide {
  const sym = symbolizerFor(elf.image, elf.symbols);
  const loc = sym.locate(e.site.pc);
  const word = e.site.word;
  const instruction = e.kind === 'service' ? `0x000eaeb0 callthru` : e.kind === 'store' ? `0x${word.toString(16).padStart(8, '0')} ${disasm(word)}` : '';
  return {
    ...locationFields(loc),
    pc: hex(e.site.pc),
    instruction,
    effect: effectText(e),
    // A return address minus 4 is the linking branch: symbolize the call, not the next line.
    callers: e.site.callers.map((r) => sym.format(r - 4n)),
    present: true,
  };
}

export interface OriginStep {
  readonly where: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly frames: EffectSide['frames'];
  readonly instruction: string;
  /** The input followed to the next step (`r@1`: second register operand; `mem`: the loaded bytes), and its value. */
  readonly via: string | null;
}

/** Bound on the steps of an origin chain. */
const ORIGIN_STEPS_MAX = 64;

function originStep(elf: FirmwareElf, w: Writer, via: string | null): OriginStep {
  const loc = symbolizerFor(elf.image, elf.symbols).locate(w.pc);
  return { ...locationFields(loc), instruction: `0x${w.word.toString(16).padStart(8, '0')} ${w.word === 0x000eaeb0 ? 'callthru' : disasm(w.word)}`, via };
}

/**
 * Walk both builds' value chains back in lockstep from the differing effects: at each step follow
 * the first input (by operand position; private pointers are not compared) whose values differ.
 * Stop when the inputs agree (the instruction itself makes the difference) or a side has no earlier
 * writer (the value came in with the call); in that case the other side takes one more step,
 * which names the instruction that produced its different value.
 */
function originOf(elfA: FirmwareElf, elfB: FirmwareElf, ea: Effect, eb: Effect): { a: OriginStep[]; b: OriginStep[] } | null {
  let wa = ea.site.writer;
  let wb = eb.site.writer;
  if (wa === undefined || wb === undefined) return null;
  const a: OriginStep[] = [];
  const b: OriginStep[] = [];
  for (let step = 0; step < ORIGIN_STEPS_MAX; step++) {
    let next: { ia: WriterInput; ib: WriterInput } | undefined;
    if (wa.inputs.length === wb.inputs.length) {
      for (let k = 0; k < wa.inputs.length; k++) {
        const ia = wa.inputs[k]!;
        const ib = wb.inputs[k]!;
        if (ia.role !== ib.role || (ia.private && ib.private) || ia.value === ib.value) continue;
        next = { ia, ib };
        break;
      }
    }
    a.push(originStep(elfA, wa, next === undefined ? null : `${next.ia.role} = ${next.ia.value}`));
    b.push(originStep(elfB, wb, next === undefined ? null : `${next.ib.role} = ${next.ib.value}`));
    if (next === undefined) break;
    const na = next.ia.writer;
    const nb = next.ib.writer;
    if (na === undefined && nb !== undefined) b.push(originStep(elfB, nb, null));
    if (nb === undefined && na !== undefined) a.push(originStep(elfA, na, null));
    if (na === undefined || nb === undefined) break;
    wa = na;
    wb = nb;
  }
  return { a, b };
}

/** The GPRs an instruction names in its disassembly (`std r9,0(r10)` → r9, r10). */
function operandRegisters(word: number): number[] {
  const out: number[] = [];
  for (const m of disasm(word).matchAll(/\br(\d{1,2})\b/g)) {
    const r = Number(m[1]);
    if (r < 32 && !out.includes(r)) out.push(r);
  }
  return out;
}

/**
 * The registers the two instructions read that hold different values (before each ran). For a
 * service call: r3 (the number) and the argument registers r4–r10; for a return: r3.
 */
function registerDifferences(a: Effect, b: Effect): { reg: string; a: string; b: string }[] {
  const regsOf = (e: Effect): number[] => (e.kind === 'store' ? operandRegisters(e.site.word) : e.kind === 'service' ? [3, 4, 5, 6, 7, 8, 9, 10] : [3]);
  const slots = [...new Set([...regsOf(a), ...regsOf(b)])].sort((x, y) => x - y);
  const out: { reg: string; a: string; b: string }[] = [];
  for (const s of slots) {
    const va = snapGetSlot(a.site.registers, s);
    const vb = snapGetSlot(b.site.registers, s);
    if (va !== vb) out.push({ reg: slotName(s), a: hex(va), b: hex(vb) });
  }
  return out;
}
