/** Test scenarios: a first kernel, a crash, a hand-made "preservation", and a capture boot. */
import { Slot } from '../../sim/cpu/state.js';
import { DT_DUMP_NODE } from '../../sim/participants/layout.js';
import { propU64s } from '../../sim/machine/device-tree.js';
import { MpiplTag } from '../../sim/participants/opal-api.js';
import { createLinux, LinuxKernelModel, type LinuxOptions } from '../../sim/participants/linux/index.js';
import type { CrashCause } from '../../sim/participants/firmware.js';
import { FakePlatform, FW, setupDeviceTree, type FakeOptions } from './fake-platform.js';

export function bootKernel(p: FakePlatform, opts: Partial<LinuxOptions> = {}): LinuxKernelModel {
  const k = createLinux(opts) as LinuxKernelModel;
  k.boot(p, p.topology.threads[0]!.pir);
  return k;
}

/** Give a thread distinctive architected state; returns the pt_regs words Linux should save. */
export function setThreadRegs(p: FakePlatform, pir: number): bigint[] {
  const t = p.thread(pir);
  for (let i = 0; i < 32; i++) t.setGpr(i, 0x1100_0000_0000_0000n | (BigInt(pir) << 16n) | BigInt(i));
  t.set(Slot.NIP, 0xc000_0000_0012_3450n);
  t.set(Slot.MSR, 0x9000_0000_0000_1033n);
  t.set(Slot.LR, 0xc000_0000_0045_6780n);
  t.set(Slot.CTR, 0x1234_5678n + BigInt(pir));
  t.set(Slot.XER, 0x2004_0000n);
  t.cr = 0x2200_4488;
  const w = new Array<bigint>(48).fill(0n);
  for (let i = 0; i < 32; i++) w[i] = t.gpr(i);
  w[32] = 0xc000_0000_0012_3450n;
  w[33] = 0x9000_0000_0000_1033n;
  w[34] = t.gpr(3);
  w[35] = 0x1234_5678n + BigInt(pir);
  w[36] = 0xc000_0000_0045_6780n;
  w[37] = 0x2004_0000n;
  w[38] = 0x2200_4488n;
  return w;
}

export interface RegEntrySpec {
  readonly type: number;
  readonly num: number;
  readonly val: bigint;
}

export interface ThreadSpec {
  readonly pir: number;
  readonly coreState: number;
  readonly entries: readonly RegEntrySpec[];
  /** Header fields; default offset 0x10, ecnt = entries, esize 16. */
  readonly offset?: number;
  readonly ecnt?: number;
  readonly esize?: number;
}

/** The register entries a reference hostboot would write for `pir`, plus some Linux ignores. */
export function firmwareEntries(pir: number): RegEntrySpec[] {
  const v = (x: number): bigint => (BigInt(pir) << 32n) | BigInt(x);
  const e: RegEntrySpec[] = [];
  for (let i = 0; i < 32; i++) e.push({ type: 1, num: i, val: v(0x100 + i) });
  e.push({ type: 1, num: 40, val: v(0xbad) }); // GPR >= 32: ignored
  e.push({ type: 2, num: 0x150, val: v(0xbad1) }); // HMER: ignored
  e.push({ type: 2, num: 9, val: v(0xbad2) }); // CTR, overwritten below
  e.push({ type: 2, num: 9, val: v(0x209) }); // CTR: later wins
  e.push({ type: 2, num: 8, val: v(0x208) }); // LR
  e.push({ type: 2, num: 1, val: v(0x201) }); // XER
  e.push({ type: 2, num: 19, val: v(0x213) }); // DAR
  e.push({ type: 2, num: 18, val: v(0x212) }); // DSISR
  e.push({ type: 2, num: 0x7d0, val: v(0x7d0) }); // NIP
  e.push({ type: 2, num: 0x7d1, val: v(0x7d1) }); // MSR
  e.push({ type: 3, num: 0x7d2, val: v(0x7d2) }); // CCR, through a non-GPR type
  return e;
}

/** pt_regs words Linux builds from firmwareEntries(pir) (spec 5.4). */
export function expectedFirmwareRegs(pir: number): bigint[] {
  const v = (x: number): bigint => (BigInt(pir) << 32n) | BigInt(x);
  const w = new Array<bigint>(48).fill(0n);
  for (let i = 0; i < 32; i++) w[i] = v(0x100 + i);
  w[32] = v(0x7d0);
  w[33] = v(0x7d1);
  w[35] = v(0x209);
  w[36] = v(0x208);
  w[37] = v(0x201);
  w[38] = v(0x7d2);
  w[41] = v(0x213);
  w[42] = v(0x212);
  return w;
}

export const ENTRY_COUNT = 32 + 11;

/** Write thread records (spec 4.5/4.6) at `base` with stride `threadSize`; returns act_size. */
export function writeCpuData(p: FakePlatform, base: number, threads: readonly ThreadSpec[], threadSize: number): number {
  threads.forEach((t, i) => {
    const tb = base + i * threadSize;
    const offset = t.offset ?? 0x10;
    const esize = t.esize ?? 16;
    p.mem.write32BE(tb, t.pir);
    p.mem.write8(tb + 4, t.coreState);
    p.mem.write32BE(tb + 8, offset);
    p.mem.write32BE(tb + 0xc, t.ecnt ?? t.entries.length);
    p.mem.write32BE(tb + 0x10, esize);
    p.mem.write32BE(tb + 0x14, 16);
    t.entries.forEach((e, k) => {
      const a = tb + 8 + offset + k * esize;
      p.mem.write32BE(a, e.type);
      p.mem.write32BE(a + 4, e.num);
      p.mem.write64BE(a + 8, e.val);
    });
  });
  return threads.length * threadSize;
}

export interface FadumpStructSpec {
  readonly version?: number;
  readonly crashingPir?: number;
  readonly cpuDataVersion?: number;
  readonly cpuDataSize?: number;
  readonly regions: readonly { src: bigint; dest: bigint; size: bigint }[];
  readonly regionCnt?: number;
}

/** struct opal_mpipl_fadump (spec 4.8), big-endian. */
export function writeFadumpStruct(p: FakePlatform, addr: number, s: FadumpStructSpec): void {
  p.mem.fill(addr, 0x18 + 24 * Math.max(1, s.regions.length), 0);
  p.mem.write8(addr, s.version ?? 1);
  p.mem.write32BE(addr + 8, s.crashingPir ?? 0);
  p.mem.write32BE(addr + 0xc, s.cpuDataVersion ?? 0);
  p.mem.write32BE(addr + 0x10, s.cpuDataSize ?? 0);
  p.mem.write32BE(addr + 0x14, s.regionCnt ?? s.regions.length);
  s.regions.forEach((r, i) => {
    const a = addr + 0x18 + 24 * i;
    p.mem.write64BE(a, r.src);
    p.mem.write64BE(a + 8, r.dest);
    p.mem.write64BE(a + 16, r.size);
  });
}

export const CPU_TAG_ADDR = 0x3060_0000;
export const OPAL_TAG_ADDR = 0x3060_1000;
export const CPU_DATA_ADDR = FW.archRegs;
export const THREAD_SIZE = 24 + 16 * ENTRY_COUNT;

export interface Scenario {
  readonly p: FakePlatform;
  readonly first: LinuxKernelModel;
  readonly crashPir: number;
  /** Memory at the panic cycle (before any "preservation"). */
  readonly panicMem: ReturnType<FakePlatform['mem']['snapshot']>;
}

/**
 * First kernel registers; `crashPir` panics (unless undefined: no kernel crash); boot memory is
 * copied to its destinations as hostboot would; the CPU data area and the tags are set up.
 */
export function crashAndPreserve(o: {
  platform?: FakeOptions;
  linux?: Partial<LinuxOptions>;
  crashPir?: number | undefined;
  cause?: CrashCause;
  threads?: (p: FakePlatform) => ThreadSpec[];
  opalRegions?: { src: bigint; dest: bigint; size: bigint }[];
  addRangeRcs?: bigint[];
  threadSize?: number;
}): Scenario {
  const p = new FakePlatform(o.platform);
  setupDeviceTree(p.dt);
  p.opal.addRangeRcs = o.addRangeRcs ?? [];
  const first = bootKernel(p, o.linux);
  p.runAll();
  const crashPir = 'crashPir' in o ? o.crashPir : p.topology.threads[5]!.pir;
  if (crashPir !== undefined) {
    setThreadRegs(p, crashPir);
    first.panic(p, crashPir, o.cause ?? 'guest-trap');
    p.runAll();
  }
  const panicMem = p.mem.snapshot();
  for (const r of first.conf!.regions.slice(0, first.registeredRegions)) p.mem.copy(r.dest, r.src, r.size);
  const threads = o.threads?.(p) ?? p.topology.threads.map((t) => ({ pir: t.pir, coreState: t.pir === p.topology.threads[2]!.pir ? 0x0f : 0, entries: firmwareEntries(t.pir) }));
  const threadSize = o.threadSize ?? THREAD_SIZE;
  const actSize = writeCpuData(p, CPU_DATA_ADDR, threads, threadSize);
  writeFadumpStruct(p, CPU_TAG_ADDR, { cpuDataVersion: 1, cpuDataSize: threadSize, regions: [{ src: BigInt(CPU_DATA_ADDR), dest: BigInt(CPU_DATA_ADDR), size: BigInt(actSize) }] });
  const opalRegions = o.opalRegions ?? [{ src: BigInt(FW.skibootBase), dest: BigInt(FW.firmwareDump), size: BigInt(FW.opalDumpSize) }];
  writeFadumpStruct(p, OPAL_TAG_ADDR, { crashingPir: crashPir ?? 0, regions: opalRegions });
  for (const r of opalRegions) {
    const seed = new Uint8Array(0x2000);
    for (let i = 0; i < seed.length; i++) seed[i] = (i * 7 + Number(r.dest >> 12n)) & 0xff;
    p.mem.writeBytes(Number(r.dest), seed);
  }
  p.opal.tags.set(MpiplTag.KERNEL, BigInt(first.conf!.metadataAddr));
  p.opal.tags.set(MpiplTag.CPU, BigInt(CPU_TAG_ADDR));
  p.opal.tags.set(MpiplTag.OPAL, BigInt(OPAL_TAG_ADDR));
  p.opal.tags.set(MpiplTag.BOOT_MEM, BigInt(first.conf!.bootMemTop));
  return { p, first, crashPir: crashPir ?? -1, panicMem };
}

/** Boot the capture kernel (mpipl-boot present) on the scenario's machine. */
export function captureBoot(s: Scenario, linux: Partial<LinuxOptions> = {}): LinuxKernelModel {
  s.p.dt.set(DT_DUMP_NODE, 'mpipl-boot', propU64s([1n]));
  s.p.opal.calls = [];
  s.p.logs.length = 0;
  return bootKernel(s.p, linux);
}
