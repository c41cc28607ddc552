/**
 * The oracle: snapshots the machine itself at the panic and clock-stop cycles and judges each
 * MPIPL against design section 6. It reads memory, thread state and the device tree directly and
 * never calls into the firmware code it judges — except QUERY_TAG, which *is* the behaviour the
 * `tags` invariant judges, issued through the OPAL entry point like any caller.
 */
import type { Machine, MachineHooks, IplKind } from '../machine/machine.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { PAGE_SIZE } from '../mem/physical-memory.js';
import { Slot, snapGet, type ThreadSnapshot } from '../cpu/state.js';
import type { CrashCause, HostbootResult, LinuxKernel } from '../participants/firmware.js';
import type { IplHandoff } from '../participants/platform.js';
import type { Faults } from '../scenario/scenario.js';
import { hex } from '../core/u64.js';
import { DT_DUMP_NODE, FW_LOAD_AREA, HRMOR_BIT, SkibootMap, SpirahNtuple, CORE_STATE_INACTIVE } from '../participants/layout.js';
import { MpiplTag, OpalToken } from '../participants/opal-api.js';
import { expectedPairs, type Expectation, type Span } from './rules.js';
import { actCnt, readTable, MDRT_BASE, parseCpuData, physical, readFadumpStruct, readMdrt, readMetadata, readProcDump, read16, read32, read64, tryRead, type MdrtRecord, type ParsedThread } from './readers.js';
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
}

export class Oracle implements MachineHooks {
  readonly rounds: Round[] = [];
  readonly results: InvariantResult[] = [];
  private current: Round | undefined;

  constructor(
    private readonly m: Machine,
    private readonly options: OracleOptions,
  ) {}

  get ok(): boolean {
    return this.results.every((r) => r.ok);
  }

  private record(id: InvariantId, ok: boolean, detail: string): void {
    const round = this.current?.index ?? this.rounds.length - 1;
    const r: InvariantResult = { id, ok, detail, round, cycle: this.m.cycle() };
    this.results.push(r);
    this.m.emit('oracle', 'invariant', { id, ok, detail, round });
  }

  // ------------------------------------------------------------------ hooks

  onPanic(pir: number, cause: CrashCause): void {
    if (this.current !== undefined && this.current.panic !== undefined) return; // a second CPU: the first one won
    this.current = { index: this.rounds.length, panic: undefined, clockStop: undefined, mdrt: [], cpuData: undefined, mpiplBoot: false, fadumpArmed: false };
    this.rounds.push(this.current);
    this.current.panic = { cycle: this.m.cycle(), pir, cause, threads: this.m.snapshotThreads() };
    this.current.fadumpArmed = this.fadumpArmed(this.m.mem);
  }

  onClockStop(handoff: IplHandoff): void {
    if (this.current === undefined) {
      // Clocks stopped without a kernel panic (an OPAL-initiated terminate): still a round.
      this.current = { index: this.rounds.length, panic: undefined, clockStop: undefined, mdrt: [], cpuData: undefined, mpiplBoot: false, fadumpArmed: false };
      this.rounds.push(this.current);
    }
    const mem = this.m.mem.snapshot();
    this.current.clockStop = { cycle: this.m.cycle(), handoff, threads: this.m.snapshotThreads(), mem, expectation: expectedPairs(mem, handoff.skibootBase) };
  }

  afterPreservation(_result: HostbootResult): void {
    const round = this.current;
    const cs = round?.clockStop;
    if (round === undefined || cs === undefined) return;
    const mem = this.m.mem;
    // Without a usable base hostboot must not touch MDRT, which may still hold an older round.
    round.mdrt = cs.expectation.preservationExpected ? readMdrt(mem) : [];
    this.checkMdrtSound(cs, round.mdrt);
    this.checkMdrtComplete(cs, round.mdrt);
    this.checkNoCollateralWrites(cs, round.mdrt);
    this.checkCrashInfo(round, cs);
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
    if (round === undefined) return;
    if (round.clockStop !== undefined) {
      this.checkCpuState(round, round.clockStop);
      if (kind === 'mpipl') this.checkTags(round);
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
    if (round.clockStop !== undefined) {
      this.checkVmcore(round, round.clockStop, linux);
      this.checkOpalcore(round, round.clockStop, linux);
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
    const md = readMetadata(mem);
    if (md.kernelTag === 0n) return false;
    const endian = this.m.config.kernelEndian;
    const at = physical(md.kernelTag);
    const registered = tryRead(() => read16(mem, at + 6, endian)) ?? 0;
    if (registered === 0) return false;
    const hdr = tryRead(() => Number(read64(mem, at + 8, endian)));
    if (hdr === undefined) return false;
    if (tryRead(() => read64(mem, hdr, endian)) !== FADMPSIG || tryRead(() => read32(mem, hdr + 0x0c, endian)) !== FADUMP_CPU_UNKNOWN) return false;
    const n = Math.min(actCnt(mem, SpirahNtuple.mdumpSrc), actCnt(mem, SpirahNtuple.mdumpDst));
    const mdst = readTable(mem, SpirahNtuple.mdumpSrc, n);
    const mddt = readTable(mem, SpirahNtuple.mdumpDst, n);
    for (let i = 0; i < Math.min(registered, 128); i++) {
      const src = tryRead(() => read64(mem, at + 0x10 + 24 * i, endian));
      const dest = tryRead(() => read64(mem, at + 0x10 + 24 * i + 8, endian));
      if (src === undefined || dest === undefined) return false;
      if (!mdst.some((e, k) => e.addr === (src | HRMOR_BIT) && mddt[k]?.addr === (dest | HRMOR_BIT))) return false;
    }
    return true;
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
    let first: string | undefined;
    exempt.sort((a, b) => a.start - b.start);
    this.m.mem.forEachDifferentPage(cs.mem, (pageIndex, now, then) => {
      if (first !== undefined) return;
      const pageStart = pageIndex * PAGE_SIZE;
      // Most differing pages are preserved destinations: skip a page an exempt span covers whole.
      if (exempt.some((s) => pageStart >= s.start && pageStart + PAGE_SIZE <= s.end)) return;
      for (let i = 0; i < PAGE_SIZE; i++) {
        if (now[i] === then[i]) continue;
        const a = pageStart + i;
        if (exempt.some((s) => a >= s.start && a < s.end)) continue;
        first = `byte at ${hex(a)} changed from ${hex(then[i]!)} to ${hex(now[i]!)} outside every declared area`;
        return;
      }
    });
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
    this.record('crash-info', diff === undefined, diff === undefined ? `header holds PIR ${hex(panic.pir)} and its panic-cycle registers` : `crash-info regs: ${diff}`);
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
        if (f.crashingPir !== md.crashingPir) problems.push(`OPAL: crashing_pir ${hex(f.crashingPir)}, metadata says ${hex(md.crashingPir)}`);
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
  private conflictedKernelRegion(cs: ClockStop): string | undefined {
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
      if (j >= 0 && !cs.expectation.validPairs.some((v) => v.index === j)) return `kernel region ${i} (src ${hex(src)}) is invalid by section 5 because of a conflicting range`;
    }
    return undefined;
  }

  private checkVmcore(round: Round, cs: ClockStop, linux: LinuxKernel): void {
    if (this.options.judgeVmcore === false) return this.record('vmcore', true, 'not judged: the scenario changed the kernel’s MDST/MDDT entries behind its back (Linux never reads MDRT)');
    const conflict = cs.expectation.preservationExpected ? this.conflictedKernelRegion(cs) : undefined;
    if (conflict !== undefined) return this.record('vmcore', true, `not judged: ${conflict}; Linux never reads MDRT, so its vmcore is unreliable by design`);
    const capture = linux.capture;
    const notExpected = this.vmcoreExpected(cs);
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

