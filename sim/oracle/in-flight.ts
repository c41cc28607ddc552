/**
 * Coupled time: an `OPAL_MPIPL_UPDATE` that entered OPAL and had not returned when the clocks
 * stopped (still running on another thread, or interrupted by a crash on its own thread). The spec
 * and design section 5 say what hostboot does with the tables it finds, not what a call caught
 * half-way may leave there; the choice (docs/modelling-choices.md, "Calls in flight at the clock
 * stop"): an update in flight must never make hostboot lose a registration it does not remove.
 * Every pair that section 5 calls valid, at the same index, both in the tables as the call found
 * them and in the tables as the call would leave them completed, must be valid in the clock-stop
 * tables. A pair the call adds or removes may be either way, and pairs the spec's in-place
 * compaction (REMOVE_RANGE, REMOVE_ALL) moves to another index are not required: skiboot's own
 * algorithm moves them one entry at a time.
 *
 * Judged from the caller's side only (token, arguments, the memory before the entry and at the
 * clock stop); never from firmware state.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { hex } from '../core/u64.js';
import { MPIPL_OP_NAMES, OpalToken } from '../participants/opal-api.js';
import { memoryAfterUpdate, memoryBefore, type CallBefore, type MachineFacts } from './opal-calls.js';
import { expectedPairs, type ExpectedPair } from './rules.js';

export interface InFlightCall {
  readonly pir: number;
  readonly token: number;
  readonly args: readonly bigint[];
  readonly before: CallBefore;
  readonly dumpPublished: boolean;
  /** Another table-changing call started while this one was in flight: its `before` is stale. */
  overlapped: boolean;
}

const key = (p: ExpectedPair): string => `${p.index}:${hex(p.srcField)}:${hex(p.destField)}:${p.size}:${p.region}`;

/** Does this token change MDST/MDDT (so a call of it started meanwhile makes another's `before` stale)? */
export function changesTables(token: number): boolean {
  return token === OpalToken.MPIPL_UPDATE;
}

/** The first registration an in-flight update lost at the clock stop, as a finding; or undefined. */
export function inFlightProblem(clockStop: PhysicalMemory, call: InFlightCall, stashedBase: bigint | undefined, facts: MachineFacts): string | undefined {
  if (call.overlapped || !changesTables(call.token)) return undefined;
  const after = memoryAfterUpdate(clockStop, call.before, call, facts);
  if (after === undefined) return undefined;
  const beforePairs = expectedPairs(memoryBefore(clockStop, call.before), stashedBase);
  if (!beforePairs.preservationExpected) return undefined;
  const afterKeys = new Set(expectedPairs(after, stashedBase).validPairs.map(key));
  const now = new Set(expectedPairs(clockStop, stashedBase).validPairs.map(key));
  const lost = beforePairs.validPairs.find((p) => afterKeys.has(key(p)) && !now.has(key(p)));
  if (lost === undefined) return undefined;
  const op = MPIPL_OP_NAMES[Number(call.args[0] ?? 0n)] ?? `op ${call.args[0] ?? 0n}`;
  return `OPAL_MPIPL_UPDATE(${op}) on PIR ${hex(call.pir)} was in flight at the clock stop and left the tables torn: pair ${lost.index} (${hex(lost.srcField)} → ${hex(lost.destField)}, ${hex(lost.size)} bytes), valid before the call and after it, is not valid in the clock-stop tables`;
}
