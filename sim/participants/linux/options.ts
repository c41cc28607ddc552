/**
 * What a scenario may vary about the Linux participant, with defaults and eager validation (a bad
 * value is a UsageError naming the field, like the machine config).
 *
 * Defaults:
 * - `bootMemRegions`: one region [0, 0x30000000) — the spec's minimum boot memory (3.5).
 *   boot_mem_top is the end of the last region (holes between regions are not boot memory but
 *   are below boot_mem_top, as in Linux's boot_mem_top = sum(sizes) + holes, spec step 22).
 * - `pageSizeBytes`: 64 KiB, so max_copy_size = ALIGN_DOWN(U32_MAX, PAGE_SIZE) = 0xFFFF0000 (3.5).
 * - `reserveAlignBytes`: 16 MiB; the dump area starts at the first aligned address at or above
 *   boot_mem_top that keeps clear of every firmware-reserved range.
 * - `reserveDumpAreaStartBytes`: undefined (search as above); a scenario may pin the area.
 * - `nrCpus`: 2048 (ppc64 NR_CPUS of powernv configs), so cpu_mask_sz = 256 bytes.
 * - `kernelImageSizeBytes`: 256 KiB of seeded "kernel text" written at physical 0.
 * - `captureScribblePages`: 8 pages the capture kernel dirties in its own boot memory.
 * - `opalCore`: true (CONFIG_OPAL_CORE).
 */
import { UsageError } from '../../core/errors.js';
import { FADUMP_MAX_MEM_REGS, OPAL_FADUMP_MIN_BOOT_MEM } from './constants.js';

export interface BootMemRegion {
  readonly startBytes: number;
  readonly sizeBytes: number;
}

export interface LinuxOptions {
  readonly bootMemRegions: readonly BootMemRegion[];
  readonly pageSizeBytes: 4096 | 65536;
  readonly reserveAlignBytes: number;
  readonly reserveDumpAreaStartBytes: number | undefined;
  readonly nrCpus: number;
  readonly kernelImageSizeBytes: number;
  readonly captureScribblePages: number;
  readonly opalCore: boolean;
}

export const DEFAULT_LINUX_OPTIONS: LinuxOptions = {
  bootMemRegions: [{ startBytes: 0, sizeBytes: OPAL_FADUMP_MIN_BOOT_MEM }],
  pageSizeBytes: 65536,
  reserveAlignBytes: 16 * 2 ** 20,
  reserveDumpAreaStartBytes: undefined,
  nrCpus: 2048,
  kernelImageSizeBytes: 256 * 1024,
  captureScribblePages: 8,
  opalCore: true,
};

/**
 * Kernel-private layout of boot memory (our choice; Linux runs at the start of region 0, physical 0 by default):
 * [0, image) kernel text, then KERNEL_DATA_SIZE of kernel data (vmcoreinfo note, panic string,
 * the QUERY_TAG result buffer), then EXPORT_AREA_SIZE where the capture kernel allocates the
 * buffers it exports (elfcorehdr, CPU notes). Region 0 must hold all of it.
 */
export const KERNEL_DATA_SIZE = 0x1_0000;
export const EXPORT_AREA_SIZE = 16 * 2 ** 20;
export const KernelData = { vmcoreinfo: 0x0000, VMCOREINFO_MAX: 0x1000, panicString: 0x1000, PANIC_STRING_MAX: 0x100, queryBuffer: 0x1100 } as const;

/**
 * How far above physical 0 the kernel's view of RAM may start (its first boot-memory region, where
 * the kernel lives): memory below is not the kernel's, and Linux counts it as a hole below
 * boot_mem_top (spec step 22). 32 MiB keeps the kernel below the workload image at 64 MiB.
 */
export const BOOT_MEM_START_MAX = 0x0200_0000;

/** Addresses derived from the options (all in region 0). */
export interface KernelLayout {
  readonly textBase: number;
  readonly dataBase: number;
  readonly vmcoreinfoAddr: number;
  readonly panicStringAddr: number;
  readonly queryBufferAddr: number;
  readonly exportBase: number;
  readonly exportEnd: number;
}

export function kernelLayout(o: LinuxOptions): KernelLayout {
  // The kernel sits at the start of boot memory: physical 0, unless the kernel's view of RAM starts higher.
  const textBase = o.bootMemRegions[0]?.startBytes ?? 0;
  const dataBase = textBase + o.kernelImageSizeBytes;
  const exportBase = dataBase + KERNEL_DATA_SIZE;
  return {
    textBase,
    dataBase,
    vmcoreinfoAddr: dataBase + KernelData.vmcoreinfo,
    panicStringAddr: dataBase + KernelData.panicString,
    queryBufferAddr: dataBase + KernelData.queryBuffer,
    exportBase,
    exportEnd: exportBase + EXPORT_AREA_SIZE,
  };
}

/** spec 3.5: max_copy_size = ALIGN_DOWN(U32_MAX, PAGE_SIZE). */
export function maxCopySize(o: LinuxOptions): number {
  return Math.floor(0xffff_ffff / o.pageSizeBytes) * o.pageSizeBytes;
}

/**
 * The boot-memory regions Linux registers: each option region split into pieces of at most
 * max_copy_size (firmware sizes are 32-bit, spec step 7–8).
 */
export function splitBootMemRegions(o: LinuxOptions): BootMemRegion[] {
  const max = maxCopySize(o);
  const out: BootMemRegion[] = [];
  for (const r of o.bootMemRegions) {
    for (let off = 0; off < r.sizeBytes; off += max) {
      out.push({ startBytes: r.startBytes + off, sizeBytes: Math.min(max, r.sizeBytes - off) });
    }
  }
  return out;
}

function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function fail(field: string, why: string): never {
  throw new UsageError(`linux ${field}: ${why}`);
}

/** Merge overrides onto the defaults and validate every field. */
export function resolveLinuxOptions(overrides: Partial<LinuxOptions> = {}): LinuxOptions {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) fail('options', 'expected an object');
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_LINUX_OPTIONS)) fail(key, `unknown option (known: ${Object.keys(DEFAULT_LINUX_OPTIONS).join(', ')})`);
  }
  const o: LinuxOptions = { ...DEFAULT_LINUX_OPTIONS, ...overrides };
  if (o.pageSizeBytes !== 4096 && o.pageSizeBytes !== 65536) fail('pageSizeBytes', `expected 4096 or 65536, got ${String(o.pageSizeBytes)}`);
  const page = o.pageSizeBytes;
  if (!isPow2(o.reserveAlignBytes) || o.reserveAlignBytes < page) fail('reserveAlignBytes', 'must be a power of two no smaller than the page size');
  if (!Number.isSafeInteger(o.nrCpus) || o.nrCpus < 1 || o.nrCpus > 8192) fail('nrCpus', 'expected an integer in [1, 8192]');
  if (!Number.isSafeInteger(o.kernelImageSizeBytes) || o.kernelImageSizeBytes < 0x1_0000 || o.kernelImageSizeBytes > 16 * 2 ** 20 || o.kernelImageSizeBytes % 0x1_0000 !== 0) {
    fail('kernelImageSizeBytes', 'expected a multiple of 64 KiB in [64 KiB, 16 MiB]');
  }
  if (!Number.isSafeInteger(o.captureScribblePages) || o.captureScribblePages < 0 || o.captureScribblePages > 4096) fail('captureScribblePages', 'expected an integer in [0, 4096]');
  if (typeof o.opalCore !== 'boolean') fail('opalCore', 'expected a boolean');

  const regs = o.bootMemRegions;
  if (!Array.isArray(regs) || regs.length === 0) fail('bootMemRegions', 'expected a non-empty list');
  let end = 0;
  regs.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) fail(`bootMemRegions[${i}]`, 'expected {startBytes, sizeBytes}');
    const ok = Number.isSafeInteger(r.startBytes) && Number.isSafeInteger(r.sizeBytes) && r.startBytes >= 0 && r.sizeBytes > 0;
    if (!ok) fail(`bootMemRegions[${i}]`, 'start and size must be non-negative integers, size > 0');
    if (r.startBytes % page !== 0 || r.sizeBytes % page !== 0) fail(`bootMemRegions[${i}]`, `start and size must be multiples of the ${page}-byte page`);
    if (r.startBytes < end) fail(`bootMemRegions[${i}]`, 'regions must be sorted and must not overlap');
    end = r.startBytes + r.sizeBytes;
  });
  const layout = kernelLayout(o);
  const first = regs[0]!;
  if (first.startBytes > BOOT_MEM_START_MAX) fail('bootMemRegions[0]', `must start at or below 0x${BOOT_MEM_START_MAX.toString(16)} (the kernel lives there, below the workload image)`);
  if (first.sizeBytes < layout.exportEnd - layout.textBase) {
    fail('bootMemRegions[0]', `must hold the kernel (at least 0x${(layout.exportEnd - layout.textBase).toString(16)} bytes)`);
  }
  if (end < OPAL_FADUMP_MIN_BOOT_MEM) fail('bootMemRegions', `boot memory must reach OPAL_FADUMP_MIN_BOOT_MEM (0x${OPAL_FADUMP_MIN_BOOT_MEM.toString(16)}), ends at 0x${end.toString(16)}`);
  const pieces = splitBootMemRegions(o).length;
  if (pieces > FADUMP_MAX_MEM_REGS) fail('bootMemRegions', `${pieces} regions after splitting at max_copy_size exceed FADUMP_MAX_MEM_REGS (${FADUMP_MAX_MEM_REGS})`);

  const start = o.reserveDumpAreaStartBytes;
  if (start !== undefined && (typeof start !== 'number' || !Number.isSafeInteger(start) || start < end || start % page !== 0)) {
    fail('reserveDumpAreaStartBytes', 'must be page aligned and at or above boot_mem_top');
  }
  return { ...o, bootMemRegions: regs.map((r) => ({ startBytes: r.startBytes, sizeBytes: r.sizeBytes })) };
}
