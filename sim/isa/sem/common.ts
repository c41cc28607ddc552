/**
 * Register-file helpers shared by the semantic families: word indexes of the special slots in
 * `Cpu.r`, XER and CR0 updates. Indexes are 2*slot (high word) and 2*slot+1 (low word) of the
 * slots in sim/cpu/state.ts; they are spelled out here because the hot path indexes them directly.
 */
import { Slot, XER as XER_BIT } from '../../cpu/state.js';
import type { Cpu } from '../op.js';

export const NIP_HI = 2 * Slot.NIP;
export const NIP_LO = 2 * Slot.NIP + 1;
export const MSR_HI = 2 * Slot.MSR;
export const MSR_LO = 2 * Slot.MSR + 1;
export const LR_HI = 2 * Slot.LR;
export const LR_LO = 2 * Slot.LR + 1;
export const CTR_HI = 2 * Slot.CTR;
export const CTR_LO = 2 * Slot.CTR + 1;
export const XER_HI = 2 * Slot.XER;
export const XER_LO = 2 * Slot.XER + 1;
export const CR_LO = 2 * Slot.CR + 1;

export const XER_SO = XER_BIT.SO;
export const XER_OV = XER_BIT.OV;
export const XER_CA = XER_BIT.CA;
export const XER_OV32 = XER_BIT.OV32;
export const XER_CA32 = XER_BIT.CA32;

/** MSR[PR] (bit 49) and MSR[LE] (bit 63) in the low word. */
export const MSR_PR_LO = 1 << 14;
export const MSR_LE_LO = 1;

export function setGpr(c: Cpu, n: number, hi: number, lo: number): void {
  c.r[2 * n] = hi;
  c.r[2 * n + 1] = lo;
}

/** XER[CA] as 0 or 1. */
export function getCa(c: Cpu): number {
  return (c.r[XER_LO]! & XER_CA) === 0 ? 0 : 1;
}

/** Set CA and CA32 (Power ISA v3.0 Book I 3.2.2: the carrying instructions set both). */
export function setCa(c: Cpu, ca: number, ca32: number): void {
  let x = c.r[XER_LO]! & ~(XER_CA | XER_CA32);
  if (ca) x |= XER_CA;
  if (ca32) x |= XER_CA32;
  c.r[XER_LO] = x;
}

/** OE=1: set OV and OV32, and SO if OV (SO is sticky). */
export function setOv(c: Cpu, ov: number, ov32: number): void {
  let x = c.r[XER_LO]! & ~(XER_OV | XER_OV32);
  if (ov) x |= XER_OV | XER_SO;
  if (ov32) x |= XER_OV32;
  c.r[XER_LO] = x;
}

/** Rc=1: CR0 <- LT GT EQ of the 64-bit signed result compared with 0, and SO copied from XER. */
export function setCr0(c: Cpu, hi: number, lo: number): void {
  setCrField(c, 0, crBitsSigned(hi, lo));
}

/** The LT/GT/EQ nibble (without SO) of a signed 64-bit value compared with zero. */
export function crBitsSigned(hi: number, lo: number): number {
  if ((hi | 0) < 0) return 8;
  if ((hi | lo) === 0) return 2;
  return 4;
}

/** Write CR field `bf` with `ltGtEq` (LT=8, GT=4, EQ=2) and SO from XER. */
export function setCrField(c: Cpu, bf: number, ltGtEq: number): void {
  const so = (c.r[XER_LO]! & XER_SO) === 0 ? 0 : 1;
  setCrNibble(c, bf, ltGtEq | so);
}

export function setCrNibble(c: Cpu, bf: number, nibble: number): void {
  const shift = 28 - 4 * bf;
  c.r[CR_LO] = (c.r[CR_LO]! & ~(0xf << shift)) | ((nibble & 0xf) << shift);
}

export function getCrNibble(c: Cpu, bf: number): number {
  return (c.r[CR_LO]! >>> (28 - 4 * bf)) & 0xf;
}

/** CR bit `n` (0 = MSB, i.e. CR0[LT]). */
export function getCrBit(c: Cpu, n: number): number {
  return (c.r[CR_LO]! >>> (31 - n)) & 1;
}

export function setCrBit(c: Cpu, n: number, v: number): void {
  const m = 1 << (31 - n);
  c.r[CR_LO] = v ? c.r[CR_LO]! | m : c.r[CR_LO]! & ~m;
}

/** The high word of a sign-extended 32-bit value. */
export function signHi(lo: number): number {
  return (lo | 0) < 0 ? 0xffff_ffff : 0;
}

/** Hex of a 64-bit value held as halves, for fault messages. */
export function hex64(hi: number, lo: number): string {
  const h = hi >>> 0;
  const l = (lo >>> 0).toString(16);
  return h === 0 ? `0x${l}` : `0x${h.toString(16)}${l.padStart(8, '0')}`;
}
