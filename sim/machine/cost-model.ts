/**
 * The cost model: how many cycles firmware work is charged, so every event has a cycle stamp and
 * a timeline reads sensibly. Its version is recorded in every trace; change a number, bump it.
 *
 * One cycle is one scheduler tick in which every running thread retires at most one instruction
 * (design section 2). Firmware costs are rough proportions of real behaviour (an OPAL call is a few
 * hundred instructions, a preserved page costs about what copying 4 KiB costs), not measurements.
 */
export const COST_MODEL_VERSION = 'cost-1';

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
};
