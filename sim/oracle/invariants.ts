/**
 * The invariant catalogue (design section 6). Ids are part of the CLI and JSON output.
 */
export const INVARIANTS = {
  'mdrt-sound': "every MDRT entry's size bytes at dest equal the clock-stop bytes at src",
  'mdrt-complete': 'every pair that design section 5 calls valid has an MDRT entry',
  'no-collateral-writes': 'after preservation, memory outside destinations, MDRT, register area and firmware scratch equals clock-stop memory',
  'cpu-state': 'the processor dump area, parsed as Linux does, holds every active thread’s clock-stop registers',
  'crash-info': "the crash-info header holds the crashing thread's PIR and its panic-cycle registers",
  'mpipl-boot': 'mpipl-boot is present exactly when design section 5 says it must be',
  tags: 'after the MPIPL boot, QUERY_TAG returns what the metadata, MDRT and processor dump area imply',
  vmcore: '/proc/vmcore PT_LOADs equal clock-stop memory; NT_PRSTATUS notes equal the right threads',
  opalcore: "the OPAL core's PT_LOADs equal clock-stop skiboot memory; its notes match",
  deterministic: 'running the same scenario twice gives identical trace bytes',
  'replay-exact': 'replaying a recorded trace reproduces every checkpoint digest and the verdict',
  'firmware-sane': 'firmware never faults (no out-of-RAM access, illegal instruction, attn, abort, bad service argument or runaway entry): a fault checkstops the machine',
} as const;

export type InvariantId = keyof typeof INVARIANTS;

export interface InvariantResult {
  readonly id: InvariantId;
  readonly ok: boolean;
  readonly detail: string;
  /** Which MPIPL (crash) of the scenario this verdict is about, from 0. */
  readonly round: number;
  readonly cycle: number;
}
