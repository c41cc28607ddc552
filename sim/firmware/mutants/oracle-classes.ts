/**
 * Mutants for the oracle's blind spots of issue 11 (design section 6): each is one realistic bug
 * that every invariant before it let pass, and that one new judgement kills. They are the
 * regression tests of those judgements (tests/firmware/oracle-mutants.test.ts pins a killing
 * scenario for each and shows the older invariants pass it).
 *
 * Where a bug is modelled on a fix in skiboot, QEMU or Linux, the description names it.
 */
import type { FirmwareImages, FirmwareProfile } from '../../participants/firmware.js';
import type { Platform } from '../../participants/platform.js';
import type { ScenarioSpec } from '../../scenario/scenario.js';
import { ReferenceHostboot, captureEntries, writeThreadRecord, type TablePair } from '../../participants/hostboot/reference.js';
import { SkibootModel, type SkibootOptions } from '../../participants/skiboot/skiboot.js';
import { DumpRegion, MpiplOp, OpalRc } from '../../participants/opal-api.js';
import {
  HRMOR_BIT,
  MDRT_ENTRY_SIZE,
  MDST_ENTRY_SIZE,
  MdrtEntry,
  MpiplMetadata,
  Ntuple,
  ProcDumpArea,
  RegEntry,
  RegType,
  SkibootMap,
  SpirahNtuple,
  ThreadHdr,
} from '../../participants/layout.js';
import type { Mutant } from '../mutants.js';

/** The catalogue's way of building a mutant profile (passed in: this module must not import the catalogue). */
export type ProfileOf = (name: string, spec: ScenarioSpec, over: Partial<FirmwareProfile>) => FirmwareProfile;

const mdrtAt = (base: number): number => base + SkibootMap.MDRT_TABLE_OFF;
const mdrtCountAt = (base: number): number => base + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpRes + Ntuple.actCnt;

function writeMdrtEntry(p: Platform, at: number, pair: TablePair, sizeBytes: number): void {
  p.mem.write64BE(at + MdrtEntry.srcAddr, pair.srcField);
  p.mem.write64BE(at + MdrtEntry.destAddr, pair.destField);
  p.mem.write8(at + MdrtEntry.dataRegion, pair.srcRegion);
  p.mem.write32BE(at + MdrtEntry.size, sizeBytes);
}

// ====================================================================== mdrt-exact

/** act_cnt is the table's capacity (alloc_cnt, 1024), not the number of entries written. */
class HostbootMdrtActCntCapacity extends ReferenceHostboot {
  protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    super.writeMdrt(p, base, preserved);
    p.mem.write16BE(mdrtCountAt(base), SkibootMap.MDRT_TABLE_SIZE / MDRT_ENTRY_SIZE);
  }
}

/** Hostboot remembers every pair it read, so MDRT variants can see the skipped ones too. */
class HostbootSeesAllPairs extends ReferenceHostboot {
  protected allPairs: TablePair[] = [];

  protected override preserve(p: Platform, base: number, pairs: TablePair[], regCapture: { start: number; sizeBytes: number }): TablePair[] {
    this.allPairs = pairs;
    return super.preserve(p, base, pairs, regCapture);
  }
}

/** Each preserved pair's MDRT entry sits at its MDST index: skipped pairs leave zero holes. */
class HostbootMdrtAtMdstIndex extends HostbootSeesAllPairs {
  protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    const mdrt = mdrtAt(base);
    p.mem.fill(mdrt, SkibootMap.MDRT_TABLE_SIZE, 0);
    for (const pair of preserved) writeMdrtEntry(p, mdrt + pair.index * MDRT_ENTRY_SIZE, pair, pair.srcSize);
    p.mem.write16BE(mdrtCountAt(base), preserved.length === 0 ? 0 : preserved[preserved.length - 1]!.index + 1);
  }
}

/** Every pair read gets an MDRT entry; a skipped one with size 0 (as if its copy had failed). */
class HostbootMdrtKeepsSkipped extends HostbootSeesAllPairs {
  protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    const mdrt = mdrtAt(base);
    p.mem.fill(mdrt, SkibootMap.MDRT_TABLE_SIZE, 0);
    this.allPairs.forEach((pair, i) => writeMdrtEntry(p, mdrt + i * MDRT_ENTRY_SIZE, pair, preserved.includes(pair) ? pair.srcSize : 0));
    p.mem.write16BE(mdrtCountAt(base), this.allPairs.length);
  }
}

/** MDRT entries built in an uninitialised buffer: `reserved` and `padding` keep its bytes. */
class HostbootMdrtPaddingGarbage extends ReferenceHostboot {
  protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    super.writeMdrt(p, base, preserved);
    preserved.forEach((_, i) => {
      const at = mdrtAt(base) + i * MDRT_ENTRY_SIZE;
      p.mem.write16BE(at + MdrtEntry.reserved, 0xa5a5);
      p.mem.write64BE(at + MdrtEntry.padding, 0xa5a5_a5a5_a5a5_a5a5n);
    });
  }
}

/**
 * The whole 32 KiB MDRT buffer is left uninitialised (every byte 0x03, so garbage entries even
 * claim region 0x03) and act_cnt is the capacity: the oracle must report, not crash.
 */
class HostbootMdrtUninitialisedBuffer extends ReferenceHostboot {
  protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    p.mem.fill(mdrtAt(base), SkibootMap.MDRT_TABLE_SIZE, DumpRegion.OPAL_MEMORY);
    preserved.forEach((pair, i) => {
      const at = mdrtAt(base) + i * MDRT_ENTRY_SIZE;
      writeMdrtEntry(p, at, pair, pair.srcSize);
      p.mem.fill(at + MdrtEntry.dumpType, 3, 0);
      p.mem.write64BE(at + MdrtEntry.padding, 0n);
    });
    p.mem.write16BE(mdrtCountAt(base), SkibootMap.MDRT_TABLE_SIZE / MDRT_ENTRY_SIZE);
  }
}

// ====================================================================== cpu-format

interface Entry {
  type: number;
  num: number;
  value: bigint;
}

interface Header {
  offset: number;
  ecnt: number;
  esize: number;
  eactsz: number;
}

/**
 * The reference register capture with the entry list and the header fields open to change; the
 * stride (thread_size) follows the longest entry list.
 */
class HostbootRegsVariant extends ReferenceHostboot {
  protected entries(p: Platform, pir: number): Entry[] {
    return captureEntries(p, pir);
  }

  protected header(_index: number, h: Header): Header {
    return h;
  }

  protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
    const area = base + SkibootMap.PROC_DUMP_AREA_OFF;
    const pirs = p.topology.threads.map((t) => t.pir);
    const lists = pirs.map((pir) => this.entries(p, pir));
    const threadSize = ThreadHdr.SIZE + Math.max(...lists.map((l) => l.length)) * RegEntry.SIZE;
    const actSize = pirs.length * threadSize;
    const dest = Number(allocAddrField & ~HRMOR_BIT);
    p.mem.write32BE(area + ProcDumpArea.threadSize, threadSize);
    p.mem.write8(area + ProcDumpArea.version, ProcDumpArea.FORMAT_P9);
    if (allocSizeBytes < actSize || !p.mem.contains(dest, actSize)) {
      p.mem.write64BE(area + ProcDumpArea.destAddr, 0n);
      p.mem.write32BE(area + ProcDumpArea.actSize, 0);
      return;
    }
    pirs.forEach((pir, i) => {
      const at = dest + i * threadSize;
      const list = lists[i]!;
      const h = this.header(i, { offset: ThreadHdr.SIZE - ThreadHdr.offset, ecnt: list.length, esize: RegEntry.SIZE, eactsz: RegEntry.SIZE });
      p.mem.fill(at, threadSize, 0);
      writeThreadRecord(p, at, pir, h, list);
    });
    p.mem.write64BE(area + ProcDumpArea.destAddr, allocAddrField);
    p.mem.write32BE(area + ProcDumpArea.actSize, actSize);
    p.advance(pirs.length * p.cost.regCaptureCyclesPerThread);
  }
}

/** SPR numbers QEMU's 66-entry list writes twice (spec 5.4: CTR, DAR, DSISR, MSR, NIP, CFAR). */
const QEMU_DUPLICATED = [0x009, 0x013, 0x012, 0x7d1, 0x7d0, 0x01c];

class HostbootRegsDuplicateSprs extends HostbootRegsVariant {
  protected override entries(p: Platform, pir: number): Entry[] {
    const list = super.entries(p, pir);
    const again = QEMU_DUPLICATED.map((num) => list.find((e) => e.type === RegType.SPR && e.num === num)!).filter((e) => e !== undefined);
    return [...list, ...again.map((e) => ({ ...e }))];
  }
}

/** The hypervisor SPRs a debugger needs (HSRR0/1, HSPRG0/1, HRMOR, LPCR, HMER, HMEER). */
const HYPERVISOR_SPRS = new Set([0x130, 0x131, 0x139, 0x13a, 0x13b, 0x13e, 0x150, 0x151]);

class HostbootRegsOmitHypervisorSprs extends HostbootRegsVariant {
  protected override entries(p: Platform, pir: number): Entry[] {
    return super.entries(p, pir).filter((e) => !(e.type === RegType.SPR && HYPERVISOR_SPRS.has(e.num)));
  }
}

class HostbootRegsEcntFirstThreadOnly extends HostbootRegsVariant {
  protected override header(index: number, h: Header): Header {
    return index === 0 ? h : { ...h, ecnt: 0 };
  }
}

class HostbootRegsEactszZero extends HostbootRegsVariant {
  protected override header(_index: number, h: Header): Header {
    return { ...h, eactsz: 0 };
  }
}

// ====================================================================== the crashing PIR

/** The terminate path that Linux's MPIPL takes does not save the crashing PIR (skiboot edc936afb). */
class SkibootCrashingPirNotSaved extends SkibootModel {
  protected override p9SbeTerminate(p: Platform, callerPir: number): boolean {
    const at = SkibootMap.SKIBOOT_BASE + SkibootMap.DUMP_METADATA_AREA_OFF + MpiplMetadata.crashingPir;
    const before = p.mem.read32BE(at);
    const sent = super.p9SbeTerminate(p, callerPir);
    p.mem.write32BE(at, before);
    return sent;
  }
}

// ====================================================================== normal IPL

class HostbootNormalIplLoadsAtZero extends ReferenceHostboot {
  override normalIpl(p: Platform, images: FirmwareImages): void {
    super.normalIpl(p, images);
    p.mem.writeBytes(0, images.skiboot);
  }
}

// ====================================================================== OPAL calls (registration-effective)

class SkibootUpdateUnsupported extends SkibootModel {
  protected override opalMpiplUpdate(p: Platform, ops: bigint, src: bigint, dest: bigint, size: bigint): bigint {
    if (ops === MpiplOp.ADD_RANGE) return OpalRc.UNSUPPORTED;
    return super.opalMpiplUpdate(p, ops, src, dest, size);
  }
}

/** REMOVE_ALL's loop advances past the entry it just shifted into the removed slot. */
class SkibootRemoveAllSkipsNext extends SkibootModel {
  protected override removeRegion(p: Platform, table: number, ntupleOff: number, region: number): void {
    let cnt = this.actCnt(p, ntupleOff);
    for (let i = 0; i < cnt; i++) {
      const at = table + i * MDST_ENTRY_SIZE;
      if (p.mem.read8(at + 8) !== region) continue;
      p.mem.copy(at, at + MDST_ENTRY_SIZE, (cnt - 1 - i) * MDST_ENTRY_SIZE);
      p.mem.fill(table + (cnt - 1) * MDST_ENTRY_SIZE, MDST_ENTRY_SIZE, 0);
      cnt--;
    }
    this.setActCnt(p, ntupleOff, cnt);
  }
}

class SkibootFreeClearsMetadata extends SkibootModel {
  protected override opalMpiplFreePreservedMemory(p: Platform): void {
    super.opalMpiplFreePreservedMemory(p);
    p.mem.fill(SkibootMap.SKIBOOT_BASE + SkibootMap.DUMP_METADATA_AREA_OFF, MpiplMetadata.SIZE, 0);
  }
}

// ====================================================================== not judged → lost dump

/** The OPAL dump and register areas are used but never published in /reserved-memory. */
class SkibootUnreservedDumpArea extends SkibootModel {
  protected override reserve(p: Platform, name: string, start: number, sizeBytes: number): void {
    if (name === 'ibm,firmware-dump' || name === 'ibm,firmware-arch-registers') return;
    super.reserve(p, name, start, sizeBytes);
  }
}

/** Mutant makers of one kind: a model class with one bug becomes a named profile (shared by every mutant catalogue). */
export function mutantMakers(profileOf: ProfileOf): {
  hostboot: (name: string, description: string, H: new () => ReferenceHostboot) => Mutant;
  skiboot: (name: string, description: string, S: new (o: SkibootOptions) => SkibootModel) => Mutant;
} {
  const options = (spec: ScenarioSpec): SkibootOptions => (spec.faults.allocSizeBytes === undefined ? {} : { allocSizeBytes: spec.faults.allocSizeBytes });
  return {
    hostboot: (name, description, H) => ({ name, description, participant: 'hostboot', make: (spec) => profileOf(name, spec, { makeHostboot: () => new H() }) }),
    skiboot: (name, description, S) => ({ name, description, participant: 'skiboot', make: (spec) => profileOf(name, spec, { makeSkiboot: () => new S(options(spec)) }) }),
  };
}

export function oracleClassMutants(profileOf: ProfileOf): Mutant[] {
  const { hostboot, skiboot } = mutantMakers(profileOf);
  return [
  hostboot('hostboot-mdrt-act-cnt-capacity', 'hostboot sets mdump_res.act_cnt to the MDRT capacity (1024) instead of the number of entries it wrote', HostbootMdrtActCntCapacity),
  hostboot('hostboot-mdrt-entry-at-mdst-index', 'hostboot writes each MDRT entry at its MDST index, so skipped pairs leave zero holes and act_cnt counts them', HostbootMdrtAtMdstIndex),
  hostboot('hostboot-mdrt-keeps-skipped-pairs', 'hostboot gives a skipped MDST/MDDT pair an MDRT entry with size 0 instead of leaving it out', HostbootMdrtKeepsSkipped),
  hostboot('hostboot-mdrt-padding-uninitialised', 'hostboot builds MDRT entries in an uninitialised buffer: reserved and padding keep its 0xa5 bytes', HostbootMdrtPaddingGarbage),
  hostboot('hostboot-mdrt-uninitialised-buffer', 'hostboot leaves the 32 KiB MDRT uninitialised past its entries (bytes 0x03) with act_cnt 1024', HostbootMdrtUninitialisedBuffer),
  hostboot('hostboot-regs-duplicate-sprs', 'hostboot writes CTR, DAR, DSISR, MSR, NIP and CFAR twice per thread, as the 66-entry QEMU list does', HostbootRegsDuplicateSprs),
  hostboot('hostboot-regs-omit-hypervisor-sprs', 'hostboot captures no HSRR0/HSRR1/HSPRG0/HSPRG1/HRMOR/LPCR/HMER/HMEER entries (Linux reads none of them)', HostbootRegsOmitHypervisorSprs),
  hostboot('hostboot-regs-ecnt-first-thread-only', 'hostboot writes ecnt in the first thread header only; every other header says 0 entries', HostbootRegsEcntFirstThreadOnly),
  hostboot('hostboot-regs-eactsz-zero', 'hostboot leaves eactsz (bytes used per register entry) 0 in every thread header', HostbootRegsEactszZero),
  hostboot('hostboot-normal-ipl-loads-skiboot-at-zero', 'on a normal IPL hostboot also loads the skiboot image at FW_LOAD_ADDR 0, over the previous kernel’s memory', HostbootNormalIplLoadsAtZero),
  skiboot('skiboot-crashing-pir-not-saved', 'the terminate path of a Linux-initiated MPIPL does not save the crashing PIR in mpipl_metadata (skiboot edc936afb)', SkibootCrashingPirNotSaved),
  skiboot('skiboot-update-unsupported', 'OPAL_MPIPL_UPDATE(ADD_RANGE) answers OPAL_UNSUPPORTED although /ibm,opal/dump is published, so no dump is ever taken', SkibootUpdateUnsupported),
  skiboot('skiboot-remove-all-skips-next-entry', 'REMOVE_ALL steps past the entry it just shifted down, leaving every second adjacent kernel entry registered', SkibootRemoveAllSkipsNext),
  skiboot('skiboot-free-clears-metadata', 'FREE_PRESERVED_MEMORY also zeroes mpipl_metadata, losing the KERNEL and BOOT_MEM tags registered since boot', SkibootFreeClearsMetadata),
  skiboot('skiboot-unreserved-dump-area', 'skiboot uses the OPAL dump and register areas without publishing them in /reserved-memory (cf. skiboot b0e024216)', SkibootUnreservedDumpArea),
  ];
}

/** In the catalogue through late-classes.ts (the generator now fills tables); re-exported for older imports. */
export { SkibootAddRangeFullOffByOne } from './late-classes.js';
