/**
 * Coupled time (docs/firmware-elf.md, "Time modes"): an OPAL call a hardware thread makes runs the
 * skiboot ELF's dispatcher on that thread, one instruction per cycle among the other threads, so a
 * crash, an S0 or the clock stop can land between any two firmware instructions.
 *
 * Entering is what skiboot's `opal_entry` (asm/head.S) does for the call: it keeps the caller's
 * r1, r3–r10, the token in r0, r16 and LR, switches to the firmware's byte order (MSR[LE] off for a
 * big-endian skiboot), takes this PIR's stack and points r16 at the CPU structure. Here the whole
 * caller register file is kept (a superset), so the caller sees after the return exactly what it
 * sees in charged time: its own registers, r3 = rc, NIP = LR. The thread's registers in between
 * are the firmware's — the clock-stop snapshot and the register capture see them, as on hardware.
 *
 * A CoupledCall is plain data (Machine.fork copies it); the interpreter that steps firmware is the
 * machine's and is rebuilt in a fork.
 */
import { hex } from '../core/u64.js';
import { TransactionError } from '../core/errors.js';
import { Interpreter } from '../cpu/interpreter.js';
import { Step, type InstructionObserver } from '../cpu/executor.js';
import { ThreadState, Slot, MSR, DEC_SLOT } from '../cpu/state.js';
import { PVR_POWER9 } from '../cpu/spr.js';
import type { Platform } from '../participants/platform.js';
import type { Skiboot } from '../participants/firmware.js';
import type { Participant } from '../trace/events.js';
import { FW_ATTN_WORD, FW_CALLTHRU_WORD, FW_ENTRY_INSTRUCTION_BUDGET, FW_OPAL_NOT_HANDLED, FW_RETURN_TRAMPOLINE, FW_SERVICE_CYCLES } from './abi.js';
import { ElfSkiboot, opalEntryArgs } from './participants.js';
import { faultKindOf, reportFirmwareFault, wordAt, type FirmwareFaultKind } from './runner.js';
import { callService, ServiceFault, type ServiceContext } from './services.js';
import type { FirmwareElf } from './loader.js';
import { entryObserver, type EntrySession } from './entry-observer.js';
import { realAddress } from '../isa/sem/load-store.js';

/** How the thread resumes after the call: a guest's `bl opal_call` gets r3 = rc; a harness call leaves it as it was. */
export type CoupledResume = 'rc' | 'unchanged';

export interface CoupledCall {
  readonly who: Participant;
  readonly pir: number;
  readonly token: number;
  readonly args: readonly bigint[];
  /** Which coupled OPAL call of this boot it is (0-based, in the order calls entered). */
  readonly index: number;
  readonly resume: CoupledResume;
  /** The caller's registers at the OPAL entry. */
  readonly saved: Uint32Array;
  readonly startCycle: number;
  readonly elfKey: string;
  /** Firmware instructions retired so far (callthrus included). */
  instructions: number;
  /** Judged by the oracle's per-call check: false once another call overlapped it. */
  judged: boolean;
  /** `hooks.onFirmwareMark` fires when `instructions` reaches this (crash N instructions into the call). */
  markAt: number | undefined;
  /** The call started the machine going down: the thread stays in OPAL (it never returns). */
  parked: boolean;
}

/** What one step of a thread in firmware came to. */
export type CoupledStep = { readonly kind: 'running'; readonly busyCycles: number } | { readonly kind: 'returned'; readonly value: bigint };

/** The skiboot participant can run this call coupled (an ELF with a dispatcher), or undefined. */
export function coupledSkiboot(s: Skiboot | undefined): ElfSkiboot | undefined {
  return s instanceof ElfSkiboot ? s : undefined;
}

/**
 * Switch `t` into firmware context for an OPAL call; undefined when the participant cannot run it
 * coupled (no ELF dispatcher), and the caller then runs the call nested as in charged time.
 */
export function enterFirmware(p: Platform, s: Skiboot | undefined, t: ThreadState, who: Participant, token: number, args: readonly bigint[], index: number, resume: CoupledResume): CoupledCall | undefined {
  const elfSkiboot = coupledSkiboot(s);
  if (elfSkiboot === undefined) return undefined;
  const entry = elfSkiboot.coupledOpalEntry(p, t.pir);
  if (entry === undefined) return undefined;
  const { elf } = entry;
  const code = elf.entries.get('mpipl_fw_opal_call')!;
  const saved = t.r.slice();
  // The ABI's entry state, exactly as a charged entry starts (sim/firmware-elf/runner.ts entryThread).
  const f = new ThreadState(t.pir);
  f.set(Slot.MSR, MSR.SF | MSR.HV | MSR.ME | (elf.image.littleEndian ? MSR.LE : 0n));
  f.setSpr('PVR', PVR_POWER9);
  f.setSpr('PIR', t.spr('PIR'));
  f.setGpr(1, entry.stackPointer);
  if (code.toc !== undefined) f.setGpr(2, code.toc);
  f.setGpr(12, code.code);
  f.setGpr(16, entry.cpuStruct);
  opalEntryArgs(token, args).forEach((a, i) => f.setGpr(3 + i, BigInt.asUintN(64, a)));
  f.set(Slot.LR, FW_RETURN_TRAMPOLINE);
  f.set(Slot.NIP, code.code);
  // The decrementer belongs to the hardware thread, not to the ABI's entry state: it keeps counting through the call.
  f.set(DEC_SLOT, t.get(DEC_SLOT));
  t.r.set(f.r);
  const call: CoupledCall = { who, pir: t.pir, token, args, index, resume, saved, startCycle: p.cycle(), elfKey: elfSkiboot.elfKey, instructions: 0, judged: true, markAt: undefined, parked: false };
  const watch = entryObserver()?.begin({ elf, entry: code, p, bus: p.mem, pir: t.pir, args: opalEntryArgs(token, args), thread: t });
  if (watch !== undefined) sessions.set(call, watch);
  return call;
}

/**
 * Calls in flight that a build-vs-build bisect watches (sim/bisect/effects.ts), as charged entries
 * are watched in sim/firmware-elf/runner.ts. Kept beside the call, not in it: a session holds
 * closures, and a fork's copy of the call simply runs unwatched.
 */
const sessions = new WeakMap<CoupledCall, EntrySession>();

/** The ELF a coupled call runs (its participant holds it by key). */
function elfOf(s: Skiboot | undefined): FirmwareElf {
  const e = coupledSkiboot(s);
  if (e === undefined) throw new Error('coupled OPAL call without an ELF skiboot');
  return e.elfImage();
}

/**
 * Retire one firmware instruction of `t` (or perform one service). Faults report `fw-fault` and
 * throw MachineCheckstop, as in charged time.
 */
export function stepFirmware(p: Platform, s: Skiboot | undefined, t: ThreadState, call: CoupledCall, cpu: Interpreter, observe: InstructionObserver | undefined): CoupledStep {
  const elf = elfOf(s);
  const watch = sessions.get(call);
  const fail = (kind: FirmwareFaultKind, detail: string): never => {
    watch?.fault(kind, detail, t.get(Slot.NIP));
    return reportFirmwareFault(p, elf, 'mpipl_fw_opal_call', t.get(Slot.NIP), kind, detail);
  };
  if (call.instructions >= FW_ENTRY_INSTRUCTION_BUDGET) fail('budget', `more than ${FW_ENTRY_INSTRUCTION_BUDGET} instructions in one entry`);
  let o: number;
  watch?.beforeStep();
  const observing: InstructionObserver | undefined =
    watch === undefined
      ? observe
      : (nip, word, regs, stores) => {
          observe?.(nip, word, regs, stores);
          watch.retired(nip, word, regs, stores, realAddress(cpu.eaHi, cpu.eaLo));
        };
  try {
    o = observing === undefined ? cpu.step(t, p.mem) : cpu.stepObserved(t, p.mem, observing);
  } catch (e) {
    if (e instanceof TransactionError) fail('storage', `instruction fetch at ${hex(t.get(Slot.NIP))} outside the skiboot firmware's memory`);
    throw e;
  }
  if (o === Step.RETIRED) {
    call.instructions++;
    if (t.get(Slot.NIP) !== FW_RETURN_TRAMPOLINE) return { kind: 'running', busyCycles: 0 };
    watch?.end(t.gpr(3));
    return { kind: 'returned', value: t.gpr(3) };
  }
  const nip = t.get(Slot.NIP);
  if (o === Step.TRAP) fail('trap', cpu.lastFault());
  if (o !== Step.FAULT) fail('illegal', `unexpected stop ${o} at ${hex(nip)}`);
  const kind = cpu.lastFaultKind();
  const word = kind === 'illegal' ? wordAt(p.mem, nip, elf.image.littleEndian) : undefined;
  if (word === FW_ATTN_WORD) fail('attn', 'attn (firmware abort)');
  if (word !== FW_CALLTHRU_WORD) fail(faultKindOf(kind), cpu.lastFault());
  call.instructions++;
  let charged = 0;
  const ctx: ServiceContext = { participant: 'skiboot', p, bus: p.mem, littleEndian: elf.image.littleEndian, images: undefined, charge: (cycles) => void (charged += cycles) };
  let outcome;
  const svcArgs = [4, 5, 6, 7, 8, 9, 10].map((r) => t.gpr(r));
  try {
    outcome = callService(ctx, t.gpr(3), svcArgs);
  } catch (e) {
    if (e instanceof ServiceFault) fail(e.kind, e.detail);
    throw e;
  }
  watch?.service(nip, t.gpr(3), svcArgs, outcome.kind === 'end' ? undefined : outcome.value);
  if (outcome.kind === 'end') {
    watch?.end(outcome.value);
    return { kind: 'returned', value: outcome.value };
  }
  t.setGpr(3, outcome.value);
  t.set(Slot.NIP, (nip + 4n) & 0xffff_ffff_ffff_ffffn);
  // The callthru retired this cycle; the service's charge keeps the thread busy after it.
  return { kind: 'running', busyCycles: charged + FW_SERVICE_CYCLES - 1 };
}

/** The dispatcher's result as the caller sees it: NOT_HANDLED runs the base's TypeScript handler. */
export function finishResult(p: Platform, s: Skiboot | undefined, call: CoupledCall, value: bigint): bigint {
  if (value !== FW_OPAL_NOT_HANDLED) return BigInt.asIntN(64, value);
  const e = coupledSkiboot(s);
  return e === undefined ? -1n : e.opalCallFallback(p, call.pir, call.token, call.args);
}

/** The thread leaves firmware: the caller's registers, and r3 = rc, NIP = LR for a guest's call. */
export function restoreCaller(t: ThreadState, call: CoupledCall, rc: bigint): void {
  restoreSaved(t, call.saved);
  if (call.resume === 'rc') {
    t.setGpr(3, BigInt.asUintN(64, rc));
    t.set(Slot.NIP, t.get(Slot.LR));
  }
}

/**
 * The caller's registers back from `saved`, except the decrementer, which the thread kept counting
 * (or the firmware set) during the call; its stored form does not change with time (DEC_SLOT).
 */
export function restoreSaved(t: ThreadState, saved: Uint32Array): void {
  const dec = t.get(DEC_SLOT);
  t.r.set(saved);
  t.set(DEC_SLOT, dec);
}

/** An interrupt (a crash on this thread) takes it out of OPAL: the caller's MSR, the firmware's registers. */
export function abandonCall(t: ThreadState, call: CoupledCall): void {
  const saved = new ThreadState(t.pir);
  saved.r.set(call.saved);
  t.set(Slot.MSR, saved.get(Slot.MSR));
}
