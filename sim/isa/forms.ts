/**
 * Instruction forms: where each named field sits in the 32-bit word (Power ISA v3.0 Book I 1.6).
 *
 * This plays the role of decodetree's `%field` and `@format` lines: a form names fields, a field
 * lists its bit ranges (IBM numbering, 0 = MSB) from most to least significant part, so split
 * fields such as SPR (spr[5:9] || spr[0:4]) and MD-form SH (sh5 || sh0:4) decode to the value
 * the ISA's pseudo-code uses. Signed fields decode sign-extended.
 *
 * The same bits often carry different names (RT of a load, RS of a store, BF of a compare): as in
 * decodetree, each name gets its own form, so every row reads with the ISA's operand names.
 */

export interface FieldDef {
  /** Bit ranges [first, last], IBM numbering, most significant part first. */
  readonly parts: readonly (readonly [number, number])[];
  readonly signed?: boolean;
}

/** Field names are the ISA's operand names; every one is a property of the predecoded Op. */
export const FIELD_NAMES = [
  'RT', 'RS', 'RA', 'RB', 'RC', 'Rc', 'OE', 'SI', 'UI', 'D', 'DS', 'LI', 'AA', 'LK',
  'BO', 'BI', 'BD', 'BH', 'BT', 'BA', 'BB', 'BF', 'BFA', 'BC', 'L', 'TO', 'TH',
  'SH', 'MB', 'ME', 'SPR', 'TBR', 'FXM', 'LEV',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

const f = (first: number, last: number, signed = false): FieldDef => ({ parts: [[first, last]], signed });

const RT = f(6, 10);
const RS = f(6, 10);
const RA = f(11, 15);
const RB = f(16, 20);
const Rc = f(31, 31);
const BF = f(6, 8);

export type FormName = keyof typeof FORMS;

export const FORMS = {
  /** b, ba, bl, bla. */
  I: { LI: f(6, 29, true), AA: f(30, 30), LK: f(31, 31) },
  /** bc and its extended mnemonics. */
  B: { BO: f(6, 10), BI: f(11, 15), BD: f(16, 29, true), AA: f(30, 30), LK: f(31, 31) },
  SC: { LEV: f(20, 26) },
  /** Loads and addi-like arithmetic with a signed displacement or immediate. */
  D: { RT, RA, D: f(16, 31, true) },
  D_ST: { RS, RA, D: f(16, 31, true) },
  D_SI: { RT, RA, SI: f(16, 31, true) },
  /** Logical immediates: RA <- (RS) op UI. */
  D_UI: { RS, RA, UI: f(16, 31) },
  D_CMP: { BF, L: f(10, 10), RA, SI: f(16, 31, true) },
  D_CMPL: { BF, L: f(10, 10), RA, UI: f(16, 31) },
  D_TO: { TO: f(6, 10), RA, SI: f(16, 31, true) },
  /** DS-form: the 14-bit DS field; the effective displacement is DS || 0b00. */
  DS: { RT, RA, DS: f(16, 29, true) },
  DS_ST: { RS, RA, DS: f(16, 29, true) },
  /** addpcis: D = d0 || d1 || d2. */
  DX: { RT, D: { parts: [[16, 25], [11, 15], [31, 31]], signed: true } },
  X: { RT, RA, RB },
  X_ST: { RS, RA, RB },
  /** Logical and shift X-forms: RA <- (RS) op (RB). */
  X_LOG: { RS, RA, RB, Rc },
  /** One-source X-forms (extsb, cntlzw, popcntb…). */
  X_UN: { RS, RA, Rc },
  X_SH: { RS, RA, SH: f(16, 20), Rc },
  X_CMP: { BF, L: f(10, 10), RA, RB },
  X_TO: { TO: f(6, 10), RA, RB },
  X_SETB: { RT, BFA: f(11, 13) },
  X_RT: { RT },
  X_MTMSRD: { RS, L: f(15, 15) },
  X_SYNC: { L: f(9, 10) },
  X_CACHE: { RA, RB },
  X_TOUCH: { TH: f(6, 10), RA, RB },
  X_DCBF: { L: f(8, 10), RA, RB },
  XO: { RT, RA, RB, OE: f(21, 21), Rc },
  /** addme, addze, subfme, subfze, neg: RB is reserved. */
  XO_UN: { RT, RA, OE: f(21, 21), Rc },
  XS: { RS, RA, SH: { parts: [[30, 30], [16, 20]] }, Rc },
  XL_CR: { BT: f(6, 10), BA: f(11, 15), BB: f(16, 20) },
  XL_MCRF: { BF, BFA: f(11, 13) },
  XL_BR: { BO: f(6, 10), BI: f(11, 15), BH: f(19, 20), LK: f(31, 31) },
  XL_NONE: {},
  XFX_SPR: { RT, SPR: { parts: [[16, 20], [11, 15]] } },
  XFX_MTSPR: { RS, SPR: { parts: [[16, 20], [11, 15]] } },
  XFX_TBR: { RT, TBR: { parts: [[16, 20], [11, 15]] } },
  XFX_MFCR: { RT, FXM: f(12, 19) },
  XFX_MTCR: { RS, FXM: f(12, 19) },
  M: { RS, RA, RB, MB: f(21, 25), ME: f(26, 30), Rc },
  M_SH: { RS, RA, SH: f(16, 20), MB: f(21, 25), ME: f(26, 30), Rc },
  /** MD-form: sh = sh5 || sh0:4, mb/me = mb5 || mb0:4 (the 6-bit field's last bit is its MSB). */
  MD: { RS, RA, SH: { parts: [[30, 30], [16, 20]] }, MB: { parts: [[26, 26], [21, 25]] }, Rc },
  MDS: { RS, RA, RB, MB: { parts: [[26, 26], [21, 25]] }, Rc },
  A_ISEL: { RT, RA, RB, BC: f(21, 25) },
  VA: { RT, RA, RB, RC: f(21, 25) },
} as const satisfies Record<string, Partial<Record<FieldName, FieldDef>>>;

/** Width in bits of a field (sum of its parts). */
export function fieldWidth(def: FieldDef): number {
  let w = 0;
  for (const [a, b] of def.parts) w += b - a + 1;
  return w;
}

/** Mask of the word bits a field occupies (IBM bit n is 1 << (31 - n)). */
export function fieldMask(def: FieldDef): number {
  let m = 0;
  for (const [a, b] of def.parts) for (let i = a; i <= b; i++) m |= 1 << (31 - i);
  return m >>> 0;
}

/** Extract a field's value from a word. */
export function extractField(def: FieldDef, word: number): number {
  let v = 0;
  let w = 0;
  for (const [a, b] of def.parts) {
    const n = b - a + 1;
    v = v * (1 << n) + ((word >>> (31 - b)) & ((1 << n) - 1));
    w += n;
  }
  if (def.signed && v >= 2 ** (w - 1)) v -= 2 ** w;
  return v;
}

/** Place a field's value into a word (the value must already be in range). */
export function insertField(def: FieldDef, word: number, value: number): number {
  let v = value < 0 ? value + 2 ** fieldWidth(def) : value;
  let out = word;
  for (let k = def.parts.length - 1; k >= 0; k--) {
    const [a, b] = def.parts[k]!;
    const n = b - a + 1;
    const part = v % (1 << n);
    v = Math.floor(v / (1 << n));
    out = (out & ~(((1 << n) - 1) << (31 - b))) | (part << (31 - b));
  }
  return out >>> 0;
}
