/**
 * The first kernel's memory plan and the structures it writes: the reserved dump area (spec
 * step 8), opal_fadump_mem_struct (spec 4.9), the crash-info header (spec 4.10, step 11), and
 * the kernel's own content in boot memory (a seeded image and a vmcoreinfo note).
 */
import type { Platform } from '../platform.js';
import {
  CrashInfoHeader,
  FADUMP_CPU_UNKNOWN,
  FADUMP_CRASH_INFO_MAGIC,
  FADUMP_HEADER_VERSION,
  FADUMP_MAX_MEM_REGS,
  FadumpMemStruct,
  OPAL_FADUMP_MIN_BOOT_MEM,
  OPAL_FADUMP_VERSION,
  PT_REGS_SIZE,
  PT_REGS_WORDS,
  VMCOREINFO_NOTE_NAME,
  NOTE_HDR_SIZE,
} from './constants.js';
import { KernelData, kernelLayout, splitBootMemRegions, type BootMemRegion, type KernelLayout, type LinuxOptions } from './options.js';
import { alignDown, alignUp, overlaps, subtractRanges, type KernelMem, type Range } from './bytes.js';

/** One boot-memory region and where its copy goes. */
export interface FadumpRegion {
  readonly src: number;
  readonly dest: number;
  readonly size: number;
}

/** The fadump configuration of one kernel (Linux struct fw_dump, the parts we need). Plain data. */
export interface FadumpConf {
  readonly regions: readonly FadumpRegion[];
  readonly bootMemTop: number;
  /** Sum of region sizes (holes excluded). */
  readonly bootMemorySize: number;
  readonly reserveDumpAreaStart: number;
  /** get_fadump_area_size(): copies + crash-info header + metadata, page aligned. */
  readonly reserveDumpAreaSize: number;
  readonly fadumphdrAddr: number;
  readonly metadataAddr: number;
}

/** sizeof(struct cpumask): NR_CPUS bits rounded up to whole longs (spec 4.10). */
export function cpuMaskSize(o: LinuxOptions): number {
  return Math.ceil(o.nrCpus / 64) * 8;
}

/** sizeof(struct fadump_crash_info_header) for this kernel's configuration. */
export function crashInfoHeaderSize(o: LinuxOptions): number {
  return CrashInfoHeader.regs + PT_REGS_SIZE + cpuMaskSize(o);
}

/** PAGE_ALIGN(sizeof(opal_fadump_mem_struct)): the metadata's share of the reserved area. */
export function metadataAreaSize(o: LinuxOptions): number {
  return alignUp(FadumpMemStruct.SIZE, o.pageSizeBytes);
}

/** get_fadump_area_size(): the copies, the crash-info header, and the metadata page(s) last. */
export function fadumpAreaSize(o: LinuxOptions, bootMemorySize: number): number {
  return alignUp(bootMemorySize + crashInfoHeaderSize(o), o.pageSizeBytes) + metadataAreaSize(o);
}

export type PlanResult = { readonly ok: true; readonly conf: FadumpConf } | { readonly ok: false; readonly message: string };

/**
 * spec step 8: boot memory [0, boot_mem_top) in regions of at most max_copy_size, a dump area above
 * boot_mem_top clear of every firmware-reserved range, destinations contiguous from its start,
 * fadumphdr_addr = rgn[0].dest + boot_memory_size, metadata in the area's last page(s).
 */
export function planFadump(o: LinuxOptions, ramSizeBytes: number, reserved: readonly Range[]): PlanResult {
  const carved = bootMemoryPieces(o, reserved);
  if (!carved.ok) return carved;
  const pieces = carved.pieces;
  const last = pieces[pieces.length - 1]!;
  const bootMemTop = last.startBytes + last.sizeBytes;
  if (bootMemTop > ramSizeBytes) return { ok: false, message: `Boot memory (0x${bootMemTop.toString(16)}) exceeds RAM` };
  const bootMemorySize = pieces.reduce((s, r) => s + r.sizeBytes, 0);
  const size = fadumpAreaSize(o, bootMemorySize);
  let start: number;
  if (o.reserveDumpAreaStartBytes !== undefined) {
    start = o.reserveDumpAreaStartBytes;
    const area = { start, end: start + size };
    const clash = reserved.find((r) => overlaps(area, r));
    if (clash !== undefined) return { ok: false, message: `Requested dump area 0x${start.toString(16)} overlaps firmware-reserved memory at 0x${clash.start.toString(16)}` };
  } else {
    // First fit upward from boot_mem_top (fadump reserves the lowest suitable chunk above it).
    start = alignUp(bootMemTop, o.reserveAlignBytes);
    for (let moved = true; moved; ) {
      moved = false;
      for (const r of reserved) {
        if (overlaps({ start, end: start + size }, r)) {
          start = alignUp(r.end, o.reserveAlignBytes);
          moved = true;
        }
      }
    }
  }
  if (start + size > ramSizeBytes) {
    return { ok: false, message: `Failed to find memory chunk for reservation (need 0x${size.toString(16)} bytes above 0x${bootMemTop.toString(16)})` };
  }
  const regions: FadumpRegion[] = [];
  let dest = start;
  for (const r of pieces) {
    regions.push({ src: r.startBytes, dest, size: r.sizeBytes });
    dest += r.sizeBytes;
  }
  return {
    ok: true,
    conf: {
      regions,
      bootMemTop,
      bootMemorySize,
      reserveDumpAreaStart: start,
      reserveDumpAreaSize: size,
      fadumphdrAddr: start + bootMemorySize,
      metadataAddr: start + size - metadataAreaSize(o),
    },
  };
}

/**
 * The boot-memory regions as Linux sees them: the option regions split at max_copy_size, minus
 * the firmware-reserved ranges (no-map memory is not in memblock, so it is a hole in boot memory),
 * each piece shrunk inward to whole pages. The kernel's own area must stay whole.
 */
export function bootMemoryPieces(o: LinuxOptions, reserved: readonly Range[]): { ok: true; pieces: BootMemRegion[] } | { ok: false; message: string } {
  const page = o.pageSizeBytes;
  const layout = kernelLayout(o);
  const kernelArea = { start: layout.textBase, end: layout.exportEnd };
  const clash = reserved.find((r) => overlaps(r, kernelArea));
  if (clash !== undefined) return { ok: false, message: `Firmware-reserved memory at 0x${clash.start.toString(16)} overlaps the kernel at 0x${layout.textBase.toString(16)}` };
  const pieces: BootMemRegion[] = [];
  for (const b of splitBootMemRegions(o)) {
    for (const r of subtractRanges([{ start: b.startBytes, end: b.startBytes + b.sizeBytes }], reserved)) {
      const start = alignUp(r.start, page);
      const end = alignDown(r.end, page);
      if (end > start) pieces.push({ startBytes: start, sizeBytes: end - start });
    }
  }
  if (pieces.length > FADUMP_MAX_MEM_REGS) return { ok: false, message: `Too many holes in boot memory: ${pieces.length} regions exceed FADUMP_MAX_MEM_REGS (${FADUMP_MAX_MEM_REGS})` };
  const last = pieces[pieces.length - 1]!;
  if (last.startBytes + last.sizeBytes < OPAL_FADUMP_MIN_BOOT_MEM) return { ok: false, message: 'Boot memory ends below OPAL_FADUMP_MIN_BOOT_MEM once firmware-reserved memory is left out' };
  return { ok: true, pieces };
}

/** opal_fadump_init_mem_struct (spec 4.9): a fresh metadata structure, registered_regions = 0. */
export function writeMetadata(km: KernelMem, o: LinuxOptions, conf: FadumpConf): void {
  const base = conf.metadataAddr;
  km.mem.fill(base, metadataAreaSize(o), 0);
  km.mem.write8(base + FadumpMemStruct.version, OPAL_FADUMP_VERSION);
  km.w16(base + FadumpMemStruct.regionCnt, conf.regions.length);
  km.w16(base + FadumpMemStruct.registeredRegions, 0);
  km.w64(base + FadumpMemStruct.fadumphdrAddr, BigInt(conf.fadumphdrAddr));
  conf.regions.forEach((r, i) => {
    const a = base + FadumpMemStruct.rgn + i * FadumpMemStruct.RGN_SIZE;
    km.w64(a + FadumpMemStruct.rgnSrc, BigInt(r.src));
    km.w64(a + FadumpMemStruct.rgnDest, BigInt(r.dest));
    km.w64(a + FadumpMemStruct.rgnSize, BigInt(r.size));
  });
}

export function writeRegisteredRegions(km: KernelMem, conf: FadumpConf, registeredRegions: number): void {
  km.w16(conf.metadataAddr + FadumpMemStruct.registeredRegions, registeredRegions);
}

/** The metadata as the capture kernel reads it back (spec 4.9), without judging it. */
export interface MetadataView {
  readonly version: number;
  readonly regionCnt: number;
  readonly registeredRegions: number;
  readonly fadumphdrAddr: bigint;
  readonly regions: readonly { readonly src: bigint; readonly dest: bigint; readonly size: bigint }[];
}

export function readMetadata(km: KernelMem, addr: number): MetadataView {
  const regionCnt = km.r16(addr + FadumpMemStruct.regionCnt);
  const regions = [];
  // rgn[] has FADUMP_MAX_MEM_REGS slots; a larger region_cnt is never read past the structure.
  for (let i = 0; i < Math.min(regionCnt, FADUMP_MAX_MEM_REGS); i++) {
    const a = addr + FadumpMemStruct.rgn + i * FadumpMemStruct.RGN_SIZE;
    regions.push({ src: km.r64(a + FadumpMemStruct.rgnSrc), dest: km.r64(a + FadumpMemStruct.rgnDest), size: km.r64(a + FadumpMemStruct.rgnSize) });
  }
  return {
    version: km.mem.read8(addr + FadumpMemStruct.version),
    regionCnt,
    registeredRegions: km.r16(addr + FadumpMemStruct.registeredRegions),
    fadumphdrAddr: km.r64(addr + FadumpMemStruct.fadumphdrAddr),
    regions,
  };
}

/** A cpumask: bit n of native long n / 64 for each logical CPU id below NR_CPUS. */
export function writeCpuMask(km: KernelMem, addr: number, o: LinuxOptions, cpuCount: number): void {
  const words = cpuMaskSize(o) / 8;
  for (let w = 0; w < words; w++) {
    let v = 0n;
    for (let b = 0; b < 64; b++) if (w * 64 + b < Math.min(cpuCount, o.nrCpus)) v |= 1n << BigInt(b);
    km.w64(addr + w * 8, v);
  }
}

/**
 * init_fadump_header (spec step 11, 4.10): magic, version, crashing_cpu unknown, vmcoreinfo
 * address translated into its destination copy, sizes, cpu_mask = possible mask.
 */
export function initCrashInfoHeader(km: KernelMem, o: LinuxOptions, conf: FadumpConf, vmcoreinfoAddr: number, vmcoreinfoSize: number, possibleCpus: number): void {
  const h = conf.fadumphdrAddr;
  km.mem.fill(h, crashInfoHeaderSize(o), 0);
  km.w64(h + CrashInfoHeader.magicNumber, FADUMP_CRASH_INFO_MAGIC);
  km.w32(h + CrashInfoHeader.version, FADUMP_HEADER_VERSION);
  km.w32(h + CrashInfoHeader.crashingCpu, FADUMP_CPU_UNKNOWN);
  km.w64(h + CrashInfoHeader.vmcoreinfoRaddr, BigInt(translateToCopy(conf, vmcoreinfoAddr)));
  km.w64(h + CrashInfoHeader.vmcoreinfoSize, BigInt(vmcoreinfoSize));
  km.w32(h + CrashInfoHeader.ptRegsSz, PT_REGS_SIZE);
  km.w32(h + CrashInfoHeader.cpuMaskSz, cpuMaskSize(o));
  writeCpuMask(km, h + CrashInfoHeader.regs + PT_REGS_SIZE, o, possibleCpus);
}

/** A boot-memory address as it will be after the copy (its destination); others unchanged. */
export function translateToCopy(conf: FadumpConf, addr: number): number {
  for (const r of conf.regions) if (addr >= r.src && addr < r.src + r.size) return r.dest + (addr - r.src);
  return addr;
}

/** Write a pt_regs (48 native words) at `addr`. */
export function writePtRegs(km: KernelMem, addr: number, words: readonly bigint[]): void {
  for (let i = 0; i < PT_REGS_WORDS; i++) km.w64(addr + 8 * i, words[i] ?? 0n);
}

// ------------------------------------------------------------------ the kernel's own content

/**
 * A seeded "kernel image" at physical 0 so boot memory has content worth dumping. The bytes come
 * from one 32-bit seed drawn from `p.prng(stream)`, expanded by xorshift32 (cheap and
 * deterministic; all randomness still flows from the run's seed).
 */
export function writeKernelImage(p: Platform, layout: KernelLayout, sizeBytes: number, stream: string): void {
  let x = p.prng(stream).u32() | 1;
  const buf = new Uint8Array(sizeBytes);
  const words = new DataView(buf.buffer);
  for (let i = 0; i < sizeBytes; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words.setUint32(i, x >>> 0, false);
  }
  p.mem.writeBytes(layout.textBase, buf);
}

/** Where CRASHTIME's digits sit inside the vmcoreinfo note, so the crash path can fill them. */
export interface VmcoreinfoNote {
  readonly addr: number;
  readonly sizeBytes: number;
  readonly crashTimeOffset: number;
}

const CRASHTIME_DIGITS = 20;

/**
 * The vmcoreinfo ELF note (name "VMCOREINFO", type 0, text descriptor). CRASHTIME is a fixed-width
 * field filled at crash time (crash_save_vmcoreinfo, spec step 12), so the note's size is known at
 * registration and vmcoreinfo_size can be the exact note size.
 */
export function writeVmcoreinfo(km: KernelMem, o: LinuxOptions, layout: KernelLayout, bootId: string): VmcoreinfoNote {
  const lines = [
    'OSRELEASE=6.10.0-mpipl-sim',
    `PAGESIZE=${o.pageSizeBytes}`,
    'SYMBOL(_stext)=c000000000000000',
    'KERNELOFFSET=0',
    `NUMBER(NR_CPUS)=${o.nrCpus}`,
    `BOOT_ID=${bootId}`,
  ];
  const head = `${lines.join('\n')}\nCRASHTIME=`;
  const desc = `${head}${'0'.repeat(CRASHTIME_DIGITS)}\n`;
  const nameSize = VMCOREINFO_NOTE_NAME.length + 1;
  const nameField = alignUp(nameSize, 4);
  const descField = alignUp(desc.length, 4);
  const size = NOTE_HDR_SIZE + nameField + descField;
  if (size > KernelData.VMCOREINFO_MAX) throw new RangeError('vmcoreinfo note too large');
  const a = layout.vmcoreinfoAddr;
  km.mem.fill(a, KernelData.VMCOREINFO_MAX, 0);
  km.w32(a, nameSize);
  km.w32(a + 4, desc.length);
  km.w32(a + 8, 0);
  km.mem.writeBytes(a + NOTE_HDR_SIZE, ascii(VMCOREINFO_NOTE_NAME));
  km.mem.writeBytes(a + NOTE_HDR_SIZE + nameField, ascii(desc));
  return { addr: a, sizeBytes: size, crashTimeOffset: NOTE_HDR_SIZE + nameField + head.length };
}

/** crash_save_vmcoreinfo: stamp CRASHTIME (the cycle; the machine has no wall clock). */
export function stampCrashTime(km: KernelMem, note: VmcoreinfoNote, cycle: number): void {
  const digits = String(Math.max(0, Math.floor(cycle))).padStart(CRASHTIME_DIGITS, '0').slice(-CRASHTIME_DIGITS);
  km.mem.writeBytes(note.addr + note.crashTimeOffset, ascii(digits));
}

export function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}
