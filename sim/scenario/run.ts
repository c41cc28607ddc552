/**
 * Run one scenario end to end: power on, first kernel, crash(es), MPIPL, capture kernel, release,
 * re-registration — with the oracle judging every round. The harness plays user space (it crashes
 * the kernel at the planned cycle and writes release_mem) and gives each kernel its workloads.
 */
import { Machine } from '../machine/machine.js';
import { costModelFor } from '../machine/cost-model.js';
import type { IplKind, MachineHooks } from '../machine/machine.js';
import type { IplHandoff } from '../participants/platform.js';
import { Interpreter } from '../cpu/interpreter.js';
import type { Participant, TraceSink } from '../trace/events.js';
import { Oracle } from '../oracle/oracle.js';
import type { InvariantResult } from '../oracle/invariants.js';
import { registerView, type RegisterView } from '../cpu/state.js';
import type { CaptureOutput, CrashCause, FirmwareProfile, HostbootResult, LinuxKernel } from '../participants/firmware.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { ThreadSnapshot } from '../cpu/state.js';
import { SCRATCH_SIZE_BYTES, scratchArea, tampersKernelRanges, type CrashPoint, type OpalOp, type ScenarioSpec, type TableWrite } from './scenario.js';
import { patternPages } from './patterns.js';
import { validateScenarioExtensions } from './validate-extensions.js';
import { propU64s } from '../machine/device-tree.js';
import { DT_RESERVED, MDST_ENTRY_SIZE, MdstEntry, Ntuple, SkibootMap, SpirahNtuple } from '../participants/layout.js';
import { MpiplOp, OpalReboot, OpalToken } from '../participants/opal-api.js';
import { SyntheticWorkload } from '../workloads/synthetic.js';
import { loadWorkloadImage, startMachineCodeThread, type MachineCodeWorkload } from '../workloads/machine-code.js';
import { mpiplWorkload, type WorkloadImage } from '../workloads/bundled.js';
import { UsageError } from '../core/errors.js';
import { linuxOptionsOf } from '../firmware/profiles.js';
import { faultOfEscapedError, type FirmwareFault, type FirmwareFaultInfo } from '../firmware/guard.js';
import { digestText } from '../core/digest.js';
import { Slot } from '../cpu/state.js';
import type { Executor } from '../cpu/executor.js';
import { hex } from '../core/u64.js';
import type { MdrtRecord } from '../oracle/readers.js';

export interface CrashReport {
  readonly cycle: number;
  readonly pir: number;
  readonly cause: string;
  readonly clockStopCycle: number | undefined;
  /** The crashing thread at the panic cycle. */
  readonly registers: RegisterView;
  readonly mdrt: readonly MdrtRecord[];
  readonly mpiplBoot: boolean;
}

export interface RunResult {
  readonly verdict: 'pass' | 'fail';
  readonly spec: ScenarioSpec;
  readonly crashes: readonly CrashReport[];
  readonly invariants: readonly InvariantResult[];
  readonly finalCycle: number;
  /** Digest of memory and every thread at the end (computed on first use: hashing all of RAM is not free). */
  readonly finalDigest: string;
  /** Why the run stopped early, if it did (cycle limit). */
  readonly note: string | undefined;
  /** A plugin's participant failed (sim/firmware/guard.ts): the run stopped there, `firmware-sane` fails. */
  readonly fault?: FirmwareFaultInfo;
  /**
   * Rounds whose MPIPL booted with preserved data, so that a dump was there to judge. A passing run
   * with none judged only the reboots: `run` does not call that a PASS (design section 6).
   */
  readonly dumpsTaken: number;
}

/**
 * Per-thread arenas for workloads, all inside the registered boot memory (so what the threads
 * write is what fadump copies): consecutive slices of the first boot-memory region with room
 * above the kernel (0–17 MiB) and the machine-code image (linked at 0x0400_0000); 1 MiB each, less
 * when many threads share a small region.
 */
const ARENA_SIZE_MAX_BYTES = 0x10_0000;
const ARENA_SIZE_MIN_BYTES = 0x1_0000;
const LOW_ARENA_BASE = 0x0800_0000;
/** Kernel data the harness keeps high in RAM (dumped in place through an identity PT_LOAD). */
export const HIGH_ARENA_OFFSET_FROM_TOP = SCRATCH_SIZE_BYTES + 0x0400_0000;
const HIGH_DATA_PAGES = 32;

export interface Arena {
  readonly base: number;
  readonly sizeBytes: number;
}

export function arenasFor(spec: ScenarioSpec, threads: number): Arena[] {
  for (const r of linuxOptionsOf(spec).bootMemRegions) {
    const start = Math.max(r.startBytes, LOW_ARENA_BASE);
    const room = r.startBytes + r.sizeBytes - start;
    const size = Math.min(ARENA_SIZE_MAX_BYTES, Math.floor(room / threads / ARENA_SIZE_MIN_BYTES) * ARENA_SIZE_MIN_BYTES);
    if (size >= ARENA_SIZE_MIN_BYTES) return Array.from({ length: threads }, (_, i) => ({ base: start + i * size, sizeBytes: size }));
  }
  throw new UsageError(`no boot-memory region has room above 0x${LOW_ARENA_BASE.toString(16)} for ${threads} workload arenas`);
}

export type WorkloadFactory = (m: Machine, pir: number, arena: { base: number; sizeBytes: number }) => Executor;

/** The synthetic workload: registers seeded per thread and per boot from the run's seed. */
export const syntheticWorkload: WorkloadFactory = (m, pir, arena) => {
  const t = m.thread(pir);
  const prng = m.prng(`workload/boot${m.bootCount}/pir${pir}`);
  for (let g = 0; g < 32; g++) t.setGpr(g, prng.u64());
  t.setGpr(3, BigInt(arena.base));
  t.setGpr(4, BigInt(arena.sizeBytes));
  t.setGpr(31, prng.u64() | 1n);
  t.cr = prng.u32();
  t.set(Slot.LR, 0x10_0000n);
  t.set(Slot.CTR, prng.u64());
  t.set(Slot.NIP, 0x10_0000n);
  return new SyntheticWorkload();
};

export interface CaptureView {
  readonly machine: Machine;
  readonly round: number;
  readonly capture: CaptureOutput;
  /** Memory and threads at the clock-stop cycle of this round (the oracle's snapshot). */
  readonly clockStop: { readonly cycle: number; readonly mem: PhysicalMemory; readonly threads: readonly ThreadSnapshot[] } | undefined;
  readonly panic: { readonly cycle: number; readonly pir: number; readonly threads: readonly ThreadSnapshot[] } | undefined;
}

export interface RunOptions {
  readonly sink: TraceSink;
  readonly profile: FirmwareProfile;
  readonly workload?: WorkloadFactory;
  /** Emit checkpoints (recording and replay). */
  readonly checkpointEveryCycles?: number;
  /**
   * Called when a capture kernel has processed a dump (before user space releases it), with the
   * machine and the clock-stop snapshot: `vmcore` and `report` read the exported files here.
   */
  readonly onCapture?: (c: CaptureView) => void;
  /** Stop the run at this cycle (bisecting to a cycle compares machine digests there). */
  readonly stopAtCycle?: number;
  /**
   * Called once with the machine where the run stopped (end, cycle limit or `stopAtCycle`),
   * before the result is built: `bisect diverge` diffs two machines' registers and memory pages
   * at a cycle, which a digest alone cannot explain.
   */
  readonly onStop?: (m: Machine) => void;
}

/**
 * The harness: user space and the platform around the participants. It crashes the kernel at the
 * planned point, gives each kernel its workloads, makes the scenario's extra OPAL calls and raw
 * table writes, releases captured dumps, and feeds the oracle. Its state is plain fields and its
 * scheduled work is method calls, so a fork of the machine carries a copy of it (Machine.fork).
 */
/** Far enough that a held crash never fires in a base run. */
const HELD_CRASH_DELAY_CYCLES = 2 ** 50;

export class ScenarioHarness implements MachineHooks {
  bootIndex = -1;
  crashesDone = 0;
  finished = false;
  codeWorkload: MachineCodeWorkload | undefined;
  /**
   * When set, planned crashes are queued for the far future instead of their cycle (a sweep's
   * base run); a fork moves its crash to the cycle it checks (Machine.retargetCall), keeping the
   * crash's place among the actions of that cycle exactly as a run planned at that cycle has it.
   */
  holdCrashes = false;
  /** User space asked for a reboot in this boot and the machine is going down: no crash lands any more. */
  rebooting = false;
  /** A CPU of this boot entered the panic path (or OPAL aborted): user space no longer runs. */
  crashedThisBoot = false;
  /** Coupled time: the scenario's OPAL calls that came due while the boot CPU was inside OPAL (opalOp). */
  waitingOps: OpalOp[] = [];

  readonly arenas: Arena[];

  constructor(
    readonly m: Machine,
    readonly spec: ScenarioSpec,
    readonly oracle: Oracle,
    readonly opts: RunOptions,
  ) {
    this.arenas = arenasFor(spec, m.threads.length);
  }

  /**
   * The kernel's own data beyond its image: seeded pages high in RAM (the vmcore exports them
   * identity-mapped) and in the last page of every boot-memory region (where an off-by-one-page
   * copy would lose them), unless a workload arena lies there.
   */
  private writeKernelData(): void {
    const prng = this.m.prng(`harness/kernel-data/boot${this.m.bootCount}`);
    const page = new Uint8Array(0x1000);
    const put = (at: number): void => {
      prng.fill(page);
      this.m.mem.writeBytes(at, page);
    };
    const high = this.m.config.ramSizeBytes - HIGH_ARENA_OFFSET_FROM_TOP;
    for (let k = 0; k < HIGH_DATA_PAGES; k++) put(high + k * 0x1_0000);
    for (const r of linuxOptionsOf(this.spec).bootMemRegions) {
      const last = r.startBytes + r.sizeBytes - page.length;
      if (!this.arenas.some((a) => last < a.base + a.sizeBytes && a.base < last + page.length)) put(last);
    }
  }

  onPanic(pir: number, cause: CrashCause): void {
    this.crashedThisBoot = true;
    this.oracle.onPanic(pir, cause);
  }

  onClockStop(h: IplHandoff): void {
    this.oracle.onClockStop(h);
  }

  afterPreservation(r: HostbootResult): void {
    this.oracle.afterPreservation(r);
  }

  beforeNormalIpl(): void {
    this.oracle.beforeNormalIpl();
  }

  beforeFastReboot(): void {
    this.oracle.beforeFastReboot();
  }

  beforeOpalCall(who: Participant, pir: number, token: number, args: readonly bigint[]): void {
    this.oracle.beforeOpalCall(who, pir, token, args);
  }

  afterUnjudgedOpalCall(pir: number): void {
    this.oracle.unjudgedOpalCallLeft(pir);
  }

  afterOpalCall(who: Participant, pir: number, token: number, args: readonly bigint[], rc: bigint, returned: boolean): void {
    this.oracle.afterOpalCall(who, pir, token, args, rc, returned);
  }

  onCheckstop(reason: string): void {
    this.oracle.onCheckstop(reason);
  }

  afterFirmwareBoot(kind: IplKind): void {
    this.oracle.afterFirmwareBoot(kind);
    const scratch = scratchArea(this.m.config.ramSizeBytes);
    this.m.dt.set(`${DT_RESERVED}/mpipl-sim,scratch`, 'reg', propU64s([BigInt(scratch.start), BigInt(scratch.sizeBytes)]));
    this.rewritePlatformReserved();
  }

  /**
   * The scenario's platform-reserved ranges: published in `/reserved-memory` and rewritten with
   * fresh seeded bytes at every IPL, as hostboot reloads the OCC/HOMER images (ScenarioSpec
   * .reservedRanges). Runs after the oracle judged the IPL's preservation, before Linux boots.
   */
  private rewritePlatformReserved(): void {
    const ranges = this.spec.reservedRanges ?? [];
    if (ranges.length === 0) return;
    const prng = this.m.prng(`harness/platform-reserved/boot${this.m.bootCount}`);
    ranges.forEach((r, i) => {
      this.m.dt.set(`${DT_RESERVED}/mpipl-sim,platform-${i}`, 'reg', propU64s([BigInt(r.startBytes), BigInt(r.sizeBytes)]));
      const bytes = new Uint8Array(r.sizeBytes);
      prng.fill(bytes);
      this.m.mem.writeBytes(r.startBytes, bytes);
    });
  }

  /** ScenarioSpec.patterns: seeded bytes around every range this boot's ops and table writes name. */
  private writePatterns(): void {
    const high = this.m.config.ramSizeBytes - HIGH_ARENA_OFFSET_FROM_TOP;
    const pages = patternPages(this.spec, this.bootIndex, this.arenas, { start: high, end: high + HIGH_DATA_PAGES * 0x1_0000 });
    if (pages.length === 0) return;
    const prng = this.m.prng(`harness/patterns/boot${this.m.bootCount}`);
    const page = new Uint8Array(0x1000);
    for (const at of pages) {
      prng.fill(page);
      this.m.mem.writeBytes(at, page);
    }
    this.m.emit('harness', 'harness-op', { note: `seeded patterns in ${pages.length} page(s)` });
  }

  makeExecutor(m: Machine, pir: number): Executor {
    const i = m.threads.findIndex((t) => t.pir === pir);
    if (this.codeWorkload !== undefined) return startMachineCodeThread(m, pir, this.arenas[i]!, this.codeWorkload);
    return (this.opts.workload ?? syntheticWorkload)(m, pir, this.arenas[i]!);
  }

  forkExecutor(m: Machine): Executor {
    return this.codeWorkload !== undefined ? new Interpreter({ opalEntryAddress: m.opalEntryAddress() }) : new SyntheticWorkload();
  }

  afterLinuxBoot(kind: IplKind, linux: LinuxKernel): void {
    const { m, spec, opts, oracle } = this;
    const round = oracle.rounds[oracle.rounds.length - 1];
    if (linux.capture !== undefined && round !== undefined && opts.onCapture !== undefined) {
      opts.onCapture({ machine: m, round: round.index, capture: linux.capture, clockStop: round.clockStop, panic: round.panic });
    }
    oracle.afterLinuxBoot(kind, linux);
    this.bootIndex++;
    this.rebooting = false;
    this.crashedThisBoot = false;
    this.waitingOps = [];
    const plan = spec.crashes[this.bootIndex];
    if (spec.config.workload === 'machine-code' && opts.workload === undefined) {
      const image = workloadImageFor(spec);
      loadWorkloadImage(m, image);
      const traps = new Map<number, number>();
      if (plan?.trapAfterIterations !== undefined) traps.set(plan.pir, plan.trapAfterIterations);
      this.codeWorkload = { image, trapAfterIterations: traps };
    }
    m.startWorkloads();
    this.writeKernelData();
    this.writePatterns();
    const captured = linux.capture !== undefined;
    for (const op of spec.ops) if (op.boot === this.bootIndex) m.scheduleCall(op.afterBootCycles, `harness ${op.call}`, this, 'opalOp', op);
    for (const w of spec.tableWrites) if (w.boot === this.bootIndex) m.scheduleCall(w.afterBootCycles, `harness ${w.table} write`, this, 'tableWrite', w);
    for (const r of spec.reboots ?? []) if (r.boot === this.bootIndex) m.scheduleCall(r.afterBootCycles, 'user space: reboot', this, 'rebootNow');
    if (captured) m.scheduleCall(spec.releaseAfterCycles, 'user space: release_mem', this, 'release');
    if (plan === undefined) {
      // No more crashes: let the last kernel run a little (and release its dump), then stop.
      m.scheduleCall(spec.releaseAfterCycles * 2, 'end of scenario', this, 'finish');
      return;
    }
    if (plan.trapAfterIterations !== undefined) {
      this.crashesDone++; // the guest crashes itself: its trap enters the panic path
      return;
    }
    if (plan.inOpalCall !== undefined) {
      // Coupled time: the machine calls onFirmwareMark that many instructions into that call.
      m.markOpalCall(plan.inOpalCall.call, plan.inOpalCall.instructions);
      return;
    }
    const label = `crash PIR ${hex(plan.pir)}`;
    if (this.holdCrashes) return m.scheduleCall(HELD_CRASH_DELAY_CYCLES, label, this, 'crashNow', plan.pir);
    if (plan.atCycle !== undefined) m.scheduleCall(Math.max(0, plan.atCycle - m.cycle()), label, this, 'crashNow', plan.pir);
    else m.scheduleCall((captured && plan.beforeRelease !== true ? spec.releaseAfterCycles : 0) + (plan.afterBootCycles ?? 0), label, this, 'crashNow', plan.pir);
  }

  /**
   * In a fork of a base run (holdCrashes): move the held crash to `cycle` — or to now, if that has
   * passed, exactly as a run planned at `cycle` would have queued it. False if none is held.
   */
  releaseHeldCrash(cycle: number): boolean {
    this.holdCrashes = false;
    return this.m.retargetCall(this, 'crashNow', Math.max(cycle, this.m.cycle()));
  }

  /** CrashPoint.inOpalCall reached: the caller (onCaller) or the plan's thread crashes now. */
  onFirmwareMark(callerPir: number): void {
    const plan = this.spec.crashes[this.bootIndex];
    if (plan?.inOpalCall === undefined) return;
    this.crashNow(plan.inOpalCall.onCaller === true ? callerPir : plan.pir);
  }

  crashNow(pir: number): void {
    if (this.rebooting) return; // the CPUs are in firmware, rebooting: the planned crash is never reached
    this.crashesDone++;
    const plan: CrashPoint | undefined = this.spec.crashes[this.bootIndex];
    for (const a of plan?.alsoPanic ?? []) this.m.scheduleCall(a.afterCycles, `crash PIR ${hex(a.pir)} (also)`, this, 'alsoPanicNow', a.pir);
    if (plan?.source === 'opal') return this.opalAbort(pir);
    this.m.crash(pir, 'injected');
  }

  /** A further CPU panics while the first may still be in the crash path (CrashPoint.alsoPanic). */
  alsoPanicNow(pir: number): void {
    this.m.crash(pir, 'injected');
  }

  /**
   * OPAL aborts while serving a call from `pir` (CrashPoint.source 'opal'): skiboot's abort calls
   * platform.terminate like OPAL_CEC_REBOOT2(MPIPL) does (spec step 14). Where MPIPL is not armed
   * that ends in a normal reboot, as skiboot's terminate falls back to one.
   */
  private opalAbort(pir: number): void {
    const m = this.m;
    this.crashedThisBoot = true;
    m.emit('harness', 'crash', { pir, cause: 'opal-abort' });
    m.opalCallAs('harness', pir, OpalToken.CEC_REBOOT2, [OpalReboot.MPIPL, 0n]);
    if (!m.goingDown()) m.requestNormalReboot('OPAL abort: MPIPL not possible');
  }

  release(): void {
    this.m.linux?.release(this.m);
  }

  /**
   * User space reboots (ScenarioSpec.reboots): OPAL_CEC_REBOOT2(FAST) first, as a kernel configured
   * for fast reset asks; when skiboot refuses (it returns), OPAL_CEC_REBOOT.
   */
  rebootNow(): void {
    const m = this.m;
    // After a panic (or an OPAL abort) user space is gone, and a machine going down reboots anyway.
    if (this.kernelStopped()) return;
    const pir = m.threads[0]!.pir;
    m.emit('harness', 'harness-op', { note: 'user space: reboot (fast reboot asked first)' });
    m.opalCallAs('harness', pir, OpalToken.CEC_REBOOT2, [OpalReboot.FAST, 0n]);
    if (!m.goingDown()) m.opalCallAs('harness', pir, OpalToken.CEC_REBOOT, []);
    this.rebooting = m.goingDown();
  }

  finish(): void {
    this.finished = true;
  }

  /** This boot's kernel panicked (or OPAL aborted) or the machine is going down: no driver or user space runs. */
  private kernelStopped(): boolean {
    return this.crashedThisBoot || this.m.goingDown();
  }

  opalOp(op: OpalOp): void {
    // The ops are a kernel driver's calls: once this boot's kernel panicked, no driver runs (Linux
    // stops the other CPUs first thing in its crash path), and a machine going down takes no calls.
    if (this.kernelStopped()) return;
    // Coupled time: the boot CPU makes one OPAL call at a time; a call due while it is still inside
    // an earlier one (or while others wait) waits, in order, for it to come back.
    if (this.waitingOps.length === 0 && !this.m.inOpal(this.m.threads[0]!.pir)) return harnessOpalCall(this.m, op);
    if (this.waitingOps.push(op) === 1) this.m.scheduleCall(1, 'harness: OPAL calls waiting', this, 'nextWaitingOp');
  }

  /** Every cycle while calls wait: the first one goes as soon as the boot CPU is out of OPAL. */
  nextWaitingOp(): void {
    if (this.kernelStopped()) return void (this.waitingOps = []);
    if (!this.m.inOpal(this.m.threads[0]!.pir)) harnessOpalCall(this.m, this.waitingOps.shift()!);
    if (this.waitingOps.length > 0) this.m.scheduleCall(1, 'harness: OPAL calls waiting', this, 'nextWaitingOp');
  }

  tableWrite(w: TableWrite): void {
    this.m.overlapCoupledCalls();
    harnessTableWrite(this.m, w);
  }

  /** Run to the end (or the options' stop) and build the result; a plugin's fault ends the run as a finding. */
  complete(): RunResult {
    const { m, spec, opts } = this;
    const limit = Math.min(spec.maxCycles, opts.stopAtCycle ?? Infinity);
    try {
      m.runUntil(limit, () => this.finished);
    } catch (e) {
      const fault = faultOfEscapedError(e, opts.profile);
      if (fault === undefined) throw e;
      return this.faulted(fault);
    }
    opts.onStop?.(m);
    const stoppedEarly = opts.stopAtCycle !== undefined && !this.finished;
    const note = this.finished || stoppedEarly ? undefined : this.m.checkstopReason !== undefined ? `the machine checkstopped: ${this.m.checkstopReason}` : `stopped at the cycle limit ${spec.maxCycles} with ${spec.crashes.length - this.crashesDone} crash(es) not reached`;
    return this.result(note, undefined);
  }

  /** The result of a run a firmware fault stopped: what was judged so far, and `firmware-sane` failing. */
  faulted(fault: FirmwareFault): RunResult {
    return this.result(`stopped by a firmware fault: ${fault.message}`, fault);
  }

  private result(note: string | undefined, fault: FirmwareFault | undefined): RunResult {
    const { m, opts, oracle, spec } = this;
    const crashes: CrashReport[] = oracle.rounds.map((round) => {
      const panic = round.panic;
      const snap = panic?.threads.find((t) => t.pir === panic.pir) ?? round.clockStop?.threads[0];
      return {
        cycle: panic?.cycle ?? round.clockStop?.cycle ?? 0,
        pir: panic?.pir ?? -1,
        // A round without a panic is a clock stop OPAL started itself.
        cause: panic?.cause ?? 'firmware',
        clockStopCycle: round.clockStop?.cycle,
        registers: registerView(snap ?? m.threads[0]!.snapshot()),
        mdrt: round.mdrt,
        mpiplBoot: round.mpiplBoot,
      };
    });
    const verdict = oracle.ok && note === undefined ? 'pass' : 'fail';
    if (opts.checkpointEveryCycles !== undefined) m.checkpoint();
    let digest: string | undefined;
    const invariants = fault === undefined ? oracle.results : [...oracle.results, firmwareSane(fault, Math.max(0, oracle.rounds.length - 1), m.cycle())];
    return {
      verdict,
      spec,
      crashes,
      invariants,
      finalCycle: m.cycle(),
      get finalDigest(): string {
        digest ??= m.digest();
        return digest;
      },
      note,
      ...(fault === undefined ? {} : { fault: fault.info }),
      dumpsTaken: oracle.rounds.filter((r) => r.mpiplBoot).length,
    };
  }
}

function firmwareSane(fault: FirmwareFault, round: number, cycle: number): InvariantResult {
  return { id: 'firmware-sane', ok: false, detail: fault.message, round, cycle };
}

/** Build the machine, its oracle and harness for a scenario, powered on. */
export function startScenario(spec: ScenarioSpec, opts: RunOptions): ScenarioHarness {
  validateScenarioExtensions(spec);
  const m = new Machine(spec.config, opts.profile, spec.seed, opts.sink, costModelFor(spec.timeMode), spec.timeMode ?? 'charged');
  m.checkpointEveryCycles = opts.checkpointEveryCycles;
  // The platform rewrites its reserved ranges at every IPL: declared IPL scratch, like firmware's.
  const platformScratch = (spec.reservedRanges ?? []).map((r) => ({ start: r.startBytes, sizeBytes: r.sizeBytes }));
  const firmwareScratch = [...(opts.profile.firmwareScratch ?? []), ...platformScratch];
  const oracle = new Oracle(m, {
    skibootImageBytes: opts.profile.images().skiboot.length,
    ...(firmwareScratch.length === 0 ? {} : { firmwareScratch }),
    judgeVmcore: !tampersKernelRanges(spec),
    ...(spec.tableWrites.length === 0 ? {} : { judgeInFlightCalls: false }),
    faults: spec.faults,
    scenarioRanges: spec.ops.filter((o) => o.call === 'ADD_RANGE').map((o) => ({ src: BigInt(o.args[0] ?? '0'), dest: BigInt(o.args[1] ?? '0') })),
  });
  const harness = new ScenarioHarness(m, spec, oracle, opts);
  m.hooks = harness;
  return harness;
}

export function runScenario(spec: ScenarioSpec, opts: RunOptions): RunResult {
  let harness: ScenarioHarness | undefined;
  try {
    harness = startScenario(spec, opts);
    harness.m.powerOn();
  } catch (e) {
    const fault = faultOfEscapedError(e, opts.profile);
    if (fault === undefined) throw e;
    return harness === undefined ? unbuiltResult(spec, fault) : harness.faulted(fault);
  }
  return harness.complete();
}

/** A plugin that fails while the machine is built (its makeSbe) leaves no machine to judge. */
function unbuiltResult(spec: ScenarioSpec, fault: FirmwareFault): RunResult {
  return {
    verdict: 'fail',
    spec,
    crashes: [],
    invariants: [firmwareSane(fault, 0, 0)],
    finalCycle: 0,
    finalDigest: digestText(`no machine: ${fault.message}`),
    note: `stopped by a firmware fault: ${fault.message}`,
    fault: fault.info,
    dumpsTaken: 0,
  };
}

const OP_TOKENS: Record<OpalOp['call'], [number, bigint | undefined]> = {
  ADD_RANGE: [OpalToken.MPIPL_UPDATE, MpiplOp.ADD_RANGE],
  REMOVE_RANGE: [OpalToken.MPIPL_UPDATE, MpiplOp.REMOVE_RANGE],
  REMOVE_ALL: [OpalToken.MPIPL_UPDATE, MpiplOp.REMOVE_ALL],
  FREE_PRESERVED_MEMORY: [OpalToken.MPIPL_UPDATE, MpiplOp.FREE_PRESERVED_MEMORY],
  REGISTER_TAG: [OpalToken.MPIPL_REGISTER_TAG, undefined],
};

/** The harness as a kernel driver: an OPAL call on the boot CPU. */
function harnessOpalCall(m: Machine, op: OpalOp): void {
  const [token, ops] = OP_TOKENS[op.call];
  const args = op.args.map((a) => BigInt(a));
  // Coupled time: on the boot CPU's hardware thread, so a crash can land inside the call.
  m.opalCallOnThread('linux', m.threads[0]!.pir, token, ops === undefined ? args : [ops, ...args]);
}

/** The harness as a rogue kernel: write an MDST/MDDT entry (and maybe act_cnt) directly. */
function harnessTableWrite(m: Machine, w: TableWrite): void {
  const base = SkibootMap.SKIBOOT_BASE;
  const table = base + (w.table === 'MDST' ? SkibootMap.MDST_TABLE_OFF : SkibootMap.MDDT_TABLE_OFF);
  const at = table + (w.index % 64) * MDST_ENTRY_SIZE;
  m.mem.write64BE(at + MdstEntry.addr, BigInt(w.addr));
  m.mem.write8(at + MdstEntry.dataRegion, w.region & 0xff);
  m.mem.write32BE(at + MdstEntry.size, w.sizeBytes >>> 0);
  if (w.actCnt !== undefined) {
    const nt = w.table === 'MDST' ? SpirahNtuple.mdumpSrc : SpirahNtuple.mdumpDst;
    m.mem.write16BE(base + SkibootMap.SPIRAH_OFF + nt + Ntuple.actCnt, w.actCnt & 0xffff);
  }
  m.emit('harness', 'harness-op', { note: `raw ${w.table}[${w.index}] write`, addr: w.addr, size: w.sizeBytes, region: w.region });
}

/** The workload image a scenario runs: by name, in the kernel's byte order. */
export function workloadImageFor(spec: ScenarioSpec): WorkloadImage {
  const image = mpiplWorkload(spec.workloadName, spec.config.kernelEndian === 'little' ? 'le' : 'be');
  if (image === undefined) throw new UsageError(`workload "${spec.workloadName}" is not bundled (see workloads/manifest.json)`);
  return image;
}
