/**
 * Hostboot as QEMU's PowerNV machine plays it (spec steps 2, 17, 19; 3.4; 4.11; 5.4; 6.4 —
 * QEMU hw/ppc/pnv_mpipl.c and hw/ppc/pnv.c, latest revision). QEMU has no hostboot: it does
 * the preservation itself when the S0 write arrives, and the result writes at the next reset.
 * Our `mpiplIpl` runs at clock stop and does both halves, in QEMU's order:
 *
 *   at S0     read MDST/MDDT at base+0x10C00/+0x11000 (0x400 bytes each), copy, build an MDRT
 *             image in QEMU memory; read the proc dump area at base+0x10300; snapshot every vCPU;
 *   at reset  reload the images (skiboot at FW_LOAD_ADDR = 0), write MDRT, write CPU state and
 *             the proc dump area at ABSOLUTE 0x10300, add `mpipl-boot` only if both writes worked.
 *
 * The QEMU behaviours this model keeps on purpose, because the suite should find them:
 * - the table walk ignores SPIRA-H act_cnt and stops at the first all-zero MDST entry;
 * - the MDRT entry gets the source and destination ADVANCED by 32 MiB per copied chunk (the copy
 *   loop moves its cursors and the entry is filled from the cursors afterwards);
 * - `off_regentries` is 0 in every thread header (Linux then starts 16 bytes early, spec 4.5);
 * - there is no CCR entry, and core_state is 0xFF;
 * - the number of chunks is computed in single-precision float, as the C code does;
 * - SPIRA-H `mdump_res.act_cnt` is never updated and the MDRT tail is never cleared;
 * - the image loaded at 0 overwrites the crashed kernel's low memory.
 */
import type { FirmwareImages, Hostboot, HostbootResult } from '../firmware.js';
import type { IplHandoff, Platform } from '../platform.js';
import { hex } from '../../core/u64.js';
import { propString, propU64s } from '../../machine/device-tree.js';
import { Slot } from '../../cpu/state.js';
import { PAGE_SIZE } from '../../mem/physical-memory.js';
import {
  DT_DUMP_NODE,
  FW_LOAD_AREA,
  HRMOR_BIT,
  MDRT_ENTRY_SIZE,
  MDST_ENTRY_SIZE,
  MDST_MAX_ENTRIES,
  MdrtEntry,
  MdstEntry,
  ProcDumpArea,
  RegEntry,
  RegId,
  RegType,
  SkibootMap,
  ThreadHdr,
} from '../layout.js';
import { qemuMpiplState, type QemuMpiplState } from '../qemu-state.js';

/** QEMU constants (spec 3.4). */
export const QemuMpipl = {
  /** FW_LOAD_ADDR: where QEMU loads skiboot (skiboot relocates itself, spec step 3). */
  FW_LOAD_ADDR: 0x0,
  MDRT_TABLE_OFF: 0x01c0_0000,
  COPY_CHUNK_SIZE: 32 * 2 ** 20,
  NUM_REGS_PER_CPU: 66,
  /** core_state QEMU writes: "QEMU CPUs are not in Power Saving Mode". */
  CORE_STATE: 0xff,
  PROC_DUMP_AREA_SIZE: 0x30,
} as const;

/** sizeof(MpiplPreservedCPUState) = 24 + 16 × 66 = 1080 (spec 4.11). */
export const QEMU_THREAD_SIZE = ThreadHdr.SIZE + RegEntry.SIZE * QemuMpipl.NUM_REGS_PER_CPU;

/** The device-tree node through which a loader tells skiboot where it put the image (our convention). */
export const DT_SIM_NODE = '/sim';

const U64_MASK = (1n << 64n) - 1n;

/** The 34 SPR entries after the GPRs, in QEMU's write order (spec 5.4, right-hand column). */
const QEMU_SPR_ENTRIES: readonly { readonly num: number; readonly value: (p: Platform, pir: number) => bigint }[] = (() => {
  const spr = (name: string) => (p: Platform, pir: number) => p.thread(pir).spr(name);
  const slot = (s: number) => (p: Platform, pir: number) => p.thread(pir).get(s);
  return [
    { num: 0x01f, value: spr('ACOP') },
    { num: 0x01d, value: spr('AMR') },
    { num: 0x326, value: spr('BESCR') },
    { num: 0x01c, value: spr('CFAR') },
    { num: 0x0bb, value: spr('CIABR') },
    // QEMU reads CTR here from its SPR array, which is not where it keeps CTR; our thread has
    // one CTR, so both CTR entries carry it (Linux keeps the later one anyway).
    { num: 0x009, value: slot(Slot.CTR) },
    { num: 0x098, value: spr('CTRL') },
    { num: 0x3f5, value: spr('DABR') },
    { num: 0x3f7, value: spr('DABRX') },
    { num: 0x013, value: spr('DAR') },
    { num: 0x0b4, value: spr('DAWR0') },
    { num: 0x0b5, value: spr('DAWR1') },
    { num: 0x0bc, value: spr('DAWRX0') },
    { num: 0x0bd, value: spr('DAWRX1') },
    { num: 0x0b0, value: spr('DPDES') },
    { num: 0x011, value: spr('DSCR') },
    { num: 0x012, value: spr('DSISR') },
    { num: 0x324, value: spr('EBBHR') },
    { num: 0x325, value: spr('EBBRR') },
    { num: 0x099, value: spr('FSCR') },
    { num: 0x009, value: slot(Slot.CTR) },
    { num: 0x013, value: spr('DAR') },
    { num: 0x012, value: spr('DSISR') },
    { num: 0x008, value: slot(Slot.LR) },
    { num: RegId.MSR, value: slot(Slot.MSR) },
    { num: RegId.NIP, value: slot(Slot.NIP) },
    { num: 0x001, value: slot(Slot.XER) },
    { num: 0x01a, value: spr('SRR0') },
    { num: 0x01b, value: spr('SRR1') },
    { num: 0x13a, value: spr('HSRR0') },
    { num: 0x13b, value: spr('HSRR1') },
    { num: 0x01c, value: spr('CFAR') },
    { num: 0x150, value: spr('HMER') },
    { num: 0x151, value: spr('HMEER') },
  ];
})();

/** One entry of a QEMU MDST/MDDT block, with the raw bytes QEMU compares. */
interface RawEntry {
  readonly addr: bigint;
  readonly region: number;
  readonly size: number;
}

function entryAt(block: Uint8Array, i: number): RawEntry {
  const dv = new DataView(block.buffer, block.byteOffset + i * MDST_ENTRY_SIZE, MDST_ENTRY_SIZE);
  return { addr: dv.getBigUint64(MdstEntry.addr, false), region: dv.getUint8(MdstEntry.dataRegion), size: dv.getUint32(MdstEntry.size, false) };
}

/** A guest-physical address as QEMU forms it (64-bit wrap), or undefined if no RAM answers there. */
function ramAddress(p: Platform, addr: bigint, sizeBytes: number): number | undefined {
  const a = addr & U64_MASK;
  return p.mem.contains(a, sizeBytes) ? Number(a) : undefined;
}

/** address_space_read: the bytes, or undefined on a transaction error. */
function guestRead(p: Platform, addr: bigint, sizeBytes: number): Uint8Array | undefined {
  const a = ramAddress(p, addr, sizeBytes);
  return a === undefined ? undefined : p.mem.readBytes(a, sizeBytes);
}

/**
 * address_space_write: false on a transaction error. Like QEMU's flat-view dispatch, the part of
 * the range that RAM backs is still written when the rest is not.
 */
function guestWrite(p: Platform, addr: bigint, data: Uint8Array): boolean {
  const a = addr & U64_MASK;
  if (p.mem.contains(a, data.length)) {
    p.mem.writeBytes(Number(a), data);
    return true;
  }
  const ram = BigInt(p.mem.sizeBytes);
  if (a < ram) p.mem.writeBytes(Number(a), data.subarray(0, Number(ram - a)));
  return false;
}

/** The number of 32 MiB chunks as QEMU computes it: `ceil((data_len * 1.0f) / COPY_CHUNK_SIZE)` in float. */
export function qemuChunkCount(lengthBytes: number): number {
  return Math.ceil(Math.fround(Math.fround(lengthBytes) / QemuMpipl.COPY_CHUNK_SIZE));
}

export class QemuHostboot implements Hostboot {
  normalIpl(p: Platform, images: FirmwareImages): void {
    p.emit('hostboot', 'ipl', { kind: 'normal', firmware: 'qemu' });
    this.reset(p, images);
    p.advance(p.cost.hostbootIplStartCycles);
  }

  mpiplIpl(p: Platform, handoff: IplHandoff, images: FirmwareImages): HostbootResult {
    const state = qemuMpiplState(p);
    // With QEMU's SBE the handoff carries the machine-wide value; with another SBE (a plugin mix)
    // its value becomes QEMU's, and no value at all leaves QEMU's default 0.
    if (handoff.skibootBase !== undefined) state.skibootBase = handoff.skibootBase;
    const base = state.skibootBase;
    p.emit('hostboot', 'ipl', { kind: 'mpipl', firmware: 'qemu', skibootBase: hex(base) });
    p.advance(p.cost.hostbootIplStartCycles);
    // do_mpipl_preserve: both results are ignored, the next boot is marked MPIPL regardless.
    const preserved = this.preserveMem(p, state, base);
    this.preserveCpuState(p, state, base);
    state.isNextBootMpipl = true;
    const mpiplBoot = this.reset(p, images);
    return { preserved, mdrtEntries: state.mdrtImage.length / MDRT_ENTRY_SIZE, mpiplBoot };
  }

  // ------------------------------------------------------------------ at S0

  /** pnv_mpipl_preserve_mem (spec 6.4). Returns false when the tables could not be read. */
  protected preserveMem(p: Platform, state: QemuMpiplState, base: bigint): boolean {
    // The previous crash's MDRT image is dropped first, whatever happens next.
    state.mdrtImage = new Uint8Array(0);
    const mdst = guestRead(p, base + BigInt(SkibootMap.MDST_TABLE_OFF), SkibootMap.MDST_TABLE_SIZE);
    const mddt = mdst === undefined ? undefined : guestRead(p, base + BigInt(SkibootMap.MDDT_TABLE_OFF), SkibootMap.MDDT_TABLE_SIZE);
    if (mdst === undefined || mddt === undefined) {
      p.emit('hostboot', 'copy', { result: `MDST/MDDT at ${hex(base + BigInt(SkibootMap.MDST_TABLE_OFF))} unreadable: nothing preserved` });
      return false;
    }
    const mdrt: Uint8Array[] = [];
    for (let i = 0; i < MDST_MAX_ENTRIES; i++) {
      const s = entryAt(mdst, i);
      const d = entryAt(mddt, i);
      // End of table: raw addr and size both zero (act_cnt is not read).
      if (s.addr === 0n && s.size === 0) break;
      const logged = { index: i, src: hex(s.addr & ~HRMOR_BIT), dest: hex(d.addr & ~HRMOR_BIT), size: hex(d.size), region: hex(s.region) };
      if (s.size !== d.size) {
        p.emit('hostboot', 'copy', { ...logged, result: 'skipped: size mismatch in MDST & MDDT' });
        continue;
      }
      if (s.region !== d.region) {
        p.emit('hostboot', 'copy', { ...logged, result: 'skipped: region mismatch in MDST & MDDT' });
        continue;
      }
      let src = s.addr & ~HRMOR_BIT;
      let dest = d.addr & ~HRMOR_BIT;
      const lengthBytes = d.size;
      const chunks = qemuChunkCount(lengthBytes);
      let failed: string | undefined;
      for (let k = 0; k < chunks; k++) {
        const n = Math.min(lengthBytes - k * QemuMpipl.COPY_CHUNK_SIZE, QemuMpipl.COPY_CHUNK_SIZE);
        const from = ramAddress(p, src, n);
        if (from === undefined) {
          failed = `read of ${hex(src)} failed`;
          break;
        }
        const to = ramAddress(p, dest, n);
        if (to === undefined) {
          // The chunk was read into the bounce buffer; the write lands where RAM is.
          guestWrite(p, dest, p.mem.readBytes(from, n));
          failed = `write of ${hex(dest)} failed`;
          break;
        }
        // One chunk = read all of it, then write all of it (a bounce buffer: memmove per chunk).
        p.mem.copy(to, from, n);
        p.advance(Math.ceil(n / PAGE_SIZE) * p.cost.copyCyclesPerPage);
        // The cursors advance past the chunk — and are what the MDRT entry is filled from.
        src = (src + BigInt(QemuMpipl.COPY_CHUNK_SIZE)) & U64_MASK;
        dest = (dest + BigInt(QemuMpipl.COPY_CHUNK_SIZE)) & U64_MASK;
      }
      if (failed !== undefined) {
        p.emit('hostboot', 'copy', { ...logged, result: `skipped: ${failed}` });
        continue;
      }
      const e = new Uint8Array(MDRT_ENTRY_SIZE);
      const dv = new DataView(e.buffer);
      dv.setBigUint64(MdrtEntry.srcAddr, src, false);
      dv.setBigUint64(MdrtEntry.destAddr, dest, false);
      dv.setUint32(MdrtEntry.size, lengthBytes, false);
      e[MdrtEntry.dataRegion] = s.region;
      mdrt.push(e);
      p.emit('hostboot', 'copy', { ...logged, result: 'preserved', mdrtSrc: hex(src), mdrtDest: hex(dest) });
    }
    const image = new Uint8Array(mdrt.length * MDRT_ENTRY_SIZE);
    mdrt.forEach((e, i) => image.set(e, i * MDRT_ENTRY_SIZE));
    state.mdrtImage = image;
    return true;
  }

  /** pnv_mpipl_preserve_cpu_state: the relocated proc dump area, then every vCPU. */
  protected preserveCpuState(p: Platform, state: QemuMpiplState, base: bigint): void {
    const pirs = p.topology.threads.map((t) => t.pir);
    const area = guestRead(p, base + BigInt(SkibootMap.PROC_DUMP_AREA_OFF), QemuMpipl.PROC_DUMP_AREA_SIZE);
    if (area === undefined) {
      // QEMU returns before filling its freshly allocated (uninitialised) records and keeps the
      // previous proc area; zero records stand in for the uninitialised heap, deterministically.
      state.cpuStates = pirs.map(() => new Uint8Array(QEMU_THREAD_SIZE));
      return;
    }
    state.procArea = area;
    state.cpuStates = pirs.map((pir) => this.storeCpuRegs(p, pir));
  }

  /** do_store_cpu_regs: header (off_regentries 0, core_state 0xFF) and the 66 entries. */
  protected storeCpuRegs(p: Platform, pir: number): Uint8Array {
    const rec = new Uint8Array(QEMU_THREAD_SIZE);
    const dv = new DataView(rec.buffer);
    const t = p.thread(pir);
    dv.setUint32(ThreadHdr.pir, Number(t.spr('PIR') & 0xffff_ffffn), false);
    rec[ThreadHdr.coreState] = QemuMpipl.CORE_STATE;
    dv.setUint32(ThreadHdr.offset, 0, false);
    dv.setUint32(ThreadHdr.ecnt, QemuMpipl.NUM_REGS_PER_CPU, false);
    dv.setUint32(ThreadHdr.esize, RegEntry.SIZE, false);
    dv.setUint32(ThreadHdr.eactsz, RegEntry.SIZE, false);
    const entries: { type: number; num: number; value: bigint }[] = [];
    for (let g = 0; g < 32; g++) entries.push({ type: RegType.GPR, num: g, value: t.gpr(g) });
    for (const e of QEMU_SPR_ENTRIES) entries.push({ type: RegType.SPR, num: e.num, value: e.value(p, pir) });
    entries.forEach((e, k) => {
      const at = ThreadHdr.SIZE + k * RegEntry.SIZE;
      dv.setUint32(at + RegEntry.regType, e.type, false);
      dv.setUint32(at + RegEntry.regNum, e.num, false);
      dv.setBigUint64(at + RegEntry.regVal, e.value & U64_MASK, false);
    });
    return rec;
  }

  // ------------------------------------------------------------------ at the reset

  /**
   * pnv_reset after qemu_devices_reset: the images are back in memory; an MPIPL boot writes its
   * results, any other boot the default proc dump area. Returns whether `mpipl-boot` was added.
   */
  protected reset(p: Platform, images: FirmwareImages): boolean {
    const state = qemuMpiplState(p);
    this.loadImages(p, images);
    this.publishDumpNode(p);
    if (state.isNextBootMpipl) {
      const base = state.skibootBase;
      // do_mpipl_write: MDRT first; the CPU state is only attempted when that worked.
      const ok = this.writeMdrt(p, state, base) && this.writeCpuState(p, state);
      if (ok) {
        p.dt.set(DT_DUMP_NODE, 'mpipl-boot', propU64s([1n]));
        state.isNextBootMpipl = false;
        return true;
      }
      // Latest QEMU: a normal boot, and the flag stays set so the next reset tries again.
      p.emit('hostboot', 'ipl', { kind: 'normal', firmware: 'qemu', reason: 'MPIPL result writes failed: booting normally, will retry at the next reset' });
    }
    this.writeDefaultProcDumpArea(p);
    p.dt.remove(DT_DUMP_NODE, 'mpipl-boot');
    return false;
  }

  /** ROM reload: skiboot at FW_LOAD_ADDR, kernel and initrd at their load addresses; tell skiboot where. */
  protected loadImages(p: Platform, images: FirmwareImages): void {
    p.mem.writeBytes(QemuMpipl.FW_LOAD_ADDR, images.skiboot);
    p.mem.writeBytes(SkibootMap.KERNEL_LOAD_BASE, images.kernel);
    p.mem.writeBytes(SkibootMap.INITRAMFS_LOAD_BASE, images.initramfs);
    p.dt.set(DT_SIM_NODE, 'skiboot-load-address', propU64s([BigInt(QemuMpipl.FW_LOAD_ADDR)]));
    p.dt.set(DT_SIM_NODE, 'skiboot-image-size', propU64s([BigInt(images.skiboot.length)]));
  }

  /** pnv_dt_mpipl_dump: QEMU creates `/ibm,opal/dump` itself (no HDAT, spec step 1). */
  protected publishDumpNode(p: Platform): void {
    p.dt.set(DT_DUMP_NODE, 'compatible', propString('ibm,opal-dump'));
    p.dt.set(DT_DUMP_NODE, 'fw-load-area', propU64s(FW_LOAD_AREA.flat().map(BigInt)));
  }

  /** Spec step 2: version 1, thread_size = 1080, everything else 0, at absolute 0x10300. */
  protected writeDefaultProcDumpArea(p: Platform): void {
    const area = new Uint8Array(QemuMpipl.PROC_DUMP_AREA_SIZE);
    new DataView(area.buffer).setUint32(ProcDumpArea.threadSize, QEMU_THREAD_SIZE, false);
    area[ProcDumpArea.version] = ProcDumpArea.FORMAT_P9;
    guestWrite(p, BigInt(SkibootMap.PROC_DUMP_AREA_OFF), area);
  }

  /** pnv_mpipl_write_mdrt: count × 32 bytes at base + 0x01C00000; the tail and act_cnt untouched. */
  protected writeMdrt(p: Platform, state: QemuMpiplState, base: bigint): boolean {
    const at = base + BigInt(QemuMpipl.MDRT_TABLE_OFF);
    const ok = guestWrite(p, at, state.mdrtImage);
    p.emit('hostboot', 'mdrt-write', { entries: state.mdrtImage.length / MDRT_ENTRY_SIZE, address: hex(at & U64_MASK), result: ok ? 'written' : 'transaction error' });
    return ok;
  }

  /** pnv_mpipl_write_cpu_state (spec step 19.2). */
  protected writeCpuState(p: Platform, state: QemuMpiplState): boolean {
    const area = state.procArea;
    const dv = new DataView(area.buffer, area.byteOffset, area.byteLength);
    const n = state.cpuStates.length;
    const allocSizeBytes = dv.getUint32(ProcDumpArea.allocSize, false);
    if (allocSizeBytes < n * QEMU_THREAD_SIZE) {
      p.emit('hostboot', 'regs-capture', { threads: 0, result: `register area too small (${allocSizeBytes} < ${n * QEMU_THREAD_SIZE}): write failed` });
      return false;
    }
    area[ProcDumpArea.version] = ProcDumpArea.FORMAT_P9;
    dv.setUint32(ProcDumpArea.threadSize, QEMU_THREAD_SIZE, false);
    const allocAddr = dv.getBigUint64(ProcDumpArea.allocAddr, false);
    let next = allocAddr & ~HRMOR_BIT;
    for (const rec of state.cpuStates) {
      if (!guestWrite(p, next, rec.subarray(0, ThreadHdr.SIZE)) || !guestWrite(p, next + BigInt(ThreadHdr.SIZE), rec.subarray(ThreadHdr.SIZE))) {
        p.emit('hostboot', 'regs-capture', { threads: 0, result: `write of the record at ${hex(next)} failed` });
        return false;
      }
      next += BigInt(QEMU_THREAD_SIZE);
    }
    // dest_addr keeps the HRMOR bit of alloc_addr.
    dv.setBigUint64(ProcDumpArea.destAddr, allocAddr, false);
    dv.setUint32(ProcDumpArea.actSize, n * QEMU_THREAD_SIZE, false);
    p.advance(n * p.cost.regCaptureCyclesPerThread);
    // To the unrelocated image at 0: skiboot's relocation carries it to base + 0x10300.
    const ok = guestWrite(p, BigInt(SkibootMap.PROC_DUMP_AREA_OFF), area);
    p.emit('hostboot', 'regs-capture', { threads: n, dest: hex(allocAddr & ~HRMOR_BIT), threadSize: QEMU_THREAD_SIZE, actSize: n * QEMU_THREAD_SIZE, procDumpArea: hex(SkibootMap.PROC_DUMP_AREA_OFF), result: ok ? 'written' : 'proc dump area write failed' });
    return ok;
  }
}
