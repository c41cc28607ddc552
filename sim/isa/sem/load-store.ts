/**
 * Loads and stores: Power ISA v3.0 Book I 3.3.2-3.3.6 (D, DS and X forms, with update,
 * byte-reversed, multiple) and Book II 4.3 cache hints (dcbz and the no-op touches).
 *
 * Addressing is the simulator's real mode: the effective address with its top 4 bits cleared is
 * the physical address (so 0xC000… kernel addresses reach RAM). Data byte order follows MSR[LE];
 * the byte-reversed forms use the other order. A physical access outside RAM throws
 * TransactionError from PhysicalMemory, which the interpreter turns into a data storage
 * interrupt before anything of the instruction is committed (update forms write RA last).
 */
import { Flow, type Cpu, type FlowCode, type Handler, type Op } from '../op.js';
import { signHi } from './common.js';

const TWO32 = 4294967296;
/** Real mode ignores EA bits 0:3 (design section 2: 0xC000… kernel addresses map to RAM). */
const REAL_MODE_HI_MASK = 0x0fff_ffff;
/** dcbz zeroes one cache block; POWER9's block is 128 bytes. */
export const CACHE_BLOCK_BYTES = 128;

/** Physical address of the EA (hi:lo) under real-mode translation. */
export function realAddress(hi: number, lo: number): number {
  return (hi & REAL_MODE_HI_MASK) * TWO32 + (lo >>> 0);
}

/** EA <- (RA|0) + (dHi:dLo); returns the physical address and leaves the EA in c.eaHi/eaLo. */
function eaDisp(c: Cpu, ra: number, dHi: number, dLo: number): number {
  if (ra === 0) {
    c.eaHi = dHi;
    c.eaLo = dLo;
  } else {
    const lo = c.r[2 * ra + 1]! + dLo;
    c.eaHi = (c.r[2 * ra]! + dHi + (lo > 0xffff_ffff ? 1 : 0)) >>> 0;
    c.eaLo = lo >>> 0;
  }
  return realAddress(c.eaHi, c.eaLo);
}

/** EA <- (RA|0) + (RB). */
function eaIndexed(c: Cpu, ra: number, rb: number): number {
  return eaDisp(c, ra, c.r[2 * rb]!, c.r[2 * rb + 1]!);
}

/** Load `sizeBytes` at `a` into RT, zero- or sign-extended, in `le` byte order. */
function loadInto(c: Cpu, rt: number, a: number, sizeBytes: number, signed: boolean, le: boolean): void {
  const mem = c.mem;
  let hi = 0;
  let lo: number;
  switch (sizeBytes) {
    case 1:
      lo = mem.read8(a);
      break;
    case 2: {
      const b0 = mem.read8(a);
      const b1 = mem.read8(a + 1);
      lo = le ? (b1 << 8) | b0 : (b0 << 8) | b1;
      if (signed) lo = (lo << 16) >> 16;
      break;
    }
    case 4:
      lo = le ? mem.read32LE(a) : mem.read32BE(a);
      if (signed) lo |= 0;
      break;
    default:
      if (le) {
        lo = mem.read32LE(a);
        hi = mem.read32LE(a + 4);
      } else {
        hi = mem.read32BE(a);
        lo = mem.read32BE(a + 4);
      }
  }
  if (signed && sizeBytes < 8) hi = signHi(lo);
  c.r[2 * rt] = hi >>> 0;
  c.r[2 * rt + 1] = lo >>> 0;
}

/** Store the low `sizeBytes` of RS at `a` in `le` byte order. */
function storeFrom(c: Cpu, rs: number, a: number, sizeBytes: number, le: boolean): void {
  const mem = c.mem;
  const lo = c.r[2 * rs + 1]!;
  switch (sizeBytes) {
    case 1:
      mem.write8(a, lo & 0xff);
      return;
    case 2:
      if (le) {
        mem.write8(a, lo & 0xff);
        mem.write8(a + 1, (lo >>> 8) & 0xff);
      } else {
        mem.write8(a, (lo >>> 8) & 0xff);
        mem.write8(a + 1, lo & 0xff);
      }
      return;
    case 4:
      if (le) mem.write32LE(a, lo);
      else mem.write32BE(a, lo);
      return;
    default: {
      const hi = c.r[2 * rs]!;
      if (le) {
        mem.write32LE(a, lo);
        mem.write32LE(a + 4, hi);
      } else {
        mem.write32BE(a, hi);
        mem.write32BE(a + 4, lo);
      }
    }
  }
}

/** What distinguishes one load or store row from another (QEMU's TRANS parameters). */
export interface AccessShape {
  readonly sizeBytes: 1 | 2 | 4 | 8;
  readonly signed?: boolean;
  readonly update?: boolean;
  readonly indexed?: boolean;
  /** Byte-reversed (lhbrx, stwbrx…): the opposite of the MSR[LE] order. */
  readonly reversed?: boolean;
}

function setEaInRa(c: Cpu, ra: number): void {
  c.r[2 * ra] = c.eaHi;
  c.r[2 * ra + 1] = c.eaLo;
}

/**
 * A load handler (v3.0 Book I 3.3.2/3.3.3). Update forms with RA = 0 or RA = RT are invalid
 * forms, which POWER9 and qemu treat as illegal instructions.
 */
export function load(shape: AccessShape): Handler {
  const { sizeBytes, signed = false, update = false, indexed = false, reversed = false } = shape;
  return (c: Cpu, op: Op): FlowCode => {
    if (update && (op.RA === 0 || op.RA === op.RT)) return c.raise('illegal', 'invalid form: load with update, RA = 0 or RA = RT');
    const a = indexed ? eaIndexed(c, op.RA, op.RB) : eaDisp(c, op.RA, op.xHi, op.xLo);
    loadInto(c, op.RT, a, sizeBytes, signed, c.le !== reversed);
    if (update) setEaInRa(c, op.RA);
    return Flow.NEXT;
  };
}

/** A store handler (v3.0 Book I 3.3.4/3.3.5). Update forms with RA = 0 are invalid forms. */
export function store(shape: AccessShape): Handler {
  const { sizeBytes, update = false, indexed = false, reversed = false } = shape;
  return (c: Cpu, op: Op): FlowCode => {
    if (update && op.RA === 0) return c.raise('illegal', 'invalid form: store with update, RA = 0');
    const a = indexed ? eaIndexed(c, op.RA, op.RB) : eaDisp(c, op.RA, op.xHi, op.xLo);
    storeFrom(c, op.RS, a, sizeBytes, c.le !== reversed);
    if (update) setEaInRa(c, op.RA);
    return Flow.NEXT;
  };
}

/**
 * lmw: v3.0 Book I 3.3.6, load RT..r31 from consecutive words. Little-endian mode raises an
 * alignment interrupt, as POWER9 and qemu do.
 */
export const LMW = (c: Cpu, op: Op): FlowCode => {
  if (c.le) return c.raise('alignment', 'lmw in little-endian mode');
  if (op.RA !== 0 && op.RA >= op.RT) return c.raise('illegal', 'invalid form: lmw with RA in the loaded range');
  let a = eaDisp(c, op.RA, op.xHi, op.xLo);
  for (let r = op.RT; r < 32; r++, a += 4) {
    c.r[2 * r] = 0;
    c.r[2 * r + 1] = c.mem.read32BE(a);
  }
  return Flow.NEXT;
};
/** stmw: v3.0 Book I 3.3.6, store RS..r31 low words to consecutive words (big-endian mode only). */
export const STMW = (c: Cpu, op: Op): FlowCode => {
  if (c.le) return c.raise('alignment', 'stmw in little-endian mode');
  let a = eaDisp(c, op.RA, op.xHi, op.xLo);
  for (let r = op.RS; r < 32; r++, a += 4) c.mem.write32BE(a, c.r[2 * r + 1]!);
  return Flow.NEXT;
};

/** dcbz: v3.0 Book II 4.3.2, zero the 128-byte block holding EA. */
export const DCBZ = (c: Cpu, op: Op): FlowCode => {
  const a = eaIndexed(c, op.RA, op.RB);
  c.mem.fill(a - (a % CACHE_BLOCK_BYTES), CACHE_BLOCK_BYTES, 0);
  return Flow.NEXT;
};
/** dcbt, dcbtst, dcbf, dcbst, icbi: v3.0 Book II 4.3, performance hints with no architected effect here. */
export const CACHE_HINT = (): FlowCode => Flow.NEXT;
