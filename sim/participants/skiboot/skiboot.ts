/**
 * skiboot / OPAL as the MPIPL flow needs it, written from spec sections 2 (steps 3–5, 9–10,
 * 14–15, 21, 26), 3, 4.7–4.8, 6.1–6.3. One instance per boot: its fields are this boot's runtime
 * state; what must survive an MPIPL (metadata, MDRT) lives in memory.
 *
 * Method names follow skiboot's functions so a firmware engineer can map behaviour back.
 */
import type { Skiboot } from '../firmware.js';
import type { Platform } from '../platform.js';
import { TransactionError } from '../../core/errors.js';
import { hex } from '../../core/u64.js';
import { propU64s } from '../../machine/device-tree.js';
import { DumpRegion, MpiplOp, MpiplTag, OpalReboot, OpalRc, OpalToken, OPAL_MPIPL_VERSION } from '../opal-api.js';
import {
  DT_DUMP_NODE,
  DT_OPAL_NODE,
  DT_RESERVED,
  HRMOR_BIT,
  MDRT_ENTRY_SIZE,
  MDST_ENTRY_SIZE,
  MDST_MAX_ENTRIES,
  MdrtEntry,
  MdstEntry,
  MpiplMetadata,
  Ntuple,
  OpalMpiplFadump,
  ProcDumpArea,
  SbeBits,
  SbeCmd,
  SbeReg,
  SBE_STASH_KEY_SKIBOOT_BASE,
  SkibootMap,
  SpirahNtuple,
  opalDumpSize,
} from '../layout.js';
import { OPAL_BOOT_OFF, OPAL_ENTRY_OFF } from './image.js';

const BASE = SkibootMap.SKIBOOT_BASE;
const MDST_ADDR = BASE + SkibootMap.MDST_TABLE_OFF;
const MDDT_ADDR = BASE + SkibootMap.MDDT_TABLE_OFF;
const MDRT_ADDR = BASE + SkibootMap.MDRT_TABLE_OFF;
const METADATA_ADDR = BASE + SkibootMap.DUMP_METADATA_AREA_OFF;
const PROC_DUMP_ADDR = BASE + SkibootMap.PROC_DUMP_AREA_OFF;
const SPIRAH_ADDR = BASE + SkibootMap.SPIRAH_OFF;
const CONSOLE_ADDR = BASE + SkibootMap.INMEM_CON_OFF;
const HEAP_ADDR = BASE + SkibootMap.HEAP_OFF;

export const MAX_OPAL_MPIPL_TAGS = 4;
/** OPAL_CHECK_TOKEN answers (skiboot include/opal-api.h). */
const OPAL_TOKEN_ABSENT = 0n;
const OPAL_TOKEN_PRESENT = 1n;

/** Named deviations a mutant or fault case applies to this skiboot (none in the reference). */
export interface SkibootOptions {
  /** Cycles skiboot spins after S0 before "Falling back to normal reboot" (SBE_CMD_TIMEOUT_MAX, scaled). */
  readonly sbeTimeoutCycles?: number;
  /** Fault injection: the `alloc_size` written into the processor dump area (a too-small register area). */
  readonly allocSizeBytes?: number;
}

export class SkibootModel implements Skiboot {
  // --- this boot's runtime state (skiboot globals)
  mpiplEnabled = false;
  /** disable_fast_reboot's reason (skiboot core/fast-reboot.c); an MPIPL boot sets "MPIPL Boot" (spec step 21). */
  fastRebootDisabled: string | undefined = undefined;
  opalDumpAddr = 0;
  opalDumpSizeBytes = 0;
  archRegsDest = 0;
  archRegsSizeBytes = 0;
  readonly tags: bigint[] = new Array<bigint>(MAX_OPAL_MPIPL_TAGS).fill(0n);
  maxTags = MAX_OPAL_MPIPL_TAGS;
  private heapNext = HEAP_ADDR;
  private consoleOffset = 0;
  private readonly sbeSeq = new Map<number, number>();
  private readonly registeredTokens = new Set<number>([OpalToken.CEC_REBOOT, OpalToken.CHECK_TOKEN, OpalToken.CEC_REBOOT2]);

  constructor(protected readonly options: SkibootOptions = {}) {}

  // ------------------------------------------------------------------ boot

  boot(p: Platform): void {
    this.relocate(p);
    const mpiplBoot = p.dt.has(DT_DUMP_NODE, 'mpipl-boot');
    p.emit('skiboot', 'boot', { kind: mpiplBoot ? 'mpipl' : 'normal' });
    this.prlog(p, `skiboot booting (${mpiplBoot ? 'MPIPL boot' : 'normal boot'})`);
    this.publishOpalNode(p);
    if (p.dt.hasNode(DT_DUMP_NODE)) {
      this.opalMpiplReserveMem(p);
      this.opalMpiplInit(p, mpiplBoot);
    }
    p.advance(p.cost.skibootBootCycles);
  }

  /**
   * Spec step 3 (asm/head.S): skiboot copies its image from where the loader put it to
   * SKIBOOT_BASE. A loader that does not load at SKIBOOT_BASE (the `qemu` profile loads at
   * FW_LOAD_ADDR = 0) says so in `/sim` `skiboot-load-address` and `skiboot-image-size` (BE u64,
   * our convention standing in for skiboot finding its own entry address); absent or equal to
   * SKIBOOT_BASE means the image is already in place (the reference hostboot), so nothing moves.
   * Added for the qemu profile (issue 5); the reference path is unchanged.
   */
  protected relocate(p: Platform): void {
    const at = p.dt.get('/sim', 'skiboot-load-address');
    if (at === undefined || at.length < 8) return;
    const from = new DataView(at.buffer, at.byteOffset, at.byteLength).getBigUint64(0, false);
    if (from === BigInt(BASE)) return;
    const sz = p.dt.get('/sim', 'skiboot-image-size');
    const sizeBytes = sz === undefined || sz.length < 8 ? 0 : Number(new DataView(sz.buffer, sz.byteOffset, sz.byteLength).getBigUint64(0, false));
    if (sizeBytes === 0 || !p.mem.contains(from, sizeBytes)) return;
    p.mem.copy(BASE, Number(from), sizeBytes);
    p.emit('skiboot', 'skiboot-log', { msg: `relocated ${hex(sizeBytes)} bytes from ${hex(from)} to ${hex(BASE)}` });
  }

  /** `/ibm,opal` and skiboot's own reserved memory (core/opal.c, core/mem_region.c). */
  protected publishOpalNode(p: Platform): void {
    p.dt.set(DT_OPAL_NODE, 'opal-base-address', propU64s([BigInt(BASE)]));
    p.dt.set(DT_OPAL_NODE, 'opal-entry-address', propU64s([BigInt(BASE + OPAL_ENTRY_OFF)]));
    p.dt.set(DT_OPAL_NODE, 'opal-boot-address', propU64s([BigInt(BASE + OPAL_BOOT_OFF)]));
    const stacksBytes = (p.topology.cpuMaxPir + 1) * SkibootMap.STACK_SIZE;
    this.reserve(p, 'ibm,firmware-code', BASE, SkibootMap.SKIBOOT_SIZE);
    this.reserve(p, 'ibm,firmware-stacks', BASE + SkibootMap.SKIBOOT_SIZE, stacksBytes);
  }

  protected reserve(p: Platform, name: string, start: number, sizeBytes: number): void {
    p.dt.set(`${DT_RESERVED}/${name}`, 'reg', propU64s([BigInt(start), BigInt(sizeBytes)]));
  }

  /** Spec step 4: reserve the OPAL dump destination and the arch-registers area. */
  protected opalMpiplReserveMem(p: Platform): void {
    this.opalDumpSizeBytes = opalDumpSize(p.topology.cpuMaxPir);
    this.opalDumpAddr = BASE + this.opalDumpSizeBytes;
    this.archRegsDest = this.opalDumpAddr + this.opalDumpSizeBytes;
    this.archRegsSizeBytes = p.config.chips * SkibootMap.ARCH_REGS_DATA_SIZE_PER_CHIP;
    this.reserve(p, 'ibm,firmware-dump', this.opalDumpAddr, this.opalDumpSizeBytes);
    this.reserve(p, 'ibm,firmware-arch-registers', this.archRegsDest, this.archRegsSizeBytes);
  }

  /** Spec step 5 (and step 21 first, on an MPIPL boot). */
  protected opalMpiplInit(p: Platform, mpiplBoot: boolean): void {
    if (mpiplBoot) {
      this.disableFastReboot(p, 'MPIPL Boot');
      this.opalMpiplProcessPreserved(p);
    }
    // 5.3: clear metadata and both tables.
    p.mem.fill(METADATA_ADDR, MpiplMetadata.SIZE, 0);
    p.mem.fill(MDST_ADDR, SkibootMap.MDST_TABLE_SIZE, 0);
    this.setActCnt(p, SpirahNtuple.mdumpSrc, 0);
    p.mem.fill(MDDT_ADDR, SkibootMap.MDDT_TABLE_SIZE, 0);
    this.setActCnt(p, SpirahNtuple.mdumpDst, 0);
    this.opalMpiplRegister(p);
    this.sendRelocatedBase(p);
    for (const t of [OpalToken.MPIPL_UPDATE, OpalToken.MPIPL_REGISTER_TAG, OpalToken.MPIPL_QUERY_TAG]) this.registeredTokens.add(t);
    this.mpiplEnabled = true;
  }

  /**
   * disable_fast_reboot: the first reason sticks (skiboot core/fast-reboot.c). skiboot logs it; we
   * log it only when a fast reboot is refused, so that the MPIPL boot's trace stays as it was.
   */
  protected disableFastReboot(_p: Platform, reason: string): void {
    this.fastRebootDisabled ??= reason;
  }

  /**
   * The fast-reboot path after OPAL_CEC_REBOOT2(FAST) (skiboot core/fast-reboot.c,
   * fast_reboot_entry): this skiboot keeps running with its memory, tables and device tree; it
   * clears the memory no `/reserved-memory` range covers (mem_region_clear_unused) and boots the
   * payload with `load_and_boot_kernel(true)`, which skips `opal_mpipl_init` (spec step 5): MDST,
   * MDDT, the metadata area and MDRT stay as they are.
   */
  fastReboot(p: Platform): void {
    p.emit('skiboot', 'boot', { kind: 'fast' });
    this.prlog(p, 'RESET: fast reboot: clearing unused memory, booting the payload');
    this.clearUnusedMemory(p);
    p.advance(p.cost.skibootBootCycles);
  }

  /** mem_region_clear_unused: zero every present page that no reserved range touches. */
  protected clearUnusedMemory(p: Platform): void {
    const reserved: { start: number; end: number }[] = [];
    for (const node of p.dt.children(DT_RESERVED)) {
      const reg = p.dt.get(node, 'reg');
      if (reg === undefined || reg.length < 16) continue;
      const v = new DataView(reg.buffer, reg.byteOffset, reg.byteLength);
      for (let i = 0; i + 16 <= reg.length; i += 16) {
        const start = Number(v.getBigUint64(i, false));
        reserved.push({ start, end: start + Number(v.getBigUint64(i + 8, false)) });
      }
    }
    const pageBytes = 0x1000;
    const clear: number[] = [];
    p.mem.forEachPage((pageIndex) => {
      const at = pageIndex * pageBytes;
      if (!reserved.some((r) => at < r.end && r.start < at + pageBytes)) clear.push(at);
    });
    for (const at of clear) p.mem.fill(at, pageBytes, 0);
  }

  /** 5.4: OPAL's own region, then the processor dump area allocation. */
  protected opalMpiplRegister(p: Platform): void {
    this.appendPair(p, BigInt(BASE) | HRMOR_BIT, BigInt(this.opalDumpAddr) | HRMOR_BIT, DumpRegion.OPAL_MEMORY, this.opalDumpSizeBytes);
    if (p.mem.read32BE(PROC_DUMP_ADDR + ProcDumpArea.threadSize) !== 0) {
      this.prlog(p, 'Processor dump area: available, but not supported');
    }
    p.mem.write64BE(PROC_DUMP_ADDR + ProcDumpArea.allocAddr, BigInt(this.archRegsDest) | HRMOR_BIT);
    p.mem.write32BE(PROC_DUMP_ADDR + ProcDumpArea.allocSize, this.options.allocSizeBytes ?? this.archRegsSizeBytes);
  }

  /** 5.5: STASH_MPIPL_CONFIG (key 3 = relocated base) to the SBE of every chip. */
  protected sendRelocatedBase(p: Platform): void {
    for (const chip of p.topology.chipIds) {
      const seq = this.nextSbeSeq(chip);
      const reg0 = (0x0300n << 32n) | (BigInt(seq) << 16n) | BigInt(SbeCmd.STASH_MPIPL_CONFIG);
      const ok =
        p.xscom.write(chip, SbeReg.MBOX0, reg0) &&
        p.xscom.write(chip, SbeReg.MBOX0 + 1, SBE_STASH_KEY_SKIBOOT_BASE) &&
        p.xscom.write(chip, SbeReg.MBOX0 + 2, BigInt(BASE)) &&
        p.xscom.write(chip, SbeReg.MBOX0 + 3, 0n) &&
        p.xscom.write(chip, SbeReg.PSU_SBE_DOORBELL_REG_OR, SbeBits.HOST_SBE_MSG_WAITING);
      p.advance(p.cost.sbeChipOpCycles);
      const doorbell = p.xscom.read(chip, SbeReg.PSU_HOST_DOORBELL_REG_RW) ?? 0n;
      const response = p.xscom.read(chip, SbeReg.MBOX0 + 4) ?? 0n;
      const primaryStatus = Number((response >> 48n) & 0xffffn);
      if (!ok || (doorbell & SbeBits.SBE_HOST_RESPONSE_WAITING) === 0n || primaryStatus !== 0) {
        // Only logged: the SBE may hold no base (spec 6.3).
        this.prlog(p, `SBE: chip ${chip}: failed to send relocated base (no response)`);
      } else {
        p.xscom.write(chip, SbeReg.PSU_HOST_DOORBELL_REG_AND, ~SbeBits.SBE_HOST_RESPONSE_WAITING & 0xffff_ffff_ffff_ffffn);
      }
    }
  }

  private nextSbeSeq(chip: number): number {
    const cur = this.sbeSeq.get(chip) ?? 0;
    const next = cur >= 0xffff ? 1 : cur + 1;
    this.sbeSeq.set(chip, next);
    return next;
  }

  /** Spec step 21: tags from the metadata, OPAL data from MDRT, CPU data from the proc dump area. */
  protected opalMpiplProcessPreserved(p: Platform): void {
    this.prlog(p, 'MPIPL boot: processing preserved data');
    const kernelTag = p.mem.read64BE(METADATA_ADDR + MpiplMetadata.kernelTag);
    const bootMemSize = p.mem.read64BE(METADATA_ADDR + MpiplMetadata.bootMemSize);
    if (kernelTag !== 0n) this.tags[Number(MpiplTag.KERNEL)] = kernelTag;
    if (bootMemSize !== 0n) this.tags[Number(MpiplTag.BOOT_MEM)] = bootMemSize;

    // OPAL data: scan act_cnt MDRT entries for region 0x03.
    const actCnt = this.actCnt(p, SpirahNtuple.mdumpRes);
    const opalRegions: { src: bigint; dest: bigint; size: bigint }[] = [];
    for (let i = 0; i < actCnt; i++) {
      const at = MDRT_ADDR + i * MDRT_ENTRY_SIZE;
      if (p.mem.read8(at + MdrtEntry.dataRegion) !== DumpRegion.OPAL_MEMORY) continue;
      opalRegions.push({
        src: p.mem.read64BE(at + MdrtEntry.srcAddr) & ~HRMOR_BIT,
        dest: p.mem.read64BE(at + MdrtEntry.destAddr) & ~HRMOR_BIT,
        size: BigInt(p.mem.read32BE(at + MdrtEntry.size)),
      });
    }
    if (opalRegions.length === 0) {
      this.prlog(p, 'OPAL dump is not available');
    } else {
      const crashingPir = p.mem.read32BE(METADATA_ADDR + MpiplMetadata.crashingPir);
      this.tags[Number(MpiplTag.OPAL)] = this.writeFadumpStruct(p, { crashingPir, cpuDataVersion: 0, cpuDataSize: 0, regions: opalRegions });
    }

    // CPU data: the relocated proc dump area.
    const destAddr = p.mem.read64BE(PROC_DUMP_ADDR + ProcDumpArea.destAddr);
    const actSize = p.mem.read32BE(PROC_DUMP_ADDR + ProcDumpArea.actSize);
    if (destAddr !== 0n && actSize !== 0) {
      const dest = destAddr & ~HRMOR_BIT;
      this.tags[Number(MpiplTag.CPU)] = this.writeFadumpStruct(p, {
        crashingPir: 0,
        cpuDataVersion: p.mem.read8(PROC_DUMP_ADDR + ProcDumpArea.version),
        cpuDataSize: p.mem.read32BE(PROC_DUMP_ADDR + ProcDumpArea.threadSize),
        regions: [{ src: dest, dest, size: BigInt(actSize) }],
      });
    }
  }

  /** Allocate and fill a `struct opal_mpipl_fadump` (spec 4.8) on the skiboot heap; returns its address. */
  private writeFadumpStruct(
    p: Platform,
    f: { crashingPir: number; cpuDataVersion: number; cpuDataSize: number; regions: { src: bigint; dest: bigint; size: bigint }[] },
  ): bigint {
    const sizeBytes = OpalMpiplFadump.regions + OpalMpiplFadump.REGION_SIZE * f.regions.length;
    const at = this.heapNext;
    this.heapNext += (sizeBytes + 0xff) & ~0xff;
    p.mem.fill(at, sizeBytes, 0);
    p.mem.write8(at + OpalMpiplFadump.version, OPAL_MPIPL_VERSION);
    p.mem.write32BE(at + OpalMpiplFadump.crashingPir, f.crashingPir);
    p.mem.write32BE(at + OpalMpiplFadump.cpuDataVersion, f.cpuDataVersion);
    p.mem.write32BE(at + OpalMpiplFadump.cpuDataSize, f.cpuDataSize);
    p.mem.write32BE(at + OpalMpiplFadump.regionCnt, f.regions.length);
    f.regions.forEach((r, i) => {
      const e = at + OpalMpiplFadump.regions + i * OpalMpiplFadump.REGION_SIZE;
      p.mem.write64BE(e, r.src);
      p.mem.write64BE(e + 8, r.dest);
      p.mem.write64BE(e + 16, r.size);
    });
    return BigInt(at);
  }

  // ------------------------------------------------------------------ tables

  protected actCnt(p: Platform, ntupleOff: number): number {
    return p.mem.read16BE(SPIRAH_ADDR + ntupleOff + Ntuple.actCnt);
  }

  protected setActCnt(p: Platform, ntupleOff: number, n: number): void {
    p.mem.write16BE(SPIRAH_ADDR + ntupleOff + Ntuple.actCnt, n);
  }

  /** Append one MDST and one MDDT entry (spec 6.1 step 7) and bump both act_cnt. */
  protected appendPair(p: Platform, srcField: bigint, destField: bigint, region: number, sizeBytes: number): void {
    const srcCnt = this.actCnt(p, SpirahNtuple.mdumpSrc);
    const dstCnt = this.actCnt(p, SpirahNtuple.mdumpDst);
    this.writeEntry(p, MDST_ADDR + srcCnt * MDST_ENTRY_SIZE, srcField, region, sizeBytes);
    this.writeEntry(p, MDDT_ADDR + dstCnt * MDST_ENTRY_SIZE, destField, region, sizeBytes);
    this.setActCnt(p, SpirahNtuple.mdumpSrc, srcCnt + 1);
    this.setActCnt(p, SpirahNtuple.mdumpDst, dstCnt + 1);
  }

  private writeEntry(p: Platform, at: number, addrField: bigint, region: number, sizeBytes: number): void {
    p.mem.write64BE(at + MdstEntry.addr, addrField);
    p.mem.write8(at + MdstEntry.dataRegion, region);
    p.mem.write32BE(at + MdstEntry.size, sizeBytes >>> 0);
  }

  /** Remove the first entry of `table` with `region` and address `addrField`, compacting it (spec 6.1). */
  protected removeEntry(p: Platform, table: number, ntupleOff: number, region: number, addrField: bigint): boolean {
    const cnt = this.actCnt(p, ntupleOff);
    for (let i = 0; i < cnt; i++) {
      const at = table + i * MDST_ENTRY_SIZE;
      if (p.mem.read8(at + MdstEntry.dataRegion) !== region || p.mem.read64BE(at + MdstEntry.addr) !== addrField) continue;
      p.mem.copy(at, at + MDST_ENTRY_SIZE, (cnt - 1 - i) * MDST_ENTRY_SIZE);
      p.mem.fill(table + (cnt - 1) * MDST_ENTRY_SIZE, MDST_ENTRY_SIZE, 0);
      this.setActCnt(p, ntupleOff, cnt - 1);
      return true;
    }
    // Not found: act_cnt is written back unchanged.
    this.setActCnt(p, ntupleOff, cnt);
    return false;
  }

  /** Remove every entry of `region` from one table, compacting it. */
  protected removeRegion(p: Platform, table: number, ntupleOff: number, region: number): void {
    const cnt = this.actCnt(p, ntupleOff);
    const kept: Uint8Array[] = [];
    for (let i = 0; i < cnt; i++) {
      const at = table + i * MDST_ENTRY_SIZE;
      if (p.mem.read8(at + MdstEntry.dataRegion) !== region) kept.push(p.mem.readBytes(at, MDST_ENTRY_SIZE));
    }
    p.mem.fill(table, cnt * MDST_ENTRY_SIZE, 0);
    kept.forEach((e, i) => p.mem.writeBytes(table + i * MDST_ENTRY_SIZE, e));
    this.setActCnt(p, ntupleOff, kept.length);
  }

  private tableHas(p: Platform, table: number, ntupleOff: number, addrField: bigint): boolean {
    const cnt = this.actCnt(p, ntupleOff);
    for (let i = 0; i < cnt; i++) if (p.mem.read64BE(table + i * MDST_ENTRY_SIZE + MdstEntry.addr) === addrField) return true;
    return false;
  }

  /** skiboot opal_addr_valid (spec 6.1): top nibble 0 or 0xC, rest within RAM. */
  protected opalAddrValid(p: Platform, a: bigint): boolean {
    const nibble = a >> 60n;
    if (nibble !== 0n && nibble !== 0xcn) return false;
    return (a & 0x0fff_ffff_ffff_ffffn) <= BigInt(p.config.ramSizeBytes);
  }

  // ------------------------------------------------------------------ OPAL calls

  opalCall(p: Platform, callerPir: number, token: number, args: readonly bigint[]): bigint {
    if (!this.registeredTokens.has(token)) return OpalRc.PARAMETER; // opal_bad_token
    const a = (i: number): bigint => args[i] ?? 0n;
    this.consoleLine(p, `OPAL: call ${token} from PIR ${hex(callerPir)}`);
    switch (token) {
      case OpalToken.CHECK_TOKEN:
        return this.registeredTokens.has(Number(a(0) & 0xffffn)) ? OPAL_TOKEN_PRESENT : OPAL_TOKEN_ABSENT;
      case OpalToken.CEC_REBOOT:
        p.requestNormalReboot('OPAL_CEC_REBOOT');
        return OpalRc.SUCCESS;
      case OpalToken.CEC_REBOOT2:
        return this.opalCecReboot2(p, callerPir, a(0));
      case OpalToken.MPIPL_UPDATE:
        return this.opalMpiplUpdate(p, a(0), a(1), a(2), a(3));
      case OpalToken.MPIPL_REGISTER_TAG:
        return this.opalMpiplRegisterTag(p, a(0), a(1));
      case OpalToken.MPIPL_QUERY_TAG:
        return this.opalMpiplQueryTag(p, a(0), a(1));
      default:
        return OpalRc.PARAMETER;
    }
  }

  /** Spec 6.1. */
  protected opalMpiplUpdate(p: Platform, ops: bigint, src: bigint, dest: bigint, size: bigint): bigint {
    switch (ops) {
      case MpiplOp.ADD_RANGE:
        return this.opalMpiplAddRange(p, src, dest, size);
      case MpiplOp.REMOVE_RANGE:
        return this.opalMpiplRemoveRange(p, src, dest);
      case MpiplOp.REMOVE_ALL:
        this.removeRegion(p, MDST_ADDR, SpirahNtuple.mdumpSrc, DumpRegion.KERNEL);
        this.removeRegion(p, MDDT_ADDR, SpirahNtuple.mdumpDst, DumpRegion.KERNEL);
        return OpalRc.SUCCESS;
      case MpiplOp.FREE_PRESERVED_MEMORY:
        this.opalMpiplFreePreservedMemory(p);
        return OpalRc.SUCCESS;
      default:
        return OpalRc.PARAMETER;
    }
  }

  protected opalMpiplAddRange(p: Platform, src: bigint, dest: bigint, size: bigint): bigint {
    if (!this.opalAddrValid(p, src)) return OpalRc.PARAMETER;
    if (!this.opalAddrValid(p, dest)) return OpalRc.PARAMETER;
    if (size === 0n) return OpalRc.PARAMETER;
    if (this.actCnt(p, SpirahNtuple.mdumpSrc) >= MDST_MAX_ENTRIES) {
      this.prlog(p, 'MDST table is full');
      return OpalRc.RESOURCE;
    }
    if (this.actCnt(p, SpirahNtuple.mdumpDst) >= MDST_MAX_ENTRIES) {
      this.prlog(p, 'MDDT table is full');
      return OpalRc.RESOURCE;
    }
    if (this.tableHas(p, MDST_ADDR, SpirahNtuple.mdumpSrc, src | HRMOR_BIT)) return OpalRc.PARAMETER;
    if (this.tableHas(p, MDDT_ADDR, SpirahNtuple.mdumpDst, dest | HRMOR_BIT)) return OpalRc.PARAMETER;
    // The OPAL API passes 64 bits; the tables hold the low 32 (spec 6.1: silently truncated).
    this.appendPair(p, src | HRMOR_BIT, dest | HRMOR_BIT, DumpRegion.KERNEL, Number(size & 0xffff_ffffn));
    return OpalRc.SUCCESS;
  }

  protected opalMpiplRemoveRange(p: Platform, src: bigint, dest: bigint): bigint {
    if (!this.removeEntry(p, MDST_ADDR, SpirahNtuple.mdumpSrc, DumpRegion.KERNEL, src | HRMOR_BIT)) return OpalRc.PARAMETER;
    // The MDST entry is already gone if this fails: the tables now differ in length (spec 6.1).
    if (!this.removeEntry(p, MDDT_ADDR, SpirahNtuple.mdumpDst, DumpRegion.KERNEL, dest | HRMOR_BIT)) return OpalRc.PARAMETER;
    return OpalRc.SUCCESS;
  }

  /** Spec step 26. */
  protected opalMpiplFreePreservedMemory(p: Platform): void {
    this.tags.fill(0n);
    this.maxTags = 0;
    p.mem.fill(MDRT_ADDR, SkibootMap.MDRT_TABLE_SIZE, 0);
    this.setActCnt(p, SpirahNtuple.mdumpRes, SkibootMap.MDRT_TABLE_SIZE / MDRT_ENTRY_SIZE);
  }

  /** Spec 6.2. */
  protected opalMpiplRegisterTag(p: Platform, tag: bigint, value: bigint): bigint {
    if (tag === MpiplTag.BOOT_MEM) {
      if (value === 0n || value > BigInt(p.config.ramSizeBytes)) return OpalRc.PARAMETER;
      p.mem.write64BE(METADATA_ADDR + MpiplMetadata.bootMemSize, value);
      return OpalRc.SUCCESS;
    }
    if (tag === MpiplTag.KERNEL) {
      p.mem.write64BE(METADATA_ADDR + MpiplMetadata.kernelTag, value);
      return OpalRc.SUCCESS;
    }
    return OpalRc.PARAMETER;
  }

  protected opalMpiplQueryTag(p: Platform, tag: bigint, ptr: bigint): bigint {
    if (!this.opalAddrValid(p, ptr)) return OpalRc.PARAMETER;
    if (tag >= BigInt(this.maxTags)) return OpalRc.PARAMETER;
    try {
      p.mem.write64BE(Number(ptr & 0x0fff_ffff_ffff_ffffn), this.tags[Number(tag)]!);
    } catch (e) {
      if (e instanceof TransactionError) return OpalRc.PARAMETER;
      throw e;
    }
    return OpalRc.SUCCESS;
  }

  /** Spec steps 14–15 and 6.3. For MPIPL this never returns to the caller when it works. */
  protected opalCecReboot2(p: Platform, callerPir: number, rebootType: bigint): bigint {
    if (rebootType === OpalReboot.NORMAL || rebootType === OpalReboot.FULL_IPL || rebootType === OpalReboot.PLATFORM_ERROR) {
      p.requestNormalReboot(`OPAL_CEC_REBOOT2 type ${rebootType}`);
      return OpalRc.SUCCESS;
    }
    if (rebootType === OpalReboot.FAST) return this.opalFastReboot(p);
    if (rebootType !== OpalReboot.MPIPL) return OpalRc.UNSUPPORTED;
    // opal_quiesce(QUIESCE_HOLD), console flush, platform.terminate → ipmi_terminate → p9_sbe_terminate.
    this.prlog(p, 'Terminate: MPIPL requested');
    if (this.p9SbeTerminate(p, callerPir)) {
      // Spin SBE_CMD_TIMEOUT_MAX waiting for the clocks to stop; then "Falling back to normal reboot".
      const timeout = this.options.sbeTimeoutCycles ?? 1_000_000;
      p.occupy(callerPir, Number.MAX_SAFE_INTEGER / 2);
      p.scheduleCall(timeout, 'SBE timeout', this, 'sbeTimeout', p);
      return OpalRc.SUCCESS;
    }
    // ipmi_terminate: software checkstop, then platform.cec_reboot.
    p.requestNormalReboot('MPIPL not possible: normal reboot');
    return OpalRc.SUCCESS;
  }

  /**
   * OPAL_CEC_REBOOT2(FAST) (skiboot core/platform.c): fast_reboot() does not return when it works;
   * when fast reboot is disabled (after an MPIPL boot, spec step 21) it returns and the call answers
   * OPAL_UNSUPPORTED, leaving the kernel to ask for another kind of reboot.
   */
  protected opalFastReboot(p: Platform): bigint {
    this.prlog(p, 'Reboot: Fast reboot requested by OS');
    if (this.fastRebootDisabled === undefined && p.requestFastReboot?.('OPAL_CEC_REBOOT2 fast') === true) return OpalRc.SUCCESS;
    this.prlog(p, `RESET: Fast reboot disabled: ${this.fastRebootDisabled ?? 'no fast-reboot path on this platform'}`);
    this.prlog(p, 'Reboot: Fast reboot failed');
    return OpalRc.UNSUPPORTED;
  }

  /** SBE_CMD_TIMEOUT_MAX passed and the clocks never stopped (spec step 15.5). */
  protected sbeTimeout(p: Platform): void {
    this.prlog(p, 'Falling back to normal reboot');
    p.requestNormalReboot('SBE did not stop the clocks');
  }

  /** Returns true when S0 went out (the clocks are expected to stop). */
  protected p9SbeTerminate(p: Platform, callerPir: number): boolean {
    if (!this.mpiplEnabled) return false;
    p.mem.write32BE(METADATA_ADDR + MpiplMetadata.crashingPir, callerPir);
    const chips = p.topology.chipIds;
    const primary = p.topology.primaryChip;
    for (const chip of [...chips.filter((c) => c !== primary), primary]) {
      if (!p.xscom.write(chip, SbeReg.SBE_CONTROL_REG_RW, SbeBits.SBE_CONTROL_REG_S0)) {
        this.prlog(p, `SBE: failed to send S0 to chip ${chip}`);
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ console

  /** prlog: to the trace and to the in-memory console (part of what the OPAL dump preserves). */
  protected prlog(p: Platform, msg: string): void {
    p.emit('skiboot', 'skiboot-log', { msg });
    this.consoleLine(p, msg);
  }

  private consoleLine(p: Platform, msg: string): void {
    const line = new TextEncoder().encode(`[${p.cycle().toString().padStart(10)}] ${msg}\n`);
    if (this.consoleOffset + line.length > SkibootMap.INMEM_CON_LEN) this.consoleOffset = 0;
    p.mem.writeBytes(CONSOLE_ADDR + this.consoleOffset, line);
    this.consoleOffset += line.length;
  }
}

