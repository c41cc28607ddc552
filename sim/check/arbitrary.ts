/**
 * The scenario generator of `check` (design section 6's coverage list), as fast-check arbitraries
 * so every counterexample shrinks: fewer OPAL calls, fewer table writes, smaller machines, earlier
 * crashes, simpler sizes.
 *
 * Coverage: every op of ADD/REMOVE/REMOVE_ALL/FREE (including failing ones), full tables,
 * duplicate and overlapping ranges, sizes around page, 32 MiB and 4 GiB multiples, addresses past
 * RAM and with top bits set, never-stashed bases, too-small register areas, raw (malformed) table
 * entries, crashes before/while/after registration and on every thread, several crashes.
 */
import fc from 'fast-check';
import type { MachineConfig } from '../machine/config.js';
import { Topology } from '../machine/topology.js';
import { WORKLOAD_NAMES, scratchArea, type CrashPoint, type OpalOp, type ScenarioSpec, type TableWrite } from './../scenario/scenario.js';
import { SkibootMap } from '../participants/layout.js';
import { HIGH_ARENA_OFFSET_FROM_TOP } from '../scenario/run.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const PAGE = 0x1_0000;

export interface GeneratorOptions {
  readonly firmware: string;
  /** Largest RAM a generated machine gets (big machines are cheap: memory is sparse). */
  readonly ramSizeMaxBytes?: number;
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

function opArb(ram: number, boots: number): fc.Arbitrary<OpalOp> {
  const when = { boot: fc.integer({ min: 0, max: boots - 1 }), afterBootCycles: fc.integer({ min: 0, max: 8_000 }) };
  const add = fc.record({ ...when, call: fc.constant<'ADD_RANGE'>('ADD_RANGE'), args: fc.tuple(srcArb(ram), destArb(ram), sizeArb).map((a) => a.map(hex)) });
  const remove = fc.record({ ...when, call: fc.constant<'REMOVE_RANGE'>('REMOVE_RANGE'), args: fc.tuple(srcArb(ram), destArb(ram)).map(([a, b]) => [hex(a), hex(b), '0x0']) });
  const removeAll = fc.record({ ...when, call: fc.constant<'REMOVE_ALL'>('REMOVE_ALL'), args: fc.constant(['0x0', '0x0', '0x0']) });
  const free = fc.record({ ...when, call: fc.constant<'FREE_PRESERVED_MEMORY'>('FREE_PRESERVED_MEMORY'), args: fc.constant(['0x0', '0x0', '0x0']) });
  // Tags the kernel does not own (CPU, OPAL, out of range) and BOOT_MEM values that must fail or stick.
  const tag = fc.record({
    ...when,
    call: fc.constant<'REGISTER_TAG'>('REGISTER_TAG'),
    args: fc.tuple(fc.constantFrom(0n, 1n, 3n, 4n, 99n), fc.constantFrom(0n, 0x3000_0000n, BigInt(ram) + 1n, 0x4000_0000n)).map((a) => a.map(hex)),
  });
  return fc.oneof({ weight: 8, arbitrary: add }, { weight: 2, arbitrary: remove }, { weight: 1, arbitrary: removeAll }, { weight: 1, arbitrary: free }, { weight: 2, arbitrary: tag });
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
  return fc.array(crash, { minLength: 1, maxLength: 3 });
}

/** Boot-memory layouts: one region, or several with holes below boot_mem_top. */
const linuxArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
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

export function scenarioArb(o: GeneratorOptions): fc.Arbitrary<ScenarioSpec> {
  return configArb(o.ramSizeMaxBytes ?? 16 * GiB).chain((config) =>
    crashesArb(config).chain((crashes) =>
      fc.record({
        seed: fc.integer({ min: 0, max: 0x7fff_ffff }).map(String),
        config: fc.constant(config),
        firmware: fc.constant(o.firmware),
        workloadName: fc.constantFrom(...WORKLOAD_NAMES),
        crashes: fc.constant(crashes),
        linux: linuxArb,
        faults: fc.oneof(
          { weight: 10, arbitrary: fc.constant({}) },
          { weight: 1, arbitrary: fc.constant({ dropStash: true }) },
          { weight: 1, arbitrary: fc.constantFrom(0x100, 0x1000).map((allocSizeBytes) => ({ allocSizeBytes })) },
        ),
        ops: fc.array(opArb(config.ramSizeBytes, crashes.length), { maxLength: 12 }),
        tableWrites: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(tableWriteArb(config.ramSizeBytes, crashes.length), { maxLength: 3 }) }),
        releaseAfterCycles: fc.constant(1_000),
        maxCycles: fc.constant(100_000_000),
      }),
    ),
  );
}
