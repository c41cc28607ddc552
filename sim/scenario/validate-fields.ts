/**
 * The field checks every scenario validator shares (sim/scenario/validate.ts for the scenario as a
 * whole, validate-extensions.ts for the crash points and ranges of issue 11): one wording of each
 * problem, always `PATH: what is wrong` as one UsageError line (design section 10).
 */
import { UsageError } from '../core/errors.js';

export function fail(path: string, message: string): never {
  throw new UsageError(`${path}: ${message}`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An integer in [lo, hi] at `path`, or a UsageError that shows what was there. */
export function intAt(v: unknown, path: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo || v > hi) fail(path, `expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

/** Every key of `o` is one of `known`: a misspelt key is an error, never silently ignored. */
export function knownKeys(o: Record<string, unknown>, path: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(path, `unknown key "${k}" (known: ${known.join(', ')})`);
}
