/**
 * The oracle: snapshots the machine itself at the panic and clock-stop cycles and judges each
 * MPIPL against design section 6. It reads memory, thread state and the device tree directly and
 * never calls into the firmware code it judges — except QUERY_TAG, which *is* the behaviour the
 * `tags` invariant judges, issued through the OPAL entry point like any caller.
 */
import type { Machine, MachineHooks, IplKind } from '../machine/machine.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { PAGE_SIZE } from '../mem/physical-memory.js';
import { comparePieces } from '../mem/byte-source.js';
import { Slot, snapGet, type ThreadSnapshot } from '../cpu/state.js';
import type { CrashCause, HostbootResult, LinuxKernel } from '../participants/firmware.js';
import type { IplHandoff } from '../participants/platform.js';
import type { Faults } from '../scenario/scenario.js';
import type { Participant } from '../trace/events.js';
import { hex } from '../core/u64.js';
import { DT_DUMP_NODE, FW_LOAD_AREA, HRMOR_BIT, SkibootMap, SpirahNtuple, CORE_STATE_INACTIVE, opalDumpSize } from '../participants/layout.js';
import { scratchArea } from '../scenario/scenario.js';
import { MpiplTag, OpalToken, rcName } from '../participants/opal-api.js';
import { changesTables, inFlightProblem, type InFlightCall } from './in-flight.js';
import { expectedPairs, whyInvalid, type Expectation, type Span } from './rules.js';
import { mdrtExactProblem, mdrtUntouchedProblem } from './mdrt-exact.js';
import { cpuFormatProblem, cpuPresenceProblem } from './cpu-format.js';
import { callWritableSpans, captureBefore, describeCall, opalCallProblem, type CallBefore } from './opal-calls.js';
import { actCnt, readTable, MDRT_BASE, METADATA, SPIRAH, parseCpuData, physical, readFadumpStruct, readMdrt, readMetadata, readProcDump, read16, read32, read64, tryRead, type MdrtRecord, type ParsedThread } from './readers.js';
import { EM_PPC64, ET_CORE, NT_PRSTATUS, parseCore, parseNotes, prstatusRegs, PRSTATUS_PID_OFFSET, PT_LOAD, PT_NOTE } from './elf-read.js';
import type { InvariantId, InvariantResult } from './invariants.js';

/** FADUMP_CRASH_INFO_MAGIC "FADMPSIG" (spec 3.5). */
const FADMPSIG = 0x4641444d50534947n;
/** FADUMP_CPU_UNKNOWN: crashing_cpu of a header no crash has written yet (spec 3.5). */
const FADUMP_CPU_UNKNOWN = 0xffff_ffff;
/** pt_regs words the comparisons use (spec 4.10). */
const PT = { nip: 32, msr: 33, ctr: 35, link: 36, xer: 37, ccr: 38 } as const;
/** Minimal HDAT thread record (QEMU v2: header + 34 entries): smaller areas may legitimately get no CPU data. */
const MIN_THREAD_RECORD_BYTES = 24 + 16 * 34;

interface Panic {
  readonly cycle: number;
  readonly pir: number;
  readonly cause: CrashCause;
  readonly threads: ThreadSnapshot[];
}

interface ClockStop {
  readonly cycle: number;
  readonly handoff: IplHandoff;
  readonly threads: ThreadSnapshot[];
  readonly mem: PhysicalMemory;
  readonly expectation: Expectation;
}

/** What the oracle learned about one crash → IPL round. */
export interface Round {
  readonly index: number;
  panic: Panic | undefined;
  clockStop: ClockStop | undefined;
  mdrt: MdrtRecord[];
  cpuData: ParsedThread[] | undefined;
  mpiplBoot: boolean;
  /** At the panic, the kernel had fadump registered (metadata, regions and crash-info header in place). */
  fadumpArmed: boolean;
}

export interface OracleOptions {
  /** Bytes of the skiboot image hostboot loads: declared firmware scratch for no-collateral-writes. */
  readonly skibootImageBytes: number;
  /** Further ranges the firmware declares it rewrites during an IPL. */
  readonly firmwareScratch?: readonly { readonly start: number; readonly sizeBytes: number }[];
  /** False when the scenario changed the kernel's own table entries behind its back (see tampersKernelRanges). */
  readonly judgeVmcore?: boolean;
  /** The scenario's fault injections: a dropped stash makes "no MPIPL" the correct outcome. */
  readonly faults?: Faults;
  /**
   * The (src, dest) of every ADD_RANGE the scenario itself makes: a kernel region made invalid by
   * one of these is the scenario's doing (vmcore not judged); by anything else, a lost dump.
   */
  readonly scenarioRanges?: readonly { readonly src: bigint; readonly dest: bigint }[];
  /** False when the scenario writes table entries itself: the in-flight rule (in-flight.ts) assumes skiboot's own tables. */
  readonly judgeInFlightCalls?: boolean;
}

/** SIGUSR1: the OPAL core's crashing-thread signal for a kernel-initiated crash (spec 7.3). */
const SIGUSR1 = 10;
/** SIGTERM: the same note of a crash Linux cannot tell was kernel-initiated. */
const SIGTERM = 15;
/** pr_cursig in struct elf_prstatus (ppc64): after si_signo, si_code, si_errno. */
const PRSTATUS_CURSIG_OFFSET = 12;

/** OPAL calls judged since the last verdict was recorded, and the first problem among them. */
interface CallLedger {
  judged: number;
  problem: string | undefined;
}

export class Oracle implements MachineHooks {
  readonly rounds: Round[] = [];
  readonly results: InvariantResult[] = [];
  private current: Round | undefined;
  /**
   * Memory when the call in progress entered OPAL: the judged blocks as bytes (the rest of RAM is
   * watched by the memory itself, PhysicalMemory.beginWatch), and whether the dump node was there.
   */
  private callBefore: { blocks: CallBefore; dumpPublished: boolean; cycle: number } | undefined;
  /**
   * Coupled time: OPAL calls entered and not yet returned, oldest first (sim/oracle/in-flight.ts).
   * A call its caller's crash interrupted stays here under the calls that PIR makes afterwards.
   */
  private readonly inFlight: InFlightCall[] = [];
  private calls: CallLedger = { judged: 0, problem: undefined };
  /** Memory when a normal IPL began (copy-on-write): judged once skiboot is up. */
  private normalIplBefore: PhysicalMemory | undefined;
  /** Memory and the device tree's mpipl-boot when a fast reboot began: judged once skiboot is up. */
  private fastRebootBefore: PhysicalMemory | undefined;
  /**
   * Crash-info headers that looked armed when the machine rebooted without a crash (a user-space
   * reboot): the next kernel finds them in memory before it registers, so from then on such a
   * header proves nothing about this boot (our kernel re-initialises it with the same bytes).
   */
  private staleHeaders: number[] = [];

  constructor(
    private readonly m: Machine,
    private readonly options: OracleOptions,
  ) {}

  get ok(): boolean {
    return this.results.every((r) => r.ok);
  }

  private record(id: InvariantId, ok: boolean, detail: string, notJudgedCause?: string): void {
    const round = Math.max(0, this.current?.index ?? this.rounds.length - 1);
    const judged = notJudgedCause === undefined;
    const r: InvariantResult = judged ? { id, ok, detail, round, cycle: this.m.cycle(), judged } : { id, ok, detail, round, cycle: this.m.cycle(), judged, notJudgedCause };
    this.results.push(r);
    this.m.emit('oracle', 'invariant', judged ? { id, ok, detail, round } : { id, ok, detail, round, notJudged: notJudgedCause });
  }

  /**
   * A verdict from outside the oracle's own checks (the machine's firmware-fault detection records
   * `firmware-sane` through this), in the current round.
   */
  report(id: InvariantId, ok: boolean, detail: string): void {
    this.record(id, ok, detail);
  }

  /**
   * Run one check; an exception while judging (garbage the readers did not expect) is itself a
   * failed verdict of the invariant being judged, so `check` shrinks it like any other finding.
   */
  private judge(id: InvariantId, check: () => void): void {
    try {
      check();
    } catch (e) {
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.record(id, false, `oracle error while judging (${why}): the firmware left data the format does not allow`);
    }
  }

  // ------------------------------------------------------------------ hooks

  onPanic(pir: number, cause: CrashCause): void {
    if (this.current !== undefined && this.current.panic !== undefined) return; // a second CPU: the first one won
    this.current = { index: this.rounds.length, panic: undefined, clockStop: undefined, mdrt: [], cpuData: undefined, mpiplBoot: false, fadumpArmed: false };
    this.rounds.push(this.current);
    this.current.panic = { cycle: this.m.cycle(), pir, cause, threads: this.m.snapshotThreads() };
    this.current.fadumpArmed = tryRead(() => this.fadumpArmed(this.m.mem)) ?? false;
  }

  onClockStop(handoff: IplHandoff): void {
    if (this.current === undefined) {
      // Clocks stopped without a kernel panic (an OPAL-initiated terminate): still a round.
      this.current = { index: this.rounds.length, panic: undefined, clockStop: undefined, mdrt: [], cpuData: undefined, mpiplBoot: false, fadumpArmed: false };
      this.rounds.push(this.current);
    }
    const mem = this.m.mem.snapshot();
    this.judgeInFlight(mem, handoff.skibootBase);
    this.flushCalls();
    let expectation: Expectation;
    try {
      expectation = expectedPairs(mem, handoff.skibootBase);
    } catch (e) {
      // Tables no reader can make sense of: hostboot must take the normal-reboot path (section 5).
      if (!(e instanceof Error)) throw e;
      expectation = { preservationExpected: false, validPairs: [], reasonText: `tables unreadable (${e.message}): normal reboot expected` };
    }
    this.current.clockStop = { cycle: this.m.cycle(), handoff, threads: this.m.snapshotThreads(), mem, expectation };
  }

  // ------------------------------------------------------------------ OPAL calls (registration-effective)

  beforeOpalCall(_who?: Participant, callerPir?: number, token?: number, args?: readonly bigint[]): void {
    this.callBefore = { blocks: captureBefore(this.m.mem), dumpPublished: this.m.dt.hasNode(DT_DUMP_NODE), cycle: this.m.cycle() };
    this.m.mem.beginWatch();
    if (callerPir === undefined || token === undefined || args === undefined) return;
    if (changesTables(token)) for (const c of this.inFlight) c.overlapped = true;
    this.inFlight.push({ pir: callerPir, token, args, before: this.callBefore.blocks, dumpPublished: this.callBefore.dumpPublished, overlapped: false });
  }

  /** A call returned: it is no longer in flight. */
  private opalCallLeft(callerPir: number): void {
    const i = this.inFlight.map((c) => c.pir).lastIndexOf(callerPir);
    if (i >= 0) this.inFlight.splice(i, 1);
  }

  /**
   * A call returned that the per-call judgement skips (it overlapped another call in coupled time).
   * Every call in flight is then unjudged too, so the write watch the latest of them started
   * judges nothing: end it.
   */
  unjudgedOpalCallLeft(callerPir: number): void {
    this.opalCallLeft(callerPir);
    if (this.callBefore === undefined) return;
    this.callBefore = undefined;
    this.m.mem.endWatch();
  }

  /** At the clock stop: the updates still in flight must not have lost a registration (in-flight.ts). */
  private judgeInFlight(clockStop: PhysicalMemory, stashedBase: bigint | undefined): void {
    const calls = this.inFlight.splice(0);
    if (this.options.judgeInFlightCalls === false || this.calls.problem !== undefined) return;
    const facts = { ramSizeBytes: this.m.config.ramSizeBytes, cpuMaxPir: this.m.topology.cpuMaxPir };
    for (const c of calls) {
      let problem: string | undefined;
      try {
        problem = inFlightProblem(clockStop, c, stashedBase, facts);
      } catch (e) {
        problem = `oracle error while judging an OPAL call in flight (${e instanceof Error ? e.message : String(e)})`;
      }
      if (problem === undefined) continue;
      this.calls.problem = problem;
      this.record('registration-effective', false, problem);
      return;
    }
  }

  afterOpalCall(_who: Participant, callerPir: number, token: number, args: readonly bigint[], rc: bigint, returned: boolean): void {
    this.opalCallLeft(callerPir);
    const before = this.callBefore;
    this.callBefore = undefined;
    // The pages the call wrote, each with its bytes before the call.
    const written = before === undefined ? [] : this.m.mem.endWatch();
    if (before === undefined || this.calls.problem !== undefined) return;
    this.calls.judged++;
    const facts = { ramSizeBytes: this.m.config.ramSizeBytes, cpuMaxPir: this.m.topology.cpuMaxPir };
    let problem: string | undefined;
    try {
      const call = { token, args, rc, returned, dumpPublished: before.dumpPublished };
      problem = opalCallProblem(before.blocks, this.m.mem, call, facts);
      // A call that took cycles (coupled time) ran beside the other threads, whose own stores land
      // in the same watch: page-level watching cannot tell them from the call's, so only a call
      // that ran within one step (charged time) is judged for stray writes (docs/invariants.md).
      if (problem === undefined && this.m.cycle() === before.cycle) {
        const stray = firstUndeclaredWriteIn(written, this.m.mem, callWritableSpans(call, facts));
        if (stray !== undefined) problem = `${describeCall(call)} returned ${returned ? rcName(rc) : '(no return)'} and wrote outside its tables, the metadata area and skiboot's reservations: ${stray}`;
      }
    } catch (e) {
      problem = `oracle error while judging an OPAL call (${e instanceof Error ? e.message : String(e)})`;
    }
    if (problem === undefined) return;
    // Recorded at once (a finding must not wait for a crash that may never come); later calls of
    // this stretch are not judged, their tables already being off the spec's path.
    this.calls.problem = problem;
    this.record('registration-effective', false, problem);
  }

  /** At a round's clock stop (or its normal reboot): the verdict on the calls made since the last one. */
  private flushCalls(): void {
    const c = this.calls;
    this.calls = { judged: 0, problem: undefined };
    if (c.problem !== undefined || c.judged === 0) return;
    this.record('registration-effective', true, `${c.judged} OPAL call(s) did exactly what their return codes say`);
  }

  // ------------------------------------------------------------------ normal IPL

  beforeNormalIpl(): void {
    this.inFlight.length = 0;
    this.normalIplBefore = this.m.mem.snapshot();
    this.noteStaleHeader();
  }

  /** A reboot without a round in progress: an armed-looking header left behind is stale from now on. */
  private noteStaleHeader(): void {
    if (this.current !== undefined) return;
    const hdr = tryRead(() => this.armedHeader(this.m.mem));
    if (hdr !== undefined && !this.staleHeaders.includes(hdr)) this.staleHeaders.push(hdr);
  }

  /**
   * A normal IPL (no crash, a crash without fadump, a failed or aborted MPIPL): memory outside the
   * areas an IPL declares it rewrites (skiboot's image and tables, fw-load-area, the profile's
   * firmwareScratch) is what it was, MDRT is untouched, and `mpipl-boot` is absent.
   */
  private checkNormalIpl(before: PhysicalMemory, mpiplBootJudged: boolean): void {
    this.judge('no-collateral-writes', () => {
      const declared: Span[] = [
        { start: SkibootMap.SKIBOOT_BASE, end: MDRT_BASE },
        { start: MDRT_BASE + SkibootMap.MDRT_TABLE_SIZE, end: SkibootMap.SKIBOOT_BASE + SkibootMap.SKIBOOT_SIZE },
        ...FW_LOAD_AREA.map(([s, n]) => ({ start: s, end: s + n })),
        ...(this.options.firmwareScratch ?? []).map((r) => ({ start: r.start, end: r.start + r.sizeBytes })),
      ];
      const first = firstUndeclaredWrite(this.m.mem, before, declared);
      this.record('no-collateral-writes', first === undefined, first === undefined ? 'normal IPL: memory outside the declared IPL areas is unchanged' : `normal IPL: ${first}`);
    });
    this.judge('mdrt-exact', () => {
      const problem = mdrtUntouchedProblem(this.m.mem, before);
      this.record('mdrt-exact', problem === undefined, problem ?? 'normal IPL: MDRT left as it was');
    });
    if (!mpiplBootJudged) {
      const present = this.mpiplBootNow();
      this.record('mpipl-boot', !present, `normal IPL; mpipl-boot ${present ? 'present (stale)' : 'absent'}`);
    }
  }

  // ------------------------------------------------------------------ fast reboot

  beforeFastReboot(): void {
    this.fastRebootBefore = this.m.mem.snapshot();
    this.noteStaleHeader();
  }

  /**
   * A fast reboot (skiboot reboots the machine itself, no hostboot; docs/modelling-choices.md):
   * skiboot may rewrite its own image and stacks and may clear memory nobody reserved
   * (mem_region_clear_unused), nothing else. `opal_mpipl_init` does not run (spec step 5), so
   * SPIRA-H, MDST, MDDT, the metadata area and MDRT are as they were, the memory the spec and the
   * platform reserve is untouched, and `mpipl-boot` is absent: after an MPIPL boot skiboot must
   * refuse a fast reboot (spec step 21), or the next kernel would take a dump that is not there.
   */
  private checkFastReboot(before: PhysicalMemory, mpiplBootJudged: boolean): void {
    const skibootOwn = { start: SkibootMap.SKIBOOT_BASE, end: SkibootMap.SKIBOOT_BASE + opalDumpSize(this.m.topology.cpuMaxPir) };
    const mpiplBlocks: Span[] = [
      { start: SPIRAH, end: SkibootMap.SKIBOOT_BASE + SkibootMap.PROC_DUMP_AREA_OFF + SkibootMap.PROC_DUMP_AREA_SIZE },
      { start: SkibootMap.SKIBOOT_BASE + SkibootMap.MDST_TABLE_OFF, end: SkibootMap.SKIBOOT_BASE + SkibootMap.MDDT_TABLE_OFF + SkibootMap.MDDT_TABLE_SIZE },
      { start: MDRT_BASE, end: METADATA + SkibootMap.DUMP_METADATA_AREA_SIZE },
    ];
    const opalDump = skibootOwn.end;
    const scratch = scratchArea(this.m.config.ramSizeBytes);
    const keep: Span[] = [
      ...mpiplBlocks,
      // ibm,firmware-dump and ibm,firmware-arch-registers (spec step 4): at most 2 chips × 512 KiB.
      { start: opalDump, end: opalDump + (opalDump - SkibootMap.SKIBOOT_BASE) + this.m.config.chips * SkibootMap.ARCH_REGS_DATA_SIZE_PER_CHIP },
      ...(this.options.firmwareScratch ?? []).map((r) => ({ start: r.start, end: r.start + r.sizeBytes })),
      { start: scratch.start, end: scratch.start + scratch.sizeBytes },
    ];
    this.judge('no-collateral-writes', () => {
      const first = firstFastRebootWrite(this.m.mem, before, skibootOwn, keep);
      this.record('no-collateral-writes', first === undefined, first === undefined ? 'fast reboot: only skiboot’s own memory changed and unreserved memory was cleared' : `fast reboot: ${first}`);
    });
    this.judge('mdrt-exact', () => {
      const problem = mdrtUntouchedProblem(this.m.mem, before);
      this.record('mdrt-exact', problem === undefined, problem ?? 'fast reboot: MDRT left as it was');
    });
    if (!mpiplBootJudged) {
      const present = this.mpiplBootNow();
      this.record('mpipl-boot', !present, `fast reboot; mpipl-boot ${present ? 'present (stale: fast reboot after an MPIPL boot must be refused, spec step 21)' : 'absent'}`);
    }
  }

  afterPreservation(_result: HostbootResult): void {
    const round = this.current;
    const cs = round?.clockStop;
    if (round === undefined || cs === undefined) return;
    const mem = this.m.mem;
    // Without a usable base hostboot must not touch MDRT, which may still hold an older round.
    round.mdrt = cs.expectation.preservationExpected ? (tryRead(() => readMdrt(mem)) ?? []) : [];
    this.judge('mdrt-sound', () => this.checkMdrtSound(cs, round.mdrt));
    this.judge('mdrt-complete', () => this.checkMdrtComplete(cs, round.mdrt));
    this.judge('mdrt-exact', () => this.checkMdrtExact(cs));
    this.judge('no-collateral-writes', () => this.checkNoCollateralWrites(cs, round.mdrt));
    this.judge('crash-info', () => this.checkCrashInfo(round, cs));
    round.mpiplBoot = this.mpiplBootNow();
    const expected = cs.expectation.preservationExpected && cs.expectation.validPairs.length > 0;
    // skiboot stashes SKIBOOT_BASE in every SBE at each boot; unless the scenario drops the stash,
    // the SBE must hand exactly that to hostboot (a lost or wrong base silently costs the dump).
    const stashed = BigInt(SkibootMap.SKIBOOT_BASE);
    const baseOk = this.options.faults?.dropStash === true || cs.handoff.skibootBase === stashed;
    const baseText = baseOk ? '' : `; the SBE handed hostboot base ${cs.handoff.skibootBase === undefined ? 'none' : hex(cs.handoff.skibootBase)}, skiboot stashed ${hex(stashed)}`;
    this.record('mpipl-boot', round.mpiplBoot === expected && baseOk, `mpipl-boot ${round.mpiplBoot ? 'present' : 'absent'}, expected ${expected ? 'present' : 'absent'} (${cs.expectation.reasonText})${baseText}`);
  }

  /** The CPU data and the tags are judged as the next boot sees them (skiboot may relocate the proc dump area). */
  afterFirmwareBoot(kind: IplKind): void {
    const round = this.current;
    const normalBefore = this.normalIplBefore;
    this.normalIplBefore = undefined;
    if (normalBefore !== undefined) this.checkNormalIpl(normalBefore, round !== undefined && round.clockStop === undefined);
    const fastBefore = this.fastRebootBefore;
    this.fastRebootBefore = undefined;
    if (fastBefore !== undefined) this.checkFastReboot(fastBefore, round !== undefined && round.clockStop === undefined);
    if (round === undefined) return;
    if (round.clockStop === undefined) this.flushCalls(); // a round that ended in a normal reboot
    if (round.clockStop !== undefined) {
      const cs = round.clockStop;
      this.judge('cpu-state', () => this.checkCpuState(round, cs));
      this.judge('cpu-format', () => this.checkCpuFormat(cs));
      if (kind === 'mpipl') this.judge('tags', () => this.checkTags(round));
      return;
    }
    // A crash that ended in a normal reboot: right when fadump was not registered (or the stash was dropped).
    const mpiplExpected = round.fadumpArmed && this.options.faults?.dropStash !== true;
    const present = this.mpiplBootNow();
    const ok = !present && !mpiplExpected;
    const why = mpiplExpected ? '; fadump was registered at the panic, yet the clocks never stopped (no MPIPL)' : '';
    this.record('mpipl-boot', ok, `normal reboot; mpipl-boot ${present ? 'present' : 'absent'}${why}`);
  }

  afterLinuxBoot(_kind: IplKind, linux: LinuxKernel): void {
    const round = this.current;
    if (round === undefined) return;
    if (round.clockStop === undefined) this.flushCalls(); // a round that ended in a normal reboot
    if (round.clockStop !== undefined) {
      const cs = round.clockStop;
      this.judge('vmcore', () => this.checkVmcore(round, cs, linux));
      this.judge('opalcore', () => {
        // An OPAL abort while the kernel was still registering leaves no fresh crash-info header:
        // Linux then invalidates the whole dump (FREE_PRESERVED_MEMORY clears the OPAL tag too,
        // spec step 26), so no OPAL core is its correct answer. The scenario's timing caused it.
        const invalidated = round.panic === undefined && linux.capture?.opalcore === undefined && !(tryRead(() => this.fadumpArmed(cs.mem)) ?? false);
        if (invalidated) return this.record('opalcore', true, 'not judged: OPAL aborted before the kernel finished registering fadump, so Linux invalidated the dump', 'OPAL aborted before the kernel finished registering fadump (no fresh crash-info header), so Linux invalidated the dump');
        this.checkOpalcore(round, cs, linux);
      });
    }
    this.current = undefined; // the round is over once the next kernel is up
  }

  /**
   * Registered as Linux leaves it when registration completes: KERNEL tag set, its regions in
   * MDST/MDDT, and a freshly initialised crash-info header (magic, crashing_cpu still
   * FADUMP_CPU_UNKNOWN). A stale header from an earlier crash keeps the old PIR there, and a kernel
   * still re-registering after a release has not put its regions back yet: neither is armed.
   */
  private fadumpArmed(mem: PhysicalMemory): boolean {
    const hdr = this.armedHeader(mem);
    return hdr !== undefined && !this.staleHeaders.includes(hdr);
  }

  /** The crash-info header's address when fadump looks armed in `mem` (see fadumpArmed). */
  private armedHeader(mem: PhysicalMemory): number | undefined {
    const md = readMetadata(mem);
    if (md.kernelTag === 0n) return undefined;
    const endian = this.m.config.kernelEndian;
    const at = physical(md.kernelTag);
    const registered = tryRead(() => read16(mem, at + 6, endian)) ?? 0;
    if (registered === 0) return undefined;
    const hdr = tryRead(() => Number(read64(mem, at + 8, endian)));
    if (hdr === undefined) return undefined;
    if (tryRead(() => read64(mem, hdr, endian)) !== FADMPSIG || tryRead(() => read32(mem, hdr + 0x0c, endian)) !== FADUMP_CPU_UNKNOWN) return undefined;
    const n = Math.min(actCnt(mem, SpirahNtuple.mdumpSrc), actCnt(mem, SpirahNtuple.mdumpDst));
    const mdst = readTable(mem, SpirahNtuple.mdumpSrc, n);
    const mddt = readTable(mem, SpirahNtuple.mdumpDst, n);
    for (let i = 0; i < Math.min(registered, 128); i++) {
      const src = tryRead(() => read64(mem, at + 0x10 + 24 * i, endian));
      const dest = tryRead(() => read64(mem, at + 0x10 + 24 * i + 8, endian));
      if (src === undefined || dest === undefined) return undefined;
      if (!mdst.some((e, k) => e.addr === (src | HRMOR_BIT) && mddt[k]?.addr === (dest | HRMOR_BIT))) return undefined;
    }
    return hdr;
  }

  private mpiplBootNow(): boolean {
    return this.m.dt.has(DT_DUMP_NODE, 'mpipl-boot');
  }

  /** The machine checkstopped (a firmware fault): that is the verdict on this round, and nothing follows. */
  onCheckstop(reason: string): void {
    // A fault before the first crash belongs to round 0, the round it prevented.
    const round = this.current?.index ?? Math.max(0, this.rounds.length - 1);
    this.results.push({ id: 'firmware-sane', ok: false, detail: reason, round, cycle: this.m.cycle() });
    this.m.emit('oracle', 'invariant', { id: 'firmware-sane', ok: false, detail: reason, round });
  }

  // ------------------------------------------------------------------ invariants

  private checkMdrtSound(cs: ClockStop, mdrt: MdrtRecord[]): void {
    for (const e of mdrt) {
      if (e.size === 0) continue;
      const src = physical(e.src);
      const dest = physical(e.dest);
      if (!cs.mem.contains(src, e.size) || !this.m.mem.contains(dest, e.size)) {
        return this.record('mdrt-sound', false, `MDRT[${e.index}] src ${hex(e.src)} or dest ${hex(e.dest)} + ${hex(e.size)} lies outside RAM`);
      }
      const diff = this.m.mem.firstDifference(dest, cs.mem, src, e.size);
      if (diff >= 0) {
        return this.record('mdrt-sound', false, `MDRT[${e.index}] dest ${hex(dest)} differs from src ${hex(src)} at +${hex(diff)} (got ${hex(this.m.mem.read8(dest + diff))}, clock-stop ${hex(cs.mem.read8(src + diff))})`);
      }
    }
    this.record('mdrt-sound', true, `${mdrt.length} MDRT entries match clock-stop memory`);
  }

  private checkMdrtComplete(cs: ClockStop, mdrt: MdrtRecord[]): void {
    for (const v of cs.expectation.validPairs) {
      const found = mdrt.some((e) => (e.src & ~HRMOR_BIT) === (v.srcField & ~HRMOR_BIT) && (e.dest & ~HRMOR_BIT) === (v.destField & ~HRMOR_BIT) && e.size === v.size && e.region === v.region);
      if (!found) {
        return this.record('mdrt-complete', false, `valid pair ${v.index} (src ${hex(v.srcField)}, dest ${hex(v.destField)}, size ${hex(v.size)}, region ${hex(v.region)}) has no MDRT entry`);
      }
    }
    this.record('mdrt-complete', true, `all ${cs.expectation.validPairs.length} valid pairs preserved (${cs.expectation.reasonText})`);
  }

  /** Section 5's MDRT byte for byte; without preservation, the MDRT an earlier MPIPL left. */
  private checkMdrtExact(cs: ClockStop): void {
    if (!cs.expectation.preservationExpected) {
      const problem = mdrtUntouchedProblem(this.m.mem, cs.mem);
      return this.record('mdrt-exact', problem === undefined, problem ?? `MDRT left as it was (${cs.expectation.reasonText})`);
    }
    const problem = mdrtExactProblem(this.m.mem, cs.expectation.validPairs);
    this.record('mdrt-exact', problem === undefined, problem ?? `MDRT holds exactly the ${cs.expectation.validPairs.length} preserved pair(s), tail zeroed`);
  }

  /** The processor dump area as a format (cpu-format.ts), as the next boot sees it. */
  private checkCpuFormat(cs: ClockStop): void {
    const proc = readProcDump(this.m.mem);
    const presence = cpuPresenceProblem(proc);
    if (presence !== undefined) return this.record('cpu-format', false, presence);
    if (proc.actSize === 0) return this.record('cpu-format', true, 'no CPU data to judge (cpu-state judges whether that is right)');
    const problem = cpuFormatProblem(this.m.mem, proc, readProcDump(cs.mem), cs.threads);
    this.record('cpu-format', problem === undefined, problem ?? `${proc.actSize / proc.threadSize} thread records conform: one per thread, every register once at its clock-stop value`);
  }

  /** Exempt: MDRT-claimed destinations, MDRT, register area, loaded images (skiboot and fw-load-area). */
  private checkNoCollateralWrites(cs: ClockStop, mdrt: MdrtRecord[]): void {
    const exempt: Span[] = [
      ...mdrt.map((e) => ({ start: physical(e.dest), end: physical(e.dest) + e.size })),
      { start: MDRT_BASE, end: MDRT_BASE + SkibootMap.MDRT_TABLE_SIZE },
      { start: SkibootMap.SKIBOOT_BASE, end: SkibootMap.SKIBOOT_BASE + this.options.skibootImageBytes },
      ...FW_LOAD_AREA.map(([s, n]) => ({ start: s, end: s + n })),
      ...(this.options.firmwareScratch ?? []).map((r) => ({ start: r.start, end: r.start + r.sizeBytes })),
    ];
    const proc = readProcDump(cs.mem);
    exempt.push({ start: physical(proc.allocAddr), end: physical(proc.allocAddr) + proc.allocSize });
    const first = firstUndeclaredWrite(this.m.mem, cs.mem, exempt);
    this.record('no-collateral-writes', first === undefined, first ?? 'memory outside the declared areas equals clock-stop memory');
  }

  private checkCpuState(round: Round, cs: ClockStop): void {
    const mem = this.m.mem;
    const proc = readProcDump(mem);
    const before = readProcDump(cs.mem);
    const threads = cs.threads.length;
    if (proc.destAddr === 0n || proc.actSize === 0) {
      // The record size hostboot would use is the thread_size it publishes; without one, the smallest known format.
      const recordBytes = proc.threadSize > 0 ? proc.threadSize : MIN_THREAD_RECORD_BYTES;
      const fits = before.allocSize >= threads * recordBytes;
      if (!cs.expectation.preservationExpected) return this.record('cpu-state', true, 'no preservation expected: no CPU data');
      return this.record('cpu-state', !fits, fits ? `no CPU data although alloc_size ${hex(before.allocSize)} holds ${threads} threads` : `no CPU data: alloc_size ${hex(before.allocSize)} too small for ${threads} threads`);
    }
    const parsed = tryRead(() => parseCpuData(mem, physical(proc.destAddr), proc.actSize, proc.threadSize));
    if (parsed === undefined) return this.record('cpu-state', false, `CPU data at ${hex(proc.destAddr)} + ${hex(proc.actSize)} is unreadable`);
    round.cpuData = parsed;
    const seen = new Set<number>();
    for (const t of parsed) {
      if (seen.has(t.pir)) return this.record('cpu-state', false, `PIR ${hex(t.pir)} appears twice`);
      seen.add(t.pir);
      const snap = cs.threads.find((s) => s.pir === t.pir);
      if (snap === undefined) return this.record('cpu-state', false, `record for unknown PIR ${hex(t.pir)}`);
      if (t.coreState === CORE_STATE_INACTIVE) continue;
      const diff = compareParsed(t, snap);
      if (diff !== undefined) return this.record('cpu-state', false, `PIR ${hex(t.pir)}: ${diff}`);
    }
    const missing = cs.threads.find((s) => !seen.has(s.pir));
    if (missing !== undefined) return this.record('cpu-state', false, `no record for active PIR ${hex(missing.pir)}`);
    this.record('cpu-state', true, `${parsed.length} thread records match clock-stop registers`);
  }

  private kernelHeaderAddr(mem: PhysicalMemory): number | undefined {
    const md = readMetadata(mem);
    if (md.kernelTag === 0n) return undefined;
    const endian = this.m.config.kernelEndian;
    return tryRead(() => Number(read64(mem, physical(md.kernelTag) + 8, endian)));
  }

  private checkCrashInfo(round: Round, cs: ClockStop): void {
    const panic = round.panic;
    if (panic === undefined) return this.record('crash-info', true, 'no kernel panic in this round');
    const hdr = this.kernelHeaderAddr(cs.mem);
    if (hdr === undefined) return this.record('crash-info', true, 'no kernel metadata registered');
    const endian = this.m.config.kernelEndian;
    const mem = cs.mem;
    const magic = tryRead(() => read64(mem, hdr, endian));
    if (magic !== FADMPSIG) return this.record('crash-info', false, `crash-info header at ${hex(hdr)}: magic ${magic === undefined ? 'unreadable' : hex(magic)}`);
    const crashing = read32(mem, hdr + 0x0c, endian);
    if (crashing !== panic.pir) return this.record('crash-info', false, `crashing_cpu ${hex(crashing)}, expected PIR ${hex(panic.pir)}`);
    const snap = panic.threads.find((t) => t.pir === panic.pir)!;
    const words = Array.from({ length: 48 }, (_, k) => read64(mem, hdr + 0x28 + 8 * k, endian));
    const diff = comparePtRegs(words, snap);
    if (diff !== undefined) return this.record('crash-info', false, `crash-info regs: ${diff}`);
    // skiboot's own record of the crashing thread (spec 4.7), judged against the thread the harness
    // made panic, not against anything firmware wrote.
    const md = readMetadata(mem);
    if (cs.expectation.preservationExpected && md.crashingPir !== panic.pir) {
      return this.record('crash-info', false, `mpipl_metadata crashing_pir ${hex(md.crashingPir)} at clock stop, but PIR ${hex(panic.pir)} panicked`);
    }
    this.record('crash-info', true, `header and metadata hold PIR ${hex(panic.pir)}; header holds its panic-cycle registers`);
  }

  private checkTags(round: Round): void {
    const cs = round.clockStop;
    if (cs === undefined) return;
    const md = readMetadata(cs.mem);
    const mem = this.m.mem;
    const opalRegions = round.mdrt.filter((e) => e.region === 0x03);
    const proc = readProcDump(mem);
    const scratch = this.m.config.ramSizeBytes - 8;
    const query = (tag: bigint): bigint | string => {
      const saved = mem.readBytes(scratch, 8);
      const rc = this.m.opalCallAs('oracle', this.m.threads[0]!.pir, OpalToken.MPIPL_QUERY_TAG, [tag, BigInt(scratch)]);
      const v = mem.read64BE(scratch);
      mem.writeBytes(scratch, saved);
      return rc === 0n ? v : `rc ${BigInt.asIntN(64, rc)}`;
    };
    const problems: string[] = [];
    const expectValue = (name: string, tag: bigint, want: bigint): void => {
      const got = query(tag);
      if (got !== want) problems.push(`${name}: got ${typeof got === 'string' ? got : hex(got)}, expected ${hex(want)}`);
    };
    expectValue('KERNEL', MpiplTag.KERNEL, md.kernelTag);
    expectValue('BOOT_MEM', MpiplTag.BOOT_MEM, md.bootMemSize);
    const opal = query(MpiplTag.OPAL);
    if (opalRegions.length === 0) {
      if (opal !== 0n) problems.push(`OPAL: got ${String(opal)}, expected 0 (no region 0x03 in MDRT)`);
    } else if (typeof opal === 'string' || opal === 0n) {
      problems.push(`OPAL: got ${String(opal)}, expected metadata for ${opalRegions.length} region(s)`);
    } else {
      const f = tryRead(() => readFadumpStruct(mem, physical(opal)));
      if (f === undefined) problems.push(`OPAL: metadata at ${hex(opal)} unreadable`);
      else {
        if (f.version !== 1) problems.push(`OPAL: version ${f.version}`);
        const crashed = round.panic?.pir;
        if (crashed !== undefined && f.crashingPir !== crashed) problems.push(`OPAL: crashing_pir ${hex(f.crashingPir)}, but PIR ${hex(crashed)} panicked`);
        else if (crashed === undefined && f.crashingPir !== md.crashingPir) problems.push(`OPAL: crashing_pir ${hex(f.crashingPir)}, metadata says ${hex(md.crashingPir)}`);
        const want = opalRegions.map((e) => ({ src: e.src & ~HRMOR_BIT, dest: e.dest & ~HRMOR_BIT, size: BigInt(e.size) }));
        if (JSON.stringify(f.regions, bigintJson) !== JSON.stringify(want, bigintJson)) problems.push('OPAL: regions differ from MDRT');
      }
    }
    const cpu = query(MpiplTag.CPU);
    if (proc.destAddr === 0n || proc.actSize === 0) {
      if (cpu !== 0n) problems.push(`CPU: got ${String(cpu)}, expected 0 (no CPU data)`);
    } else if (typeof cpu === 'string' || cpu === 0n) {
      problems.push(`CPU: got ${String(cpu)}, expected CPU metadata`);
    } else {
      const f = tryRead(() => readFadumpStruct(mem, physical(cpu)));
      const dest = proc.destAddr & ~HRMOR_BIT;
      if (f === undefined || f.regions.length !== 1 || f.cpuDataSize !== proc.threadSize || f.cpuDataVersion !== proc.version || f.regions[0]!.dest !== dest || f.regions[0]!.src !== dest || f.regions[0]!.size !== BigInt(proc.actSize)) {
        problems.push(`CPU: metadata at ${hex(cpu)} does not describe ${hex(dest)} + ${hex(proc.actSize)} (thread_size ${hex(proc.threadSize)})`);
      }
    }
    this.record('tags', problems.length === 0, problems.length === 0 ? 'KERNEL, BOOT_MEM, OPAL and CPU tags match' : problems.join('; '));
  }

  /** Is a vmcore expected? `mpipl-boot` is due, and the first kernel registered (tag, regions). */
  private vmcoreExpected(cs: ClockStop): string | undefined {
    if (!cs.expectation.preservationExpected || cs.expectation.validPairs.length === 0) return cs.expectation.reasonText;
    const md = readMetadata(cs.mem);
    if (md.kernelTag === 0n) return 'no kernel metadata registered';
    const endian = this.m.config.kernelEndian;
    const registered = tryRead(() => read16(cs.mem, physical(md.kernelTag) + 6, endian));
    if (registered === undefined || registered === 0) return 'no registered regions';
    return undefined;
  }

  /**
   * A kernel region that sits in MDST/MDDT but is invalid by section 5 (another registered range
   * conflicts with it) is correctly skipped by firmware, yet Linux never reads MDRT (spec 6.6) and
   * exports it anyway: the vmcore is then unreliable by design, not by a firmware bug.
   */
  private conflictedKernelRegion(cs: ClockStop): { text: string; scenario: boolean } | undefined {
    const md = readMetadata(cs.mem);
    if (md.kernelTag === 0n) return undefined;
    const endian = this.m.config.kernelEndian;
    const at = physical(md.kernelTag);
    const registered = tryRead(() => read16(cs.mem, at + 6, endian)) ?? 0;
    const n = Math.min(actCnt(cs.mem, SpirahNtuple.mdumpSrc), actCnt(cs.mem, SpirahNtuple.mdumpDst));
    const mdst = readTable(cs.mem, SpirahNtuple.mdumpSrc, n);
    const mddt = readTable(cs.mem, SpirahNtuple.mdumpDst, n);
    for (let i = 0; i < Math.min(registered, 128); i++) {
      const src = read64(cs.mem, at + 0x10 + 24 * i, endian);
      const dest = read64(cs.mem, at + 0x10 + 24 * i + 8, endian);
      const j = mdst.findIndex((e, k) => e.addr === (src | HRMOR_BIT) && mddt[k]?.addr === (dest | HRMOR_BIT));
      if (j < 0 || cs.expectation.validPairs.some((v) => v.index === j)) continue;
      const why = whyInvalid(cs.mem, j);
      // The scenario is to blame only when the conflicting pair is one of its own ADD_RANGEs.
      const other = why.otherPair;
      const ours = (this.options.scenarioRanges ?? []).some((r) => other !== undefined && mdst[other]?.addr === (r.src | HRMOR_BIT) && mddt[other]?.addr === (r.dest | HRMOR_BIT));
      return { text: `kernel region ${i} (src ${hex(src)}, dest ${hex(dest)}) is invalid by section 5: ${why.text}`, scenario: ours };
    }
    return undefined;
  }

  private checkVmcore(round: Round, cs: ClockStop, linux: LinuxKernel): void {
    if (this.options.judgeVmcore === false) {
      const cause = 'the scenario changed the kernel’s MDST/MDDT entries behind its back (Linux never reads MDRT)';
      return this.record('vmcore', true, `not judged: ${cause}`, cause);
    }
    const conflict = cs.expectation.preservationExpected ? this.conflictedKernelRegion(cs) : undefined;
    if (conflict !== undefined && conflict.scenario) {
      const cause = `${conflict.text}, a range the scenario registered; Linux never reads MDRT, so its vmcore is unreliable by design`;
      return this.record('vmcore', true, `not judged: ${cause}`, cause);
    }
    // Linux or the firmware made its own region invalid (e.g. a dump area on memory firmware uses): the dump is lost.
    if (conflict !== undefined) return this.record('vmcore', false, `dump lost: ${conflict.text}, not a range the scenario registered`);
    const capture = linux.capture;
    // An OPAL abort (no kernel panic) can land while the kernel is still registering, so the
    // crash-info header is absent or an earlier crash's: what Linux exports is then not defined by
    // the firmware under test. The scenario's timing caused it; the round is not judged.
    if (round.panic === undefined && !this.fadumpArmed(cs.mem)) return this.record('vmcore', true, 'not judged: OPAL aborted before the kernel finished registering fadump (no fresh crash-info header)');
    // Without a kernel panic (an OPAL abort) the header names no crashing CPU; with no CPU data
    // either, Linux has no note to write and exports no vmcore (spec 7.2, -ENODEV): correct.
    const noNotes = round.panic === undefined && (round.cpuData ?? []).length === 0 ? 'no kernel panic and no CPU data: no CPU note possible (spec 7.2)' : undefined;
    const notExpected = this.vmcoreExpected(cs) ?? noNotes;
    const addr = capture?.elfcorehdrAddr;
    if (addr === undefined) {
      const why = capture?.noDumpReason ?? 'capture kernel exported nothing';
      return this.record('vmcore', notExpected !== undefined, notExpected !== undefined ? `no vmcore (${notExpected})` : `vmcore expected but missing: ${why}`);
    }
    const mem = this.m.mem;
    const core = tryRead(() => parseCore((o, n) => mem.readBytes(addr + o, n)));
    if (core === undefined || typeof core === 'string') return this.record('vmcore', false, `elfcorehdr at ${hex(addr)}: ${core ?? 'unreadable'}`);
    if (core.type !== ET_CORE || core.machine !== EM_PPC64) return this.record('vmcore', false, `elfcorehdr type ${core.type} machine ${core.machine}`);
    for (const ph of core.phdrs.filter((p) => p.type === PT_LOAD)) {
      if (!mem.contains(ph.offset, ph.filesz) || !cs.mem.contains(ph.paddr, ph.filesz)) return this.record('vmcore', false, `PT_LOAD p_paddr ${hex(ph.paddr)} p_offset ${hex(ph.offset)} size ${hex(ph.filesz)} outside RAM`);
      const diff = mem.firstDifference(ph.offset, cs.mem, ph.paddr, ph.filesz);
      if (diff >= 0) return this.record('vmcore', false, `PT_LOAD p_paddr ${hex(ph.paddr)}: byte at +${hex(diff)} is ${hex(mem.read8(ph.offset + diff))}, clock-stop ${hex(cs.mem.read8(ph.paddr + diff))}`);
    }
    const missing = this.missingBootMemLoad(cs, core.phdrs.filter((p) => p.type === PT_LOAD));
    if (missing !== undefined) return this.record('vmcore', false, missing);
    const noteHdr = core.phdrs.find((p) => p.type === PT_NOTE);
    if (noteHdr === undefined) return this.record('vmcore', false, 'no PT_NOTE for CPU notes');
    const notes = parseNotes(mem.readBytes(noteHdr.offset, Math.min(noteHdr.filesz, 1 << 24)), core.littleEndian).filter((n) => n.type === NT_PRSTATUS);
    const expected = this.expectedVmcoreThreads(round, cs);
    if (notes.length !== expected.length) return this.record('vmcore', false, `${notes.length} NT_PRSTATUS notes, expected ${expected.length}`);
    for (let i = 0; i < notes.length; i++) {
      const diff = comparePtRegs(prstatusRegs(notes[i]!.desc, core.littleEndian), expected[i]!.snap);
      if (diff !== undefined) return this.record('vmcore', false, `note ${i} (PIR ${hex(expected[i]!.snap.pir)}, ${expected[i]!.when}): ${diff}`);
    }
    const loads = core.phdrs.filter((p) => p.type === PT_LOAD).length;
    this.record('vmcore', true, `${loads} PT_LOADs equal clock-stop memory; ${notes.length} CPU notes match`);
  }

  /**
   * The vmcore's first PT_LOADs are the boot-memory regions the crashed kernel registered, in its
   * order (spec 7.1): region i of its metadata (at the KERNEL tag, clock-stop memory) at p_paddr =
   * src with its size. Without this, a vmcore that left a region out — or exported it from where it
   * does not start — would pass, since every PT_LOAD it does have holds the right bytes.
   */
  private missingBootMemLoad(cs: ClockStop, loads: readonly { paddr: number; filesz: number }[]): string | undefined {
    const endian = this.m.config.kernelEndian;
    const at = physical(readMetadata(cs.mem).kernelTag);
    const regionCnt = read16(cs.mem, at + 4, endian);
    const registered = Math.min(read16(cs.mem, at + 6, endian), regionCnt, 128);
    for (let i = 0; i < registered; i++) {
      const src = read64(cs.mem, at + 0x10 + 24 * i, endian);
      const size = read64(cs.mem, at + 0x10 + 24 * i + 16, endian);
      const ph = loads[i];
      if (ph === undefined || BigInt(ph.paddr) !== src || BigInt(ph.filesz) !== size) {
        return `boot-memory region ${i} (${hex(src)} + ${hex(size)}) registered by the crashed kernel is not PT_LOAD ${i}${ph === undefined ? '' : ` (p_paddr ${hex(ph.paddr)}, size ${hex(ph.filesz)})`}`;
      }
    }
    return undefined;
  }

  /** Linux's note order (spec 7.2): firmware thread order, crashing CPU from the panic registers. */
  private expectedVmcoreThreads(round: Round, cs: ClockStop): { snap: ThreadSnapshot; when: string }[] {
    const crashingPir = round.panic?.pir;
    const panicSnap = round.panic?.threads.find((t) => t.pir === crashingPir);
    const cpu = round.cpuData;
    const out: { snap: ThreadSnapshot; when: string }[] = [];
    if (cpu !== undefined) {
      for (const t of cpu) {
        if (t.pir === crashingPir && panicSnap !== undefined) out.push({ snap: panicSnap, when: 'panic cycle' });
        else if (t.coreState !== CORE_STATE_INACTIVE) {
          const s = cs.threads.find((x) => x.pir === t.pir);
          if (s !== undefined) out.push({ snap: s, when: 'clock stop' });
        }
      }
    }
    if (out.length === 0 && panicSnap !== undefined) out.push({ snap: panicSnap, when: 'panic cycle (fallback)' });
    return out;
  }

  private checkOpalcore(round: Round, cs: ClockStop, linux: LinuxKernel): void {
    const opalRegions = round.mdrt.filter((e) => e.region === 0x03);
    const cpuPresent = round.cpuData !== undefined && round.cpuData.length > 0;
    const expected = round.mpiplBoot && opalRegions.length > 0 && cpuPresent;
    const core = linux.capture?.opalcore;
    if (core === undefined) return this.record('opalcore', !expected, expected ? 'OPAL core expected (OPAL and CPU data preserved) but not exported' : 'no OPAL core (not expected)');
    const parsed = parseCore((o, n) => core.read(o, n));
    if (typeof parsed === 'string') return this.record('opalcore', false, parsed);
    if (parsed.littleEndian || parsed.type !== ET_CORE || parsed.machine !== EM_PPC64) return this.record('opalcore', false, 'OPAL core is not a big-endian ELF64 ppc64 core');
    const loads = parsed.phdrs.filter((p) => p.type === PT_LOAD);
    if (loads.length !== Math.min(opalRegions.length, 8)) return this.record('opalcore', false, `${loads.length} PT_LOADs for ${opalRegions.length} OPAL regions`);
    const CHUNK = 1 << 20;
    for (let i = 0; i < loads.length; i++) {
      const ph = loads[i]!;
      const src = physical(opalRegions[i]!.src);
      for (let done = 0; done < ph.filesz; done += CHUNK) {
        const n = Math.min(CHUNK, ph.filesz - done);
        // Through the file's pieces where it offers them: the memory system then compares page
        // objects the clock-stop snapshot shares with the capture machine's memory by identity
        // (an immutable copy-on-write page holds the same bytes) and only the rest byte by byte.
        // Nothing the capture kernel says about where the bytes came from is trusted.
        if (core.pieces !== undefined && cs.mem.contains(src + done, n) && comparePieces(core.pieces(ph.offset + done, n), cs.mem, src + done) < 0) continue;
        const got = core.read(ph.offset + done, n);
        if (cs.mem.equalsBytes(src + done, got)) continue;
        const want = cs.mem.readBytes(src + done, n);
        const k = got.findIndex((b, j) => b !== want[j]);
        if (k >= 0) return this.record('opalcore', false, `PT_LOAD ${i} (OPAL ${hex(src)}): byte at +${hex(done + k)} is ${hex(got[k]!)}, clock-stop ${hex(want[k]!)}`);
      }
    }
    const noteHdr = parsed.phdrs.find((p) => p.type === PT_NOTE);
    const notes = noteHdr === undefined ? [] : parseNotes(core.read(noteHdr.offset, noteHdr.filesz), false).filter((n) => n.type === NT_PRSTATUS);
    const active = (round.cpuData ?? []).filter((t) => t.coreState !== CORE_STATE_INACTIVE);
    if (notes.length !== active.length) return this.record('opalcore', false, `${notes.length} NT_PRSTATUS notes, expected ${active.length}`);
    // Spec 7.3: the first note is the thread the harness made panic, with SIGUSR1; no other note has a signal.
    const crashed = round.panic?.pir;
    if (crashed !== undefined && active.some((t) => t.pir === crashed)) {
      const desc = notes[0]!.desc;
      const dv = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
      const firstPir = dv.getUint32(PRSTATUS_PID_OFFSET, false) - 100;
      const sig = dv.getUint16(PRSTATUS_CURSIG_OFFSET, false);
      // Linux learns that the kernel initiated the crash from the crash-info header, which it reads
      // only when it processes the vmcore; without one it marks the crash SIGTERM (spec 7.3).
      const wantSig = linux.capture?.elfcorehdrAddr !== undefined ? [SIGUSR1] : [SIGUSR1, SIGTERM];
      if (firstPir !== crashed || !wantSig.includes(sig)) return this.record('opalcore', false, `first note is PIR ${hex(firstPir)} with signal ${sig}; PIR ${hex(crashed)} panicked (expected its note first, with ${wantSig.length === 1 ? 'SIGUSR1' : 'SIGUSR1 or SIGTERM'})`);
      const extra = notes.slice(1).find((n) => new DataView(n.desc.buffer, n.desc.byteOffset, n.desc.byteLength).getUint16(PRSTATUS_CURSIG_OFFSET, false) !== 0);
      if (extra !== undefined) return this.record('opalcore', false, 'a note other than the crashing thread’s carries a signal');
    }
    for (const n of notes) {
      const pid = new DataView(n.desc.buffer, n.desc.byteOffset).getUint32(PRSTATUS_PID_OFFSET, false);
      const snap = cs.threads.find((t) => t.pir === pid - 100);
      if (snap === undefined) return this.record('opalcore', false, `note with pr_pid ${pid} names no thread`);
      const diff = comparePtRegs(prstatusRegs(n.desc, false), snap);
      if (diff !== undefined) return this.record('opalcore', false, `note for PIR ${hex(snap.pir)}: ${diff}`);
    }
    this.record('opalcore', true, `${loads.length} PT_LOAD(s) equal clock-stop OPAL memory; ${notes.length} notes match`);
  }
}

function bigintJson(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? hex(v) : v;
}

/** Compare pt_regs words (or pr_reg) with a thread snapshot: GPRs, NIP, MSR, CTR, LR, XER, CR. */
export function comparePtRegs(words: bigint[], s: ThreadSnapshot): string | undefined {
  for (let g = 0; g < 32; g++) {
    if (words[g] !== snapGet(s, g)) return `r${g} is ${hex(words[g]!)}, expected ${hex(snapGet(s, g))}`;
  }
  const pairs: [string, number, number][] = [
    ['nip', PT.nip, Slot.NIP],
    ['msr', PT.msr, Slot.MSR],
    ['ctr', PT.ctr, Slot.CTR],
    ['lr', PT.link, Slot.LR],
    ['xer', PT.xer, Slot.XER],
    ['cr', PT.ccr, Slot.CR],
  ];
  for (const [name, w, slot] of pairs) {
    if (words[w] !== snapGet(s, slot)) return `${name} is ${hex(words[w]!)}, expected ${hex(snapGet(s, slot))}`;
  }
  return undefined;
}

function compareParsed(t: ParsedThread, s: ThreadSnapshot): string | undefined {
  for (let g = 0; g < 32; g++) {
    const v = t.regs.gpr[g];
    if (v === undefined) return `r${g} not captured`;
    if (v !== snapGet(s, g)) return `r${g} is ${hex(v)}, clock-stop ${hex(snapGet(s, g))}`;
  }
  const fields: [keyof Omit<ParsedThread['regs'], 'gpr'>, number, boolean][] = [
    ['nip', Slot.NIP, true],
    ['msr', Slot.MSR, true],
    ['ctr', Slot.CTR, false],
    ['link', Slot.LR, false],
    ['xer', Slot.XER, false],
    ['ccr', Slot.CR, false],
  ];
  for (const [name, slot, required] of fields) {
    const v = t.regs[name];
    if (v === undefined) {
      if (required) return `${name} not captured`;
      continue;
    }
    if (v !== snapGet(s, slot)) return `${name} is ${hex(v)}, clock-stop ${hex(snapGet(s, slot))}`;
  }
  return undefined;
}


/**
 * The first byte that differs between `now` and `before` outside every span of `declared`, as a
 * sentence, or undefined. Page identity makes untouched memory free to compare.
 */
/**
 * The first byte a fast reboot changed where it may not: outside `own` (skiboot's image and
 * stacks) a byte may only become zero (cleared unused memory), and never inside `keep`.
 */
export function firstFastRebootWrite(now: PhysicalMemory, before: PhysicalMemory, own: Span, keep: readonly Span[]): string | undefined {
  let first: string | undefined;
  now.forEachDifferentPage(before, (pageIndex, mine, then) => {
    if (first !== undefined) return;
    const pageStart = pageIndex * PAGE_SIZE;
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (mine[i] === then[i]) continue;
      const a = pageStart + i;
      const kept = keep.some((s) => a >= s.start && a < s.end);
      if (!kept && (mine[i] === 0 || (a >= own.start && a < own.end))) continue;
      first = `byte at ${hex(a)} changed from ${hex(then[i]!)} to ${hex(mine[i]!)}${kept ? ' inside memory the spec or the platform reserves' : ' (not a clear of unused memory)'}`;
      return;
    }
  });
  return first;
}

/** firstUndeclaredWrite over the pages a watch saw written, each with its bytes before. */
export function firstUndeclaredWriteIn(pages: readonly { pageIndex: number; before: Uint8Array }[], now: PhysicalMemory, declared: readonly Span[]): string | undefined {
  for (const { pageIndex, before } of pages) {
    const pageStart = pageIndex * PAGE_SIZE;
    if (declared.some((s) => pageStart >= s.start && pageStart + PAGE_SIZE <= s.end)) continue;
    const first = firstUndeclaredByte(pageStart, now.readBytes(pageStart, PAGE_SIZE), before, declared);
    if (first !== undefined) return first;
  }
  return undefined;
}

function firstUndeclaredByte(pageStart: number, mine: Uint8Array, then: Uint8Array, declared: readonly Span[]): string | undefined {
  for (let i = 0; i < PAGE_SIZE; i++) {
    if (mine[i] === then[i]) continue;
    const a = pageStart + i;
    if (declared.some((s) => a >= s.start && a < s.end)) continue;
    return `byte at ${hex(a)} changed from ${hex(then[i]!)} to ${hex(mine[i]!)} outside every declared area`;
  }
  return undefined;
}

export function firstUndeclaredWrite(now: PhysicalMemory, before: PhysicalMemory, declared: readonly Span[]): string | undefined {
  let first: string | undefined;
  now.forEachDifferentPage(before, (pageIndex, mine, then) => {
    if (first !== undefined) return;
    const pageStart = pageIndex * PAGE_SIZE;
    // Most differing pages are declared ones: skip a page a span covers whole.
    if (declared.some((s) => pageStart >= s.start && pageStart + PAGE_SIZE <= s.end)) return;
    first = firstUndeclaredByte(pageStart, mine, then, declared);
  });
  return first;
}
