/**
 * Running one entry point of a firmware ELF to completion on a thread, in charged time
 * (docs/firmware-elf-runtime.md, "Entry" and "Charged time").
 *
 * The entry runs on a firmware context of its own (a ThreadState with the caller's PIR, the state
 * skiboot's opal_entry would set up), through the interpreter's ordinary entry `step` — the one
 * the machine uses for guest threads — so it shares the decode cache of its memory. The
 * interpreter is the executor; this runner is its hook for the two firmware words: callthru and
 * attn are illegal instructions to the interpreter (a guest sees exactly that), and when `step`
 * stops on one of them here the runner performs the service and steps past it, or reports the abort.
 *
 * It ends when NIP reaches the return trampoline (r3 is the result) or a service ends it. Any
 * fault — a storage access outside RAM (outside the window for hostboot), an illegal
 * instruction, a trap, attn, FW_SVC_ABORT, a bad service argument, more than the instruction
 * budget — emits a `fw-fault` event with NIP and symbol+offset and checkstops the machine.
 */
import { TransactionError } from '../core/errors.js';
import { hex } from '../core/u64.js';
import { Interpreter, RunEnd } from '../cpu/interpreter.js';
import { Step } from '../cpu/executor.js';
import { ThreadState, Slot, MSR } from '../cpu/state.js';
import { PVR_POWER9 } from '../cpu/spr.js';
import { MachineCheckstop } from '../machine/checkstop.js';
import { timeBaseAt } from '../machine/cost-model.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { Platform } from '../participants/platform.js';
import type { FirmwareImages } from '../participants/firmware.js';
import type { EntryPoint } from '../elf/symtab.js';
import { FW_ATTN_WORD, FW_CALLTHRU_WORD, FW_ENTRY_INSTRUCTION_BUDGET, FW_RETURN_TRAMPOLINE, type FirmwareElfParticipant } from './abi.js';
import type { FirmwareElf } from './loader.js';
import { PrivateWindowBus } from './private-window.js';
import { callService, realPointer, ServiceFault, type ServiceContext } from './services.js';
import { entryObserver } from './entry-observer.js';
import { realAddress } from '../isa/sem/load-store.js';

/** Fault kinds of a firmware ELF (the `kind` of a `fw-fault` event). */
export type FirmwareFaultKind = 'storage' | 'illegal' | 'trap' | 'attn' | 'abort' | 'service' | 'budget' | 'alignment' | 'privileged';

/** How an entry's time is charged: IPL phases move the clock, OPAL calls keep the caller busy. */
export type Charging = { readonly mode: 'advance' } | { readonly mode: 'occupy'; readonly pir: number; readonly extraCycles: number };

export interface EntryCall {
  readonly elf: FirmwareElf;
  readonly entry: EntryPoint;
  readonly p: Platform;
  /** The memory the firmware runs on: RAM for skiboot, a PrivateWindowBus for hostboot. */
  readonly bus: PhysicalMemory;
  /** The PIR the entry runs as (the caller's, or the boot thread for IPL phases). */
  readonly pir: number;
  readonly args: readonly bigint[];
  /** Initial r1 (already 16-byte aligned, frame reserved) and r16. */
  readonly stackPointer: bigint;
  readonly cpuStruct: bigint;
  readonly charging: Charging;
  readonly images?: FirmwareImages;
  /** Instruction budget (tests lower it); default FW_ENTRY_INSTRUCTION_BUDGET. */
  readonly budget?: number;
}

export interface EntryResult {
  readonly result: bigint;
  /** Instructions retired, callthrus included. */
  readonly instructions: number;
  /** Cycles charged: one per instruction plus the services' charges. */
  readonly cycles: number;
}

class EntryFault extends Error {
  constructor(
    readonly kind: FirmwareFaultKind,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const REAL_MASK = 0x0fff_ffff_ffff_ffffn;

/** The entry's registers as ABI v1 fixes them (hypervisor real mode, stack, TOC, r16, args, LR). */
export function entryThread(call: EntryCall): ThreadState {
  const t = new ThreadState(call.pir);
  t.set(Slot.MSR, MSR.SF | MSR.HV | MSR.ME | (call.elf.image.littleEndian ? MSR.LE : 0n));
  t.setSpr('PVR', PVR_POWER9);
  t.setGpr(1, call.stackPointer);
  if (call.entry.toc !== undefined) t.setGpr(2, call.entry.toc);
  t.setGpr(12, call.entry.code);
  t.setGpr(13, 0n);
  t.setGpr(16, call.cpuStruct);
  call.args.slice(0, 8).forEach((a, i) => t.setGpr(3 + i, BigInt.asUintN(64, a)));
  t.set(Slot.LR, FW_RETURN_TRAMPOLINE);
  t.set(Slot.NIP, call.entry.code);
  return t;
}

/** Run the entry to completion; a fault emits `fw-fault` and throws MachineCheckstop. */
export function runEntry(call: EntryCall): EntryResult {
  const { p, bus } = call;
  const t = entryThread(call);
  const cpu = new Interpreter();
  const budget = call.budget ?? FW_ENTRY_INSTRUCTION_BUDGET;
  let instructions = 0;
  let serviceCycles = 0;
  let advanced = 0;
  let callthrus = 0;
  // Under a cycle-derived time base (cost-2) the entry's own time counts: the clock at entry plus
  // what it has retired and been charged so far, less what `settle` already moved the clock by.
  if (p.cost.timeBase === 'cycles') cpu.timeBaseSource = () => timeBaseAt(p.cost, p.cycle() - advanced + cpu.retired + callthrus + serviceCycles);
  /** Time so far, applied now when the clock moves (so services' events carry a sensible cycle). */
  const settle = (): void => {
    if (call.charging.mode !== 'advance') return;
    const due = instructions + serviceCycles - advanced;
    if (due > 0) p.advance(due);
    advanced += due;
  };
  const ctx: ServiceContext = {
    participant: call.elf.participant,
    p,
    bus,
    littleEndian: call.elf.image.littleEndian,
    images: call.images,
    charge: (cycles) => {
      serviceCycles += cycles;
    },
  };
  // Watched (a build-vs-build bisect re-running this entry, sim/bisect/effects.ts): stepped with
  // store observation; unwatched runs take the plain step below.
  const watch = entryObserver()?.begin({ elf: call.elf, entry: call.entry, p, bus, pir: call.pir, args: call.args, thread: t });
  const observe = watch === undefined ? undefined : (nip: bigint, word: number, regs: Parameters<typeof watch.retired>[2], stores: Parameters<typeof watch.retired>[3]): void => watch.retired(nip, word, regs, stores, realAddress(cpu.eaHi, cpu.eaLo));
  const finish = (result: bigint): EntryResult => {
    watch?.end(result);
    settle();
    const cycles = instructions + serviceCycles;
    if (call.charging.mode === 'occupy') p.occupy(call.charging.pir, cycles + call.charging.extraCycles);
    return { result, instructions, cycles };
  };
  try {
    for (;;) {
      if (bus instanceof PrivateWindowBus) bus.sync();
      if (instructions >= budget) throw new EntryFault('budget', `more than ${budget} instructions in one entry`);
      const before = cpu.retired;
      const limit = budget - instructions;
      let end: number = RunEnd.LIMIT;
      try {
        // Stepped, as the machine steps guest threads: an entry runs ~10^3–10^5 instructions once
        // per boot or call, and translating it into blocks for `run` costs more than it saves
        // (measured: 0.62× the reference's scenarios/s with `run`, 0.89× with `step`).
        for (let n = 0; n < limit; n++) {
          watch?.beforeStep();
          const o = observe === undefined ? cpu.step(t, bus) : cpu.stepObserved(t, bus, observe);
          if (o !== Step.RETIRED) {
            end = o;
            break;
          }
        }
      } catch (e) {
        // Fetching from a page the bus does not have (hostboot jumping into RAM or a hole).
        if (e instanceof TransactionError) throw new EntryFault('storage', `instruction fetch at ${hex(t.get(Slot.NIP))} outside the ${call.elf.participant} firmware's memory`);
        throw e;
      } finally {
        instructions += cpu.retired - before;
      }
      if (end === RunEnd.LIMIT) continue; // the budget check above reports it
      const nip = t.get(Slot.NIP);
      if (nip === FW_RETURN_TRAMPOLINE) return finish(t.gpr(3));
      if (end === Step.TRAP) throw new EntryFault('trap', cpu.lastFault());
      if (end !== Step.FAULT) throw new EntryFault('illegal', `unexpected stop ${end} at ${hex(nip)}`);
      const kind = cpu.lastFaultKind();
      const word = kind === 'illegal' ? wordAt(bus, nip, call.elf.image.littleEndian) : undefined;
      if (word === FW_ATTN_WORD) throw new EntryFault('attn', 'attn (firmware abort)');
      if (word !== FW_CALLTHRU_WORD) throw new EntryFault(faultKindOf(kind), cpu.lastFault());
      instructions++;
      callthrus++;
      settle();
      const svcArgs = [4, 5, 6, 7, 8, 9, 10].map((r) => t.gpr(r));
      const outcome = callService(ctx, t.gpr(3), svcArgs);
      watch?.service(nip, t.gpr(3), svcArgs, outcome.kind === 'end' ? undefined : outcome.value);
      if (outcome.kind === 'end') return finish(outcome.value);
      t.setGpr(3, outcome.value);
      t.set(Slot.NIP, (nip + 4n) & 0xffff_ffff_ffff_ffffn);
    }
  } catch (e) {
    if (e instanceof EntryFault) watch?.fault(e.kind, e.detail, t.get(Slot.NIP));
    if (e instanceof ServiceFault) watch?.fault(e.kind, e.detail, t.get(Slot.NIP));
    if (e instanceof EntryFault) fault(call, t, e.kind, e.detail);
    if (e instanceof ServiceFault) fault(call, t, e.kind, e.detail);
    throw e;
  }
}

/** The instruction word at `nip` (undefined outside the bus): the runner's check for callthru and attn. */
export function wordAt(bus: PhysicalMemory, nip: bigint, le: boolean): number | undefined {
  try {
    const a = realPointer(nip & REAL_MASK);
    return le ? bus.read32LE(a) : bus.read32BE(a);
  } catch (e) {
    if (e instanceof TransactionError) return undefined;
    throw e;
  }
}

export function faultKindOf(kind: string | undefined): FirmwareFaultKind {
  return kind === 'storage' || kind === 'alignment' || kind === 'privileged' ? kind : 'illegal';
}

/** Report the fault as the ABI says (event, then checkstop). Never returns. */
function fault(call: EntryCall, t: ThreadState, kind: FirmwareFaultKind, detail: string): never {
  reportFirmwareFault(call.p, call.elf, call.entry.name, t.get(Slot.NIP), kind, detail);
}

/** A `fw-fault` event with NIP and symbol+offset, then the checkstop (charged and coupled time alike). */
export function reportFirmwareFault(p: Platform, elf: FirmwareElf, entryName: string, nip: bigint, kind: FirmwareFaultKind, detail: string): never {
  const symbol = elf.symbols.symbolize(nip);
  const who: FirmwareElfParticipant = elf.participant;
  p.emit(who, 'fw-fault', { participant: who, kind, nip: hex(nip), symbol, entry: entryName, detail });
  throw new MachineCheckstop(`${who} firmware fault (${kind}) at ${symbol} (${hex(nip)}) in ${entryName}: ${detail}`);
}
