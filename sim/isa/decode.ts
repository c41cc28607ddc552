/**
 * Compiles the instruction table (sim/isa/table.ts) into mask/match pairs grouped by primary
 * opcode, and decodes words with it.
 *
 * Compilation rejects a bad table at module load, so a broken row can never reach a run: a
 * pattern that is not 32 bits, a field whose bits are half fixed, a free bit no field names, a
 * duplicate name, and above all two rows that can match the same word. Two rows overlap iff
 * `((a.match ^ b.match) & a.mask & b.mask) === 0`: no bit fixed in both tells them apart.
 *
 * Decode failure is a value (`{ kind: 'illegal' }`), never an exception: the interpreter turns it
 * into a program interrupt.
 */
import { FORMS, extractField, fieldMask, fieldWidth, type FieldDef, type FieldName, type FormName } from './forms.js';
import { Op, type Handler } from './op.js';
import { TABLE, type RowSpec } from './table.js';

export interface RowField {
  readonly name: FieldName;
  readonly def: FieldDef;
  readonly widthBits: number;
  readonly signed: boolean;
}

/** A compiled table row. */
export interface Row {
  readonly name: string;
  readonly pattern: string;
  readonly form: FormName;
  readonly exec: Handler;
  readonly prepare: ((op: Op) => void) | undefined;
  readonly rc: boolean;
  readonly privileged: boolean;
  readonly mask: number;
  readonly match: number;
  /** The fields this row leaves free, in form order (fixed and reserved ones are dropped). */
  readonly fields: readonly RowField[];
}

export type Decoded =
  | { readonly kind: 'insn'; readonly row: Row; readonly fields: Readonly<Partial<Record<FieldName, number>>> }
  | { readonly kind: 'illegal'; readonly word: number };

export class DecodeTableError extends Error {
  override readonly name = 'DecodeTableError';
}

function compileRow(spec: RowSpec): Row {
  const bits = spec.pattern.replace(/ /g, '');
  if (!/^[01.-]{32}$/.test(bits)) throw new DecodeTableError(`${spec.name}: pattern "${spec.pattern}" is not 32 bits of 0 1 . -`);
  let mask = 0;
  let match = 0;
  let free = 0;
  for (let i = 0; i < 32; i++) {
    const bit = 1 << (31 - i);
    const ch = bits[i];
    if (ch === '0' || ch === '1') mask |= bit;
    if (ch === '1') match |= bit;
    if (ch === '.') free |= bit;
  }
  const form = FORMS[spec.form] as Partial<Record<FieldName, FieldDef>>;
  const fields: RowField[] = [];
  let named = 0;
  for (const [name, def] of Object.entries(form) as [FieldName, FieldDef][]) {
    const fm = fieldMask(def);
    if ((fm & free) >>> 0 === fm) {
      fields.push({ name, def, widthBits: fieldWidth(def), signed: def.signed === true });
      named |= fm;
    } else if ((fm & free) !== 0) {
      throw new DecodeTableError(`${spec.name}: field ${name} is partly fixed in "${spec.pattern}"`);
    }
  }
  if ((free & ~named) !== 0) {
    throw new DecodeTableError(`${spec.name}: free bits 0x${((free & ~named) >>> 0).toString(16)} belong to no field of form ${spec.form}`);
  }
  return {
    name: spec.name,
    pattern: spec.pattern,
    form: spec.form,
    exec: spec.exec,
    prepare: spec.prepare,
    rc: spec.rc === true,
    privileged: spec.privileged === true,
    mask: mask >>> 0,
    match: match >>> 0,
    fields,
  };
}

export interface CompiledTable {
  readonly rows: readonly Row[];
  /** Rows by primary opcode (word bits 0:5). Every row fixes its primary opcode. */
  readonly groups: readonly (readonly Row[])[];
  readonly byName: ReadonlyMap<string, Row>;
}

const PRIMARY_MASK = 0xfc00_0000;

/** Compile rows; throws DecodeTableError on any malformed or overlapping row. */
export function compileTable(specs: readonly RowSpec[]): CompiledTable {
  const rows = specs.map(compileRow);
  const byName = new Map<string, Row>();
  const groups: Row[][] = Array.from({ length: 64 }, () => []);
  for (const r of rows) {
    if (byName.has(r.name)) throw new DecodeTableError(`duplicate row name ${r.name}`);
    byName.set(r.name, r);
    if ((r.mask & PRIMARY_MASK) >>> 0 !== PRIMARY_MASK) throw new DecodeTableError(`${r.name}: primary opcode not fixed`);
    const group = groups[r.match >>> 26]!;
    for (const other of group) {
      if (((r.match ^ other.match) & r.mask & other.mask) === 0) {
        throw new DecodeTableError(`rows ${other.name} and ${r.name} overlap ("${other.pattern}" / "${r.pattern}")`);
      }
    }
    group.push(r);
  }
  return { rows, groups, byName };
}

const COMPILED = compileTable(TABLE);
export const ROWS: readonly Row[] = COMPILED.rows;

/** The row matching `word`, or undefined for an illegal word. */
export function decodeRow(word: number): Row | undefined {
  const w = word >>> 0;
  const group = COMPILED.groups[w >>> 26]!;
  for (let i = 0; i < group.length; i++) {
    const r = group[i]!;
    if ((w & r.mask) >>> 0 === r.match) return r;
  }
  return undefined;
}

export function decode(word: number): Decoded {
  const w = word >>> 0;
  const row = decodeRow(w);
  if (row === undefined) return { kind: 'illegal', word: w };
  const fields: Partial<Record<FieldName, number>> = {};
  for (const f of row.fields) fields[f.name] = extractField(f.def, w);
  return { kind: 'insn', row, fields };
}

export function rowByName(name: string): Row {
  const r = COMPILED.byName.get(name);
  if (r === undefined) throw new RangeError(`no instruction row named ${name}`);
  return r;
}

/** Field names and widths of a row, for generators of random valid words. */
export function rowFields(name: string): readonly { name: FieldName; widthBits: number; signed: boolean }[] {
  return rowByName(name).fields.map((f) => ({ name: f.name, widthBits: f.widthBits, signed: f.signed }));
}

/** Handler for words no row matches: the interpreter reports an illegal instruction. */
export const ILLEGAL: Handler = (c, op) => c.raise('illegal', `illegal instruction 0x${op.word.toString(16).padStart(8, '0')}`);

/** The predecoded Op for `word`: fields extracted, `prepare` applied, handler bound. */
export function buildOp(word: number): Op {
  const w = word >>> 0;
  const row = decodeRow(w);
  if (row === undefined) return new Op(ILLEGAL, w);
  const op = new Op(row.exec, w);
  const target = op as unknown as Record<FieldName, number>;
  for (const f of row.fields) target[f.name] = extractField(f.def, w);
  if (row.rc) op.Rc = 1;
  row.prepare?.(op);
  return op;
}
