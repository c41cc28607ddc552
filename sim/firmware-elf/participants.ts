/**
 * ElfSkiboot and ElfHostboot: the Skiboot and Hostboot participants whose steps are a firmware
 * ELF's entry points (docs/firmware-elf-runtime.md, "Participants"). Each wraps the base
 * profile's participant and replaces only the steps the ELF defines; an absent entry point, and an
 * OPAL token the ELF's dispatcher answers FW_OPAL_NOT_HANDLED, run the base's TypeScript.
 *
 * skiboot steps map onto SkibootModel's own steps (reserve-mem, init, the S0 part of terminate);
 * the base must therefore be a SkibootModel (the reference, or a skiboot mutant) when the ELF
 * replaces any of them. The replacement is installed on the base instance for the duration of the
 * one call only, so the participant stays plain data that a machine fork can copy.
 *
 * The ELF itself lives in a process-wide registry and participants keep only its key: a fork
 * copies a string, not the file.
 */
import { UsageError } from '../core/errors.js';
import { hex } from '../core/u64.js';
import type { FirmwareImages, Hostboot, HostbootResult, Skiboot } from '../participants/firmware.js';
import type { IplHandoff, Platform } from '../participants/platform.js';
import { SkibootModel, type SkibootOptions } from '../participants/skiboot/skiboot.js';
import { OpalToken } from '../participants/opal-api.js';
import { PhysicalMemory } from '../mem/physical-memory.js';
import { MachineCheckstop } from '../machine/checkstop.js';
import {
  FW_CPU_SIZE,
  FW_ENTRY_FRAME_BYTES,
  FW_HOSTBOOT_BASE,
  FW_HOSTBOOT_SIZE,
  FW_IPL_HANDOFF_SIZE,
  FW_IPL_RESULT_SIZE,
  FW_OPAL_NOT_HANDLED,
  FW_SKIBOOT_STACKS_BASE,
  FW_STACK_SIZE,
  type HostbootEntry,
  type SkibootEntry,
} from './abi.js';
import type { FirmwareElf } from './loader.js';
import { PrivateWindowBus } from './private-window.js';
import { runEntry, type Charging, type EntryCall } from './runner.js';

// ------------------------------------------------------------------ the ELF registry

const REGISTRY = new Map<string, FirmwareElf>();

/** Register `elf` for participants to refer to by key (its participant and SHA-256). */
export function registerElf(elf: FirmwareElf): string {
  const key = `${elf.participant}:${elf.sha256}`;
  if (!REGISTRY.has(key)) REGISTRY.set(key, elf);
  return key;
}

/** A registered ELF by identity (tools symbolising a trace's firmware instructions), or undefined. */
export function registeredElf(participant: string, sha256: string): FirmwareElf | undefined {
  return REGISTRY.get(`${participant}:${sha256}`);
}

function elfFor(key: string): FirmwareElf {
  const elf = REGISTRY.get(key);
  if (elf === undefined) throw new UsageError(`firmware ELF ${key} is not loaded in this process`);
  return elf;
}

// ------------------------------------------------------------------ shared set-up

interface Setup {
  readonly address: bigint;
  readonly bytes: Uint8Array;
}

function u32s(values: readonly number[], le: boolean): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, le));
  return b;
}

/** `struct fw_cpu { u32 pir, chip, core, thread; }` for `pir`, in the ELF's byte order. */
function fwCpu(p: Platform, pir: number, le: boolean): Uint8Array {
  const t = p.topology.threads.find((x) => x.pir === pir);
  return u32s([pir, t?.chip ?? 0, t?.core ?? 0, t?.thread ?? 0], le);
}

/** Write the set-up structures, run, and map a set-up store outside memory to a firmware fault. */
function run(call: Omit<EntryCall, 'stackPointer' | 'cpuStruct'> & { stackTop: bigint; cpuStruct: bigint; setup: readonly Setup[] }): bigint {
  for (const s of call.setup) {
    if (!call.bus.contains(s.address, s.bytes.length)) {
      const detail = `the ABI's ${s.bytes.length}-byte structure at ${hex(s.address)} (stack of PIR ${hex(call.pir)}) is outside memory`;
      call.p.emit(call.elf.participant, 'fw-fault', { participant: call.elf.participant, kind: 'storage', nip: hex(call.entry.code), symbol: call.entry.name, entry: call.entry.name, detail });
      throw new MachineCheckstop(`${call.elf.participant} firmware fault (storage) at ${call.entry.name}: ${detail}`);
    }
    call.bus.writeBytes(Number(s.address), s.bytes);
  }
  const stackPointer = (call.stackTop - BigInt(FW_ENTRY_FRAME_BYTES)) & ~15n;
  return runEntry({ ...call, stackPointer }).result;
}

// ------------------------------------------------------------------ skiboot

/** Below a live coupled call's r1: ELFv2's 288-byte protected zone and a margin. */
const NESTED_CALL_GAP_BYTES = 512;

/** `mpipl_fw_opal_call(token, a0..a6)`'s arguments. */
export function opalEntryArgs(token: number, args: readonly bigint[]): bigint[] {
  return [BigInt(token), ...Array.from({ length: 7 }, (_, i) => args[i] ?? 0n)];
}

/** `pir`'s skiboot stack (ABI v1): its top, and `struct fw_cpu` in its bottom 16 bytes. */
function skibootStack(p: Platform, elf: FirmwareElf, pir: number): { stackTop: bigint; cpuStruct: bigint; setup: Setup } {
  const stackBase = BigInt(FW_SKIBOOT_STACKS_BASE + pir * FW_STACK_SIZE);
  return { stackTop: stackBase + BigInt(FW_STACK_SIZE), cpuStruct: stackBase, setup: { address: stackBase, bytes: fwCpu(p, pir, elf.image.littleEndian) } };
}

/** The SkibootModel steps an ELF replaces (protected in the model; reached by name here). */
interface SkibootSteps {
  opalMpiplReserveMem(p: Platform): void;
  opalMpiplInit(p: Platform, mpiplBoot: boolean): void;
  p9SbeTerminate(p: Platform, callerPir: number): boolean;
  mpiplEnabled: boolean;
}

const MPIPL_TOKENS = [OpalToken.MPIPL_UPDATE, OpalToken.MPIPL_REGISTER_TAG, OpalToken.MPIPL_QUERY_TAG];

/** Can a skiboot ELF with these entry points run over this base skiboot? A UsageError line if not. */
export function checkSkibootBase(base: Skiboot, elf: FirmwareElf): void {
  const needsModel = ['mpipl_fw_reserve_mem', 'mpipl_fw_init', 'mpipl_fw_terminate'].some((n) => elf.entries.has(n));
  if (needsModel && !(base instanceof SkibootModel)) {
    throw new UsageError(`--firmware-elf skiboot=${elf.label}: the base firmware's skiboot is not the reference model, so its reserve/init/terminate steps cannot be replaced`);
  }
}

/**
 * The scenario's fault knobs the base model takes as options, handed to the ELF as simulator-only
 * device-tree properties for the one entry (firmware/src/skiboot/skiboot.h, SIM_FAULT_*):
 * `mpipl-sim,fault-alloc-size` (BE u32) is the too-small register area of `faults.allocSizeBytes`.
 * Present only for a scenario with the knob, removed (with a node it created) when the entry ends.
 */
export const SIM_FAULT_NODE = '/sim';
export const SIM_FAULT_ALLOC_SIZE_PROP = 'mpipl-sim,fault-alloc-size';

function withFaultKnobs(p: Platform, options: SkibootOptions, body: () => void): void {
  if (options.allocSizeBytes === undefined) return body();
  const hadNode = p.dt.hasNode(SIM_FAULT_NODE);
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, options.allocSizeBytes >>> 0, false);
  p.dt.set(SIM_FAULT_NODE, SIM_FAULT_ALLOC_SIZE_PROP, v);
  try {
    body();
  } finally {
    p.dt.remove(SIM_FAULT_NODE, SIM_FAULT_ALLOC_SIZE_PROP);
    if (!hadNode && p.dt.properties(SIM_FAULT_NODE).length === 0 && p.dt.children(SIM_FAULT_NODE).length === 0) p.dt.removeNode(SIM_FAULT_NODE);
  }
}

export class ElfSkiboot implements Skiboot {
  constructor(
    readonly base: Skiboot,
    readonly elfKey: string,
  ) {}

  private get elf(): FirmwareElf {
    return elfFor(this.elfKey);
  }

  /** The ELF this participant runs (coupled time steps it on the hardware thread). */
  elfImage(): FirmwareElf {
    return this.elf;
  }

  private call(p: Platform, name: SkibootEntry, pir: number, args: readonly bigint[], charging: Charging): bigint {
    const elf = this.elf;
    const stack = skibootStack(p, elf, pir);
    // Coupled time: a nested call on a thread whose own OPAL call is in flight (the Linux model's
    // synchronous call, docs/firmware-elf.md "Time modes") runs below that call's frames, as
    // skiboot's emergency stack keeps a re-entered call off the first one's.
    const live = (p as { firmwareStackPointer?(pir: number): bigint | undefined }).firmwareStackPointer?.(pir);
    const stackTop = live === undefined ? stack.stackTop : (live - BigInt(NESTED_CALL_GAP_BYTES)) & ~15n;
    return run({ elf, entry: elf.entries.get(name)!, p, bus: p.mem, pir, args, charging, stackTop, cpuStruct: stack.cpuStruct, setup: [stack.setup] });
  }

  /**
   * Coupled time: the OPAL dispatcher entry for a call on `pir`'s hardware thread, with the ABI's
   * stack and `struct fw_cpu` written; undefined when the ELF has no dispatcher (the TS handler runs).
   */
  coupledOpalEntry(p: Platform, pir: number): { elf: FirmwareElf; stackPointer: bigint; cpuStruct: bigint } | undefined {
    const elf = this.elf;
    if (!elf.entries.has('mpipl_fw_opal_call')) return undefined;
    const stack = skibootStack(p, elf, pir);
    p.mem.writeBytes(Number(stack.setup.address), stack.setup.bytes);
    return { elf, stackPointer: (stack.stackTop - BigInt(FW_ENTRY_FRAME_BYTES)) & ~15n, cpuStruct: stack.cpuStruct };
  }

  private bootPir(p: Platform): number {
    return p.topology.threads[0]!.pir;
  }

  boot(p: Platform): void {
    const elf = this.elf;
    const reserve = elf.entries.has('mpipl_fw_reserve_mem');
    const init = elf.entries.has('mpipl_fw_init');
    if (!reserve && !init) return this.base.boot(p);
    const steps = this.base as unknown as SkibootSteps;
    const own = steps as unknown as Record<string, unknown>;
    if (reserve) own['opalMpiplReserveMem'] = (q: Platform): void => void this.call(q, 'mpipl_fw_reserve_mem', this.bootPir(q), [], { mode: 'advance' });
    if (init) {
      own['opalMpiplInit'] = (q: Platform, mpiplBoot: boolean): void => {
        withFaultKnobs(q, (own['options'] as SkibootOptions | undefined) ?? {}, () => this.call(q, 'mpipl_fw_init', this.bootPir(q), [mpiplBoot ? 1n : 0n], { mode: 'advance' }));
        // What the model's init leaves behind for its own OPAL handlers (CHECK_TOKEN, terminate).
        steps.mpiplEnabled = true;
        const tokens = (own['registeredTokens'] as Set<number> | undefined) ?? new Set<number>();
        for (const t of MPIPL_TOKENS) tokens.add(t);
      };
    }
    try {
      this.base.boot(p);
    } finally {
      delete own['opalMpiplReserveMem'];
      delete own['opalMpiplInit'];
    }
  }

  opalCall(p: Platform, callerPir: number, token: number, args: readonly bigint[]): bigint {
    const elf = this.elf;
    if (elf.entries.has('mpipl_fw_opal_call')) {
      const rc = this.call(p, 'mpipl_fw_opal_call', callerPir, opalEntryArgs(token, args), { mode: 'occupy', pir: callerPir, extraCycles: p.cost.opalCallCycles });
      if (rc !== FW_OPAL_NOT_HANDLED) return BigInt.asIntN(64, rc);
    }
    return this.opalCallFallback(p, callerPir, token, args);
  }

  /** A token the ELF's dispatcher does not handle (or no dispatcher): the base's TypeScript handler. */
  opalCallFallback(p: Platform, callerPir: number, token: number, args: readonly bigint[]): bigint {
    const elf = this.elf;
    if (!elf.entries.has('mpipl_fw_terminate')) return this.base.opalCall(p, callerPir, token, args);
    const own = this.base as unknown as Record<string, unknown>;
    // The S0 part of OPAL_CEC_REBOOT2(MPIPL) is the ELF's terminate: it stored the crashing PIR and
    // sent S0, or it did not — the SBE has then queued the clock stop (the machine is going down).
    own['p9SbeTerminate'] = (q: Platform, pir: number): boolean => {
      this.call(q, 'mpipl_fw_terminate', pir, [BigInt(pir)], { mode: 'occupy', pir, extraCycles: 0 });
      return q.goingDown();
    };
    try {
      return this.base.opalCall(p, callerPir, token, args);
    } finally {
      delete own['p9SbeTerminate'];
    }
  }
}

// ------------------------------------------------------------------ hostboot

/** A pristine private window per hostboot ELF (its loads), copied on write for every IPL. */
const PRISTINE_WINDOWS = new Map<string, PhysicalMemory>();

function freshWindow(elf: FirmwareElf, key: string): PhysicalMemory {
  let w = PRISTINE_WINDOWS.get(key);
  if (w === undefined) {
    w = new PhysicalMemory(FW_HOSTBOOT_SIZE);
    for (const l of elf.loads) {
      const at = l.start - FW_HOSTBOOT_BASE;
      w.writeBytes(at, elf.bytes.subarray(l.fileOffset, l.fileOffset + l.fileSizeBytes));
    }
    PRISTINE_WINDOWS.set(key, w);
  }
  return w.snapshot();
}

export class ElfHostboot implements Hostboot {
  constructor(
    readonly base: Hostboot,
    readonly elfKey: string,
  ) {}

  private call(p: Platform, name: HostbootEntry, images: FirmwareImages, args: (structs: { cpu: bigint; handoff: bigint; result: bigint }) => readonly bigint[], setup: (structs: { cpu: bigint; handoff: bigint; result: bigint }) => Setup[]): { result: bigint; bus: PrivateWindowBus; structs: { handoff: bigint; result: bigint } } {
    const elf = elfFor(this.elfKey);
    const bus = new PrivateWindowBus(p.mem, FW_HOSTBOOT_BASE, freshWindow(elf, this.elfKey));
    const top = elf.symbols.lookup('__fw_stack_top')?.value ?? BigInt(FW_HOSTBOOT_BASE + FW_HOSTBOOT_SIZE);
    // The ABI structures sit at the top of hostboot's stack, below them its first frame.
    const structs = { cpu: top - BigInt(FW_CPU_SIZE), handoff: top - BigInt(FW_CPU_SIZE + FW_IPL_HANDOFF_SIZE), result: top - BigInt(FW_CPU_SIZE + FW_IPL_HANDOFF_SIZE + FW_IPL_RESULT_SIZE) };
    const pir = p.topology.threads[0]!.pir;
    const result = run({
      elf,
      entry: elf.entries.get(name)!,
      p,
      bus,
      pir,
      args: args(structs),
      charging: { mode: 'advance' },
      images,
      stackTop: structs.result,
      cpuStruct: structs.cpu,
      setup: [{ address: structs.cpu, bytes: fwCpu(p, pir, elf.image.littleEndian) }, ...setup(structs)],
    });
    return { result, bus, structs };
  }

  mpiplIpl(p: Platform, handoff: IplHandoff, images: FirmwareImages): HostbootResult {
    const elf = elfFor(this.elfKey);
    if (!elf.entries.has('mpipl_fw_mpipl_ipl')) return this.base.mpiplIpl(p, handoff, images);
    p.emit('hostboot', 'ipl', { kind: 'mpipl', skibootBase: handoff.skibootBase === undefined ? 'none' : hex(handoff.skibootBase) });
    p.advance(p.cost.hostbootIplStartCycles);
    const le = elf.image.littleEndian;
    const h = new Uint8Array(FW_IPL_HANDOFF_SIZE);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, handoff.chip, le);
    dv.setUint32(4, handoff.skibootBase === undefined ? 0 : 1, le);
    dv.setBigUint64(8, BigInt.asUintN(64, handoff.skibootBase ?? 0n), le);
    const { bus, structs } = this.call(
      p,
      'mpipl_fw_mpipl_ipl',
      images,
      (s) => [s.handoff, s.result],
      (s) => [
        { address: s.handoff, bytes: h },
        { address: s.result, bytes: new Uint8Array(FW_IPL_RESULT_SIZE) },
      ],
    );
    const r = bus.readBytes(Number(structs.result), FW_IPL_RESULT_SIZE);
    const rv = new DataView(r.buffer, r.byteOffset, r.byteLength);
    return { preserved: rv.getUint32(0, le) !== 0, mdrtEntries: rv.getUint32(4, le), mpiplBoot: rv.getUint32(8, le) !== 0 };
  }

  normalIpl(p: Platform, images: FirmwareImages): void {
    const elf = elfFor(this.elfKey);
    if (!elf.entries.has('mpipl_fw_normal_ipl')) return this.base.normalIpl(p, images);
    p.emit('hostboot', 'ipl', { kind: 'normal' });
    this.call(p, 'mpipl_fw_normal_ipl', images, () => [], () => []);
    p.advance(p.cost.hostbootIplStartCycles);
  }
}
