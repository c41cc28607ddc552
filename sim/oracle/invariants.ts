/**
 * The invariant catalogue (design section 6). Ids are part of the CLI and JSON output.
 */
export const INVARIANTS = {
  'mdrt-sound': "every MDRT entry's size bytes at dest equal the clock-stop bytes at src",
  'mdrt-complete': 'every pair that design section 5 calls valid has an MDRT entry',
  'mdrt-exact': 'MDRT holds exactly the preserved pairs, packed in table order with the registered fields, unused fields and the tail zeroed, act_cnt set; an IPL that preserves nothing leaves MDRT alone',
  'no-collateral-writes': 'after preservation, memory outside destinations, MDRT, register area and firmware scratch equals clock-stop memory',
  'cpu-state': 'the processor dump area, parsed as Linux does, holds every active thread’s clock-stop registers',
  'cpu-format': 'the processor dump area conforms to its format whatever the consumer: one record per thread, headers that describe their entries, one entry per register, the full register set at clock-stop values',
  'crash-info': "the crash-info header holds the crashing thread's PIR and its panic-cycle registers",
  'mpipl-boot': 'mpipl-boot is present exactly when design section 5 says it must be',
  tags: 'after the MPIPL boot, QUERY_TAG returns what the metadata, MDRT and processor dump area imply',
  vmcore: '/proc/vmcore PT_LOADs equal clock-stop memory; NT_PRSTATUS notes equal the right threads',
  opalcore: "the OPAL core's PT_LOADs equal clock-stop skiboot memory; its notes match",
  deterministic: 'running the same scenario twice gives identical trace bytes',
  'replay-exact': 'replaying a recorded trace reproduces every checkpoint digest and the verdict',
  'registration-effective': 'every OPAL call changes exactly what its return code says (and only its tables, the metadata area and its own memory); a valid request is not refused while /ibm,opal/dump is published',
  'firmware-sane': 'the firmware under test neither faults (out-of-RAM access, illegal instruction, attn, abort, bad service argument, a plugin exception or hang) nor exceeds its instruction or time budget; a machine-code fault checkstops the machine',
} as const;

export type InvariantId = keyof typeof INVARIANTS;

export interface InvariantResult {
  readonly id: InvariantId;
  readonly ok: boolean;
  readonly detail: string;
  /** Which MPIPL (crash) of the scenario this verdict is about, from 0. */
  readonly round: number;
  readonly cycle: number;
  /**
   * False when the invariant could not be judged in this round (absent means judged, for results
   * built before the field existed). A result that was not judged passes, so its cause must be
   * one the scenario introduced, never the firmware under test.
   */
  readonly judged?: boolean;
  /** Why the invariant was not judged (set exactly when `judged` is false). */
  readonly notJudgedCause?: string;
}
