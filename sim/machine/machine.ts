/**
 * The machine: memory, threads, XSCOM, device tree, the cycle clock and scheduler, and the IPL
 * sequencing that hands control from SBE to hostboot to skiboot to Linux. It implements the
 * Platform interface participants see, and nothing in it knows a participant's internals.
 *
 * One cycle = one scheduler tick in which every running thread retires at most one instruction,
 * in PIR order (design section 2). Scheduled actions at a cycle run before the threads tick.
 */
import { PhysicalMemory } from '../mem/physical-memory.js';
import { ThreadState, Slot, MSR, DEC_SLOT, decrementerStored, decrementerToValue, type ThreadSnapshot } from '../cpu/state.js';
import { PVR_POWER9 } from '../cpu/spr.js';
import { Step, type Executor, type InstructionObserver } from '../cpu/executor.js';
import { XscomBus } from './xscom.js';
import { DeviceTree, readU64s } from './device-tree.js';
import { Topology } from './topology.js';
import { EventQueue, type Scheduled } from './event-queue.js';
import { cloneGraph, ForkError } from './fork.js';
import { MachineCheckstop } from './checkstop.js';
import { DEFAULT_COST_MODEL, timeBaseAt, type CostModel, type TimeMode } from './cost-model.js';
import { Interpreter } from '../cpu/interpreter.js';
import { abandonCall, enterFirmware, finishResult, restoreCaller, restoreSaved, stepFirmware, type CoupledCall } from '../firmware-elf/coupled.js';
import { configToObject, type MachineConfig } from './config.js';
import { Prng } from '../core/prng.js';
import { assert } from '../core/errors.js';
import { hex } from '../core/u64.js';
import { Digester, type Digest } from '../core/digest.js';
import type { EventData, EventKind, Participant, TraceSink } from '../trace/events.js';
import type { IplHandoff, Platform } from '../participants/platform.js';
import type { CrashCause, FirmwareProfile, HostbootResult, LinuxKernel, Sbe, Skiboot } from '../participants/firmware.js';
import { OPAL_TOKEN_NAMES, rcName } from '../participants/opal-api.js';
import { DT_OPAL_NODE } from '../participants/layout.js';

/** Calls the machine schedules for itself (clock stop, reboot) run whatever the boot epoch. */
const ANY_EPOCH = -1;

/** Observation points of the harness. The oracle snapshots the machine itself in these. */
export interface MachineHooks {
  /** A thread enters the panic path; called before Linux runs it (the panic-cycle snapshot). */
  onPanic?(pir: number, cause: CrashCause): void;
  /** Every core clock has stopped; called before hostboot runs (the clock-stop snapshot). */
  onClockStop?(handoff: IplHandoff): void;
  /** Hostboot finished the memory-preserving IPL, before anything reloads. */
  afterPreservation?(result: HostbootResult): void;
  /** A normal IPL begins (after power-on, never): before hostboot runs, the oracle's snapshot. */
  beforeNormalIpl?(): void;
  /** A fast reboot begins (skiboot reboots the machine itself, no hostboot): the oracle's snapshot. */
  beforeFastReboot?(): void;
  /** A caller enters OPAL: before skiboot runs the call. */
  beforeOpalCall?(who: Participant, callerPir: number, token: number, args: readonly bigint[]): void;
  /** Coupled time: a call that overlapped another returned; `afterOpalCall` does not judge it. */
  afterUnjudgedOpalCall?(callerPir: number): void;
  /** skiboot finished a call; `returned` is false when it started the machine going down. */
  afterOpalCall?(who: Participant, callerPir: number, token: number, args: readonly bigint[], rc: bigint, returned: boolean): void;
  /** skiboot has booted (after an MPIPL or normal IPL), before Linux boots. */
  afterFirmwareBoot?(kind: IplKind): void;
  /** Linux has booted and run its boot-time work (registration scheduled, or the dump processed). */
  afterLinuxBoot?(kind: IplKind, linux: LinuxKernel): void;
  /** The executor a thread runs for this boot (the kernel starting its workload on it). */
  makeExecutor?(m: Machine, pir: number): Executor;
  /** A fresh executor for a forked machine's thread, continuing where the thread is (no register set-up). */
  forkExecutor?(m: Machine, pir: number): Executor;
  /** The machine checkstopped (sim/machine/checkstop.ts): it has stopped and will not run again. */
  onCheckstop?(reason: string): void;
  /**
   * Coupled time: the `index`-th coupled OPAL call of this boot, on `pir`, has retired the
   * instructions `Machine.markOpalCall` asked for (or returned before: `inFirmware` false).
   */
  onFirmwareMark?(pir: number, index: number, instructions: number, inFirmware: boolean): void;
}

/** How the machine came up: `fast` is skiboot's fast reboot, which skips hostboot (docs/modelling-choices.md). */
export type IplKind = 'power-on' | 'normal' | 'mpipl' | 'fast';

export { ForkError } from './fork.js';

export class Machine implements Platform {
  readonly topology: Topology;
  readonly mem: PhysicalMemory;
  readonly xscom = new XscomBus();
  readonly dt = new DeviceTree();
  readonly threads: ThreadState[];
  private readonly busyUntil: number[];
  private readonly executors: (Executor | undefined)[];
  private readonly pirIndex = new Map<number, number>();
  private readonly queue = new EventQueue();
  private readonly rootPrng: Prng;
  private currentCycle = 0;
  /** Bumped at every IPL: actions scheduled by a kernel or firmware of an earlier boot are dropped. */
  private bootEpoch = 0;
  private mpiplPending = false;
  private rebootPending = false;
  /** Platform.participantState: plain data, so Machine.fork deep-copies it with everything else. */
  private readonly participantStates = new Map<string, unknown>();
  /**
   * The core clocks have stopped (clock stop, checkstop) and every DEC slot holds its architected
   * value, not the counting form (sim/cpu/state.ts DEC_SLOT); the next IPL's reset clears it.
   * Plain data, so a fork copies it; only ever true within mpiplSequence or after a checkstop.
   */
  private decrementersStopped = false;
  /** Why the machine checkstopped, once it has (nothing runs after that). */
  checkstopReason: string | undefined;

  readonly sbes: Sbe[];
  skiboot: Skiboot | undefined;
  linux: LinuxKernel | undefined;
  /** Boots so far, and the kind of the last one. */
  bootCount = 0;
  hooks: MachineHooks = {};
  /** When set (recording or replaying), a `checkpoint` event with the machine digest this often. */
  checkpointEveryCycles: number | undefined;
  private nextCheckpointCycle = 0;
  /**
   * Per thread, the observer that turns a retired instruction into a `full`-level record; undefined
   * when the sink does not want instructions, which keeps `tick` free of observation.
   */
  private readonly observers: InstructionObserver[] | undefined;
  /** Coupled time: per thread, the OPAL call it is inside (plain data, forked with the machine). */
  private readonly inFirmware: (CoupledCall | undefined)[];
  /** Threads inside firmware now (0 keeps `tick` to its charged-time work). */
  private firmwareThreads = 0;
  /** Coupled OPAL calls entered in this boot (a call's index). */
  private coupledCalls = 0;
  /** Fire onFirmwareMark this many instructions into the `index`-th coupled call (plain data). */
  private opalMark: { readonly index: number; readonly instructions: number } | undefined;
  /** Steps threads inside firmware (rebuilt, not copied, by a fork: it holds decode caches). */
  private fwCpu: Interpreter;

  constructor(
    readonly config: MachineConfig,
    readonly profile: FirmwareProfile,
    readonly seed: string,
    readonly sink: TraceSink,
    readonly cost: CostModel = DEFAULT_COST_MODEL,
    readonly timeMode: TimeMode = 'charged',
  ) {
    this.topology = new Topology(config);
    this.mem = new PhysicalMemory(config.ramSizeBytes);
    this.rootPrng = new Prng(seed);
    this.threads = this.topology.threads.map((t) => new ThreadState(t.pir));
    this.threads.forEach((t, i) => this.pirIndex.set(t.pir, i));
    this.busyUntil = this.threads.map(() => 0);
    this.executors = this.threads.map(() => undefined);
    this.inFirmware = this.threads.map(() => undefined);
    this.fwCpu = this.firmwareInterpreter();
    this.xscom.observer = (chip, address, write, value, ok) =>
      this.emit('machine', write ? 'xscom-write' : 'xscom-read', { chip, address: hex(address), value: value === undefined ? 'error' : hex(value), ok });
    this.dt.onChange = (path, name, value) =>
      this.emit('machine', 'dt-prop', { path, name, value: value === undefined ? '(removed)' : describeProp(value) });
    this.sbes = this.topology.chipIds.map((chip) => profile.makeSbe(chip));
    this.observers = this.observersFor(sink);
  }

  /** The interpreter coupled firmware runs on; it reads the machine's time base. */
  private firmwareInterpreter(): Interpreter {
    const cpu = new Interpreter();
    cpu.timeBaseSource = this.timeBaseSource();
    return cpu;
  }

  /** What `mftb` reads under this cost model: undefined = the executor's retired count (cost-1). */
  private timeBaseSource(): (() => number) | undefined {
    const cost = this.cost;
    return cost.timeBase === 'cycles' ? () => timeBaseAt(cost, this.currentCycle) : undefined;
  }

  private observersFor(sink: TraceSink): InstructionObserver[] | undefined {
    const record = sink.instruction?.bind(sink);
    return record === undefined
      ? undefined
      : this.threads.map((t) => (nip, word, regs, mem) => record({ cycle: this.currentCycle, pir: t.pir, nip, word, regs, mem }));
  }

  // ------------------------------------------------------------ Platform

  cycle(): number {
    return this.currentCycle;
  }

  thread(pir: number): ThreadState {
    const i = this.pirIndex.get(pir);
    assert(i !== undefined, `no thread with PIR ${hex(pir)}`);
    return this.threads[i]!;
  }

  prng(name: string): Prng {
    return this.rootPrng.stream(name);
  }

  emit(who: Participant, kind: EventKind, data: EventData): void {
    this.sink.event({ cycle: this.currentCycle, who, kind, data });
  }

  opalCall(callerPir: number, token: number, args: readonly bigint[]): bigint {
    return this.opalCallAs('linux', callerPir, token, args);
  }

  /** An OPAL call made by `who` (the kernel, a guest workload, or the oracle's QUERY_TAG probe). */
  opalCallAs(who: Participant, callerPir: number, token: number, args: readonly bigint[]): bigint {
    const name = OPAL_TOKEN_NAMES[token] ?? `token ${token}`;
    this.emit(who, 'opal-call', { pir: callerPir, token, name, args: args.map((a) => hex(a)).join(',') });
    const wasGoingDown = this.goingDown();
    this.overlapCoupledCalls();
    this.hooks.beforeOpalCall?.(who, callerPir, token, args);
    const rc = this.skiboot === undefined ? -1n : this.skiboot.opalCall(this, callerPir, token, args);
    const returned = wasGoingDown || !this.goingDown();
    this.hooks.afterOpalCall?.(who, callerPir, token, args, rc, returned);
    if (!returned) this.emit('skiboot', 'opal-return', { pir: callerPir, token, name, returned: false });
    else this.emit('skiboot', 'opal-return', { pir: callerPir, token, name, rc: hex(rc), rcName: rcName(rc) });
    this.occupy(callerPir, this.cost.opalCallCycles);
    return rc;
  }

  // ------------------------------------------------------------ coupled time (firmware on a thread)

  /**
   * An OPAL call a kernel driver (the harness) makes on `pir`'s hardware thread. In coupled time
   * with an ELF dispatcher the thread enters firmware and resumes unchanged after the return;
   * otherwise (charged time, no ELF, the thread not running or already in OPAL) it runs nested.
   */
  opalCallOnThread(who: Participant, pir: number, token: number, args: readonly bigint[]): void {
    const i = this.pirIndex.get(pir);
    if (this.timeMode === 'coupled' && i !== undefined && this.threads[i]!.run === 'running' && this.inFirmware[i] === undefined) {
      if (this.enterOpal(i, who, token, args, 'unchanged')) return;
    }
    this.opalCallAs(who, pir, token, args);
  }

  /** Coupled time: stop `index`-th coupled call of this boot `instructions` in (hooks.onFirmwareMark). */
  markOpalCall(index: number, instructions: number): void {
    this.opalMark = { index, instructions };
  }

  /** r1 of the OPAL call `pir` is inside (coupled time), so a nested call keeps off its frames. */
  firmwareStackPointer(pir: number): bigint | undefined {
    const i = this.pirIndex.get(pir);
    return i === undefined || this.inFirmware[i] === undefined ? undefined : this.threads[i]!.gpr(1);
  }

  inOpal(pir: number): boolean {
    return this.firmwareCall(pir) !== undefined;
  }

  /** The coupled OPAL call `pir` is inside, if any (tools, tests). */
  firmwareCall(pir: number): Readonly<CoupledCall> | undefined {
    const i = this.pirIndex.get(pir);
    return i === undefined ? undefined : this.inFirmware[i];
  }

  /** Thread `i` enters firmware for a call; false when skiboot cannot run it coupled. */
  private enterOpal(i: number, who: Participant, token: number, args: readonly bigint[], resume: 'rc' | 'unchanged'): boolean {
    const t = this.threads[i]!;
    const call = enterFirmware(this, this.skiboot, t, who, token, args, this.coupledCalls, resume);
    if (call === undefined) return false;
    this.coupledCalls++;
    const name = OPAL_TOKEN_NAMES[token] ?? `token ${token}`;
    this.emit(who, 'opal-call', { pir: t.pir, token, name, args: args.map((a) => hex(a)).join(','), coupled: call.index });
    // Calls in flight and this one overlap: neither is judged per call (each one's "before" goes stale).
    if (this.firmwareThreads !== 0) call.judged = false;
    this.overlapCoupledCalls();
    this.inFirmware[i] = call;
    this.firmwareThreads++;
    this.hooks.beforeOpalCall?.(who, t.pir, token, args);
    const mark = this.opalMark;
    if (mark !== undefined && mark.index === call.index) {
      call.markAt = mark.instructions;
      if (mark.instructions === 0) this.hooks.onFirmwareMark?.(t.pir, call.index, 0, true);
    }
    return true;
  }

  /**
   * Another call starts, or the harness writes the tables behind the firmware's back: calls in
   * flight overlap it, and the oracle's per-call judgement skips them (their "before" is stale).
   */
  overlapCoupledCalls(): void {
    if (this.firmwareThreads === 0) return;
    for (const c of this.inFirmware) if (c !== undefined) c.judged = false;
  }

  /** One cycle of a thread inside firmware. */
  private stepInFirmware(i: number, t: ThreadState, call: CoupledCall, observe: InstructionObserver | undefined): void {
    if (call.parked) return;
    const r = stepFirmware(this, this.skiboot, t, call, this.fwCpu, observe);
    if (r.kind === 'running') {
      if (r.busyCycles > 0) this.occupy(t.pir, r.busyCycles + 1);
      if (call.markAt !== undefined && call.instructions >= call.markAt) {
        call.markAt = undefined;
        this.hooks.onFirmwareMark?.(t.pir, call.index, call.instructions, true);
      }
      return;
    }
    this.leaveOpal(i, t, call, r.value);
  }

  /** The dispatcher returned: the TS fallback for NOT_HANDLED, the caller restored, the hooks told. */
  private leaveOpal(i: number, t: ThreadState, call: CoupledCall, value: bigint): void {
    const wasGoingDown = this.goingDown();
    const rc = finishResult(this, this.skiboot, call, value);
    const returned = wasGoingDown || !this.goingDown();
    const name = OPAL_TOKEN_NAMES[call.token] ?? `token ${call.token}`;
    if (call.judged) this.hooks.afterOpalCall?.(call.who, t.pir, call.token, call.args, rc, returned);
    else this.hooks.afterUnjudgedOpalCall?.(t.pir);
    if (!returned) {
      // The call started the machine going down: the thread never comes back from OPAL.
      call.parked = true;
      this.emit('skiboot', 'opal-return', { pir: t.pir, token: call.token, name, returned: false, instructions: call.instructions });
      return;
    }
    this.emit('skiboot', 'opal-return', { pir: t.pir, token: call.token, name, rc: hex(rc), rcName: rcName(rc), instructions: call.instructions });
    this.inFirmware[i] = undefined;
    this.firmwareThreads--;
    restoreCaller(t, call, rc);
    // opal_entry's and the kernel wrapper's own path, as charged time adds it to every call.
    this.occupy(t.pir, this.cost.opalCallCycles);
    if (call.markAt !== undefined) this.hooks.onFirmwareMark?.(t.pir, call.index, call.instructions, false);
  }

  schedule(delayCycles: number, label: string, action: () => void): void {
    assert(Number.isSafeInteger(delayCycles) && delayCycles >= 0, `schedule delay ${delayCycles}`);
    const epoch = this.bootEpoch;
    this.queue.push(this.currentCycle + delayCycles, label, () => {
      if (epoch === this.bootEpoch) action();
    });
  }

  scheduleCall(delayCycles: number, label: string, owner: object, method: string, ...args: unknown[]): void {
    assert(Number.isSafeInteger(delayCycles) && delayCycles >= 0, `schedule delay ${delayCycles}`);
    assert(typeof (owner as Record<string, unknown>)[method] === 'function', `scheduleCall: no method ${method}`);
    this.queue.pushCall(this.currentCycle + delayCycles, label, { owner, method, args, epoch: this.bootEpoch });
  }

  advance(cycles: number): void {
    assert(Number.isSafeInteger(cycles) && cycles >= 0, `advance ${cycles}`);
    this.currentCycle += cycles;
  }

  occupy(pir: number, cycles: number): void {
    const i = this.pirIndex.get(pir);
    if (i === undefined) return;
    this.busyUntil[i] = Math.max(this.busyUntil[i]!, this.currentCycle + cycles);
  }

  requestMpipl(handoff: IplHandoff, delayCycles: number): void {
    if (this.mpiplPending || this.rebootPending) return;
    this.mpiplPending = true;
    this.queue.pushCall(this.currentCycle + delayCycles, 'clock stop', { owner: this, method: 'mpiplSequence', args: [handoff], epoch: ANY_EPOCH });
  }

  requestNormalReboot(reason: string): void {
    if (this.mpiplPending || this.rebootPending) return;
    this.rebootPending = true;
    this.emit('machine', 'ipl', { kind: 'normal', reason, phase: 'requested' });
    this.queue.pushCall(this.currentCycle + 1, 'normal reboot', { owner: this, method: 'ipl', args: ['normal', undefined], epoch: ANY_EPOCH });
  }

  /**
   * skiboot's fast reboot: every thread is reset into skiboot, which keeps running (the same
   * instance, its memory and device tree) and boots the payload again; hostboot does not run.
   */
  requestFastReboot(reason: string): boolean {
    // Only a skiboot with a fast-reboot path (its own `fastReboot`) can keep running through one.
    if (this.skiboot?.fastReboot === undefined) return false;
    if (this.mpiplPending || this.rebootPending) return true;
    this.rebootPending = true;
    this.emit('machine', 'ipl', { kind: 'fast', reason, phase: 'requested' });
    this.queue.pushCall(this.currentCycle + 1, 'fast reboot', { owner: this, method: 'ipl', args: ['fast', undefined], epoch: ANY_EPOCH });
    return true;
  }

  goingDown(): boolean {
    return this.mpiplPending || this.rebootPending;
  }

  participantState<T>(key: string, create: () => T): T {
    if (!this.participantStates.has(key)) this.participantStates.set(key, create());
    return this.participantStates.get(key) as T;
  }

  // ------------------------------------------------------------ power, IPL

  powerOn(): void {
    // The firmware's name is in the trace header, not in the events: replaying under another firmware compares behaviour only.
    this.emit('machine', 'power-on', { ...configToObject(this.config), seed: this.seed, costModel: this.cost.version });
    for (const sbe of this.sbes) sbe.attach(this);
    try {
      this.ipl('power-on', undefined);
    } catch (e) {
      this.checkstopOn(e);
    }
  }

  /** A participant checkstopped the machine: stop everything, keep the reason, tell the hooks. */
  private checkstopOn(e: unknown): void {
    if (!(e instanceof MachineCheckstop)) throw e;
    this.checkstopReason = e.reason;
    for (const t of this.threads) t.run = 'stopped';
    this.stopDecrementers();
    this.queue.clear();
    this.hooks.onCheckstop?.(e.reason);
  }

  /** S0 → clock stop → hostboot → reboot with whatever hostboot decided. Queued by name (requestMpipl). */
  protected mpiplSequence(handoff: IplHandoff): void {
    this.bootEpoch++;
    for (const t of this.threads) t.run = 'stopped';
    // Before the checkpoint and the oracle's snapshot: both see DEC as it stands at the clock stop.
    this.stopDecrementers();
    this.emit('sbe', 'clock-stop', { chip: handoff.chip, skibootBase: handoff.skibootBase === undefined ? 'none' : hex(handoff.skibootBase) });
    if (this.checkpointEveryCycles !== undefined) this.checkpoint();
    this.hooks.onClockStop?.(handoff);
    const result = this.profile.makeHostboot().mpiplIpl(this, handoff, this.profile.images());
    // A checkpoint after preservation and after the firmware boot splits the long IPL step, so a
    // bisect sees which firmware stage first left different state behind.
    if (this.checkpointEveryCycles !== undefined) this.checkpoint();
    this.hooks.afterPreservation?.(result);
    this.ipl('mpipl', result);
  }

  private ipl(kind: IplKind, mpipl: HostbootResult | undefined): void {
    this.bootEpoch++;
    this.mpiplPending = false;
    this.rebootPending = false;
    this.queue.clear();
    if (kind === 'normal') this.hooks.beforeNormalIpl?.();
    if (kind === 'fast') this.hooks.beforeFastReboot?.();
    this.resetThreads();
    if (kind === 'power-on' || kind === 'normal') this.profile.makeHostboot().normalIpl(this, this.profile.images());
    const booted: IplKind = kind === 'mpipl' && mpipl?.mpiplBoot !== true ? 'normal' : kind;
    this.bootCount++;
    this.emit('machine', 'ipl', { kind: booted, boot: this.bootCount });
    const running = this.skiboot;
    if (kind === 'fast' && running?.fastReboot !== undefined) {
      running.fastReboot(this); // requestFastReboot queued it only for a skiboot that has the path
    } else {
      this.skiboot = this.profile.makeSkiboot();
      this.skiboot.boot(this);
    }
    if (this.checkpointEveryCycles !== undefined) this.checkpoint();
    this.hooks.afterFirmwareBoot?.(booted);
    this.linux = this.profile.makeLinux();
    const bootPir = this.threads[0]!.pir;
    this.linux.boot(this, bootPir);
    this.hooks.afterLinuxBoot?.(booted, this.linux);
  }

  /**
   * The clocks stop: under a cycle-derived time base each thread's DEC slot becomes the value the
   * decrementer holds at this cycle, which is what hostboot captures and the oracle compares (time
   * does not run for a stopped core, however many cycles hostboot takes). Once per stop.
   */
  private stopDecrementers(): void {
    const tb = this.countingTimeBase();
    if (tb === undefined) return;
    for (const t of this.threads) decrementerToValue(t.r, tb);
    this.decrementersStopped = true;
  }

  /** The time base now while decrementers count (cost-2, clocks running), else undefined. */
  private countingTimeBase(): number | undefined {
    return this.cost.timeBase !== 'cycles' || this.decrementersStopped ? undefined : timeBaseAt(this.cost, this.currentCycle);
  }

  /**
   * Every thread comes out of an IPL in hypervisor 64-bit mode with its registers cleared; under a
   * cycle-derived time base its decrementer reads 0 now and counts down from there.
   */
  private resetThreads(): void {
    const decStored = this.cost.timeBase === 'cycles' ? decrementerStored(0, timeBaseAt(this.cost, this.currentCycle)) : 0;
    this.decrementersStopped = false;
    this.threads.forEach((t, i) => {
      t.r.fill(0);
      t.r[2 * DEC_SLOT + 1] = decStored;
      t.set(Slot.MSR, MSR.SF | MSR.HV | MSR.ME);
      t.setSpr('PIR', BigInt(t.pir));
      t.setSpr('PVR', PVR_POWER9);
      t.run = 'stopped';
      t.coreState = 0;
      this.busyUntil[i] = 0;
      this.executors[i] = undefined;
      this.inFirmware[i] = undefined;
    });
    this.firmwareThreads = 0;
    this.coupledCalls = 0;
    this.opalMark = undefined;
  }

  /** Start the boot's workload on every thread (the kernel has brought all CPUs online). */
  startWorkloads(): void {
    if (this.hooks.makeExecutor === undefined) return;
    const tb = this.timeBaseSource();
    this.threads.forEach((t, i) => {
      const ex = this.hooks.makeExecutor!(this, t.pir);
      if (tb !== undefined) ex.timeBaseSource = tb;
      this.executors[i] = ex;
      t.run = 'running';
    });
  }

  /** The harness injects a crash: the thread enters the kernel's panic path now. */
  crash(pir: number, cause: CrashCause): void {
    const linux = this.linux;
    if (linux === undefined) return;
    this.emit('harness', 'crash', { pir, cause });
    const i = this.pirIndex.get(pir);
    const call = i === undefined ? undefined : this.inFirmware[i];
    if (call !== undefined) {
      // The interrupt takes the thread out of OPAL mid-call: the call never returns, and the
      // kernel's handler sees the firmware's registers (what the panic snapshot records).
      this.inFirmware[i!] = undefined;
      this.firmwareThreads--;
      this.emit('skiboot', 'opal-return', { pir, token: call.token, name: OPAL_TOKEN_NAMES[call.token] ?? `token ${call.token}`, returned: false, interrupted: true, instructions: call.instructions });
    }
    const t = this.thread(pir);
    const nipInFirmware = t.get(Slot.NIP);
    this.hooks.onPanic?.(pir, cause);
    linux.panic(this, pir, cause);
    if (call !== undefined) {
      // From here the thread runs kernel code in the kernel's MSR; a thread the panic path did
      // not redirect (a second CPU spinning in crash_fadump) is parked where its call began.
      if (t.get(Slot.NIP) === nipInFirmware) restoreSaved(t, call.saved);
      else abandonCall(t, call);
    }
  }


  // ------------------------------------------------------------ the scheduler

  /** Run until `cycleLimit` or until `stop()` returns true (checked after each cycle's actions). */
  runUntil(cycleLimit: number, stop: () => boolean = () => false): void {
    if (this.checkstopReason !== undefined) return; // a checkstopped machine never runs again
    try {
      this.runLoop(cycleLimit, stop);
    } catch (e) {
      this.checkstopOn(e);
    }
  }

  private runLoop(cycleLimit: number, stop: () => boolean): void {
    while (this.currentCycle < cycleLimit && !stop()) {
      while (this.queue.peekCycle() <= this.currentCycle) {
        this.fire(this.queue.pop()!);
        if (stop()) return;
      }
      if (!this.anyRunning()) {
        // Nothing retires: jump to the next scheduled action (IPL phases, idle machine).
        const next = Math.min(this.queue.peekCycle(), cycleLimit);
        if (next === Infinity) return;
        this.currentCycle = Math.max(this.currentCycle, next);
        continue;
      }
      if (this.observers === undefined) this.tick();
      else this.tickObserved(this.observers);
      this.currentCycle++;
      if (this.checkpointEveryCycles !== undefined && this.currentCycle >= this.nextCheckpointCycle) this.checkpoint();
    }
  }

  /** Emit a checkpoint: the cycle and the digest of memory and every thread. */
  checkpoint(): void {
    this.emit('machine', 'checkpoint', { digest: this.digest() });
    if (this.checkpointEveryCycles !== undefined) {
      this.nextCheckpointCycle = (Math.floor(this.currentCycle / this.checkpointEveryCycles) + 1) * this.checkpointEveryCycles;
    }
  }

  private fire(e: Scheduled): void {
    if (e.action !== undefined) return e.action();
    const c = e.call!;
    if (c.epoch !== ANY_EPOCH && c.epoch !== this.bootEpoch) return;
    (c.owner as Record<string, (...a: unknown[]) => void>)[c.method]!(...c.args);
  }

  private anyRunning(): boolean {
    for (const t of this.threads) if (t.run === 'running') return true;
    return false;
  }

  private tick(): void {
    const c = this.currentCycle;
    for (let i = 0; i < this.threads.length; i++) {
      const t = this.threads[i]!;
      if (t.run !== 'running' || this.busyUntil[i]! > c) continue;
      if (this.firmwareThreads !== 0) {
        const fw = this.inFirmware[i];
        if (fw !== undefined) {
          this.stepInFirmware(i, t, fw, undefined);
          continue;
        }
      }
      const ex = this.executors[i];
      if (ex === undefined) continue;
      const outcome = ex.step(t, this.mem);
      if (outcome === Step.RETIRED) continue;
      this.onStepOutcome(i, outcome, ex);
    }
  }

  /** `tick` for `full` traces: executors that can report instructions do, through `observers`. */
  private tickObserved(observers: readonly InstructionObserver[]): void {
    const c = this.currentCycle;
    for (let i = 0; i < this.threads.length; i++) {
      const t = this.threads[i]!;
      if (t.run !== 'running' || this.busyUntil[i]! > c) continue;
      const fw = this.inFirmware[i];
      if (fw !== undefined) {
        // Firmware instructions are recorded like guest ones (same record, same lane of PIR).
        this.stepInFirmware(i, t, fw, observers[i]!);
        continue;
      }
      const ex = this.executors[i];
      if (ex === undefined) continue;
      const outcome = ex.stepObserved === undefined ? ex.step(t, this.mem) : ex.stepObserved(t, this.mem, observers[i]!);
      if (outcome === Step.RETIRED) continue;
      this.onStepOutcome(i, outcome, ex);
    }
  }

  private onStepOutcome(i: number, outcome: number, ex: Executor): void {
    const t = this.threads[i]!;
    if (outcome === Step.OPAL_ENTRY) {
      const token = Number(t.gpr(0) & 0xffffn);
      const args = Array.from({ length: 8 }, (_, k) => t.gpr(3 + k));
      if (this.timeMode === 'coupled' && this.enterOpal(i, 'cpu', token, args, 'rc')) return;
      const rc = this.opalCallAs('cpu', t.pir, token, args);
      if (this.goingDown()) return; // the call stopped the machine: it never returns to the thread
      t.setGpr(3, rc);
      t.set(Slot.NIP, t.get(Slot.LR));
      return;
    }
    const cause: CrashCause = outcome === Step.TRAP ? 'guest-trap' : 'guest-fault';
    this.emit('cpu', 'interrupt', { pir: t.pir, kind: outcome === Step.TRAP ? 'program (trap)' : 'program', nip: hex(t.get(Slot.NIP)), detail: ex.lastFault?.() ?? '' });
    this.crash(t.pir, cause);
  }

  // ------------------------------------------------------------ snapshot forking

  /**
   * A copy of the whole machine at this point — memory (copy-on-write, so this costs one
   * directory copy), threads, device tree, participants, the harness in `hooks`, the queued work —
   * that runs on independently and deterministically, reporting to `sink`. Sweeps and bisects fork
   * a running machine instead of re-running its prefix. Refused (ForkError) while a closure is
   * queued or a participant is a proxy: those cannot be rebound to the copy.
   */
  fork(sink: TraceSink): Machine {
    for (const e of this.queue.pending()) {
      if (e.action !== undefined) throw new ForkError(`cannot fork: "${e.label}" is queued as a closure`);
    }
    const memo = new Map<unknown, unknown>();
    const f = Object.create(Machine.prototype) as Machine;
    memo.set(this, f);
    memo.set(this.mem, this.mem.snapshot());
    memo.set(this.sink, sink);
    const xscom = new XscomBus();
    memo.set(this.xscom, xscom);
    const copy = f as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      if (key === 'executors' || key === 'fwCpu') continue;
      copy[key] = cloneGraph((this as unknown as Record<string, unknown>)[key], memo, `machine.${key}`);
    }
    // Closures over the machine are rebuilt for the copy, devices re-attached to its XSCOM.
    xscom.observer = (chip, address, write, value, ok) =>
      f.emit('machine', write ? 'xscom-write' : 'xscom-read', { chip, address: hex(address), value: value === undefined ? 'error' : hex(value), ok });
    f.dt.onChange = (path, name, value) => f.emit('machine', 'dt-prop', { path, name, value: value === undefined ? '(removed)' : describeProp(value) });
    (f as unknown as { observers: InstructionObserver[] | undefined }).observers = f.observersFor(sink);
    this.sbes.forEach((sbe, i) => f.sbes[i]!.adoptFork?.(this, f, sbe));
    for (const sbe of f.sbes) sbe.attach(f);
    const tb = f.timeBaseSource();
    (f as unknown as { executors: (Executor | undefined)[] }).executors = this.executors.map((ex, i) => {
      const copy = ex === undefined ? undefined : (f.hooks.forkExecutor?.(f, f.threads[i]!.pir) ?? ex);
      if (copy !== undefined && tb !== undefined) copy.timeBaseSource = tb;
      return copy;
    });
    f.fwCpu = f.firmwareInterpreter();
    return f;
  }

  /** Move the queued call `owner.method` to `cycle`, keeping its place among same-cycle actions. */
  retargetCall(owner: object, method: string, cycle: number): boolean {
    return this.queue.retarget((e) => e.call?.owner === owner && e.call.method === method, cycle);
  }

  // ------------------------------------------------------------ observation

  snapshotThreads(): ThreadSnapshot[] {
    return this.threads.map((t) => t.snapshot());
  }

  /**
   * The threads as software would read them now, for reports: a counting decrementer (cost-2,
   * clocks running) shows its architected value instead of the stored time-base-0 form that
   * snapshots, forks and digests carry (sim/cpu/state.ts DEC_SLOT). Never restore these.
   */
  architectedThreads(): ThreadSnapshot[] {
    const snaps = this.snapshotThreads();
    const tb = this.countingTimeBase();
    if (tb !== undefined) for (const s of snaps) decrementerToValue(s.r, tb);
    return snaps;
  }

  /** Digest of memory and every thread (checkpoints, determinism checks). */
  digest(): Digest {
    const h = new Digester().text(this.mem.digest()).f64(this.currentCycle);
    for (const t of this.threads) h.u32(t.pir).u32Array(t.r).text(t.run);
    return h.done();
  }

  /** `opal-entry-address` as skiboot published it (0 when no OPAL is up). */
  opalEntryAddress(): bigint {
    const p = this.dt.get(DT_OPAL_NODE, 'opal-entry-address');
    return p === undefined ? 0n : (readU64s(p)[0] ?? 0n);
  }
}

function describeProp(v: Uint8Array): string {
  if (v.length === 0) return '(empty)';
  if (v.length % 8 === 0 && v.length <= 64) return readU64s(v).map((x) => hex(x)).join(' ');
  const zero = v.indexOf(0);
  if (zero === v.length - 1 && v.subarray(0, zero).every((b) => b >= 0x20 && b < 0x7f)) return JSON.stringify(new TextDecoder().decode(v.subarray(0, zero)));
  return `${v.length} bytes`;
}
