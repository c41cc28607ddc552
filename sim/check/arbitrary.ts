/**
 * The scenario generator of `check` (design section 6's coverage list), as fast-check arbitraries
 * so every counterexample shrinks: fewer OPAL calls, fewer table writes, smaller machines, earlier
 * crashes, simpler sizes.
 *
 * Coverage: every op of ADD/REMOVE/REMOVE_ALL/FREE (including failing ones), full tables,
 * duplicate and overlapping ranges, sizes around page, 32 MiB and 4 GiB multiples, addresses past
 * RAM and with top bits set, never-stashed bases, too-small register areas, raw (malformed) table
 * entries, crashes before/while/after registration and on every thread, several crashes.
 *
 * Issue 11 widened it (each case is counted by `check --stats`, see stats.ts): seeded memory
 * patterns around every named range; `k·32 MiB + r` and `k·4 GiB + r` sizes at real addresses;
 * MPIPL chains without release or FREE (OPAL aborts in the capture kernel) and capture kernels
 * crashing before release; REGISTER_TAG(KERNEL, 0) and re-registered tags; holes, same-index
 * MDST/MDDT writes, disagreeing counts and full tables followed by more ADD_RANGEs; boot-memory
 * tops above skiboot, pinned dump areas, platform-reserved ranges next to the dump area; several
 * CPUs panicking in the same cycle or within the crash path.
 */
import fc from 'fast-check';
import type { MachineConfig } from '../machine/config.js';
import { Topology } from '../machine/topology.js';
import { WORKLOAD_NAMES, scratchArea, type CrashPoint, type OpalOp, type ScenarioSpec, type TableWrite } from './../scenario/scenario.js';
import { MDST_MAX_ENTRIES, SkibootMap } from '../participants/layout.js';
import { HIGH_ARENA_OFFSET_FROM_TOP } from '../scenario/run.js';
import { referenceDumpArea, type Span } from '../scenario/patterns.js';
import { inCoupledTime } from './firmware-crash-points.js';
import type { PlatformReservedRange, RebootPoint } from '../scenario/scenario.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const PAGE = 0x1_0000;

export interface GeneratorOptions {
  readonly firmware: string;
  /** Largest RAM a generated machine gets (big machines are cheap: memory is sparse). */
  readonly ramSizeMaxBytes?: number;
  /** Coupled time: scenarios run coupled and aim crashes inside firmware (firmware-crash-points.ts). */
  readonly timeMode?: 'charged' | 'coupled';
}

const hex = (v: bigint | number): string => `0x${BigInt(v).toString(16)}`;

function configArb(maxRam: number): fc.Arbitrary<MachineConfig> {
  const rams = [2 * GiB, 4 * GiB, 8 * GiB, 16 * GiB, 64 * GiB].filter((r) => r <= maxRam);
  return fc.record({
    chips: fc.integer({ min: 1, max: 2 }),
    coresPerChip: fc.integer({ min: 1, max: 2 }),
    threadsPerCore: fc.constantFrom(4, 1, 2),
    ramSizeBytes: fc.constantFrom(...rams),
    kernelEndian: fc.constantFrom<'little' | 'big'>('little', 'big'),
    workload: fc.constantFrom<'machine-code' | 'synthetic'>('machine-code', 'synthetic'),
  });
}

/** Sizes around the interesting boundaries (spec 6.1: 32-bit truncation; 32 MiB copy chunks; pages). */
const sizeArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.integer({ min: 1, max: 16 }).map((n) => BigInt(n * PAGE)),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom(-1, 0, 1)).map(([n, d]) => BigInt(n * PAGE + d)),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(-PAGE, 0, PAGE, 1)).map(([n, d]) => BigInt(n * 32 * MiB + d)),
  fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constantFrom(0n, 0x1000n, -0x1000n)).map(([n, d]) => BigInt(n) * (1n << 32n) + d),
  fc.constant(0n),
);

/** Small tails a chunked copy loses first: float rounding (1–4 bytes), a partial page, a page and a byte. */
const SMALL_TAIL = fc.constantFrom(1, 2, 3, 4, 0x7ff, 0xfff, 0x1001, PAGE + 1);

/** `k·32 MiB + r` and `k·4 GiB + r` (the tables keep the low 32 bits: r is what gets copied). */
const chunkSizeArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 3 }), SMALL_TAIL).map(([k, r]) => BigInt(k * 32 * MiB + r)),
  fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constantFrom(0, PAGE, 4 * PAGE, 0x1_0001)).map(([k, r]) => BigInt(k) * (1n << 32n) + BigInt(r)),
);

/**
 * ADD_RANGE at real addresses that a correct firmware preserves: a source in boot memory above the
 * workload arenas or in the kernel's high data, a destination at the start of the scratch area
 * with room for the largest chunked size.
 */
function realAddRangeArgs(ram: number): fc.Arbitrary<string[]> {
  const s = scratchArea(ram);
  const src = fc.oneof(
    fc.integer({ min: 0x0a00, max: 0x1000 }).map((n) => BigInt(n) * BigInt(PAGE)),
    fc.integer({ min: 0, max: 31 }).map((n) => BigInt(ram - HIGH_ARENA_OFFSET_FROM_TOP + n * PAGE)),
  );
  const dest = fc.integer({ min: 0, max: 16 }).map((n) => BigInt(s.start + n * PAGE));
  return fc.tuple(src, dest, chunkSizeArb).map((a) => a.map(hex));
}

/** Sources: inside boot memory, high RAM, past RAM, top bits set, or OPAL's own base. */
function srcArb(ram: number): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0x0100, max: 0x2f00 }).map((n) => BigInt(n) * BigInt(PAGE)) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }).map((n) => BigInt(ram - HIGH_ARENA_OFFSET_FROM_TOP + n * PAGE)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 16 }).map((n) => BigInt(ram) - 0x1000n + BigInt(n * PAGE)) },
    { weight: 1, arbitrary: fc.constantFrom(0xc000_0000_0100_0000n, 0x8000_0000_0100_0000n, 0x4000_0000_0100_0000n) },
    { weight: 1, arbitrary: fc.constant(BigInt(SkibootMap.SKIBOOT_BASE)) },
  );
}

/** Destinations: mostly the harness scratch area (overlapping each other), sometimes somewhere wrong. */
function destArb(ram: number): fc.Arbitrary<bigint> {
  const s = scratchArea(ram);
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: s.sizeBytes / PAGE - 1 }).map((n) => BigInt(s.start + n * PAGE)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 16 }).map((n) => BigInt(ram) - 0x1000n + BigInt(n * PAGE)) },
    { weight: 1, arbitrary: fc.constantFrom(0xc000_0000_0000_0000n + BigInt(s.start), BigInt(SkibootMap.KERNEL_LOAD_BASE), BigInt(SkibootMap.SKIBOOT_BASE + 0x10_0000)) },
  );
}

/**
 * KERNEL re-registrations come after the kernel's own registration finished (a driver cannot
 * re-register what is not registered yet; before that the tag would point at a header the kernel
 * has not initialised, which is a scenario error, not a firmware one).
 */
const KERNEL_REGISTERED_AFTER_CYCLES = 4_000;

function opArb(ram: number, boots: number, metadataAddr: number | undefined): fc.Arbitrary<OpalOp> {
  const when = { boot: fc.integer({ min: 0, max: boots - 1 }), afterBootCycles: fc.integer({ min: 0, max: 8_000 }) };
  const add = fc.record({ ...when, call: fc.constant<'ADD_RANGE'>('ADD_RANGE'), args: fc.tuple(srcArb(ram), destArb(ram), sizeArb).map((a) => a.map(hex)) });
  const realAdd = fc.record({ ...when, call: fc.constant<'ADD_RANGE'>('ADD_RANGE'), args: realAddRangeArgs(ram) });
  // KERNEL (2): cleared with 0 (as Linux's cleanup does), or registered again — with the address
  // the reference kernel uses for its metadata, or a bogus one.
  const kernelTag = fc.record({
    ...when,
    call: fc.constant<'REGISTER_TAG'>('REGISTER_TAG'),
    args: fc.constantFrom(0n, BigInt(metadataAddr ?? 0)).map((v) => [hex(2n), hex(v)]),
  }).map((op) => ({ ...op, afterBootCycles: op.afterBootCycles + KERNEL_REGISTERED_AFTER_CYCLES }));
  const remove = fc.record({ ...when, call: fc.constant<'REMOVE_RANGE'>('REMOVE_RANGE'), args: fc.tuple(srcArb(ram), destArb(ram)).map(([a, b]) => [hex(a), hex(b), '0x0']) });
  const removeAll = fc.record({ ...when, call: fc.constant<'REMOVE_ALL'>('REMOVE_ALL'), args: fc.constant(['0x0', '0x0', '0x0']) });
  const free = fc.record({ ...when, call: fc.constant<'FREE_PRESERVED_MEMORY'>('FREE_PRESERVED_MEMORY'), args: fc.constant(['0x0', '0x0', '0x0']) });
  // Tags the kernel does not own (CPU, OPAL, out of range) and BOOT_MEM values that must fail or stick.
  const tag = fc.record({
    ...when,
    call: fc.constant<'REGISTER_TAG'>('REGISTER_TAG'),
    args: fc.tuple(fc.constantFrom(0n, 1n, 3n, 4n, 99n), fc.constantFrom(0n, 0x3000_0000n, BigInt(ram) + 1n, 0x4000_0000n)).map((a) => a.map(hex)),
  });
  return fc.oneof(
    { weight: 8, arbitrary: add },
    { weight: 4, arbitrary: realAdd },
    { weight: 2, arbitrary: remove },
    { weight: 1, arbitrary: removeAll },
    { weight: 1, arbitrary: free },
    { weight: 2, arbitrary: tag },
    { weight: 1, arbitrary: kernelTag },
  );
}

/** ADD_RANGEs of a table-filling batch: more than MDST and MDDT hold with OPAL's own pair and the kernel's. */
export const FILL_BATCH_ADDS = MDST_MAX_ENTRIES + 2;

/**
 * A driver that registers page-sized ranges until the tables are full and then once or twice more
 * (spec 6.1: OPAL_RESOURCE, nothing written): before, while or after the kernel registers. The
 * sources lie in boot memory above the workload arenas, the destinations in the scratch area.
 */
function fillTableOpsArb(ram: number, boots: number): fc.Arbitrary<OpalOp[]> {
  const s = scratchArea(ram);
  return fc
    .record({ boot: fc.integer({ min: 0, max: boots - 1 }), start: fc.constantFrom(0, 2_000, KERNEL_REGISTERED_AFTER_CYCLES, KERNEL_REGISTERED_AFTER_CYCLES) })
    .map(({ boot, start }) =>
      Array.from({ length: FILL_BATCH_ADDS }, (_, i): OpalOp => ({
        boot,
        afterBootCycles: start + i,
        call: 'ADD_RANGE',
        args: [hex(0x0c00_0000 + i * PAGE), hex(s.start + 0x0400_0000 + i * PAGE), hex(PAGE)],
      })),
    );
}

function tableWriteArb(ram: number, boots: number): fc.Arbitrary<TableWrite> {
  return fc.record(
    {
      boot: fc.integer({ min: 0, max: boots - 1 }),
      afterBootCycles: fc.integer({ min: 0, max: 8_000 }),
      table: fc.constantFrom<'MDST' | 'MDDT'>('MDST', 'MDDT'),
      index: fc.integer({ min: 0, max: 63 }),
      addr: fc.oneof(srcArb(ram), destArb(ram)).map((a) => hex(a | (1n << 63n))),
      region: fc.constantFrom(0x80, 0x03, 0x01, 0x7f),
      sizeBytes: fc.constantFrom(PAGE, 4 * PAGE, 0, 32 * MiB),
      actCnt: fc.option(fc.integer({ min: 0, max: 70 }), { nil: undefined }),
    },
    { requiredKeys: ['boot', 'afterBootCycles', 'table', 'index', 'addr', 'region', 'sizeBytes'] },
  );
}

/** Holes: an all-zero entry (addr 0, size 0, region 0) before valid ones, in one table or both. */
function holeWritesArb(boots: number): fc.Arbitrary<TableWrite[]> {
  return fc
    .record({ boot: fc.integer({ min: 0, max: boots - 1 }), afterBootCycles: fc.integer({ min: 1_500, max: 4_000 }), index: fc.integer({ min: 0, max: 2 }), tables: fc.constantFrom<('MDST' | 'MDDT')[]>(['MDST', 'MDDT'], ['MDST'], ['MDDT']) })
    .map(({ boot, afterBootCycles, index, tables }) => tables.map((table) => ({ boot, afterBootCycles, table, index, addr: '0x0', region: 0, sizeBytes: 0 })));
}

/** The same index written in MDST and MDDT (a pair), sizes equal or not, counts set or left disagreeing. */
function pairWritesArb(ram: number, boots: number): fc.Arbitrary<TableWrite[]> {
  const s = scratchArea(ram);
  return fc
    .record({
      boot: fc.integer({ min: 0, max: boots - 1 }),
      afterBootCycles: fc.integer({ min: 1_500, max: 4_000 }),
      index: fc.integer({ min: 1, max: 4 }),
      src: fc.integer({ min: 0x0a00, max: 0x1000 }).map((n) => n * PAGE),
      dest: fc.integer({ min: 0, max: 64 }).map((n) => s.start + n * PAGE),
      sizeBytes: fc.constantFrom(PAGE, 4 * PAGE, 16 * PAGE),
      destDelta: fc.constantFrom(0, 0, PAGE, -PAGE, 0x1000),
      counts: fc.constantFrom<'both' | 'mdst' | 'mddt' | 'none'>('both', 'both', 'mdst', 'mddt', 'none'),
    })
    .map((w) => {
      const cnt = (t: 'mdst' | 'mddt'): { actCnt?: number } => (w.counts === 'both' || w.counts === t ? { actCnt: w.index + 1 } : {});
      const at = { boot: w.boot, afterBootCycles: w.afterBootCycles, index: w.index, region: 0x80 };
      return [
        { ...at, table: 'MDST' as const, addr: hex(BigInt(w.src) | (1n << 63n)), sizeBytes: w.sizeBytes, ...cnt('mdst') },
        { ...at, table: 'MDDT' as const, addr: hex(BigInt(w.dest) | (1n << 63n)), sizeBytes: w.sizeBytes + w.destDelta, ...cnt('mddt') },
      ];
    });
}

/** Both tables made full (act_cnt 64, or 63 with one slot left): the ADD_RANGEs after it meet a full table. */
function fullTableWritesArb(ram: number, boots: number): fc.Arbitrary<TableWrite[]> {
  const s = scratchArea(ram);
  return fc.record({ boot: fc.integer({ min: 0, max: boots - 1 }), afterBootCycles: fc.integer({ min: 1_500, max: 3_000 }), actCnt: fc.constantFrom(64, 63) }).map(({ boot, afterBootCycles, actCnt }) => [
    { boot, afterBootCycles, table: 'MDST' as const, index: actCnt - 1, addr: hex(BigInt(0x0c00 * PAGE) | (1n << 63n)), region: 0x80, sizeBytes: PAGE, actCnt },
    { boot, afterBootCycles, table: 'MDDT' as const, index: actCnt - 1, addr: hex(BigInt(s.start + 0x80 * PAGE) | (1n << 63n)), region: 0x80, sizeBytes: PAGE, actCnt },
  ]);
}

function tableWritesArb(ram: number, boots: number): fc.Arbitrary<TableWrite[]> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant<TableWrite[]>([]) },
    { weight: 3, arbitrary: fc.array(tableWriteArb(ram, boots), { maxLength: 3 }) },
    { weight: 1, arbitrary: holeWritesArb(boots) },
    { weight: 2, arbitrary: pairWritesArb(ram, boots) },
    { weight: 1, arbitrary: fullTableWritesArb(ram, boots) },
  );
}

/** Further panics on other threads: the same cycle, a few cycles later, or inside the crash path. */
function alsoPanicArb(pirs: readonly number[]): fc.Arbitrary<{ pir: number; afterCycles: number }[]> {
  return fc.array(fc.record({ pir: fc.constantFrom(...pirs), afterCycles: fc.constantFrom(0, 0, 1, 2, 5, 40, 299) }), { minLength: 1, maxLength: 2 });
}

/**
 * The crash plans issue 11 added: a registered kernel crashes, then the capture kernel crashes or
 * OPAL aborts before the dump is released (an MPIPL chain without FREE_PRESERVED_MEMORY), maybe
 * once more; or several CPUs panic together.
 */
function newCrashesArb(pirs: readonly number[]): fc.Arbitrary<CrashPoint[]> {
  const first = fc.record({ afterBootCycles: fc.integer({ min: 1_500, max: 6_000 }), pir: fc.constantFrom(...pirs) });
  const beforeRelease = fc.record({
    afterBootCycles: fc.constantFrom(0, 1, 10, 200, 900),
    pir: fc.constantFrom(...pirs),
    beforeRelease: fc.constant(true),
    source: fc.constantFrom<'kernel' | 'opal'>('opal', 'opal', 'kernel'),
  });
  const chain = fc.tuple(first, beforeRelease, fc.option(fc.oneof(first, beforeRelease), { nil: undefined })).map(([a, b, c]) => (c === undefined ? [a, b] : [a, b, c]));
  const together = fc.tuple(first, alsoPanicArb(pirs)).map(([a, also]): CrashPoint[] => [{ ...a, alsoPanic: also }]);
  const opalFirst = first.map((a): CrashPoint[] => [{ ...a, source: 'opal' }]);
  return fc.oneof({ weight: 3, arbitrary: chain }, { weight: 3, arbitrary: together }, { weight: 1, arbitrary: opalFirst });
}

function crashesArb(config: MachineConfig): fc.Arbitrary<CrashPoint[]> {
  const pirs = new Topology(config).threads.map((t) => t.pir);
  const injected = fc.record({
    // Before, while and after registration (a default registration takes ~1 000 cycles).
    afterBootCycles: fc.oneof(fc.integer({ min: 0, max: 1_500 }), fc.integer({ min: 1_500, max: 12_000 })),
    pir: fc.constantFrom(...pirs),
  });
  // Guest-initiated: the machine-code workload traps after N iterations of its loop.
  const guest = fc.record({ trapAfterIterations: fc.integer({ min: 1, max: 40 }), pir: fc.constantFrom(...pirs) });
  const crash: fc.Arbitrary<CrashPoint> = config.workload === 'machine-code' ? fc.oneof({ weight: 3, arbitrary: injected }, { weight: 1, arbitrary: guest }) : injected;
  return fc.oneof({ weight: 3, arbitrary: fc.array(crash, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: newCrashesArb(pirs) });
}

/**
 * Boot-memory layouts: one region, several with holes below boot_mem_top, a boot memory whose top
 * lies above skiboot (other RAM and firmware reservations inside and adjacent to it), or a dump
 * area pinned to a start of the scenario's choosing.
 */
const linuxArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constantFrom(0x3800_0000, 0x4000_0000).map((top) => ({ bootMemRegions: [{ startBytes: 0, sizeBytes: top }] })) },
  { weight: 1, arbitrary: fc.constantFrom(0x3400_0000, 0x3500_0000, 0x3800_0000, 0x4000_0000).map((start) => ({ reserveDumpAreaStartBytes: start })) },
  // The kernel's view of RAM does not start at 0: its first boot-memory region (where it lives)
  // starts a page or 32 MiB up, alone or with a second region after a hole. Linux counts the
  // memory below as a hole under boot_mem_top, and the vmcore's boot-memory PT_LOADs are offset
  // by the sizes of the regions before them, not by their addresses.
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(0x1_0000, 0x0200_0000), fc.boolean()).map(([start, split]) => ({
      bootMemRegions: split ? [{ startBytes: start, sizeBytes: 0x1000_0000 - start }, { startBytes: 0x1800_0000, sizeBytes: 0x1800_0000 }] : [{ startBytes: start, sizeBytes: 0x3000_0000 - start }],
    })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(65536, 4096)).map(([holes, pageSizeBytes]) => {
      const regions = [{ startBytes: 0, sizeBytes: 0x0800_0000 }];
      for (let i = 0; i < holes; i++) regions.push({ startBytes: 0x1000_0000 + i * 0x0800_0000, sizeBytes: 0x0400_0000 });
      regions.push({ startBytes: 0x2c00_0000, sizeBytes: 0x0400_0000 });
      return { bootMemRegions: regions, pageSizeBytes };
    }),
  },
);

/**
 * Platform-reserved ranges placed relative to the dump area the reference kernel would pick
 * without them: just below it, over its start, on its crash-info header, on its metadata, just past
 * its end. Candidates that would cover the kernel's high data or the scratch area are dropped.
 */
function reservedRangesArb(config: MachineConfig, linux: Record<string, unknown>): fc.Arbitrary<PlatformReservedRange[] | undefined> {
  const probe = { seed: '0', config, firmware: 'reference', crashes: [], linux, faults: {}, workloadName: 'scribble', ops: [], tableWrites: [], releaseAfterCycles: 0, maxCycles: 0 } as ScenarioSpec;
  let plan;
  try {
    plan = referenceDumpArea(probe);
  } catch {
    plan = undefined; // options the kernel rejects: no dump area to be near
  }
  if (plan === undefined) return fc.constant(undefined);
  const ram = config.ramSizeBytes;
  const keepOut: Span[] = [
    { start: ram - HIGH_ARENA_OFFSET_FROM_TOP, end: ram },
    { start: SkibootMap.SKIBOOT_BASE, end: SkibootMap.SKIBOOT_BASE + SkibootMap.SKIBOOT_SIZE },
  ];
  const place = (start: number, sizeBytes: number): PlatformReservedRange | undefined => {
    const s = Math.floor(start / PAGE) * PAGE;
    const r = { start: s, end: s + sizeBytes };
    if (s < 0x1000_0000 || keepOut.some((k) => r.start < k.end && k.start < r.end)) return undefined;
    return { startBytes: s, sizeBytes };
  };
  const at = fc.constantFrom('below', 'start', 'header', 'metadata', 'end');
  return fc.tuple(at, fc.constantFrom(MiB, 4 * MiB)).map(([where, size]) => {
    const a = plan.area;
    const start = where === 'below' ? a.start - size : where === 'start' ? a.start - size / 2 : where === 'header' ? plan.fadumphdrAddr : where === 'metadata' ? plan.metadataAddr : a.end;
    const r = place(start, size);
    return r === undefined ? undefined : [r];
  });
}

/**
 * Reboots user space asks for (fast first, spec step 21; sim/scenario/scenario.ts RebootPoint): in the
 * first kernel before it crashes (skiboot fast-reboots), or in a boot after a crash — the capture
 * kernel after it released the dump, where skiboot must refuse the fast reboot — with later crashes
 * in the boots that follow.
 */
function rebootsArb(crashes: number): fc.Arbitrary<RebootPoint[] | undefined> {
  const point = fc.record({ boot: fc.integer({ min: 0, max: crashes }), afterBootCycles: fc.constantFrom(300, 1_500, 1_500, 2_500, 5_000) });
  return fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(point, { minLength: 1, maxLength: 2 }) });
}

export function scenarioArb(o: GeneratorOptions): fc.Arbitrary<ScenarioSpec> {
  const arb = chargedScenarioArb(o);
  return o.timeMode === 'coupled' ? inCoupledTime(arb) : arb;
}

function chargedScenarioArb(o: GeneratorOptions): fc.Arbitrary<ScenarioSpec> {
  return configArb(o.ramSizeMaxBytes ?? 16 * GiB).chain((config) =>
    fc.tuple(crashesArb(config), linuxArb).chain(([crashes, linux]) =>
      fc.tuple(fc.constant(crashes), fc.constant(linux), fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: reservedRangesArb(config, linux) })),
    ).chain(([crashes, linux, reservedRanges]) => {
      const plain = { seed: '0', config, firmware: o.firmware, crashes, linux, faults: {}, workloadName: 'scribble', ops: [], tableWrites: [], releaseAfterCycles: 0, maxCycles: 0, ...(reservedRanges === undefined ? {} : { reservedRanges }) } as ScenarioSpec;
      let metadataAddr: number | undefined;
      try {
        metadataAddr = referenceDumpArea(plain)?.metadataAddr;
      } catch {
        metadataAddr = undefined;
      }
      return fc.record({
        seed: fc.integer({ min: 0, max: 0x7fff_ffff }).map(String),
        config: fc.constant(config),
        firmware: fc.constant(o.firmware),
        workloadName: fc.constantFrom(...WORKLOAD_NAMES),
        crashes: fc.constant(crashes),
        linux: fc.constant(linux),
        faults: fc.oneof(
          { weight: 10, arbitrary: fc.constant({}) },
          { weight: 1, arbitrary: fc.constant({ dropStash: true }) },
          { weight: 1, arbitrary: fc.constantFrom(0x100, 0x1000).map((allocSizeBytes) => ({ allocSizeBytes })) },
        ),
        ops: fc
          .tuple(fc.array(opArb(config.ramSizeBytes, crashes.length, metadataAddr), { maxLength: 12 }), fc.oneof({ weight: 7, arbitrary: fc.constant<OpalOp[]>([]) }, { weight: 1, arbitrary: fillTableOpsArb(config.ramSizeBytes, crashes.length) }))
          .map(([random, fill]) => [...random, ...fill]),
        tableWrites: tableWritesArb(config.ramSizeBytes, crashes.length),
        releaseAfterCycles: fc.constant(1_000),
        maxCycles: fc.constant(100_000_000),
        patterns: fc.constantFrom(true, true, true, false),
        reservedRanges: fc.constant(reservedRanges),
        reboots: rebootsArb(crashes.length),
      }).map(dropUndefined);
    }),
  );
}

/** A scenario as JSON would hold it: optional fields that are unset are absent, not undefined. */
function dropUndefined(s: ScenarioSpec & { reservedRanges?: PlatformReservedRange[] | undefined; reboots?: RebootPoint[] | undefined }): ScenarioSpec {
  const { reservedRanges, reboots, ...rest } = s;
  return { ...rest, ...(reservedRanges === undefined ? {} : { reservedRanges }), ...(reboots === undefined ? {} : { reboots }) };
}
