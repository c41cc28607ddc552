/**
 * Encode: the inverse of decode, for property tests and generated per-instruction programs.
 * `encode(name, fields)` starts from the row's fixed bits and inserts every free field; a
 * missing, unknown or out-of-range field is a RangeError, so a generator bug cannot silently
 * produce a different instruction. Option bits (Rc, OE, LK, AA, BH, L, LEV, TH) default to 0.
 */
import { insertField, type FieldName } from './forms.js';
import { rowByName } from './decode.js';

/** Option fields that default to 0 when omitted (the plain, unrecorded, unlinked form). */
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['Rc', 'OE', 'LK', 'AA', 'BH', 'L', 'LEV', 'TH']);

export type Fields = Readonly<Partial<Record<FieldName, number>>>;

export function encode(name: string, fields: Fields = {}): number {
  const row = rowByName(name);
  let word = row.match;
  const known = new Set<string>(row.fields.map((f) => f.name));
  for (const key of Object.keys(fields)) {
    if (!known.has(key)) throw new RangeError(`${name} has no field ${key} (fields: ${[...known].join(', ') || 'none'})`);
  }
  for (const f of row.fields) {
    const v = fields[f.name] ?? (OPTIONAL_FIELDS.has(f.name) ? 0 : undefined);
    if (v === undefined) throw new RangeError(`${name}: field ${f.name} is missing`);
    const min = f.signed ? -(2 ** (f.widthBits - 1)) : 0;
    const max = f.signed ? 2 ** (f.widthBits - 1) - 1 : 2 ** f.widthBits - 1;
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name}: field ${f.name} = ${v} outside [${min}, ${max}]`);
    word = insertField(f.def, word, v);
  }
  return word >>> 0;
}
