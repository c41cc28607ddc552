/**
 * Mutants for the issue-11 classes the first two catalogues left open: a stray write during an OPAL
 * call, the KERNEL tag cleared with 0 or registered again, an ADD_RANGE on full tables, and a crash
 * during the reboot after an MPIPL (the capture kernel or OPAL going down before the dump was
 * released), and a fast reboot after an MPIPL boot. Each is one realistic bug, invisible on the seed's default scenario; the generator
 * cases that reach them are counted by `check --stats` (sim/check/stats.ts), and
 * tests/firmware/late-mutants.test.ts pins a killing scenario for each.
 */
import type { FirmwareImages, HostbootResult } from '../../participants/firmware.js';
import type { IplHandoff, Platform } from '../../participants/platform.js';
import { ReferenceHostboot } from '../../participants/hostboot/reference.js';
import { SkibootModel } from '../../participants/skiboot/skiboot.js';
import { DumpRegion, MpiplTag, OpalRc } from '../../participants/opal-api.js';
import { HRMOR_BIT, MpiplMetadata, MDRT_MAX_ENTRIES, MDST_ENTRY_SIZE, MdstEntry, Ntuple, SkibootMap, SpirahNtuple } from '../../participants/layout.js';
import type { Mutant } from '../mutant-kit.js';
import { mutantMakers, type ProfileOf } from './oracle-classes.js';

// ====================================================================== stray writes during a call

/**
 * ADD_RANGE writes the new MDST entry's address a second time through the table's unrelocated
 * address (its offset in the raw image, where a loader at 0 put it: docs/protocol.md's glossary),
 * the relocation bug of firmware that keeps a link-time pointer. One 8-byte word lands in the
 * kernel's low memory; the tables themselves are right, so only a memory-wide view of the call
 * sees it.
 */
class SkibootAddRangeWritesUnrelocated extends SkibootModel {
  protected override opalMpiplAddRange(p: Platform, src: bigint, dest: bigint, size: bigint): bigint {
    const slot = this.actCnt(p, SpirahNtuple.mdumpSrc);
    const rc = super.opalMpiplAddRange(p, src, dest, size);
    if (rc === OpalRc.SUCCESS) p.mem.write64BE(SkibootMap.MDST_TABLE_OFF + slot * MDST_ENTRY_SIZE + MdstEntry.addr, src | HRMOR_BIT);
    return rc;
  }
}

// ====================================================================== KERNEL tag cleared or registered again

/**
 * REGISTER_TAG(KERNEL) keeps the first registration of the boot: a later value, including the 0
 * Linux's fadump cleanup registers to clear it, is ignored while OPAL_SUCCESS is returned (spec
 * 6.2 overwrites unconditionally). A kernel that cleared its tag still hands the next MPIPL boot
 * a pointer to metadata it no longer maintains.
 */
class SkibootKernelTagFirstWins extends SkibootModel {
  protected override opalMpiplRegisterTag(p: Platform, tag: bigint, value: bigint): bigint {
    const at = SkibootMap.SKIBOOT_BASE + SkibootMap.DUMP_METADATA_AREA_OFF + MpiplMetadata.kernelTag;
    if (tag === MpiplTag.KERNEL && p.mem.read64BE(at) !== 0n) return OpalRc.SUCCESS;
    return super.opalMpiplRegisterTag(p, tag, value);
  }
}

// ====================================================================== ADD_RANGE on full tables

/** The full-table test is `> MAX` instead of `>= MAX`: the 65th pair is appended past both tables. */
export class SkibootAddRangeFullOffByOne extends SkibootModel {
  protected override opalMpiplAddRange(p: Platform, src: bigint, dest: bigint, size: bigint): bigint {
    const srcCnt = this.actCnt(p, SpirahNtuple.mdumpSrc);
    const dstCnt = this.actCnt(p, SpirahNtuple.mdumpDst);
    if (srcCnt !== 64 || dstCnt !== 64) return super.opalMpiplAddRange(p, src, dest, size);
    this.appendPair(p, src | HRMOR_BIT, dest | HRMOR_BIT, DumpRegion.KERNEL, Number(size & 0xffff_ffffn));
    return OpalRc.SUCCESS;
  }
}

// ====================================================================== a crash during the reboot

/**
 * Hostboot protects a dump nobody released: when MDRT already holds entries (`0 < act_cnt <
 * 1024`; FREE_PRESERVED_MEMORY sets 1024), it copies nothing, keeps that MDRT and boots as an
 * MPIPL again. Correct hostboot preserves what the tables name now (spec 5). Only a second crash
 * before the capture kernel released the first dump reaches it: the capture kernel crashing as it
 * comes up, or OPAL aborting while the machine reboots.
 */
class HostbootKeepsUnreleasedDump extends ReferenceHostboot {
  override mpiplIpl(p: Platform, handoff: IplHandoff, images: FirmwareImages): HostbootResult {
    const base = this.validBase(p, handoff.skibootBase);
    const countAt = (b: number): number => b + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpRes + Ntuple.actCnt;
    const held = base === undefined ? 0 : p.mem.read16BE(countAt(base));
    if (base === undefined || held === 0 || held >= MDRT_MAX_ENTRIES) return super.mpiplIpl(p, handoff, images);
    p.emit('hostboot', 'copy', { result: `MDRT holds ${held} unreleased entries: kept, nothing copied` });
    this.loadImages(p, images);
    this.publishDumpNode(p, true);
    return { preserved: true, mdrtEntries: held, mpiplBoot: true };
  }
}

// ====================================================================== fast reboot after an MPIPL boot

/**
 * The MPIPL boot path never calls disable_fast_reboot("MPIPL Boot") (spec step 21): a fast reboot
 * after the capture kernel released its dump goes ahead, and since skiboot keeps its device tree
 * across a fast reboot, the next kernel boots with `mpipl-boot` still set.
 */
class SkibootFastRebootAfterMpiplBoot extends SkibootModel {
  protected override disableFastReboot(_p: Platform, _reason: string): void {
    // the MPIPL boot's call is missing
  }
}

export function lateClassMutants(profileOf: ProfileOf): Mutant[] {
  const { hostboot, skiboot } = mutantMakers(profileOf);
  return [
    skiboot('skiboot-add-range-writes-unrelocated', 'OPAL_MPIPL_UPDATE(ADD_RANGE) also writes the new MDST address word at the table’s unrelocated address (image offset from 0), in the kernel’s low memory', SkibootAddRangeWritesUnrelocated),
    skiboot('skiboot-kernel-tag-first-wins', 'OPAL_MPIPL_REGISTER_TAG(KERNEL) keeps the first value of the boot and ignores later ones, including the 0 that clears it, yet returns OPAL_SUCCESS', SkibootKernelTagFirstWins),
    skiboot('skiboot-add-range-full-off-by-one', 'ADD_RANGE tests for full tables with > 64 instead of >= 64: the 65th pair is appended past MDST and MDDT and OPAL_SUCCESS returned', SkibootAddRangeFullOffByOne),
    skiboot('skiboot-fast-reboot-after-mpipl-boot', 'an MPIPL boot does not disable fast reboot, so a later fast reboot boots the next kernel with the stale mpipl-boot property (skiboot keeps its device tree)', SkibootFastRebootAfterMpiplBoot),
    hostboot('hostboot-keeps-unreleased-dump', 'an MPIPL that comes before the previous dump was released (MDRT act_cnt 1–1023) keeps that MDRT and copies nothing, instead of preserving what MDST/MDDT name now', HostbootKeepsUnreleasedDump),
  ];
}
