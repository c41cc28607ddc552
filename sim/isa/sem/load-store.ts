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

const PAGE_BYTES = 4096;

/**
 * The page object holding [a, a + sizeBytes) for reading, from the one-entry TLB when possible,
 * or undefined when the access crosses a page or leaves RAM: the caller then goes through
 * PhysicalMemory's checked accessors, which raise the TransactionError.
 */
function pageForRead(c: Cpu, a: number, sizeBytes: number): Uint8Array | undefined {
  if ((a & (PAGE_BYTES - 1)) > PAGE_BYTES - sizeBytes) return undefined;
  const pageIndex = Math.floor(a / PAGE_BYTES);
  const mem = c.mem;
  if (c.tlbEpoch !== mem.pageEpoch) {
    c.tlbEpoch = mem.pageEpoch;
    c.rIndex = -1;
    c.wIndex = -1;
  }
  if (pageIndex === c.rIndex) return c.rPage;
  if (pageIndex === c.wIndex) return c.wPage;
  if (!(a >= 0 && (pageIndex + 1) * PAGE_BYTES <= mem.sizeBytes)) return undefined;
  const page = mem.readablePage(pageIndex);
  c.rIndex = pageIndex;
  c.rPage = page;
  return page;
}

/** As pageForRead, for writing: the page is owned by the memory (cloned if it was shared). */
function pageForWrite(c: Cpu, a: number, sizeBytes: number): Uint8Array | undefined {
  if ((a & (PAGE_BYTES - 1)) > PAGE_BYTES - sizeBytes) return undefined;
  const pageIndex = Math.floor(a / PAGE_BYTES);
  const mem = c.mem;
  if (c.tlbEpoch === mem.pageEpoch && pageIndex === c.wIndex) return c.wPage;
  if (!(a >= 0 && (pageIndex + 1) * PAGE_BYTES <= mem.sizeBytes)) return undefined;
  const page = mem.writablePage(pageIndex);
  // Getting the page may allocate or clone it, which changes the epoch: drop the read entry.
  if (c.tlbEpoch !== mem.pageEpoch) {
    c.tlbEpoch = mem.pageEpoch;
    c.rIndex = -1;
  }
  c.wIndex = pageIndex;
  c.wPage = page;
  return page;
}

export function read8(c: Cpu, a: number): number {
  const p = pageForRead(c, a, 1);
  return p === undefined ? c.mem.read8(a) : p[a & (PAGE_BYTES - 1)]!;
}

export function read16(c: Cpu, a: number, le: boolean): number {
  const p = pageForRead(c, a, 2);
  if (p === undefined) {
    const b0 = c.mem.read8(a);
    const b1 = c.mem.read8(a + 1);
    return le ? (b1 << 8) | b0 : (b0 << 8) | b1;
  }
  const o = a & (PAGE_BYTES - 1);
  return le ? (p[o + 1]! << 8) | p[o]! : (p[o]! << 8) | p[o + 1]!;
}

export function read32(c: Cpu, a: number, le: boolean): number {
  const p = pageForRead(c, a, 4);
  if (p === undefined) return le ? c.mem.read32LE(a) : c.mem.read32BE(a);
  const o = a & (PAGE_BYTES - 1);
  return le
    ? ((p[o + 3]! << 24) | (p[o + 2]! << 16) | (p[o + 1]! << 8) | p[o]!) >>> 0
    : ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;
}

export function write8(c: Cpu, a: number, v: number): void {
  const p = pageForWrite(c, a, 1);
  if (p === undefined) c.mem.write8(a, v & 0xff);
  else p[a & (PAGE_BYTES - 1)] = v;
}

export function write16(c: Cpu, a: number, v: number, le: boolean): void {
  const p = pageForWrite(c, a, 2);
  const hi = (v >>> 8) & 0xff;
  const lo = v & 0xff;
  if (p === undefined) {
    c.mem.write8(a, le ? lo : hi);
    c.mem.write8(a + 1, le ? hi : lo);
    return;
  }
  const o = a & (PAGE_BYTES - 1);
  p[o] = le ? lo : hi;
  p[o + 1] = le ? hi : lo;
}

export function write32(c: Cpu, a: number, v: number, le: boolean): void {
  const p = pageForWrite(c, a, 4);
  if (p === undefined) {
    if (le) c.mem.write32LE(a, v);
    else c.mem.write32BE(a, v);
    return;
  }
  const o = a & (PAGE_BYTES - 1);
  if (le) {
    p[o] = v;
    p[o + 1] = v >>> 8;
    p[o + 2] = v >>> 16;
    p[o + 3] = v >>> 24;
  } else {
    p[o] = v >>> 24;
    p[o + 1] = v >>> 16;
    p[o + 2] = v >>> 8;
    p[o + 3] = v;
  }
}

/** Load `sizeBytes` at `a` into RT, zero- or sign-extended, in `le` byte order. */
function loadInto(c: Cpu, rt: number, a: number, sizeBytes: number, signed: boolean, le: boolean): void {
  let hi = 0;
  let lo: number;
  if (sizeBytes === 1) lo = read8(c, a);
  else if (sizeBytes === 2) {
    lo = read16(c, a, le);
    if (signed) lo = (lo << 16) >> 16;
  } else if (sizeBytes === 4) {
    lo = read32(c, a, le);
    if (signed) lo |= 0;
  } else {
    // Both words are read before RT is written, so a fault leaves RT unchanged.
    const first = read32(c, a, le);
    const second = read32(c, a + 4, le);
    hi = le ? second : first;
    lo = le ? first : second;
  }
  if (signed && sizeBytes < 8) hi = signHi(lo);
  c.r[2 * rt] = hi >>> 0;
  c.r[2 * rt + 1] = lo >>> 0;
}

/** Store the low `sizeBytes` of RS at `a` in `le` byte order. */
function storeFrom(c: Cpu, rs: number, a: number, sizeBytes: number, le: boolean): void {
  const lo = c.r[2 * rs + 1]!;
  if (sizeBytes === 1) write8(c, a, lo & 0xff);
  else if (sizeBytes === 2) write16(c, a, lo, le);
  else if (sizeBytes === 4) write32(c, a, lo, le);
  else store64(c, a, c.r[2 * rs]!, lo, le);
}

function store64(c: Cpu, a: number, hi: number, lo: number, le: boolean): void {
  write32(c, a, le ? lo : hi, le);
  write32(c, a + 4, le ? hi : lo, le);
}

// The most frequent loads and stores of GCC code get their own handlers, so each is optimised
// with its size known; the factories below cover the rest of the rows.

/** lbz: v3.0 Book I 3.3.2, RT <- 56 zeros || MEM(EA, 1). */
export const LBZ = (c: Cpu, op: Op): FlowCode => {
  const v = read8(c, eaDisp(c, op.RA, op.xHi, op.xLo));
  c.r[2 * op.RT] = 0;
  c.r[2 * op.RT + 1] = v;
  return Flow.NEXT;
};
/** lbzx: v3.0 Book I 3.3.2, indexed lbz. */
export const LBZX = (c: Cpu, op: Op): FlowCode => {
  const v = read8(c, eaIndexed(c, op.RA, op.RB));
  c.r[2 * op.RT] = 0;
  c.r[2 * op.RT + 1] = v;
  return Flow.NEXT;
};
/** lhz: v3.0 Book I 3.3.2, RT <- 48 zeros || MEM(EA, 2). */
export const LHZ = (c: Cpu, op: Op): FlowCode => {
  const v = read16(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.le);
  c.r[2 * op.RT] = 0;
  c.r[2 * op.RT + 1] = v;
  return Flow.NEXT;
};
/** lwz: v3.0 Book I 3.3.2, RT <- 32 zeros || MEM(EA, 4). */
export const LWZ = (c: Cpu, op: Op): FlowCode => {
  const v = read32(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.le);
  c.r[2 * op.RT] = 0;
  c.r[2 * op.RT + 1] = v;
  return Flow.NEXT;
};
/** lwzx: v3.0 Book I 3.3.2, indexed lwz. */
export const LWZX = (c: Cpu, op: Op): FlowCode => {
  const v = read32(c, eaIndexed(c, op.RA, op.RB), c.le);
  c.r[2 * op.RT] = 0;
  c.r[2 * op.RT + 1] = v;
  return Flow.NEXT;
};
/** lwa: v3.0 Book I 3.3.2, RT <- EXTS(MEM(EA, 4)). */
export const LWA = (c: Cpu, op: Op): FlowCode => {
  const v = read32(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.le);
  c.r[2 * op.RT] = signHi(v);
  c.r[2 * op.RT + 1] = v;
  return Flow.NEXT;
};
/** ld: v3.0 Book I 3.3.2, RT <- MEM(EA, 8). */
export const LD = (c: Cpu, op: Op): FlowCode => {
  loadInto(c, op.RT, eaDisp(c, op.RA, op.xHi, op.xLo), 8, false, c.le);
  return Flow.NEXT;
};
/** ldx: v3.0 Book I 3.3.2, indexed ld. */
export const LDX = (c: Cpu, op: Op): FlowCode => {
  loadInto(c, op.RT, eaIndexed(c, op.RA, op.RB), 8, false, c.le);
  return Flow.NEXT;
};
/** stb: v3.0 Book I 3.3.4, MEM(EA, 1) <- (RS)[56:63]. */
export const STB = (c: Cpu, op: Op): FlowCode => {
  write8(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.r[2 * op.RS + 1]! & 0xff);
  return Flow.NEXT;
};
/** stbx: v3.0 Book I 3.3.4, indexed stb. */
export const STBX = (c: Cpu, op: Op): FlowCode => {
  write8(c, eaIndexed(c, op.RA, op.RB), c.r[2 * op.RS + 1]! & 0xff);
  return Flow.NEXT;
};
/** sth: v3.0 Book I 3.3.4, MEM(EA, 2) <- (RS)[48:63]. */
export const STH = (c: Cpu, op: Op): FlowCode => {
  write16(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.r[2 * op.RS + 1]!, c.le);
  return Flow.NEXT;
};
/** stw: v3.0 Book I 3.3.4, MEM(EA, 4) <- (RS)[32:63]. */
export const STW = (c: Cpu, op: Op): FlowCode => {
  write32(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.r[2 * op.RS + 1]!, c.le);
  return Flow.NEXT;
};
/** stwx: v3.0 Book I 3.3.4, indexed stw. */
export const STWX = (c: Cpu, op: Op): FlowCode => {
  write32(c, eaIndexed(c, op.RA, op.RB), c.r[2 * op.RS + 1]!, c.le);
  return Flow.NEXT;
};
/** std: v3.0 Book I 3.3.4, MEM(EA, 8) <- (RS). */
export const STD = (c: Cpu, op: Op): FlowCode => {
  store64(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.r[2 * op.RS]!, c.r[2 * op.RS + 1]!, c.le);
  return Flow.NEXT;
};
/** stdx: v3.0 Book I 3.3.4, indexed std. */
export const STDX = (c: Cpu, op: Op): FlowCode => {
  store64(c, eaIndexed(c, op.RA, op.RB), c.r[2 * op.RS]!, c.r[2 * op.RS + 1]!, c.le);
  return Flow.NEXT;
};
/** stdu: v3.0 Book I 3.3.4, std then RA <- EA (the stack-frame push); RA = 0 is an invalid form. */
export const STDU = (c: Cpu, op: Op): FlowCode => {
  if (op.RA === 0) return c.raise('illegal', 'invalid form: store with update, RA = 0');
  store64(c, eaDisp(c, op.RA, op.xHi, op.xLo), c.r[2 * op.RS]!, c.r[2 * op.RS + 1]!, c.le);
  c.r[2 * op.RA] = c.eaHi;
  c.r[2 * op.RA + 1] = c.eaLo;
  return Flow.NEXT;
};

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
