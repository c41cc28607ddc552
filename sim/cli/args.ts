/**
 * Flag parsing for every command: node:util parseArgs in strict mode, with every failure turned
 * into a one-line UsageError (exit 2), plus typed readers for the values our commands take.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { parseUnsigned } from '../core/u64.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parseFlags(argv: string[], flags: FlagSpec, allowPositionals: boolean): Parsed {
  try {
    const r = parseArgs({ args: argv, options: flags, strict: true, allowPositionals });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new UsageError(msg.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  return v;
}

/** A non-negative integer flag (decimal or 0x-hex), bounded so nothing downstream allocates from it. */
export function intFlag(p: Parsed, name: string, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
  const s = stringFlag(p, name);
  if (s === undefined) return undefined;
  const v = parseUnsigned(s);
  if (v === undefined || v > BigInt(max)) throw new UsageError(`--${name}: expected an integer in [0, ${max}], got "${s}"`);
  return Number(v);
}

export function boolFlag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}
