/**
 * `bisect firmware`: firmware versions in order, the first known good and the last known bad;
 * find the first bad one. Whether a version is bad is the caller's question (replaying traces
 * under it lives in sim/cli, with the trace reader); this is the search and its end checks.
 */
import { UsageError } from '../core/errors.js';
import { firstBad, Memo } from './search.js';

export interface VersionVerdict<V> {
  readonly index: number;
  readonly version: V;
  readonly bad: boolean;
}

export interface VersionBisectResult<V> {
  readonly firstBadIndex: number;
  readonly firstBad: V;
  /** Every version tested, in list order. */
  readonly tested: readonly VersionVerdict<V>[];
}

export function bisectVersions<V>(versions: readonly V[], isBad: (v: V, index: number) => boolean, name: (v: V) => string = String): VersionBisectResult<V> {
  if (versions.length < 2) throw new UsageError('give at least two firmware versions (the first good, the last bad)');
  const memo = new Memo<boolean>((k) => isBad(versions[k]!, k));
  const last = versions.length - 1;
  if (memo.at(0)) throw new UsageError(`the first version ${name(versions[0]!)} is bad on these traces; it must be good`);
  if (!memo.at(last)) throw new UsageError(`the last version ${name(versions[last]!)} is good on these traces; it must be bad`);
  const k = firstBad(0, last, (x) => memo.at(x));
  return { firstBadIndex: k, firstBad: versions[k]!, tested: memo.points().map((p) => ({ index: p.at, version: versions[p.at]!, bad: p.value })) };
}
