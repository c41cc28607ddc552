/**
 * Hand encoders for the few instructions the test harnesses themselves emit (prologues,
 * epilogues, system calls). Deliberately independent of sim/isa: the harness must not share
 * a bug with the decoder it is testing. Encodings: Power ISA v3.0 Book I, opcode maps in
 * Appendix F; every function returns the 32-bit word as an unsigned number.
 */

function reg(r: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`bad register ${r}`);
  return r;
}

function s16(v: number): number {
  if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) throw new RangeError(`${v} does not fit a signed 16-bit field`);
  return v & 0xffff;
}

function u16(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${v} does not fit an unsigned 16-bit field`);
  return v;
}

const w = (v: number): number => v >>> 0;

/** D-form: opcode | RT/RS | RA | 16-bit immediate. */
const dForm = (opcode: number, rt: number, ra: number, imm16: number): number =>
  w((opcode << 26) | (reg(rt) << 21) | (reg(ra) << 16) | imm16);

/** X-form with primary opcode 31. */
const xForm = (rt: number, ra: number, rb: number, xo: number, rc = 0): number =>
  w((31 << 26) | (reg(rt) << 21) | (reg(ra) << 16) | (reg(rb) << 11) | (xo << 1) | rc);

export const addi = (rt: number, ra: number, si: number): number => dForm(14, rt, ra, s16(si));
export const li = (rt: number, si: number): number => addi(rt, 0, si);
export const addis = (rt: number, ra: number, si: number): number => dForm(15, rt, ra, s16(si));
export const lis = (rt: number, si: number): number => addis(rt, 0, si);
export const ori = (ra: number, rs: number, ui: number): number => dForm(24, rs, ra, u16(ui));
export const oris = (ra: number, rs: number, ui: number): number => dForm(25, rs, ra, u16(ui));
export const nop = (): number => ori(0, 0, 0);

export const add = (rt: number, ra: number, rb: number, rc = 0): number => xForm(rt, ra, rb, 266, rc);
export const addc = (rt: number, ra: number, rb: number, rc = 0): number => xForm(rt, ra, rb, 10, rc);
export const and = (ra: number, rs: number, rb: number, rc = 0): number => xForm(rs, ra, rb, 28, rc);
export const or = (ra: number, rs: number, rb: number, rc = 0): number => xForm(rs, ra, rb, 444, rc);
export const mr = (ra: number, rs: number): number => or(ra, rs, rs);

function ds(v: number): number {
  if (v % 4 !== 0) throw new RangeError(`DS displacement ${v} not a multiple of 4`);
  return s16(v);
}
export const ld = (rt: number, d: number, ra: number): number => dForm(58, rt, ra, ds(d));
export const std = (rs: number, d: number, ra: number): number => dForm(62, rs, ra, ds(d));
export const lwz = (rt: number, d: number, ra: number): number => dForm(32, rt, ra, s16(d));
export const stw = (rs: number, d: number, ra: number): number => dForm(36, rs, ra, s16(d));
export const stb = (rs: number, d: number, ra: number): number => dForm(38, rs, ra, s16(d));

/** The SPR field is split: spr[5:9] || spr[0:4] (low five bits first in the word). */
function sprField(spr: number): number {
  return ((spr & 0x1f) << 16) | (((spr >> 5) & 0x1f) << 11);
}
export const SPR_XER = 1;
export const SPR_LR = 8;
export const SPR_CTR = 9;
export const mtspr = (spr: number, rs: number): number => w((31 << 26) | (reg(rs) << 21) | sprField(spr) | (467 << 1));
export const mfspr = (rt: number, spr: number): number => w((31 << 26) | (reg(rt) << 21) | sprField(spr) | (339 << 1));
export const mtcrf = (fxm: number, rs: number): number => w((31 << 26) | (reg(rs) << 21) | ((fxm & 0xff) << 12) | (144 << 1));
export const mfcr = (rt: number): number => w((31 << 26) | (reg(rt) << 21) | (19 << 1));

/** MD-form rotates: sh = sh5 || sh0:4 and mb = mb5 || mb0:4, as the ISA splits them. */
function mdForm(rs: number, ra: number, sh: number, mb: number, xo: number, rc: number): number {
  return w(
    (30 << 26) | (reg(rs) << 21) | (reg(ra) << 16) | ((sh & 0x1f) << 11) | ((mb & 0x1f) << 6) | (((mb >> 5) & 1) << 5) |
      (xo << 2) | (((sh >> 5) & 1) << 1) | rc,
  );
}
export const rldicl = (ra: number, rs: number, sh: number, mb: number, rc = 0): number => mdForm(rs, ra, sh, mb, 0, rc);
export const rldicr = (ra: number, rs: number, sh: number, me: number, rc = 0): number => mdForm(rs, ra, sh, me, 1, rc);

export const sc = (): number => 0x4400_0002;
export const trap = (): number => 0x7fe0_0008;
export const blr = (): number => 0x4e80_0020;
export const bctrl = (): number => 0x4e80_0421;
/** Relative branch; `offsetBytes` from this instruction. */
export const b = (offsetBytes: number, link = false): number => {
  if (offsetBytes % 4 !== 0 || offsetBytes < -(1 << 25) || offsetBytes >= 1 << 25) throw new RangeError(`bad branch offset ${offsetBytes}`);
  return w((18 << 26) | (offsetBytes & 0x03ff_fffc) | (link ? 1 : 0));
};

/** Load a 64-bit constant in five instructions (lis, ori, rldicr, oris, ori). */
export function loadImm64(rt: number, value: bigint): number[] {
  const v = BigInt.asUintN(64, value);
  const h16 = (shift: bigint): number => Number((v >> shift) & 0xffffn);
  const top = h16(48n);
  return [
    lis(rt, top >= 0x8000 ? top - 0x10000 : top),
    ori(rt, rt, h16(32n)),
    rldicr(rt, rt, 32, 31),
    oris(rt, rt, h16(16n)),
    ori(rt, rt, h16(0n)),
  ];
}

/** Load a 31-bit address in two instructions (lis sign-extends, so it must stay below 2 GiB). */
export function loadAddr31(rt: number, addr: number): number[] {
  if (!Number.isInteger(addr) || addr < 0 || addr >= 0x8000_0000) throw new RangeError(`address 0x${addr.toString(16)} needs more than 31 bits`);
  return [lis(rt, addr >>> 16), ori(rt, rt, addr & 0xffff)];
}

/** Serialize words in the target byte order. */
export function wordsToBytes(words: readonly number[], le: boolean): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((v, i) => dv.setUint32(i * 4, v >>> 0, le));
  return out;
}

/** cmpdi crN,ra,si (cmpi with L = 1). */
export const cmpdi = (bf: number, ra: number, si: number): number => w((11 << 26) | ((bf & 7) << 23) | (1 << 21) | (reg(ra) << 16) | s16(si));
/** bc BO,BI,offset (relative, no link). beq crN = bc 12, 4*N+2. */
export const bc = (bo: number, bi: number, offsetBytes: number): number => {
  if (offsetBytes % 4 !== 0 || offsetBytes < -0x8000 || offsetBytes > 0x7ffc) throw new RangeError(`bad bc offset ${offsetBytes}`);
  return w((16 << 26) | ((bo & 31) << 21) | ((bi & 31) << 16) | (offsetBytes & 0xfffc));
};
export const beq = (cr: number, offsetBytes: number): number => bc(12, 4 * cr + 2, offsetBytes);
export const bctr = (): number => 0x4e80_0420;
