/**
 * Deep copy of a machine's object graph for snapshot forking (Machine.fork). Everything the
 * machine reaches — participants' plain fields, the harness, the oracle's rounds, queued method
 * calls — is copied once (a memo keeps shared references shared and cycles finite), except:
 * - the live memory, which the caller maps to a copy-on-write snapshot;
 * - other PhysicalMemory objects (the oracle's clock-stop snapshots), immutable and shared;
 * - functions, shared: only pure functions may sit in a forkable machine (scheduled work is data,
 *   see EventQueue), closures over state are rebuilt by the machine itself;
 * - proxies and weak collections, which cannot be copied faithfully: ForkError.
 */
import { types } from 'node:util';
import { PhysicalMemory } from '../mem/physical-memory.js';

export class ForkError extends Error {
  override readonly name = 'ForkError';
}

export function cloneGraph(value: unknown, memo: Map<unknown, unknown>, path = 'machine'): unknown {
  if (value === null || typeof value !== 'object') return value; // primitives and functions
  const seen = memo.get(value);
  if (seen !== undefined) return seen;
  if (types.isProxy(value)) throw new ForkError(`cannot fork: ${path} is a proxy`);
  if (value instanceof PhysicalMemory) return value; // a snapshot; the live memory is in the memo
  if (value instanceof WeakMap || value instanceof WeakSet) throw new ForkError(`cannot fork: ${path} is a weak collection`);
  if (ArrayBuffer.isView(value)) {
    const copy = value instanceof DataView ? new DataView(value.buffer.slice(0)) : (value as unknown as { slice(): object }).slice();
    memo.set(value, copy);
    return copy;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    memo.set(value, copy);
    value.forEach((v, i) => copy.push(cloneGraph(v, memo, `${path}[${i}]`)));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    memo.set(value, copy);
    for (const [k, v] of value) copy.set(cloneGraph(k, memo, `${path} key`), cloneGraph(v, memo, `${path}.get(${String(k)})`));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    memo.set(value, copy);
    for (const v of value) copy.add(cloneGraph(v, memo, `${path} member`));
    return copy;
  }
  const copy = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
  memo.set(value, copy);
  for (const key of Object.keys(value)) copy[key] = cloneGraph((value as Record<string, unknown>)[key], memo, `${path}.${key}`);
  return copy;
}
