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

/**
 * `--runs -1`: parseArgs refuses a value that starts with a dash ("ambiguous"). A negative number
 * after a flag that takes a value is that flag's value, so intFlag can say what is wrong with it.
 */
function joinNegativeValues(argv: string[], flags: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : Object.keys(flags).find((k) => flags[k]!.short !== undefined && a === `-${flags[k]!.short}`);
    if (name !== undefined && flags[name]?.type === 'string' && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export function parseFlags(argv: string[], flags: FlagSpec, allowPositionals: boolean): Parsed {
  try {
    const r = parseArgs({ args: joinNegativeValues(argv, flags), options: flags, strict: true, allowPositionals });
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
  const t = s.trim();
  if (/^-/.test(t)) throw new UsageError(`--${name}: must not be negative, got ${t}`);
  if (/^[0-9.]+e[+-]?[0-9]+$/i.test(t)) throw new UsageError(`--${name}: write a plain integer (decimal or 0x hex), not exponent notation: ${t}`);
  const v = parseUnsigned(t);
  if (v === undefined) throw new UsageError(`--${name}: expected an integer (decimal or 0x hex), got "${s}"`);
  if (v > BigInt(max)) throw new UsageError(`--${name}: ${s} is out of range (at most ${max})`);
  return Number(v);
}

export function boolFlag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}
