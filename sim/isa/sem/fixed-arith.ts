/**
 * Fixed-point arithmetic: Power ISA v3.0 Book I 3.3.9 (add/subtract), 3.3.9 (multiply/divide),
 * and the ISA 3.0 additions (addpcis, mod*, madd*). Checked against qemu-ppc64le, which the
 * differential tests in tests/elf run as the reference.
 *
 * Where the ISA leaves a result undefined (divide by zero, divide overflow), we return what
 * qemu-ppc64le returns, so programs compare byte for byte with it; each such case says so.
 */
import { Flow, type Cpu, type FlowCode, type Op } from '../op.js';
import {
  add64, addOut, mulLow64, mulHighS64, mulHighU64, w64, toBig, toBigSigned, fromBig, divMod64, divModU64, divModS64,
} from '../bits.js';
import { getCa, setCa, setCr0, setGpr, setOv, signHi, NIP_HI, NIP_LO } from './common.js';

const sum = addOut();
const prod = w64();
const prodHigh = w64();
const qr = divMod64();

/** XO-form add family: RT <- a + b + carryIn with the XER and CR0 effects the row asks for. */
function addForm(c: Cpu, op: Op, aHi: number, aLo: number, bHi: number, bLo: number, carryIn: number, setsCa: boolean): FlowCode {
  add64(aHi, aLo, bHi, bLo, carryIn, sum);
  c.r[2 * op.RT] = sum.hi;
  c.r[2 * op.RT + 1] = sum.lo;
  if (setsCa) setCa(c, sum.ca, sum.ca32);
  if (op.OE) setOv(c, sum.ov, sum.ov32);
  if (op.Rc) setCr0(c, sum.hi, sum.lo);
  return Flow.NEXT;
}

const hiOf = (c: Cpu, n: number): number => c.r[2 * n]!;
const loOf = (c: Cpu, n: number): number => c.r[2 * n + 1]!;

/** add: v3.0 Book I 3.3.9, RT <- (RA) + (RB). */
export const ADD = (c: Cpu, op: Op): FlowCode => {
  if (op.OE | op.Rc) return addForm(c, op, hiOf(c, op.RA), loOf(c, op.RA), hiOf(c, op.RB), loOf(c, op.RB), 0, false);
  // The common case without XER/CR effects stays a straight two-word add.
  const lo = loOf(c, op.RA) + loOf(c, op.RB);
  c.r[2 * op.RT] = (hiOf(c, op.RA) + hiOf(c, op.RB) + (lo > 0xffff_ffff ? 1 : 0)) >>> 0;
  c.r[2 * op.RT + 1] = lo >>> 0;
  return Flow.NEXT;
};
/** addc: v3.0 Book I 3.3.9, RT <- (RA) + (RB), CA/CA32 from the carries. */
export const ADDC = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, hiOf(c, op.RA), loOf(c, op.RA), hiOf(c, op.RB), loOf(c, op.RB), 0, true);
/** adde: v3.0 Book I 3.3.9, RT <- (RA) + (RB) + CA. */
export const ADDE = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, hiOf(c, op.RA), loOf(c, op.RA), hiOf(c, op.RB), loOf(c, op.RB), getCa(c), true);
/** addme: v3.0 Book I 3.3.9, RT <- (RA) + CA - 1. */
export const ADDME = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, hiOf(c, op.RA), loOf(c, op.RA), 0xffff_ffff, 0xffff_ffff, getCa(c), true);
/** addze: v3.0 Book I 3.3.9, RT <- (RA) + CA. */
export const ADDZE = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, hiOf(c, op.RA), loOf(c, op.RA), 0, 0, getCa(c), true);
/** subf: v3.0 Book I 3.3.9, RT <- ¬(RA) + (RB) + 1. */
export const SUBF = (c: Cpu, op: Op): FlowCode => {
  if (op.OE | op.Rc) return addForm(c, op, ~hiOf(c, op.RA) >>> 0, ~loOf(c, op.RA) >>> 0, hiOf(c, op.RB), loOf(c, op.RB), 1, false);
  const aLo = loOf(c, op.RA);
  const bLo = loOf(c, op.RB);
  c.r[2 * op.RT] = (hiOf(c, op.RB) - hiOf(c, op.RA) - (bLo < aLo ? 1 : 0)) >>> 0;
  c.r[2 * op.RT + 1] = (bLo - aLo) >>> 0;
  return Flow.NEXT;
};
/** subfc: v3.0 Book I 3.3.9, RT <- ¬(RA) + (RB) + 1, CA/CA32 from the carries. */
export const SUBFC = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, ~hiOf(c, op.RA) >>> 0, ~loOf(c, op.RA) >>> 0, hiOf(c, op.RB), loOf(c, op.RB), 1, true);
/** subfe: v3.0 Book I 3.3.9, RT <- ¬(RA) + (RB) + CA. */
export const SUBFE = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, ~hiOf(c, op.RA) >>> 0, ~loOf(c, op.RA) >>> 0, hiOf(c, op.RB), loOf(c, op.RB), getCa(c), true);
/** subfme: v3.0 Book I 3.3.9, RT <- ¬(RA) + CA - 1. */
export const SUBFME = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, ~hiOf(c, op.RA) >>> 0, ~loOf(c, op.RA) >>> 0, 0xffff_ffff, 0xffff_ffff, getCa(c), true);
/** subfze: v3.0 Book I 3.3.9, RT <- ¬(RA) + CA. */
export const SUBFZE = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, ~hiOf(c, op.RA) >>> 0, ~loOf(c, op.RA) >>> 0, 0, 0, getCa(c), true);
/** neg: v3.0 Book I 3.3.9, RT <- ¬(RA) + 1; CA is not touched. */
export const NEG = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, ~hiOf(c, op.RA) >>> 0, ~loOf(c, op.RA) >>> 0, 0, 0, 1, false);

/** addi: v3.0 Book I 3.3.9, RT <- (RA|0) + EXTS(SI). `prepare` put EXTS(SI) in (xHi, xLo). */
export const ADDI = (c: Cpu, op: Op): FlowCode => {
  if (op.RA === 0) {
    c.r[2 * op.RT] = op.xHi;
    c.r[2 * op.RT + 1] = op.xLo;
    return Flow.NEXT;
  }
  const lo = loOf(c, op.RA) + op.xLo;
  c.r[2 * op.RT] = (hiOf(c, op.RA) + op.xHi + (lo > 0xffff_ffff ? 1 : 0)) >>> 0;
  c.r[2 * op.RT + 1] = lo >>> 0;
  return Flow.NEXT;
};
/** addis: v3.0 Book I 3.3.9, RT <- (RA|0) + EXTS(SI || 0x0000); same handler, prepared immediate. */
export const ADDIS = ADDI;
/** addic / addic.: v3.0 Book I 3.3.9, RT <- (RA) + EXTS(SI), CA/CA32 set; addic. also sets CR0. */
export const ADDIC = (c: Cpu, op: Op): FlowCode => addForm(c, op, hiOf(c, op.RA), loOf(c, op.RA), op.xHi, op.xLo, 0, true);
/** subfic: v3.0 Book I 3.3.9, RT <- ¬(RA) + EXTS(SI) + 1, CA/CA32 set. */
export const SUBFIC = (c: Cpu, op: Op): FlowCode =>
  addForm(c, op, ~hiOf(c, op.RA) >>> 0, ~loOf(c, op.RA) >>> 0, op.xHi, op.xLo, 1, true);
/** addpcis: v3.0 Book I 3.3.9, RT <- NIA + EXTS(D || 0x0000). */
export const ADDPCIS = (c: Cpu, op: Op): FlowCode => {
  const nLo = c.r[NIP_LO]! + 4;
  const nHi = c.r[NIP_HI]! + (nLo > 0xffff_ffff ? 1 : 0);
  const lo = (nLo >>> 0) + op.xLo;
  c.r[2 * op.RT] = (nHi + op.xHi + (lo > 0xffff_ffff ? 1 : 0)) >>> 0;
  c.r[2 * op.RT + 1] = lo >>> 0;
  return Flow.NEXT;
};

/** mulli: v3.0 Book I 3.3.9, RT <- low 64 bits of (RA) × EXTS(SI). */
export const MULLI = (c: Cpu, op: Op): FlowCode => {
  mulLow64(hiOf(c, op.RA), loOf(c, op.RA), op.xHi, op.xLo, prod);
  setGpr(c, op.RT, prod.hi, prod.lo);
  return Flow.NEXT;
};
/** mulld: v3.0 Book I 3.3.9, RT <- low 64 bits of (RA) × (RB); OV (= OV32, as qemu) if the signed product does not fit. */
export const MULLD = (c: Cpu, op: Op): FlowCode => {
  const aHi = hiOf(c, op.RA), aLo = loOf(c, op.RA), bHi = hiOf(c, op.RB), bLo = loOf(c, op.RB);
  mulLow64(aHi, aLo, bHi, bLo, prod);
  if (op.OE) {
    mulHighS64(aHi, aLo, bHi, bLo, prodHigh);
    const ext = signHi(prod.hi);
    const ov = prodHigh.hi === ext && prodHigh.lo === ext ? 0 : 1;
    setOv(c, ov, ov);
  }
  setGpr(c, op.RT, prod.hi, prod.lo);
  if (op.Rc) setCr0(c, prod.hi, prod.lo);
  return Flow.NEXT;
};
/** mullw: v3.0 Book I 3.3.9, RT <- (RA)[32:63] × (RB)[32:63] as a 64-bit signed product; OV = OV32 if it does not fit 32 bits. */
export const MULLW = (c: Cpu, op: Op): FlowCode => {
  const a = loOf(c, op.RA), b = loOf(c, op.RB);
  mulLow64(signHi(a), a, signHi(b), b, prod);
  if (op.OE) {
    const ov = prod.hi === signHi(prod.lo) ? 0 : 1;
    setOv(c, ov, ov);
  }
  setGpr(c, op.RT, prod.hi, prod.lo);
  if (op.Rc) setCr0(c, prod.hi, prod.lo);
  return Flow.NEXT;
};
/**
 * mulhw: v3.0 Book I 3.3.9, RT[32:63] <- high word of the signed 32 × 32 product. RT[0:31] is
 * undefined; qemu-ppc64le zero-extends, and so do we.
 */
export const MULHW = (c: Cpu, op: Op): FlowCode => {
  const a = loOf(c, op.RA), b = loOf(c, op.RB);
  mulLow64(signHi(a), a, signHi(b), b, prod);
  setGpr(c, op.RT, 0, prod.hi);
  if (op.Rc) setCr0(c, 0, prod.hi);
  return Flow.NEXT;
};
/** mulhwu: v3.0 Book I 3.3.9, RT[32:63] <- high word of the unsigned product; RT[0:31] zero as qemu. */
export const MULHWU = (c: Cpu, op: Op): FlowCode => {
  mulLow64(0, loOf(c, op.RA), 0, loOf(c, op.RB), prod);
  setGpr(c, op.RT, 0, prod.hi);
  if (op.Rc) setCr0(c, 0, prod.hi);
  return Flow.NEXT;
};
/** mulhd: v3.0 Book I 3.3.9, RT <- high 64 bits of the signed 128-bit product. */
export const MULHD = (c: Cpu, op: Op): FlowCode => {
  mulHighS64(hiOf(c, op.RA), loOf(c, op.RA), hiOf(c, op.RB), loOf(c, op.RB), prodHigh);
  setGpr(c, op.RT, prodHigh.hi, prodHigh.lo);
  if (op.Rc) setCr0(c, prodHigh.hi, prodHigh.lo);
  return Flow.NEXT;
};
/** mulhdu: v3.0 Book I 3.3.9, RT <- high 64 bits of the unsigned 128-bit product. */
export const MULHDU = (c: Cpu, op: Op): FlowCode => {
  mulHighU64(hiOf(c, op.RA), loOf(c, op.RA), hiOf(c, op.RB), loOf(c, op.RB), prodHigh);
  setGpr(c, op.RT, prodHigh.hi, prodHigh.lo);
  if (op.Rc) setCr0(c, prodHigh.hi, prodHigh.lo);
  return Flow.NEXT;
};

/** maddld: v3.0 Book I 3.3.9, RT <- low 64 bits of (RA) × (RB) + (RC). */
export const MADDLD = (c: Cpu, op: Op): FlowCode => {
  mulLow64(hiOf(c, op.RA), loOf(c, op.RA), hiOf(c, op.RB), loOf(c, op.RB), prod);
  add64(prod.hi, prod.lo, hiOf(c, op.RC), loOf(c, op.RC), 0, sum);
  setGpr(c, op.RT, sum.hi, sum.lo);
  return Flow.NEXT;
};
/** maddhd: v3.0 Book I 3.3.9, RT <- high 64 bits of (RA) × (RB) + EXTS(RC), signed 128-bit. */
export const MADDHD = (c: Cpu, op: Op): FlowCode => {
  const p = toBigSigned(hiOf(c, op.RA), loOf(c, op.RA)) * toBigSigned(hiOf(c, op.RB), loOf(c, op.RB));
  fromBig((p + toBigSigned(hiOf(c, op.RC), loOf(c, op.RC))) >> 64n, prod);
  setGpr(c, op.RT, prod.hi, prod.lo);
  return Flow.NEXT;
};
/** maddhdu: v3.0 Book I 3.3.9, RT <- high 64 bits of (RA) × (RB) + (RC), unsigned 128-bit. */
export const MADDHDU = (c: Cpu, op: Op): FlowCode => {
  const p = toBig(hiOf(c, op.RA), loOf(c, op.RA)) * toBig(hiOf(c, op.RB), loOf(c, op.RB));
  fromBig((p + toBig(hiOf(c, op.RC), loOf(c, op.RC))) >> 64n, prod);
  setGpr(c, op.RT, prod.hi, prod.lo);
  return Flow.NEXT;
};

/** Write a divide result and its OV/CR0 effects. */
function divResult(c: Cpu, op: Op, hi: number, lo: number, overflow: number): FlowCode {
  setGpr(c, op.RT, hi, lo);
  if (op.OE) setOv(c, overflow, overflow);
  if (op.Rc) setCr0(c, hi, lo);
  return Flow.NEXT;
}

/**
 * divw: v3.0 Book I 3.3.9, RT[32:63] <- (RA)[32:63] ÷ (RB)[32:63] signed; RT[0:31] undefined.
 * qemu-ppc64le zero-extends the quotient and, on divide-by-zero or INT_MIN ÷ -1, divides by 1
 * instead (the dividend's low word comes back).
 */
export const DIVW = (c: Cpu, op: Op): FlowCode => {
  const a = loOf(c, op.RA) | 0, b = loOf(c, op.RB) | 0;
  if (b === 0 || (a === -0x8000_0000 && b === -1)) return divResult(c, op, 0, a >>> 0, 1);
  return divResult(c, op, 0, Math.trunc(a / b) >>> 0, 0);
};
/** divwu: v3.0 Book I 3.3.9, unsigned word divide; qemu's divide-by-zero result is the dividend. */
export const DIVWU = (c: Cpu, op: Op): FlowCode => {
  const a = loOf(c, op.RA) >>> 0, b = loOf(c, op.RB) >>> 0;
  if (b === 0) return divResult(c, op, 0, a, 1);
  return divResult(c, op, 0, Math.floor(a / b) >>> 0, 0);
};
/**
 * divd: v3.0 Book I 3.3.9, signed doubleword divide. Operands that fit in 32 bits divide as
 * doubles (exact); the rest go through divModS64 (exact, on halves). Invalid cases return the
 * dividend, as qemu-ppc64le does.
 */
export const DIVD = (c: Cpu, op: Op): FlowCode => {
  const aHi = hiOf(c, op.RA), aLo = loOf(c, op.RA), bHi = hiOf(c, op.RB), bLo = loOf(c, op.RB);
  if ((bHi | bLo) === 0 || (aHi === 0x8000_0000 && aLo === 0 && bHi === 0xffff_ffff && bLo === 0xffff_ffff)) {
    return divResult(c, op, aHi, aLo, 1);
  }
  if (aHi === signHi(aLo) && bHi === signHi(bLo)) {
    const q = Math.trunc((aLo | 0) / (bLo | 0));
    // Only -2^31 ÷ -1 = 2^31 leaves the int32 range here.
    return divResult(c, op, q < 0 ? 0xffff_ffff : 0, q >>> 0, 0);
  }
  divModS64(aHi, aLo, bHi, bLo, qr);
  return divResult(c, op, qr.qHi, qr.qLo, 0);
};
/** divdu: v3.0 Book I 3.3.9, unsigned doubleword divide; divide-by-zero returns the dividend as qemu. */
export const DIVDU = (c: Cpu, op: Op): FlowCode => {
  const aHi = hiOf(c, op.RA), aLo = loOf(c, op.RA), bHi = hiOf(c, op.RB), bLo = loOf(c, op.RB);
  if ((bHi | bLo) === 0) return divResult(c, op, aHi, aLo, 1);
  if (aHi === 0 && bHi === 0) return divResult(c, op, 0, Math.floor(aLo / bLo) >>> 0, 0);
  divModU64(aHi, aLo, bHi, bLo, qr);
  return divResult(c, op, qr.qHi, qr.qLo, 0);
};
/**
 * divwe: v3.0 Book I 3.3.9, ((RA)[32:63] || 0^32) ÷ EXTS((RB)[32:63]). RT[0:31] is undefined;
 * qemu-ppc64le returns the quotient sign-extended, and RT = 0 on overflow.
 */
export const DIVWE = (c: Cpu, op: Op): FlowCode => {
  const dividend = BigInt(loOf(c, op.RA) | 0) << 32n;
  const divisor = BigInt(loOf(c, op.RB) | 0);
  if (divisor === 0n) return divResult(c, op, 0, 0, 1);
  const q = dividend / divisor;
  if (q !== BigInt.asIntN(32, q)) return divResult(c, op, 0, 0, 1);
  const lo = Number(BigInt.asUintN(32, q));
  return divResult(c, op, signHi(lo), lo, 0);
};
/** divweu: v3.0 Book I 3.3.9, unsigned extended word divide; on overflow RT = 0 (qemu). */
export const DIVWEU = (c: Cpu, op: Op): FlowCode => {
  const dividend = BigInt(loOf(c, op.RA) >>> 0) << 32n;
  const divisor = BigInt(loOf(c, op.RB) >>> 0);
  if (divisor === 0n) return divResult(c, op, 0, 0, 1);
  const q = dividend / divisor;
  if (q > 0xffff_ffffn) return divResult(c, op, 0, 0, 1);
  return divResult(c, op, 0, Number(q), 0);
};
/** divde: v3.0 Book I 3.3.9, ((RA) || 0^64) ÷ (RB) signed; on overflow RT = 0 (qemu). */
export const DIVDE = (c: Cpu, op: Op): FlowCode => {
  const dividend = toBigSigned(hiOf(c, op.RA), loOf(c, op.RA)) << 64n;
  const divisor = toBigSigned(hiOf(c, op.RB), loOf(c, op.RB));
  if (divisor === 0n) return divResult(c, op, 0, 0, 1);
  const q = dividend / divisor;
  if (q !== BigInt.asIntN(64, q)) return divResult(c, op, 0, 0, 1);
  fromBig(BigInt.asUintN(64, q), prod);
  return divResult(c, op, prod.hi, prod.lo, 0);
};
/** divdeu: v3.0 Book I 3.3.9, unsigned extended doubleword divide; on overflow RT = 0 (qemu). */
export const DIVDEU = (c: Cpu, op: Op): FlowCode => {
  const dividend = toBig(hiOf(c, op.RA), loOf(c, op.RA)) << 64n;
  const divisor = toBig(hiOf(c, op.RB), loOf(c, op.RB));
  if (divisor === 0n) return divResult(c, op, 0, 0, 1);
  const q = dividend / divisor;
  if (q > 0xffff_ffff_ffff_ffffn) return divResult(c, op, 0, 0, 1);
  fromBig(q, prod);
  return divResult(c, op, prod.hi, prod.lo, 0);
};

/** modsw: v3.0 Book I 3.3.9, signed word remainder, sign-extended; the invalid cases give 0 (qemu divides by 1). */
export const MODSW = (c: Cpu, op: Op): FlowCode => {
  const a = loOf(c, op.RA) | 0, b = loOf(c, op.RB) | 0;
  const rem = b === 0 || (a === -0x8000_0000 && b === -1) ? 0 : a % b | 0;
  setGpr(c, op.RT, signHi(rem), rem >>> 0);
  return Flow.NEXT;
};
/** moduw: v3.0 Book I 3.3.9, unsigned word remainder, zero-extended; ÷0 gives 0 (qemu). */
export const MODUW = (c: Cpu, op: Op): FlowCode => {
  const a = loOf(c, op.RA) >>> 0, b = loOf(c, op.RB) >>> 0;
  setGpr(c, op.RT, 0, b === 0 ? 0 : a % b);
  return Flow.NEXT;
};
/** modsd: v3.0 Book I 3.3.9, signed doubleword remainder; the invalid cases give 0 (qemu). */
export const MODSD = (c: Cpu, op: Op): FlowCode => {
  const aHi = hiOf(c, op.RA), aLo = loOf(c, op.RA), bHi = hiOf(c, op.RB), bLo = loOf(c, op.RB);
  if ((bHi | bLo) === 0 || (bHi === 0xffff_ffff && bLo === 0xffff_ffff)) {
    setGpr(c, op.RT, 0, 0);
    return Flow.NEXT;
  }
  if (aHi === signHi(aLo) && bHi === signHi(bLo)) {
    const rem = (aLo | 0) % (bLo | 0) | 0;
    setGpr(c, op.RT, signHi(rem), rem >>> 0);
    return Flow.NEXT;
  }
  divModS64(aHi, aLo, bHi, bLo, qr);
  setGpr(c, op.RT, qr.rHi, qr.rLo);
  return Flow.NEXT;
};
/** modud: v3.0 Book I 3.3.9, unsigned doubleword remainder; ÷0 gives 0 (qemu). */
export const MODUD = (c: Cpu, op: Op): FlowCode => {
  const aHi = hiOf(c, op.RA), aLo = loOf(c, op.RA), bHi = hiOf(c, op.RB), bLo = loOf(c, op.RB);
  if ((bHi | bLo) === 0) setGpr(c, op.RT, 0, 0);
  else if (aHi === 0 && bHi === 0) setGpr(c, op.RT, 0, aLo % bLo);
  else {
    divModU64(aHi, aLo, bHi, bLo, qr);
    setGpr(c, op.RT, qr.rHi, qr.rLo);
  }
  return Flow.NEXT;
};
