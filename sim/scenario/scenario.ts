/**
 * A scenario: everything that determines one run — seed, machine, firmware, crash plan, Linux
 * options and fault injections. It is plain JSON-able data (it goes into trace headers) and is
 * validated eagerly. `deriveScenario` fills what the user left open from the seed alone.
 */
import { UsageError } from '../core/errors.js';
import { Prng } from '../core/prng.js';
import type { MachineConfig } from '../machine/config.js';
import { Topology } from '../machine/topology.js';

export interface CrashPoint {
  /** Absolute cycle (the first crash from `--crash-at`), or … */
  readonly atCycle?: number;
  /** … cycles after that boot's kernel starts its workloads, or … */
  readonly afterBootCycles?: number;
  /** … from the guest: the machine-code workload on `pir` executes `trap` after this many iterations. */
  readonly trapAfterIterations?: number;
  /**
   * … coupled time only: `instructions` firmware instructions into the `call`-th OPAL call that
   * runs on a hardware thread in that boot (0-based; docs/firmware-elf.md "Time modes"). With
   * `onCaller` the thread making that call crashes (an interrupt inside OPAL), otherwise `pir`.
   * A call that returns before that many instructions crashes right after its return.
   */
  readonly inOpalCall?: { readonly call: number; readonly instructions: number; readonly onCaller?: boolean };
  readonly pir: number;
  /**
   * Schedule the crash `afterBootCycles` into the boot even when that boot is a capture kernel
   * whose dump is not yet released (by default a capture kernel crashes only after user space
   * released its dump): a capture kernel that crashes before release, or right as it comes up.
   */
  readonly beforeRelease?: boolean;
  /**
   * What crashes. `kernel` (the default): the kernel panics on `pir`. `opal`: OPAL itself aborts on
   * `pir` while serving the kernel; skiboot's assert/abort calls platform.terminate, the same path
   * as OPAL_CEC_REBOOT2(MPIPL) (spec step 14), so the MPIPL starts without a kernel panic, without
   * release and without FREE_PRESERVED_MEMORY since the previous one.
   */
  readonly source?: 'kernel' | 'opal';
  /**
   * Further threads that panic `afterCycles` after this crash (0 = the same cycle): a second CPU hit
   * by a system-reset style injection while the first is still in the crash path. Injected crashes
   * only (a guest trap has no cycle known in advance).
   */
  readonly alsoPanic?: readonly { readonly pir: number; readonly afterCycles: number }[];
}

/**
 * Memory the platform reserves near the dump area (`/reserved-memory/mpipl-sim,platform-N`) and
 * rewrites with fresh seeded bytes at every IPL, as hostboot reloads the OCC/HOMER images: a kernel
 * that places its dump area over it loses what lands there.
 */
export interface PlatformReservedRange {
  readonly startBytes: number;
  readonly sizeBytes: number;
}

/**
 * User space reboots the machine `afterBootCycles` into kernel boot `boot` (boots counted as
 * crashes count them: the first kernel is boot 0): the kernel asks OPAL for a fast reboot
 * (OPAL_CEC_REBOOT2(FAST)) and, when skiboot refuses it (after an MPIPL boot fast reboot is
 * disabled, spec step 21), for a normal one (OPAL_CEC_REBOOT). A crash planned later in that boot is
 * never reached; the next boot takes the next crash point.
 */
export interface RebootPoint {
  readonly boot: number;
  readonly afterBootCycles: number;
}

export interface Faults {
  /** Every SBE drops the stash chip-op: hostboot never learns the skiboot base. */
  readonly dropStash?: boolean;
  /** skiboot writes a smaller `alloc_size` into the processor dump area (bytes). */
  readonly allocSizeBytes?: number;
}

/**
 * An extra OPAL call the harness makes (as a kernel driver would), `afterBootCycles` into boot
 * `boot`, on the boot CPU. Arguments are 64-bit hex strings so the spec stays JSON.
 */
export interface OpalOp {
  readonly boot: number;
  readonly afterBootCycles: number;
  readonly call: 'ADD_RANGE' | 'REMOVE_RANGE' | 'REMOVE_ALL' | 'FREE_PRESERVED_MEMORY' | 'REGISTER_TAG';
  readonly args: readonly string[];
}

/** A raw write of one MDST or MDDT entry (malformed tables), or of an n-tuple act_cnt. */
export interface TableWrite {
  readonly boot: number;
  readonly afterBootCycles: number;
  readonly table: 'MDST' | 'MDDT';
  readonly index: number;
  readonly addr: string;
  readonly region: number;
  readonly sizeBytes: number;
  /** Also set the table's act_cnt to this value. */
  readonly actCnt?: number;
}

/**
 * Harness scratch: a firmware-reserved range at the top of RAM (so Linux leaves it out of the
 * vmcore) where generated ADD_RANGE destinations land without trampling the kernel's memory.
 */
export function scratchArea(ramSizeBytes: number): { start: number; sizeBytes: number } {
  return { start: ramSizeBytes - SCRATCH_SIZE_BYTES, sizeBytes: SCRATCH_SIZE_BYTES };
}

/** The top 256 MiB of RAM: generated destinations, and the oracle's QUERY_TAG buffer, live here. */
export const SCRATCH_SIZE_BYTES = 0x1000_0000;

export interface ScenarioSpec {
  readonly seed: string;
  readonly config: MachineConfig;
  readonly firmware: string;
  /** Crash k happens during the k-th kernel boot (first kernel = boot 0). */
  readonly crashes: readonly CrashPoint[];
  /** Linux options (see sim/participants/linux/options.ts), as JSON overrides of the defaults. */
  readonly linux: Readonly<Record<string, unknown>>;
  readonly faults: Faults;
  /** The bundled workload every thread runs when `config.workload` is machine-code. */
  readonly workloadName: string;
  /** Extra OPAL calls and raw table writes the harness makes (generated scenarios). */
  readonly ops: readonly OpalOp[];
  readonly tableWrites: readonly TableWrite[];
  /** Cycles a kernel keeps running after its dump is released before the next crash or the end. */
  readonly releaseAfterCycles: number;
  /** Safety limit; reaching it ends the run (and says so). */
  readonly maxCycles: number;
  /**
   * Fill the harness-owned memory around every range the scenario names (sources and destinations
   * of its ADD_RANGEs and raw table entries, their ends and 32 MiB chunk boundaries) with
   * scenario-seeded bytes at every kernel boot, so a byte a copy lost cannot hide as zero = zero.
   * Absent = false (the default scenario), which keeps older traces byte-identical.
   */
  readonly patterns?: boolean;
  /** Platform-reserved ranges (see PlatformReservedRange); absent = none. */
  readonly reservedRanges?: readonly PlatformReservedRange[];
  /** Reboots user space asks for (see RebootPoint); absent = none. */
  readonly reboots?: readonly RebootPoint[];
  /**
   * How firmware ELF time is accounted (sim/machine/cost-model.ts TimeMode); absent = charged,
   * which keeps older traces byte-identical. Coupled runs with cost model cost-2.
   */
  readonly timeMode?: 'coupled';
}

export interface ScenarioOverrides {
  /** The first crash lands inside an OPAL call (CrashPoint.inOpalCall); coupled time only. */
  crashInOpalCall?: { call: number; instructions: number };
  crashAt?: number;
  crashPir?: number;
  crashes?: number;
}

/** The bundled MPIPL workloads (workloads/manifest.json); the scenario names one by name. */
export const WORKLOAD_NAMES = ['scribble', 'list', 'copysum', 'hash', 'sort'] as const;

/** Default crash window: long enough for registration (a few OPAL calls) to finish most of the time. */
const CRASH_WINDOW_CYCLES = 6_000;

export function deriveScenario(seed: string, config: MachineConfig, firmware: string, o: ScenarioOverrides = {}): ScenarioSpec {
  const prng = new Prng(seed).stream('scenario');
  const topo = new Topology(config);
  if (o.crashPir !== undefined && !topo.hasPir(o.crashPir)) {
    throw new UsageError(`--crash-pir: PIR 0x${o.crashPir.toString(16)} does not exist (PIRs: ${topo.threads.map((t) => `0x${t.pir.toString(16)}`).join(' ')})`);
  }
  const count = o.crashes ?? 1;
  const crashes: CrashPoint[] = [];
  for (let k = 0; k < count; k++) {
    const pir = k === 0 && o.crashPir !== undefined ? o.crashPir : prng.pick(topo.threads).pir;
    if (k === 0 && o.crashInOpalCall !== undefined) crashes.push({ inOpalCall: { ...o.crashInOpalCall, ...(o.crashPir === undefined ? { onCaller: true } : {}) }, pir });
    else if (k === 0 && o.crashAt !== undefined) crashes.push({ atCycle: o.crashAt, pir });
    else crashes.push({ afterBootCycles: prng.int(2_000, CRASH_WINDOW_CYCLES), pir });
  }
  const workloadName = prng.pick(WORKLOAD_NAMES);
  return { seed, config, firmware, crashes, linux: {}, faults: {}, workloadName, ops: [], tableWrites: [], releaseAfterCycles: 1_000, maxCycles: 100_000_000 };
}

/**
 * Does the scenario change the kernel's own MDST/MDDT entries behind its back? Linux never reads
 * MDRT (spec 6.6), so after that the vmcore is known to be unreliable: a user problem, not a
 * firmware bug, and the oracle does not judge the vmcore of such a round.
 */
export function tampersKernelRanges(spec: ScenarioSpec): boolean {
  return spec.tableWrites.length > 0 || spec.ops.some((o) => o.call === 'REMOVE_ALL' || o.call === 'REMOVE_RANGE' || (o.call === 'REGISTER_TAG' && BigInt(o.args[0] ?? '0') === 2n));
}
