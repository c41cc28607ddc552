/**
 * Named single-bug variants of `reference` (design section 4): each changes one behaviour of one
 * participant, in the spec's vocabulary, so that the property suite's power to find firmware bugs
 * can be measured (`mpipl-sim mutants`, `--firmware mutant:NAME`).
 *
 * A mutant is a small subclass of a reference participant, or — where the reference keeps the
 * behaviour in a private step (Linux) — a thin wrapper that applies the same bug to what that step
 * produced. Every mutant is killed by at least one invariant on some scenario; the scenarios are
 * pinned in tests/firmware/mutants.test.ts.
 *
 * No SBE mutant is listed: every SBE bug we could state (the stash kept only on chip 0, the base
 * forgotten across the IPL, an S0 answered without stopping the clocks) ends in a normal reboot,
 * which design section 5 prescribes when hostboot gets no usable base — the invariants cannot
 * tell it from a correct run (see the notes in the final report of issue 5).
 */
import type { CaptureOutput, CrashCause, LinuxKernel } from '../participants/firmware.js';
import type { Platform } from '../participants/platform.js';
import { PAGE_SIZE } from '../mem/physical-memory.js';
import { ReferenceHostboot, type TablePair } from '../participants/hostboot/reference.js';
import { SkibootModel, type SkibootOptions } from '../participants/skiboot/skiboot.js';
import { LinuxKernelModel } from '../participants/linux/kernel.js';
import { KernelMem } from '../participants/linux/bytes.js';
import { CrashInfoHeader, PtRegs } from '../participants/linux/constants.js';
import { MpiplTag, DumpRegion } from '../participants/opal-api.js';
import { SbeBits, HRMOR_BIT, MDRT_ENTRY_SIZE, MdrtEntry, MpiplMetadata, OpalMpiplFadump, ProcDumpArea, RegId, SkibootMap } from '../participants/layout.js';
import { Slot } from '../cpu/state.js';
import { SbeP9, SBE_HOST_RESPONSE_MASK, type SbeFaults } from '../participants/sbe/sbe-p9.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { linuxOptionsOf } from './profiles.js';
import { oracleClassMutants } from './mutants/oracle-classes.js';

export { memWithCopy, mutantProfile, platformWith, rewriteRecords, skibootOptionsOf, type Mutant, type MutantParticipant, type RegRecord } from './mutant-kit.js';
import { memWithCopy, mutantProfile, platformWith, rewriteRecords, skibootOptionsOf, type Mutant } from './mutant-kit.js';
import { GENERATOR_CLASS_MUTANTS } from './mutants/generator-classes.js';
import { lateClassMutants } from './mutants/late-classes.js';

// ====================================================================== hostboot

class HostbootCopyShortPage extends ReferenceHostboot {
  protected override preserve(p: Platform, base: number, pairs: TablePair[], regCapture: { start: number; sizeBytes: number }): TablePair[] {
    const mem = memWithCopy(p.mem, (to, from, n) => p.mem.copy(to, from, Math.max(0, n - PAGE_SIZE)));
    return super.preserve(platformWith(p, { mem }), base, pairs, regCapture);
  }
}

class HostbootCopyDirectionSwapped extends ReferenceHostboot {
  protected override preserve(p: Platform, base: number, pairs: TablePair[], regCapture: { start: number; sizeBytes: number }): TablePair[] {
    const mem = memWithCopy(p.mem, (to, from, n) => p.mem.copy(from, to, n));
    return super.preserve(platformWith(p, { mem }), base, pairs, regCapture);
  }
}

class HostbootMdrtDestIsSrc extends ReferenceHostboot {
  protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    super.writeMdrt(p, base, preserved.map((x) => ({ ...x, destField: x.srcField })));
  }
}

class HostbootRegOffset18 extends ReferenceHostboot {
  protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
    super.captureRegisters(p, base, allocAddrField, allocSizeBytes);
    rewriteRecords(p, base, (r) => {
      r.offset = 0x18;
    });
  }
}

class HostbootOmitsCrXer extends ReferenceHostboot {
  protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
    super.captureRegisters(p, base, allocAddrField, allocSizeBytes);
    rewriteRecords(p, base, (r) => {
      r.entries = r.entries.filter((e) => !(e.type !== 0x01 && (e.num === RegId.CCR || e.num === 0x001)));
    });
  }
}

class HostbootCorePir extends ReferenceHostboot {
  protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
    super.captureRegisters(p, base, allocAddrField, allocSizeBytes);
    rewriteRecords(p, base, (r) => {
      r.pir &= ~0x3;
    });
  }
}

class HostbootActSizeOneThread extends ReferenceHostboot {
  protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
    super.captureRegisters(p, base, allocAddrField, allocSizeBytes);
    const area = base + SkibootMap.PROC_DUMP_AREA_OFF;
    if (p.mem.read32BE(area + ProcDumpArea.actSize) !== 0) p.mem.write32BE(area + ProcDumpArea.actSize, p.mem.read32BE(area + ProcDumpArea.threadSize));
  }
}

class HostbootProcDumpBeforeReload extends ReferenceHostboot {
  private captured = false;
  protected override preserve(p: Platform, base: number, pairs: TablePair[], regCapture: { start: number; sizeBytes: number }): TablePair[] {
    const preserved = super.preserve(p, base, pairs, regCapture);
    // The results go into the crashed boot's image, which the payload reload then overwrites.
    const area = base + SkibootMap.PROC_DUMP_AREA_OFF;
    super.captureRegisters(p, base, p.mem.read64BE(area + ProcDumpArea.allocAddr), p.mem.read32BE(area + ProcDumpArea.allocSize));
    this.captured = true;
    return preserved;
  }

  protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
    if (!this.captured) super.captureRegisters(p, base, allocAddrField, allocSizeBytes);
  }
}

// ====================================================================== skiboot

class SkibootQueryTagSwap extends SkibootModel {
  protected override opalMpiplQueryTag(p: Platform, tag: bigint, ptr: bigint): bigint {
    const swapped = tag === MpiplTag.KERNEL ? MpiplTag.BOOT_MEM : tag === MpiplTag.BOOT_MEM ? MpiplTag.KERNEL : tag;
    return super.opalMpiplQueryTag(p, swapped, ptr);
  }
}

class SkibootQueryTagNotBigEndian extends SkibootModel {
  protected override opalMpiplQueryTag(p: Platform, tag: bigint, ptr: bigint): bigint {
    const rc = super.opalMpiplQueryTag(p, tag, ptr);
    if (rc === 0n) {
      const at = Number(ptr & 0x0fff_ffff_ffff_ffffn);
      p.mem.write64LE(at, p.mem.read64BE(at));
    }
    return rc;
  }
}

/** Patch the `struct opal_mpipl_fadump` behind a tag after skiboot built it (spec 4.8). */
function patchFadump(p: Platform, addr: bigint, edit: (regionAt: number, index: number) => void): void {
  if (addr === 0n) return;
  const at = Number(addr);
  const n = p.mem.read32BE(at + OpalMpiplFadump.regionCnt);
  for (let i = 0; i < n; i++) edit(at + OpalMpiplFadump.regions + i * OpalMpiplFadump.REGION_SIZE, i);
}

class SkibootOpalTagKeepsHrmor extends SkibootModel {
  protected override opalMpiplProcessPreserved(p: Platform): void {
    super.opalMpiplProcessPreserved(p);
    patchFadump(p, this.tags[Number(MpiplTag.OPAL)]!, (r) => {
      p.mem.write64BE(r, p.mem.read64BE(r) | HRMOR_BIT);
      p.mem.write64BE(r + 8, p.mem.read64BE(r + 8) | HRMOR_BIT);
    });
  }
}

class SkibootCpuTagSizeOneThread extends SkibootModel {
  protected override opalMpiplProcessPreserved(p: Platform): void {
    super.opalMpiplProcessPreserved(p);
    const cpu = this.tags[Number(MpiplTag.CPU)]!;
    if (cpu === 0n) return;
    const threadSize = p.mem.read32BE(Number(cpu) + OpalMpiplFadump.cpuDataSize);
    patchFadump(p, cpu, (r) => p.mem.write64BE(r + 16, BigInt(threadSize)));
  }
}

class SkibootOpalTagAllMdrtRegions extends SkibootModel {
  protected override opalMpiplProcessPreserved(p: Platform): void {
    // The region test is left out of the MDRT scan: every entry is taken as OPAL data.
    const mdrt = SkibootMap.SKIBOOT_BASE + SkibootMap.MDRT_TABLE_OFF;
    const entries = SkibootMap.MDRT_TABLE_SIZE / MDRT_ENTRY_SIZE;
    const saved = p.mem.readBytes(mdrt, SkibootMap.MDRT_TABLE_SIZE);
    for (let i = 0; i < entries; i++) {
      const at = mdrt + i * MDRT_ENTRY_SIZE;
      if (p.mem.read64BE(at + MdrtEntry.srcAddr) !== 0n) p.mem.write8(at + MdrtEntry.dataRegion, DumpRegion.OPAL_MEMORY);
    }
    super.opalMpiplProcessPreserved(p);
    p.mem.writeBytes(mdrt, saved);
  }
}

class SkibootZeroesMetadataFirst extends SkibootModel {
  protected override opalMpiplInit(p: Platform, mpiplBoot: boolean): void {
    p.mem.fill(SkibootMap.SKIBOOT_BASE + SkibootMap.DUMP_METADATA_AREA_OFF, MpiplMetadata.SIZE, 0);
    super.opalMpiplInit(p, mpiplBoot);
  }
}

class SkibootAddRangeSwapsTables extends SkibootModel {
  protected override opalMpiplAddRange(p: Platform, src: bigint, dest: bigint, size: bigint): bigint {
    return super.opalMpiplAddRange(p, dest, src, size);
  }
}

// ====================================================================== Linux

interface LinuxBug {
  /** Right after the kernel's own panic code ran. */
  readonly afterPanic?: (p: Platform, k: LinuxKernelModel, pir: number) => void;
  /** Right after a capture kernel processed the dump. */
  readonly afterCapture?: (p: Platform, k: LinuxKernelModel, c: CaptureOutput) => void;
}

/** The reference kernel with one step's output changed (its steps are private to the model). */
class MutantLinux implements LinuxKernel {
  constructor(
    private readonly k: LinuxKernelModel,
    private readonly bug: LinuxBug,
  ) {}

  boot(p: Platform, bootPir: number): void {
    this.k.boot(p, bootPir);
    const c = this.k.capture;
    if (c !== undefined) this.bug.afterCapture?.(p, this.k, c);
  }

  panic(p: Platform, pir: number, cause: CrashCause): void {
    const first = this.k.crashingPir === undefined;
    this.k.panic(p, pir, cause);
    if (first && this.k.crashingPir === pir) this.bug.afterPanic?.(p, this.k, pir);
  }

  release(p: Platform): void {
    this.k.release(p);
  }

  get capture(): CaptureOutput | undefined {
    return this.k.capture;
  }

  get dumpRegistered(): boolean {
    return this.k.dumpRegistered;
  }
}

/** The PIR overwrite of crashing_cpu undone right after opal_fadump_trigger (before the clocks stop). */
class LinuxCrashingCpuLogicalId extends LinuxKernelModel {
  override trigger(p: Platform): void {
    super.trigger(p);
    const pir = this.crashingPir;
    if (pir === undefined || this.conf === undefined) return;
    const logical = p.topology.threads.findIndex((t) => t.pir === pir);
    new KernelMem(p.mem, p.config.kernelEndian).w32(this.conf.fadumphdrAddr + CrashInfoHeader.crashingCpu, logical);
  }
}

function linuxMutant(spec: ScenarioSpec, bug: LinuxBug): () => LinuxKernel {
  const o = linuxOptionsOf(spec);
  return () => new MutantLinux(new LinuxKernelModel(o), bug);
}

/** ELF64 program headers of the capture kernel's elfcorehdr, edited in place (spec 7.1). */
function editPtLoads(p: Platform, c: CaptureOutput, edit: (ph: { offset: bigint; paddr: bigint }, firstBootMemOffset: bigint | undefined) => bigint): void {
  const ehdr = c.elfcorehdrAddr;
  if (ehdr === undefined) return;
  const km = new KernelMem(p.mem, p.config.kernelEndian);
  const phoff = Number(km.r64(ehdr + 0x20));
  const phnum = km.r16(ehdr + 0x38);
  let first: bigint | undefined;
  for (let i = 0; i < phnum; i++) {
    const ph = ehdr + phoff + i * 56;
    if (km.r32(ph) !== 1) continue; // PT_LOAD
    const offset = km.r64(ph + 8);
    const paddr = km.r64(ph + 24);
    // Boot-memory segments are the ones read from the copy (p_offset ≠ p_paddr).
    if (offset !== paddr && first === undefined) first = offset;
    km.w64(ph + 8, edit({ offset, paddr }, first));
  }
}

// ====================================================================== SBE bugs

/** Only the primary chip's SBE keeps the stash; S0 reaches a secondary SBE first (spec 6.3 order). */
class SbeStashPrimaryOnly extends SbeP9 {
  protected override handleChipOp(p: Platform): void {
    if (this.chip === 0) super.handleChipOp(p);
  }
}

/** The SBE acknowledges S0 in its doorbell but never stops the clocks or starts the IPL. */
class SbeS0WithoutClockStop extends SbeP9 {
  protected override writeControl(p: Platform, v: bigint): boolean {
    if (v !== SbeBits.SBE_CONTROL_REG_S0) return super.writeControl(p, v);
    this.hostDoorbell |= SBE_HOST_RESPONSE_MASK;
    p.emit('sbe', 's0', { chip: this.chip, result: 'acknowledged, clocks not stopped' });
    return true;
  }
}

/** The stash chip-op stores mailbox reg1 (the key) as the value instead of reg2. */
class SbeStashKeyAsValue extends SbeP9 {
  protected override handleChipOp(p: Platform): void {
    this.mbox[2] = this.mbox[1]!;
    super.handleChipOp(p);
  }
}

function sbe(name: string, description: string, S: new (chip: number, faults: SbeFaults) => SbeP9): Mutant {
  return { name, description, participant: 'sbe', make: (spec) => mutantProfile(name, spec, { makeSbe: (chip) => new S(chip, { dropStash: spec.faults.dropStash === true }) }) };
}

// ====================================================================== the catalogue

function hostboot(name: string, description: string, H: new () => ReferenceHostboot): Mutant {
  return { name, description, participant: 'hostboot', make: (spec) => mutantProfile(name, spec, { makeHostboot: () => new H() }) };
}

function skiboot(name: string, description: string, S: new (o: SkibootOptions) => SkibootModel): Mutant {
  return { name, description, participant: 'skiboot', make: (spec) => mutantProfile(name, spec, { makeSkiboot: () => new S(skibootOptionsOf(spec)) }) };
}

function linux(name: string, description: string, bug: LinuxBug): Mutant {
  return { name, description, participant: 'linux', make: (spec) => mutantProfile(name, spec, { makeLinux: linuxMutant(spec, bug) }) };
}

/** Issue 11, the oracle's blind spots (sim/firmware/mutants/oracle-classes.ts). */
export const ORACLE_CLASS_MUTANTS: readonly Mutant[] = oracleClassMutants(mutantProfile);

/** Issue 11, the classes left after the first two catalogues (sim/firmware/mutants/late-classes.ts). */
export const LATE_CLASS_MUTANTS: readonly Mutant[] = [
  ...lateClassMutants(mutantProfile),
  // Boot memory not starting at 0 (the kernel's view of RAM): the offset into the copy is taken
  // from the region's address, as if boot memory were one block from physical 0.
  linux('linux-ptload-offset-from-zero', "the capture kernel's boot-memory PT_LOADs take p_offset = boot_mem_dest_addr + p_paddr, which is right only when boot memory is one block starting at physical 0", {
    afterCapture: (p, _k, c) => editPtLoads(p, c, (ph, first) => (ph.offset !== ph.paddr && first !== undefined ? first + ph.paddr : ph.offset)),
  }),
];

export const MUTANTS: readonly Mutant[] = [
  sbe('sbe-stash-primary-only', 'only the primary chip’s SBE keeps the STASH_MPIPL_CONFIG base; a secondary SBE takes S0 first and hands hostboot no base', SbeStashPrimaryOnly),
  sbe('sbe-s0-without-clock-stop', 'the SBE acknowledges S0 in the host doorbell but never stops the clocks, so skiboot times out into a normal reboot', SbeS0WithoutClockStop),
  sbe('sbe-stash-key-as-value', 'the stash chip-op keeps mailbox reg1 (the key, 0x3) as the skiboot base instead of reg2', SbeStashKeyAsValue),
  hostboot('hostboot-copy-short-page', 'hostboot copies one page less than the MDST size of each pair (the last page of every destination keeps its old bytes)', HostbootCopyShortPage),
  hostboot('hostboot-copy-direction-swapped', 'hostboot copies each MDDT destination onto its MDST source instead of source to destination', HostbootCopyDirectionSwapped),
  hostboot('hostboot-mdrt-dest-is-src', 'hostboot writes the MDST address into MDRT dest_addr (src_addr twice)', HostbootMdrtDestIsSrc),
  hostboot('hostboot-reg-offset-0x18', 'hostboot writes thread-header offset 0x18 (24, the header size) instead of 0x10, so Linux reads every register entry 16 bytes late', HostbootRegOffset18),
  hostboot('hostboot-omits-cr-xer', 'hostboot captures no CCR (0x7D2) and no XER (SPR 1) register entry', HostbootOmitsCrXer),
  hostboot('hostboot-regs-core-pir', "hostboot fills each thread header's pir with the core's PIR (thread bits cleared)", HostbootCorePir),
  hostboot('hostboot-act-size-one-thread', 'hostboot sets proc dump area act_size to thread_size instead of threads × thread_size', HostbootActSizeOneThread),
  hostboot('hostboot-proc-dump-before-reload', 'hostboot writes dest_addr/act_size into the processor dump area before reloading the skiboot image, which overwrites them', HostbootProcDumpBeforeReload),
  skiboot('skiboot-query-tag-swaps-kernel-boot-mem', 'OPAL_MPIPL_QUERY_TAG returns the BOOT_MEM tag for KERNEL and the KERNEL tag for BOOT_MEM', SkibootQueryTagSwap),
  skiboot('skiboot-query-tag-not-big-endian', 'OPAL_MPIPL_QUERY_TAG stores the tag value in CPU (little-endian) order instead of BE64', SkibootQueryTagNotBigEndian),
  skiboot('skiboot-opal-tag-keeps-hrmor', 'the MPIPL boot copies MDRT src_addr/dest_addr into the OPAL metadata without clearing HRMOR_BIT', SkibootOpalTagKeepsHrmor),
  skiboot('skiboot-cpu-tag-size-one-thread', 'the MPIPL boot publishes the CPU region size as thread_size instead of act_size', SkibootCpuTagSizeOneThread),
  skiboot('skiboot-opal-tag-all-mdrt-regions', 'the MPIPL boot counts every MDRT entry as OPAL data, not only data_region 0x03', SkibootOpalTagAllMdrtRegions),
  skiboot('skiboot-zeroes-metadata-before-reading-tags', 'opal_mpipl_init zeroes mpipl_metadata before the MPIPL boot reads kernel_tag and boot_mem_size from it', SkibootZeroesMetadataFirst),
  skiboot('skiboot-add-range-swaps-mdst-mddt', 'OPAL_MPIPL_UPDATE(ADD_RANGE) appends dest to MDST and src to MDDT', SkibootAddRangeSwapsTables),
  {
    name: 'linux-crashing-cpu-logical-id',
    description: 'opal_fadump_trigger leaves crashing_cpu as the logical CPU id instead of overwriting it with the PIR',
    participant: 'linux',
    make: (spec) => mutantProfile('linux-crashing-cpu-logical-id', spec, { makeLinux: () => new LinuxCrashingCpuLogicalId(linuxOptionsOf(spec)) }),
  },
  linux('linux-crash-regs-after-crash-path', 'crash_fadump saves the crashing CPU pt_regs after the crash path moved NIP and LR (crash_fadump entry), not the panic-time values', {
    afterPanic: (p, k, pir) => {
      if (k.conf === undefined) return;
      const km = new KernelMem(p.mem, p.config.kernelEndian);
      const regs = k.conf.fadumphdrAddr + CrashInfoHeader.regs;
      km.w64(regs + 8 * PtRegs.NIP, p.thread(pir).get(Slot.NIP));
      km.w64(regs + 8 * PtRegs.LINK, p.thread(pir).get(Slot.LR));
    },
  }),
  linux('linux-ptload-offset-is-src', "the capture kernel's boot-memory PT_LOADs take p_offset from the region's source, not from its copy in the dump area", {
    afterCapture: (p, _k, c) => editPtLoads(p, c, (ph) => (ph.offset !== ph.paddr ? ph.paddr : ph.offset)),
  }),
  linux('linux-ptload-offset-not-accumulated', 'the capture kernel gives every boot-memory PT_LOAD p_offset = boot_mem_dest_addr (sizes of earlier regions not added)', {
    afterCapture: (p, _k, c) => editPtLoads(p, c, (ph, first) => (ph.offset !== ph.paddr && first !== undefined ? first : ph.offset)),
  }),
  ...ORACLE_CLASS_MUTANTS,
  ...GENERATOR_CLASS_MUTANTS,
  ...LATE_CLASS_MUTANTS,
];
