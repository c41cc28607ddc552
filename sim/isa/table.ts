/**
 * The instruction table: one row per instruction form, in QEMU decodetree notation.
 *
 * A pattern is 32 characters MSB first (spaces are for the eye): `0`/`1` are fixed bits, `.`
 * bits belong to a named field of the row's form (sim/isa/forms.ts), `-` bits are reserved and
 * ignored. `sim/isa/decode.ts` compiles the rows into mask/match pairs grouped by primary
 * opcode and throws at load if two rows can match the same word.
 *
 * Attributes are named and sparse: `form` and `exec` always; `prepare` when the handler wants
 * something precomputed from the fields (sign-extended immediates as 32-bit halves, rotate
 * masks); `rc: true` for the dotted forms that always record CR0 (andi., addic.);
 * `privileged: true` for rows that fault in problem state.
 *
 * To add an instruction: find its form and extended opcode in the Power ISA (or QEMU's
 * insn32.decode / translate.c), add a row with a handler in the matching sim/isa/sem family,
 * and run `npx vitest run tests/isa` (overlap, round trip and decode coverage are checked there).
 */
import type { FormName } from './forms.js';
import type { Handler, Op } from './op.js';
import * as fa from './sem/fixed-arith.js';
import * as lg from './sem/logical.js';
import * as rs from './sem/rotate-shift.js';
import * as ct from './sem/compare-trap.js';
import * as ls from './sem/load-store.js';
import * as br from './sem/branch.js';
import * as cr from './sem/cr.js';
import * as sy from './sem/system.js';

export interface RowAttrs {
  readonly form: FormName;
  readonly exec: Handler;
  /** Precompute from the decoded fields into Op.xHi/xLo (and yHi/yLo). */
  readonly prepare?: (op: Op) => void;
  /** The row always records CR0, although its form has no Rc bit (andi., andis., addic.). */
  readonly rc?: boolean;
  /** Problem state (MSR[PR] = 1) raises a privileged-instruction interrupt. */
  readonly privileged?: boolean;
}

export interface RowSpec extends RowAttrs {
  /** The ISA mnemonic in upper case, as QEMU's decode files spell it (dotted forms keep the dot). */
  readonly name: string;
  readonly pattern: string;
}

export function row(name: string, pattern: string, attrs: RowAttrs): RowSpec {
  return { name, pattern, ...attrs };
}

/** Sign-extend a 32-bit value into (xHi, xLo). */
function setX(op: Op, v: number): void {
  op.xLo = v >>> 0;
  op.xHi = (v | 0) < 0 ? 0xffff_ffff : 0;
}
/** EXTS(SI). */
export const prepareSI = (op: Op): void => setX(op, op.SI);
/** EXTS(SI || 0x0000). */
export const prepareSIShifted = (op: Op): void => setX(op, op.SI << 16);
/** 48 zeros || UI. */
export const prepareUI = (op: Op): void => setX(op, op.UI);
/** 32 zeros || UI || 16 zeros (never negative: the high word stays 0). */
export const prepareUIShifted = (op: Op): void => {
  op.xLo = (op.UI << 16) >>> 0;
  op.xHi = 0;
};
/** EXTS(D). */
export const prepareD = (op: Op): void => setX(op, op.D);
/** EXTS(DS || 0b00). */
export const prepareDS = (op: Op): void => setX(op, op.DS * 4);
/** addpcis: EXTS(D || 0x0000). */
export const prepareDX = (op: Op): void => setX(op, op.D << 16);
/** b: EXTS(LI || 0b00). */
export const prepareLI = (op: Op): void => setX(op, op.LI * 4);
/** bc: EXTS(BD || 0b00). */
export const prepareBD = (op: Op): void => setX(op, op.BD * 4);

export const TABLE: readonly RowSpec[] = [

  // Fixed-point arithmetic (v3.0 Book I 3.3.9)
  row('ADD', '011111 ..... ..... ..... . 100001010 .', { form: 'XO', exec: fa.ADD }),
  row('ADDC', '011111 ..... ..... ..... . 000001010 .', { form: 'XO', exec: fa.ADDC }),
  row('ADDE', '011111 ..... ..... ..... . 010001010 .', { form: 'XO', exec: fa.ADDE }),
  row('ADDME', '011111 ..... ..... ----- . 011101010 .', { form: 'XO_UN', exec: fa.ADDME }),
  row('ADDZE', '011111 ..... ..... ----- . 011001010 .', { form: 'XO_UN', exec: fa.ADDZE }),
  row('SUBF', '011111 ..... ..... ..... . 000101000 .', { form: 'XO', exec: fa.SUBF }),
  row('SUBFC', '011111 ..... ..... ..... . 000001000 .', { form: 'XO', exec: fa.SUBFC }),
  row('SUBFE', '011111 ..... ..... ..... . 010001000 .', { form: 'XO', exec: fa.SUBFE }),
  row('SUBFME', '011111 ..... ..... ----- . 011101000 .', { form: 'XO_UN', exec: fa.SUBFME }),
  row('SUBFZE', '011111 ..... ..... ----- . 011001000 .', { form: 'XO_UN', exec: fa.SUBFZE }),
  row('NEG', '011111 ..... ..... ----- . 001101000 .', { form: 'XO_UN', exec: fa.NEG }),
  row('MULLW', '011111 ..... ..... ..... . 011101011 .', { form: 'XO', exec: fa.MULLW }),
  row('MULLD', '011111 ..... ..... ..... . 011101001 .', { form: 'XO', exec: fa.MULLD }),
  row('DIVW', '011111 ..... ..... ..... . 111101011 .', { form: 'XO', exec: fa.DIVW }),
  row('DIVWU', '011111 ..... ..... ..... . 111001011 .', { form: 'XO', exec: fa.DIVWU }),
  row('DIVD', '011111 ..... ..... ..... . 111101001 .', { form: 'XO', exec: fa.DIVD }),
  row('DIVDU', '011111 ..... ..... ..... . 111001001 .', { form: 'XO', exec: fa.DIVDU }),
  row('DIVWE', '011111 ..... ..... ..... . 110101011 .', { form: 'XO', exec: fa.DIVWE }),
  row('DIVWEU', '011111 ..... ..... ..... . 110001011 .', { form: 'XO', exec: fa.DIVWEU }),
  row('DIVDE', '011111 ..... ..... ..... . 110101001 .', { form: 'XO', exec: fa.DIVDE }),
  row('DIVDEU', '011111 ..... ..... ..... . 110001001 .', { form: 'XO', exec: fa.DIVDEU }),
  row('MULHW', '011111 ..... ..... ..... - 001001011 .', { form: 'XO', exec: fa.MULHW }),
  row('MULHWU', '011111 ..... ..... ..... - 000001011 .', { form: 'XO', exec: fa.MULHWU }),
  row('MULHD', '011111 ..... ..... ..... - 001001001 .', { form: 'XO', exec: fa.MULHD }),
  row('MULHDU', '011111 ..... ..... ..... - 000001001 .', { form: 'XO', exec: fa.MULHDU }),
  row('MODSW', '011111 ..... ..... ..... 1100001011 -', { form: 'X', exec: fa.MODSW }),
  row('MODUW', '011111 ..... ..... ..... 0100001011 -', { form: 'X', exec: fa.MODUW }),
  row('MODSD', '011111 ..... ..... ..... 1100001001 -', { form: 'X', exec: fa.MODSD }),
  row('MODUD', '011111 ..... ..... ..... 0100001001 -', { form: 'X', exec: fa.MODUD }),
  row('ADDI', '001110 ..... ..... ................', { form: 'D_SI', exec: fa.ADDI, prepare: prepareSI }),
  row('ADDIS', '001111 ..... ..... ................', { form: 'D_SI', exec: fa.ADDIS, prepare: prepareSIShifted }),
  row('ADDIC', '001100 ..... ..... ................', { form: 'D_SI', exec: fa.ADDIC, prepare: prepareSI }),
  row('ADDIC.', '001101 ..... ..... ................', { form: 'D_SI', exec: fa.ADDIC, prepare: prepareSI, rc: true }),
  row('SUBFIC', '001000 ..... ..... ................', { form: 'D_SI', exec: fa.SUBFIC, prepare: prepareSI }),
  row('MULLI', '000111 ..... ..... ................', { form: 'D_SI', exec: fa.MULLI, prepare: prepareSI }),
  row('ADDPCIS', '010011 ..... ..... .......... 00010 .', { form: 'DX', exec: fa.ADDPCIS, prepare: prepareDX }),
  row('MADDHD', '000100 ..... ..... ..... ..... 110000', { form: 'VA', exec: fa.MADDHD }),
  row('MADDHDU', '000100 ..... ..... ..... ..... 110001', { form: 'VA', exec: fa.MADDHDU }),
  row('MADDLD', '000100 ..... ..... ..... ..... 110011', { form: 'VA', exec: fa.MADDLD }),

  // Fixed-point logical (v3.0 Book I 3.3.13)
  row('AND', '011111 ..... ..... ..... 0000011100 .', { form: 'X_LOG', exec: lg.AND }),
  row('OR', '011111 ..... ..... ..... 0110111100 .', { form: 'X_LOG', exec: lg.OR }),
  row('XOR', '011111 ..... ..... ..... 0100111100 .', { form: 'X_LOG', exec: lg.XOR }),
  row('NAND', '011111 ..... ..... ..... 0111011100 .', { form: 'X_LOG', exec: lg.NAND }),
  row('NOR', '011111 ..... ..... ..... 0001111100 .', { form: 'X_LOG', exec: lg.NOR }),
  row('EQV', '011111 ..... ..... ..... 0100011100 .', { form: 'X_LOG', exec: lg.EQV }),
  row('ANDC', '011111 ..... ..... ..... 0000111100 .', { form: 'X_LOG', exec: lg.ANDC }),
  row('ORC', '011111 ..... ..... ..... 0110011100 .', { form: 'X_LOG', exec: lg.ORC }),
  row('ANDI.', '011100 ..... ..... ................', { form: 'D_UI', exec: lg.ANDI_DOT, prepare: prepareUI, rc: true }),
  row('ANDIS.', '011101 ..... ..... ................', { form: 'D_UI', exec: lg.ANDIS_DOT, prepare: prepareUIShifted, rc: true }),
  row('ORI', '011000 ..... ..... ................', { form: 'D_UI', exec: lg.ORI, prepare: prepareUI }),
  row('ORIS', '011001 ..... ..... ................', { form: 'D_UI', exec: lg.ORI, prepare: prepareUIShifted }),
  row('XORI', '011010 ..... ..... ................', { form: 'D_UI', exec: lg.XORI, prepare: prepareUI }),
  row('XORIS', '011011 ..... ..... ................', { form: 'D_UI', exec: lg.XORI, prepare: prepareUIShifted }),
  row('EXTSB', '011111 ..... ..... ----- 1110111010 .', { form: 'X_UN', exec: lg.EXTSB }),
  row('EXTSH', '011111 ..... ..... ----- 1110011010 .', { form: 'X_UN', exec: lg.EXTSH }),
  row('EXTSW', '011111 ..... ..... ----- 1111011010 .', { form: 'X_UN', exec: lg.EXTSW }),
  row('CNTLZW', '011111 ..... ..... ----- 0000011010 .', { form: 'X_UN', exec: lg.CNTLZW }),
  row('CNTLZD', '011111 ..... ..... ----- 0000111010 .', { form: 'X_UN', exec: lg.CNTLZD }),
  row('CNTTZW', '011111 ..... ..... ----- 1000011010 .', { form: 'X_UN', exec: lg.CNTTZW }),
  row('CNTTZD', '011111 ..... ..... ----- 1000111010 .', { form: 'X_UN', exec: lg.CNTTZD }),
  row('POPCNTB', '011111 ..... ..... ----- 0001111010 -', { form: 'X_UN', exec: lg.POPCNTB }),
  row('POPCNTW', '011111 ..... ..... ----- 0101111010 -', { form: 'X_UN', exec: lg.POPCNTW }),
  row('POPCNTD', '011111 ..... ..... ----- 0111111010 -', { form: 'X_UN', exec: lg.POPCNTD }),
  row('PRTYW', '011111 ..... ..... ----- 0010011010 -', { form: 'X_UN', exec: lg.PRTYW }),
  row('PRTYD', '011111 ..... ..... ----- 0010111010 -', { form: 'X_UN', exec: lg.PRTYD }),
  row('CMPB', '011111 ..... ..... ..... 0111111100 -', { form: 'X_LOG', exec: lg.CMPB }),

  // Rotate and shift (v3.0 Book I 3.3.14)
  row('RLWINM', '010101 ..... ..... ..... ..... ..... .', { form: 'M_SH', exec: rs.RLWINM, prepare: rs.prepareMaskWord }),
  row('RLWNM', '010111 ..... ..... ..... ..... ..... .', { form: 'M', exec: rs.RLWNM, prepare: rs.prepareMaskWord }),
  row('RLWIMI', '010100 ..... ..... ..... ..... ..... .', { form: 'M_SH', exec: rs.RLWIMI, prepare: rs.prepareMaskWord }),
  row('RLDICL', '011110 ..... ..... ..... ...... 000 . .', { form: 'MD', exec: rs.RLDIC_ANY, prepare: rs.prepareMaskLeft }),
  row('RLDICR', '011110 ..... ..... ..... ...... 001 . .', { form: 'MD', exec: rs.RLDIC_ANY, prepare: rs.prepareMaskRight }),
  row('RLDIC', '011110 ..... ..... ..... ...... 010 . .', { form: 'MD', exec: rs.RLDIC_ANY, prepare: rs.prepareMaskClear }),
  row('RLDIMI', '011110 ..... ..... ..... ...... 011 . .', { form: 'MD', exec: rs.RLDIMI, prepare: rs.prepareMaskClear }),
  row('RLDCL', '011110 ..... ..... ..... ...... 1000 .', { form: 'MDS', exec: rs.RLDC_ANY, prepare: rs.prepareMaskLeft }),
  row('RLDCR', '011110 ..... ..... ..... ...... 1001 .', { form: 'MDS', exec: rs.RLDC_ANY, prepare: rs.prepareMaskRight }),
  row('SLW', '011111 ..... ..... ..... 0000011000 .', { form: 'X_LOG', exec: rs.SLW }),
  row('SRW', '011111 ..... ..... ..... 1000011000 .', { form: 'X_LOG', exec: rs.SRW }),
  row('SRAW', '011111 ..... ..... ..... 1100011000 .', { form: 'X_LOG', exec: rs.SRAW }),
  row('SLD', '011111 ..... ..... ..... 0000011011 .', { form: 'X_LOG', exec: rs.SLD }),
  row('SRD', '011111 ..... ..... ..... 1000011011 .', { form: 'X_LOG', exec: rs.SRD }),
  row('SRAD', '011111 ..... ..... ..... 1100011010 .', { form: 'X_LOG', exec: rs.SRAD }),
  row('SRAWI', '011111 ..... ..... ..... 1100111000 .', { form: 'X_SH', exec: rs.SRAWI }),
  row('SRADI', '011111 ..... ..... ..... 110011101 . .', { form: 'XS', exec: rs.SRADI }),
  row('EXTSWSLI', '011111 ..... ..... ..... 110111101 . .', { form: 'XS', exec: rs.EXTSWSLI }),

  // Compare, trap, select (v3.0 Book I 3.3.10-3.3.12)
  row('CMP', '011111 ... - . ..... ..... 0000000000 -', { form: 'X_CMP', exec: ct.CMP }),
  row('CMPL', '011111 ... - . ..... ..... 0000100000 -', { form: 'X_CMP', exec: ct.CMPL }),
  row('CMPI', '001011 ... - . ..... ................', { form: 'D_CMP', exec: ct.CMPI, prepare: prepareSI }),
  row('CMPLI', '001010 ... - . ..... ................', { form: 'D_CMPL', exec: ct.CMPLI }),
  row('CMPRB', '011111 ... - . ..... ..... 0011000000 -', { form: 'X_CMP', exec: ct.CMPRB }),
  row('CMPEQB', '011111 ... - - ..... ..... 0011100000 -', { form: 'X_CMP', exec: ct.CMPEQB }),
  row('SETB', '011111 ..... ... -- ----- 0010000000 -', { form: 'X_SETB', exec: ct.SETB }),
  row('ISEL', '011111 ..... ..... ..... ..... 01111 -', { form: 'A_ISEL', exec: ct.ISEL }),
  row('TW', '011111 ..... ..... ..... 0000000100 -', { form: 'X_TO', exec: ct.TW }),
  row('TD', '011111 ..... ..... ..... 0001000100 -', { form: 'X_TO', exec: ct.TD }),
  row('TWI', '000011 ..... ..... ................', { form: 'D_TO', exec: ct.TWI, prepare: prepareSI }),
  row('TDI', '000010 ..... ..... ................', { form: 'D_TO', exec: ct.TDI, prepare: prepareSI }),

  // Loads (v3.0 Book I 3.3.2-3.3.3)
  row('LBZ', '100010 ..... ..... ................', { form: 'D', exec: ls.LBZ, prepare: prepareD }),
  row('LBZU', '100011 ..... ..... ................', { form: 'D', exec: ls.load({ sizeBytes: 1, update: true }), prepare: prepareD }),
  row('LHZ', '101000 ..... ..... ................', { form: 'D', exec: ls.LHZ, prepare: prepareD }),
  row('LHZU', '101001 ..... ..... ................', { form: 'D', exec: ls.load({ sizeBytes: 2, update: true }), prepare: prepareD }),
  row('LHA', '101010 ..... ..... ................', { form: 'D', exec: ls.load({ sizeBytes: 2, signed: true }), prepare: prepareD }),
  row('LHAU', '101011 ..... ..... ................', { form: 'D', exec: ls.load({ sizeBytes: 2, signed: true, update: true }), prepare: prepareD }),
  row('LWZ', '100000 ..... ..... ................', { form: 'D', exec: ls.LWZ, prepare: prepareD }),
  row('LWZU', '100001 ..... ..... ................', { form: 'D', exec: ls.load({ sizeBytes: 4, update: true }), prepare: prepareD }),
  row('LD', '111010 ..... ..... .............. 00', { form: 'DS', exec: ls.LD, prepare: prepareDS }),
  row('LDU', '111010 ..... ..... .............. 01', { form: 'DS', exec: ls.load({ sizeBytes: 8, update: true }), prepare: prepareDS }),
  row('LWA', '111010 ..... ..... .............. 10', { form: 'DS', exec: ls.LWA, prepare: prepareDS }),
  row('LBZX', '011111 ..... ..... ..... 0001010111 -', { form: 'X', exec: ls.LBZX }),
  row('LBZUX', '011111 ..... ..... ..... 0001110111 -', { form: 'X', exec: ls.load({ sizeBytes: 1, update: true, indexed: true }) }),
  row('LHZX', '011111 ..... ..... ..... 0100010111 -', { form: 'X', exec: ls.load({ sizeBytes: 2, indexed: true }) }),
  row('LHZUX', '011111 ..... ..... ..... 0100110111 -', { form: 'X', exec: ls.load({ sizeBytes: 2, update: true, indexed: true }) }),
  row('LHAX', '011111 ..... ..... ..... 0101010111 -', { form: 'X', exec: ls.load({ sizeBytes: 2, signed: true, indexed: true }) }),
  row('LHAUX', '011111 ..... ..... ..... 0101110111 -', { form: 'X', exec: ls.load({ sizeBytes: 2, signed: true, update: true, indexed: true }) }),
  row('LWZX', '011111 ..... ..... ..... 0000010111 -', { form: 'X', exec: ls.LWZX }),
  row('LWZUX', '011111 ..... ..... ..... 0000110111 -', { form: 'X', exec: ls.load({ sizeBytes: 4, update: true, indexed: true }) }),
  row('LWAX', '011111 ..... ..... ..... 0101010101 -', { form: 'X', exec: ls.load({ sizeBytes: 4, signed: true, indexed: true }) }),
  row('LWAUX', '011111 ..... ..... ..... 0101110101 -', { form: 'X', exec: ls.load({ sizeBytes: 4, signed: true, update: true, indexed: true }) }),
  row('LDX', '011111 ..... ..... ..... 0000010101 -', { form: 'X', exec: ls.LDX }),
  row('LDUX', '011111 ..... ..... ..... 0000110101 -', { form: 'X', exec: ls.load({ sizeBytes: 8, update: true, indexed: true }) }),
  row('LHBRX', '011111 ..... ..... ..... 1100010110 -', { form: 'X', exec: ls.load({ sizeBytes: 2, reversed: true, indexed: true }) }),
  row('LWBRX', '011111 ..... ..... ..... 1000010110 -', { form: 'X', exec: ls.load({ sizeBytes: 4, reversed: true, indexed: true }) }),
  row('LDBRX', '011111 ..... ..... ..... 1000010100 -', { form: 'X', exec: ls.load({ sizeBytes: 8, reversed: true, indexed: true }) }),
  row('LMW', '101110 ..... ..... ................', { form: 'D', exec: ls.LMW, prepare: prepareD }),

  // Stores (v3.0 Book I 3.3.4-3.3.6)
  row('STB', '100110 ..... ..... ................', { form: 'D_ST', exec: ls.STB, prepare: prepareD }),
  row('STBU', '100111 ..... ..... ................', { form: 'D_ST', exec: ls.store({ sizeBytes: 1, update: true }), prepare: prepareD }),
  row('STH', '101100 ..... ..... ................', { form: 'D_ST', exec: ls.STH, prepare: prepareD }),
  row('STHU', '101101 ..... ..... ................', { form: 'D_ST', exec: ls.store({ sizeBytes: 2, update: true }), prepare: prepareD }),
  row('STW', '100100 ..... ..... ................', { form: 'D_ST', exec: ls.STW, prepare: prepareD }),
  row('STWU', '100101 ..... ..... ................', { form: 'D_ST', exec: ls.store({ sizeBytes: 4, update: true }), prepare: prepareD }),
  row('STD', '111110 ..... ..... .............. 00', { form: 'DS_ST', exec: ls.STD, prepare: prepareDS }),
  row('STDU', '111110 ..... ..... .............. 01', { form: 'DS_ST', exec: ls.STDU, prepare: prepareDS }),
  row('STBX', '011111 ..... ..... ..... 0011010111 -', { form: 'X_ST', exec: ls.STBX }),
  row('STBUX', '011111 ..... ..... ..... 0011110111 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 1, update: true, indexed: true }) }),
  row('STHX', '011111 ..... ..... ..... 0110010111 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 2, indexed: true }) }),
  row('STHUX', '011111 ..... ..... ..... 0110110111 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 2, update: true, indexed: true }) }),
  row('STWX', '011111 ..... ..... ..... 0010010111 -', { form: 'X_ST', exec: ls.STWX }),
  row('STWUX', '011111 ..... ..... ..... 0010110111 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 4, update: true, indexed: true }) }),
  row('STDX', '011111 ..... ..... ..... 0010010101 -', { form: 'X_ST', exec: ls.STDX }),
  row('STDUX', '011111 ..... ..... ..... 0010110101 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 8, update: true, indexed: true }) }),
  row('STHBRX', '011111 ..... ..... ..... 1110010110 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 2, reversed: true, indexed: true }) }),
  row('STWBRX', '011111 ..... ..... ..... 1010010110 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 4, reversed: true, indexed: true }) }),
  row('STDBRX', '011111 ..... ..... ..... 1010010100 -', { form: 'X_ST', exec: ls.store({ sizeBytes: 8, reversed: true, indexed: true }) }),
  row('STMW', '101111 ..... ..... ................', { form: 'D_ST', exec: ls.STMW, prepare: prepareD }),

  // Cache management hints (v3.0 Book II 4.3)
  row('DCBZ', '011111 ----- ..... ..... 1111110110 -', { form: 'X_CACHE', exec: ls.DCBZ }),
  row('DCBT', '011111 ..... ..... ..... 0100010110 -', { form: 'X_TOUCH', exec: ls.CACHE_HINT }),
  row('DCBTST', '011111 ..... ..... ..... 0011110110 -', { form: 'X_TOUCH', exec: ls.CACHE_HINT }),
  row('DCBF', '011111 -- ... ..... ..... 0001010110 -', { form: 'X_DCBF', exec: ls.CACHE_HINT }),
  row('DCBST', '011111 ----- ..... ..... 0000110110 -', { form: 'X_CACHE', exec: ls.CACHE_HINT }),
  row('ICBI', '011111 ----- ..... ..... 1111010110 -', { form: 'X_CACHE', exec: ls.CACHE_HINT }),

  // Branches (v3.0 Book I 2.4)
  row('B', '010010 ........................ . .', { form: 'I', exec: br.B, prepare: prepareLI }),
  row('BC', '010000 ..... ..... .............. . .', { form: 'B', exec: br.BC, prepare: prepareBD }),
  row('BCLR', '010011 ..... ..... --- .. 0000010000 .', { form: 'XL_BR', exec: br.BCLR }),
  row('BCCTR', '010011 ..... ..... --- .. 1000010000 .', { form: 'XL_BR', exec: br.BCCTR }),
  row('BCTAR', '010011 ..... ..... --- .. 1000110000 .', { form: 'XL_BR', exec: br.BCTAR }),

  // Condition register (v3.0 Book I 2.5, 3.3.17)
  row('CRAND', '010011 ..... ..... ..... 0100000001 -', { form: 'XL_CR', exec: cr.CRAND }),
  row('CROR', '010011 ..... ..... ..... 0111000001 -', { form: 'XL_CR', exec: cr.CROR }),
  row('CRXOR', '010011 ..... ..... ..... 0011000001 -', { form: 'XL_CR', exec: cr.CRXOR }),
  row('CRNAND', '010011 ..... ..... ..... 0011100001 -', { form: 'XL_CR', exec: cr.CRNAND }),
  row('CRNOR', '010011 ..... ..... ..... 0000100001 -', { form: 'XL_CR', exec: cr.CRNOR }),
  row('CREQV', '010011 ..... ..... ..... 0100100001 -', { form: 'XL_CR', exec: cr.CREQV }),
  row('CRANDC', '010011 ..... ..... ..... 0010000001 -', { form: 'XL_CR', exec: cr.CRANDC }),
  row('CRORC', '010011 ..... ..... ..... 0110100001 -', { form: 'XL_CR', exec: cr.CRORC }),
  row('MCRF', '010011 ... -- ... -- ----- 0000000000 -', { form: 'XL_MCRF', exec: cr.MCRF }),
  row('MFCR', '011111 ..... 0 -------- - 0000010011 -', { form: 'X_RT', exec: cr.MFCR }),
  row('MFOCRF', '011111 ..... 1 ........ - 0000010011 -', { form: 'XFX_MFCR', exec: cr.MFOCRF }),
  row('MTCRF', '011111 ..... 0 ........ - 0010010000 -', { form: 'XFX_MTCR', exec: cr.MTCRF }),
  row('MTOCRF', '011111 ..... 1 ........ - 0010010000 -', { form: 'XFX_MTCR', exec: cr.MTOCRF }),

  // System (v3.0 Book I 3.3.17, Book II 4.4-4.6, Book III)
  row('MFSPR', '011111 ..... .......... 0101010011 -', { form: 'XFX_SPR', exec: sy.MFSPR }),
  row('MTSPR', '011111 ..... .......... 0111010011 -', { form: 'XFX_MTSPR', exec: sy.MTSPR }),
  row('MFTB', '011111 ..... .......... 0101110011 -', { form: 'XFX_TBR', exec: sy.MFTB }),
  row('MFMSR', '011111 ..... ----- ----- 0001010011 -', { form: 'X_RT', exec: sy.MFMSR, privileged: true }),
  row('MTMSRD', '011111 ..... ---- . ----- 0010110010 -', { form: 'X_MTMSRD', exec: sy.MTMSRD, privileged: true }),
  row('SYNC', '011111 --- .. ----- ----- 1001010110 -', { form: 'X_SYNC', exec: sy.BARRIER }),
  row('EIEIO', '011111 ----- ----- ----- 1101010110 -', { form: 'XL_NONE', exec: sy.BARRIER }),
  row('ISYNC', '010011 ----- ----- ----- 0010010110 -', { form: 'XL_NONE', exec: sy.BARRIER }),
  row('SC', '010001 ----- ----- ---- ....... --- 1 -', { form: 'SC', exec: sy.SC }),

  // Firmware ABI (docs/firmware-elf-runtime.md): whole fixed words, illegal outside firmware
  row('CALLTHRU', '000000 00000 01110 10101 1101011000 0', { form: 'XL_NONE', exec: sy.CALLTHRU }),
  row('ATTN', '000000 00000 00000 00000 0100000000 0', { form: 'XL_NONE', exec: sy.ATTN }),
];
