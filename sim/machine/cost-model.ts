/**
 * The cost model: how many cycles firmware work is charged, so every event has a cycle stamp and
 * a timeline reads sensibly. Its version is recorded in every trace; change a number, bump it.
 *
 * One cycle is one scheduler tick in which every running thread retires at most one instruction
 * (design section 2). Firmware costs are rough proportions of real behaviour (an OPAL call is a few
 * hundred instructions, a preserved page costs about what copying 4 KiB costs), not measurements.
 */
export const COST_MODEL_VERSION = 'cost-1';
/** The cost model of the coupled time mode: cost-1's charges, and a time base derived from cycles. */
export const COUPLED_COST_MODEL_VERSION = 'cost-2';

/**
 * What `mftb` (and FW_SVC_MACHINE_INFO's tb_hz) reads. `retired`: the executing interpreter's
 * retired-instruction count, one tick per instruction, as cost-1 always had it (its traces replay
 * unchanged). `cycles`: the machine clock scaled to the time base, cycles × (tbHz / coreHz), so a
 * firmware timeout written against tb_hz ends after the wall time it means.
 */
export type TimeBaseSource = 'retired' | 'cycles';

export interface CostModel {
  readonly version: string;
  /** Cycles the calling thread spends inside one OPAL call. */
  readonly opalCallCycles: number;
  /** One XSCOM access from firmware. */
  readonly xscomAccessCycles: number;
  /** SBE handling of one chip-op (stash). */
  readonly sbeChipOpCycles: number;
  /** From the S0 write to the moment the SBE has stopped every core clock. */
  readonly s0ToClockStopCycles: number;
  /** Hostboot start of the memory-preserving IPL, before the first copy. */
  readonly hostbootIplStartCycles: number;
  /** Hostboot cost per 4 KiB page preserved (touched or not: hostboot copies bytes, not pages). */
  readonly copyCyclesPerPage: number;
  /** Hostboot register capture, per thread. */
  readonly regCaptureCyclesPerThread: number;
  /** skiboot boot up to the payload, and the Linux boot up to fadump registration. */
  readonly skibootBootCycles: number;
  readonly linuxBootCycles: number;
  /** Linux crash path from panic entry to OPAL_CEC_REBOOT2. */
  readonly linuxCrashPathCycles: number;
  /** Linux capture kernel processing (vmcore, OPAL core) and the release. */
  readonly captureKernelCycles: number;
  /** Time base frequency (POWER9: 512 MHz), what firmware reads as tb_hz. */
  readonly tbHz: number;
  /** The modelled core frequency: one cycle of the machine clock lasts 1 / coreHz seconds. */
  readonly coreHz: number;
  readonly timeBase: TimeBaseSource;
}

export const DEFAULT_COST_MODEL: CostModel = {
  version: COST_MODEL_VERSION,
  opalCallCycles: 200,
  xscomAccessCycles: 20,
  sbeChipOpCycles: 500,
  s0ToClockStopCycles: 400,
  hostbootIplStartCycles: 20_000,
  copyCyclesPerPage: 1,
  regCaptureCyclesPerThread: 100,
  skibootBootCycles: 50_000,
  linuxBootCycles: 100_000,
  linuxCrashPathCycles: 300,
  captureKernelCycles: 200_000,
  tbHz: 512_000_000,
  // cost-1 never scaled cycles: its time base counts retired instructions (timeBase 'retired').
  coreHz: 4_000_000_000,
  timeBase: 'retired',
};

/** The coupled time mode's model: cost-1's charges; `mftb` reads cycles × 512 MHz / 4 GHz. */
export const COUPLED_COST_MODEL: CostModel = {
  ...DEFAULT_COST_MODEL,
  version: COUPLED_COST_MODEL_VERSION,
  timeBase: 'cycles',
};

/** Every cost model this build has, by version (a trace names one; replay runs that one). */
export const COST_MODELS: ReadonlyMap<string, CostModel> = new Map([DEFAULT_COST_MODEL, COUPLED_COST_MODEL].map((c) => [c.version, c]));

/**
 * How firmware time is accounted (docs/firmware-elf.md, "Time modes"): `charged` runs every
 * firmware entry to completion inside one step and charges its instructions; `coupled` retires
 * firmware instructions on the hardware thread, one per cycle, like guest code.
 */
export type TimeMode = 'charged' | 'coupled';
export const TIME_MODES: readonly TimeMode[] = ['charged', 'coupled'];

/** The cost model a time mode runs with (charged keeps cost-1, so its traces replay unchanged). */
export function costModelFor(mode: TimeMode | undefined): CostModel {
  return mode === 'coupled' ? COUPLED_COST_MODEL : DEFAULT_COST_MODEL;
}

/** The time base at `cycle` under a cycle-derived model: floor(cycle × tbHz / coreHz), exact. */
export function timeBaseAt(cost: CostModel, cycle: number): number {
  const g = gcd(cost.tbHz, cost.coreHz);
  const num = cost.tbHz / g;
  const den = cost.coreHz / g;
  // Exact while cycle × num stays below 2^53 (num is 16 for 512 MHz / 4 GHz: 5.6e14 cycles).
  return Math.floor((cycle * num) / den);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
