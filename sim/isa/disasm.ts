/**
 * Disassembly text for traces, fault messages and snapshots. The raw form spells every row the
 * way GNU as accepts it (tests/isa assemble it back and compare words); the default form adds
 * the handful of extended mnemonics people expect to read (nop, li, lis, mr, blr, bctr, mflr…).
 */
import { decode } from './decode.js';
import type { FieldName, FormName } from './forms.js';

/** Operand order per form, with the ISA's operand names. `D(RA)` marks a displacement operand. */
const OPERANDS: Record<FormName, string> = {
  I: 'LI',
  B: 'BO,BI,BD',
  SC: 'LEV',
  D: 'RT,D(RA)',
  D_ST: 'RS,D(RA)',
  D_SI: 'RT,RA,SI',
  D_UI: 'RA,RS,UI',
  D_CMP: 'BF,L,RA,SI',
  D_CMPL: 'BF,L,RA,UI',
  D_TO: 'TO,RA,SI',
  DS: 'RT,DS(RA)',
  DS_ST: 'RS,DS(RA)',
  DX: 'RT,D',
  X: 'RT,RA,RB',
  X_ST: 'RS,RA,RB',
  X_LOG: 'RA,RS,RB',
  X_UN: 'RA,RS',
  X_SH: 'RA,RS,SH',
  X_CMP: 'BF,L,RA,RB',
  X_TO: 'TO,RA,RB',
  X_SETB: 'RT,BFA',
  X_RT: 'RT',
  X_MTMSRD: 'RS,L',
  X_SYNC: 'L',
  X_CACHE: 'RA,RB',
  X_TOUCH: 'RA,RB,TH',
  X_DCBF: 'RA,RB,L',
  XO: 'RT,RA,RB',
  XO_UN: 'RT,RA',
  XS: 'RA,RS,SH',
  XL_CR: 'BT,BA,BB',
  XL_MCRF: 'BF,BFA',
  XL_BR: 'BO,BI,BH',
  XL_NONE: '',
  XFX_SPR: 'RT,SPR',
  XFX_MTSPR: 'SPR,RS',
  XFX_TBR: 'RT,TBR',
  XFX_MFCR: 'RT,FXM',
  XFX_MTCR: 'FXM,RS',
  M: 'RA,RS,RB,MB,ME',
  M_SH: 'RA,RS,SH,MB,ME',
  MD: 'RA,RS,SH,MB',
  MDS: 'RA,RS,RB,MB',
  A_ISEL: 'RT,RA,RB,BC',
  VA: 'RT,RA,RB,RC',
};

/** GNU as has no mnemonic for Mambo's callthru: the raw form spells the word. */
const CALLTHRU_FOR_GAS = '.long 0x000eaeb0';

const GPR_FIELDS: ReadonlySet<string> = new Set(['RT', 'RS', 'RA', 'RB', 'RC']);
const CRF_FIELDS: ReadonlySet<string> = new Set(['BF', 'BFA']);

function signedHex(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

export interface DisasmOptions {
  /** Print the row's own mnemonic and every operand; no extended mnemonics. */
  readonly raw?: boolean;
}

/** One instruction as text, e.g. `addi r3,r1,0x70`; illegal words print as `.long 0x…`. */
export function disasm(word: number, options: DisasmOptions = {}): string {
  const d = decode(word);
  if (d.kind === 'illegal') return `.long 0x${d.word.toString(16).padStart(8, '0')}`;
  const f = d.fields;
  if (options.raw && d.row.name === 'CALLTHRU') return CALLTHRU_FOR_GAS;
  if (!options.raw) {
    const alias = extendedMnemonic(d.row.name, f);
    if (alias !== undefined) return alias;
  }
  let mnemonic = d.row.name.toLowerCase();
  if (f.OE === 1) mnemonic += 'o';
  if (f.AA === 1) mnemonic += 'a';
  if (f.LK === 1) mnemonic = mnemonic === 'ba' ? 'bla' : mnemonic === 'bca' ? 'bcla' : `${mnemonic}l`;
  if (f.Rc === 1) mnemonic += '.';
  const ops: string[] = [];
  for (const token of OPERANDS[d.row.form].split(',')) {
    if (token === '') continue;
    const disp = /^(\w+)\((\w+)\)$/.exec(token);
    if (disp !== null) {
      const scale = disp[1] === 'DS' ? 4 : 1;
      const v = (f[disp[1] as FieldName] ?? 0) * scale;
      ops.push(`${v}(r${f[disp[2] as FieldName] ?? 0})`);
      continue;
    }
    const v = f[token as FieldName];
    if (v === undefined) continue;
    if (GPR_FIELDS.has(token)) ops.push(`r${v}`);
    else if (CRF_FIELDS.has(token)) ops.push(`cr${v}`);
    else if (token === 'LI' || token === 'BD') ops.push(f.AA === 1 ? signedHex(v * 4) : `.${v * 4 >= 0 ? '+' : ''}${v * 4}`);
    else if (token === 'SI' || token === 'D') ops.push(String(v));
    else if (token === 'LEV' && v === 0) continue;
    else ops.push(String(v));
  }
  return ops.length === 0 ? mnemonic : `${mnemonic} ${ops.join(',')}`;
}

const SPR_NAMES: Readonly<Record<number, string>> = { 1: 'xer', 8: 'lr', 9: 'ctr' };

function extendedMnemonic(name: string, f: Readonly<Partial<Record<FieldName, number>>>): string | undefined {
  switch (name) {
    case 'ORI':
      if (f.RS === 0 && f.RA === 0 && f.UI === 0) return 'nop';
      return undefined;
    case 'ADDI':
      return f.RA === 0 ? `li r${f.RT},${f.SI}` : undefined;
    case 'ADDIS':
      return f.RA === 0 ? `lis r${f.RT},${f.SI}` : undefined;
    case 'OR':
      return f.RS === f.RB ? `mr${f.Rc ? '.' : ''} r${f.RA},r${f.RS}` : undefined;
    case 'BCLR':
      return f.BO === 20 && f.BH === 0 ? (f.LK ? 'blrl' : 'blr') : undefined;
    case 'BCCTR':
      return f.BO === 20 && f.BH === 0 ? (f.LK ? 'bctrl' : 'bctr') : undefined;
    case 'MFSPR': {
      const n = SPR_NAMES[f.SPR ?? -1];
      return n === undefined ? undefined : `mf${n} r${f.RT}`;
    }
    case 'MTSPR': {
      const n = SPR_NAMES[f.SPR ?? -1];
      return n === undefined ? undefined : `mt${n} r${f.RS}`;
    }
    case 'SYNC':
      return f.L === 1 ? 'lwsync' : f.L === 0 ? 'sync' : undefined;
    default:
      return undefined;
  }
}
