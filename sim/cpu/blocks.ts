/**
 * Basic-block translation for `Interpreter.run` (exec, bench): a straight run of predecoded
 * instructions inside one page becomes one JavaScript function, built with `new Function` from
 * the ops' handlers and, for the commonest instructions, their semantics written out inline.
 *
 * Why: the interpreter's remaining cost was one megamorphic `op.exec(cpu, op)` call per
 * instruction. In a translated block every handler call is its own call site with one constant
 * target (a closure variable of the block), which V8 inlines; the frequent arithmetic, compare and
 * rotate forms become a few typed-array operations with the register numbers and immediates as
 * literals; and NIP and the retired count are written once per block instead of once per
 * instruction.
 *
 * Architected behaviour is the step path's, exactly:
 * - NIP: before every handler call the block stores that instruction's address in NIP (handlers
 *   compute branch targets and fault messages from it), so a TRAP or FAULT leaves NIP at the
 *   instruction, and a TransactionError thrown by a load or store finds NIP there too.
 * - Retired count: written on every exit; rows that read the time base (mftb, mfspr) see it exact.
 * - A block ends at a branch, at mtmsrd (it may change MSR[LE] and so the fetch byte order), at an
 *   undecodable word, at the page end and after BLOCK_INSTRUCTIONS_MAX; it stops before `sc` (the
 *   system-call handler runs through `step`) and before the OPAL entry address.
 * - A store may hit the block's own page: after each store the block checks that the page's
 *   decode is still valid and otherwise returns with NIP at the next instruction.
 * Blocks live on the DecodedPage, so invalidating the page drops them. The machine's scheduler
 * still steps one instruction per thread per cycle and never runs blocks.
 */
import { Flow, type FlowCode, type Op } from '../isa/op.js';
import { decodeRow } from '../isa/decode.js';
import { NIP_HI, NIP_LO, MSR_LO, XER_LO, CR_LO, LR_HI, LR_LO, CTR_HI, CTR_LO } from '../isa/sem/common.js';

/** SPR numbers of LR and CTR (mtlr/mflr/mtctr/mfctr are inline register moves). */
const SPR_LR = 8;
const SPR_CTR = 9;

/** Long enough to amortise the block exit; short enough that run's budget check stays fine-grained. */
export const BLOCK_INSTRUCTIONS_MAX = 64;

/** What a block needs from the interpreter (its Cpu, plus the retired counter it maintains). */
export interface BlockHost {
  retired: number;
}

/** Runs a region with at most `budget` instructions; returns how it left (NIP and retired count set). */
/** Runs a region from block start `slot` with at most `budget` instructions; returns how it left (NIP and retired count set). */
export type BlockFn = (c: BlockHost, r: Uint32Array, page: { valid: boolean }, budget: number, slot: number) => FlowCode;

export interface Block {
  readonly fn: BlockFn;
  /** Instructions in the entry block (the least a call from the entry that retires anything retires). */
  readonly length: number;
  /** Word slots where the region's blocks start: the function can be entered at any of them. */
  readonly starts: readonly number[];
}

/** Rows that end a block after them (control flow, MSR changes, illegal words). */
const ENDS_AFTER = new Set(['B', 'BC', 'BCLR', 'BCCTR', 'BCTAR', 'MTMSRD']);
/** Rows that must not be in a block at all: `sc` goes through `step` (the system-call handler). */
const NEVER_IN_BLOCK = new Set(['SC']);
/** Rows that read the time base, which is derived from the retired count (mtspr: DEC counts from it). */
const READS_RETIRED = new Set(['MFTB', 'MFSPR', 'MTSPR']);

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/**
 * Inline source for a few of the commonest instructions (from the differential-tested handlers
 * in sim/isa/sem, specialised on the decoded fields), or undefined to call the handler.
 * `r` is the register array; GPR n is r[2n] (high word), r[2n+1] (low word).
 */
function inlineSource(name: string, op: Op): string | undefined {
  const hi = (n: number): string => `r[${2 * n}]`;
  const lo = (n: number): string => `r[${2 * n + 1}]`;
  switch (name) {
    case 'ADDI':
    case 'ADDIS':
      if (op.RA === 0) return `${hi(op.RT)} = ${hex(op.xHi)}; ${lo(op.RT)} = ${hex(op.xLo)};`;
      return `{ const l = ${lo(op.RA)} + ${hex(op.xLo)}; ${hi(op.RT)} = (${hi(op.RA)} + ${hex(op.xHi)} + (l > 0xffffffff ? 1 : 0)) >>> 0; ${lo(op.RT)} = l >>> 0; }`;
    case 'ADD':
      if (op.OE !== 0 || op.Rc !== 0) return undefined;
      return `{ const l = ${lo(op.RA)} + ${lo(op.RB)}; ${hi(op.RT)} = (${hi(op.RA)} + ${hi(op.RB)} + (l > 0xffffffff ? 1 : 0)) >>> 0; ${lo(op.RT)} = l >>> 0; }`;
    case 'SUBF':
      // RT <- ~RA + RB + 1 = RB - RA.
      if (op.OE !== 0 || op.Rc !== 0) return undefined;
      return `{ const l = ${lo(op.RB)} - ${lo(op.RA)}; ${hi(op.RT)} = (${hi(op.RB)} - ${hi(op.RA)} - (l < 0 ? 1 : 0)) >>> 0; ${lo(op.RT)} = l >>> 0; }`;
    case 'OR':
    case 'XOR':
    case 'AND': {
      if (op.Rc !== 0) return undefined;
      const o = name === 'OR' ? '|' : name === 'XOR' ? '^' : '&';
      return `${hi(op.RA)} = (${hi(op.RS)} ${o} ${hi(op.RB)}) >>> 0; ${lo(op.RA)} = (${lo(op.RS)} ${o} ${lo(op.RB)}) >>> 0;`;
    }
    case 'ORI':
      return `${hi(op.RA)} = ${hi(op.RS)}; ${lo(op.RA)} = (${lo(op.RS)} | ${hex(op.UI)}) >>> 0;`;
    case 'CMPI':
    case 'CMPLI':
    case 'CMP':
    case 'CMPL':
      return compareSource(name, op);
    case 'RLWINM': {
      if (op.Rc !== 0) return undefined;
      const sh = op.SH & 31;
      const rot = sh === 0 ? `${lo(op.RS)}` : `((${lo(op.RS)} << ${sh}) | (${lo(op.RS)} >>> ${32 - sh}))`;
      return `{ const v = ${rot}; ${hi(op.RA)} = (v & ${hex(op.xHi)}) >>> 0; ${lo(op.RA)} = (v & ${hex(op.xLo)}) >>> 0; }`;
    }
    case 'RLDICL':
    case 'RLDICR':
    case 'RLDIC': {
      if (op.Rc !== 0) return undefined;
      // ROTL64 by a constant: swap the halves for bit 5 of the count, then a 32-bit funnel shift.
      const [h, l] = (op.SH & 32) !== 0 ? [lo(op.RS), hi(op.RS)] : [hi(op.RS), lo(op.RS)];
      const s5 = op.SH & 31;
      const rh = s5 === 0 ? h : `((${h} << ${s5}) | (${l} >>> ${32 - s5}))`;
      const rl = s5 === 0 ? l : `((${l} << ${s5}) | (${h} >>> ${32 - s5}))`;
      return `{ const vh = ${rh}, vl = ${rl}; ${hi(op.RA)} = (vh & ${hex(op.xHi)}) >>> 0; ${lo(op.RA)} = (vl & ${hex(op.xLo)}) >>> 0; }`;
    }
    case 'MULLD':
      // Low 64 bits of the product: the exact high word of lo(a)·lo(b) (bits.ts mulhu32) plus the
      // low words of the cross products. Operands are read before RT is written.
      if (op.OE !== 0 || op.Rc !== 0) return undefined;
      return `{ const ah = ${hi(op.RA)}, al = ${lo(op.RA)}, bh = ${hi(op.RB)}, bl = ${lo(op.RB)}; const l = Math.imul(al, bl) >>> 0; ${hi(op.RT)} = (Math.round((al * bl - l) / 4294967296) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0; ${lo(op.RT)} = l; }`;
    case 'MADDLD':
      return `{ const ah = ${hi(op.RA)}, al = ${lo(op.RA)}, bh = ${hi(op.RB)}, bl = ${lo(op.RB)}, ch = ${hi(op.RC)}, cl = ${lo(op.RC)}; const pl = Math.imul(al, bl) >>> 0; const ph = Math.round((al * bl - pl) / 4294967296) + Math.imul(ah, bl) + Math.imul(al, bh); const l = pl + cl; ${hi(op.RT)} = (ph + ch + (l > 0xffffffff ? 1 : 0)) >>> 0; ${lo(op.RT)} = l >>> 0; }`;
    case 'MULLW':
      // The signed 32 × 32 product as 64 bits (bits.ts mulhs32).
      if (op.OE !== 0 || op.Rc !== 0) return undefined;
      return `{ const a = ${lo(op.RA)} | 0, b = ${lo(op.RB)} | 0; const l = Math.imul(a, b) >>> 0; ${hi(op.RT)} = Math.round((a * b - l) / 4294967296) >>> 0; ${lo(op.RT)} = l; }`;
    case 'MULHW':
    case 'MULHWU': {
      // RT[0:31] zero, as the handler (qemu's choice for the undefined half).
      if (op.Rc !== 0) return undefined;
      const cv = name === 'MULHW' ? '| 0' : '';
      return `{ const a = ${lo(op.RA)} ${cv}, b = ${lo(op.RB)} ${cv}; const h = Math.round((a * b - (Math.imul(a, b) >>> 0)) / 4294967296) >>> 0; ${hi(op.RT)} = 0; ${lo(op.RT)} = h; }`;
    }
    case 'MODUW':
      // ÷0 gives 0 (qemu), as the handler.
      return `{ const a = ${lo(op.RA)}, b = ${lo(op.RB)}; ${hi(op.RT)} = 0; ${lo(op.RT)} = b === 0 ? 0 : a % b; }`;
    case 'MODSW':
      // ÷0 and INT_MIN ÷ -1 give 0 (qemu), as the handler.
      return `{ const a = ${lo(op.RA)} | 0, b = ${lo(op.RB)} | 0; const m = b === 0 || (a === -2147483648 && b === -1) ? 0 : (a % b) | 0; ${hi(op.RT)} = m < 0 ? 0xffffffff : 0; ${lo(op.RT)} = m >>> 0; }`;
    case 'DIVWU':
      // ÷0 returns the dividend (qemu), as the handler.
      if (op.OE !== 0 || op.Rc !== 0) return undefined;
      return `{ const a = ${lo(op.RA)}, b = ${lo(op.RB)}; ${hi(op.RT)} = 0; ${lo(op.RT)} = b === 0 ? a : Math.floor(a / b) >>> 0; }`;
    case 'DIVW':
      // ÷0 and INT_MIN ÷ -1 return the dividend's low word zero-extended (qemu), as the handler.
      if (op.OE !== 0 || op.Rc !== 0) return undefined;
      return `{ const a = ${lo(op.RA)} | 0, b = ${lo(op.RB)} | 0; ${hi(op.RT)} = 0; ${lo(op.RT)} = b === 0 || (a === -2147483648 && b === -1) ? a >>> 0 : Math.trunc(a / b) >>> 0; }`;
    case 'NEG':
      if (op.OE !== 0 || op.Rc !== 0) return undefined;
      return `{ const ah = ${hi(op.RA)}, al = ${lo(op.RA)}; ${hi(op.RT)} = (~ah + (al === 0 ? 1 : 0)) >>> 0; ${lo(op.RT)} = (-al) >>> 0; }`;
    case 'EXTSW':
      if (op.Rc !== 0) return undefined;
      return `{ const v = ${lo(op.RS)}; ${hi(op.RA)} = (v | 0) < 0 ? 0xffffffff : 0; ${lo(op.RA)} = v; }`;
    case 'XORI':
      return `${hi(op.RA)} = ${hi(op.RS)}; ${lo(op.RA)} = (${lo(op.RS)} ^ ${hex(op.xLo)}) >>> 0;`;
    case 'ANDI.':
    case 'ANDIS.':
      // RA <- RS & mask (high word zero), CR0 from the (non-negative) result and XER[SO].
      return `{ const v = (${lo(op.RS)} & ${hex(op.xLo)}) >>> 0; ${hi(op.RA)} = 0; ${lo(op.RA)} = v; r[${CR_LO}] = (r[${CR_LO}] & 0x0fffffff) | ((v === 0 ? 2 : 4) << 28) | ((r[${XER_LO}] >>> 31) << 28); }`;
    case 'ISEL': {
      const a = op.RA === 0 ? `${hi(op.RT)} = 0; ${lo(op.RT)} = 0;` : `${hi(op.RT)} = ${hi(op.RA)}; ${lo(op.RT)} = ${lo(op.RA)};`;
      return `if (((r[${CR_LO}] >>> ${31 - op.BC}) & 1) !== 0) { ${a} } else { ${hi(op.RT)} = ${hi(op.RB)}; ${lo(op.RT)} = ${lo(op.RB)}; }`;
    }
    case 'MTSPR':
      // mtlr, mtctr: unprivileged, writable; every other SPR goes through the handler.
      if (op.SPR === SPR_LR) return `r[${LR_HI}] = ${hi(op.RS)}; r[${LR_LO}] = ${lo(op.RS)};`;
      if (op.SPR === SPR_CTR) return `r[${CTR_HI}] = ${hi(op.RS)}; r[${CTR_LO}] = ${lo(op.RS)};`;
      return undefined;
    case 'MFSPR':
      if (op.SPR === SPR_LR) return `${hi(op.RT)} = r[${LR_HI}]; ${lo(op.RT)} = r[${LR_LO}];`;
      if (op.SPR === SPR_CTR) return `${hi(op.RT)} = r[${CTR_HI}]; ${lo(op.RT)} = r[${CTR_LO}];`;
      return undefined;
    default:
      return undefined;
  }
}

/** Loads and stores with a one-entry-TLB fast path inline; the handler (which refills it) otherwise. */
interface MemoryShape {
  readonly sizeBytes: 1 | 2 | 4 | 8;
  readonly store: boolean;
  readonly disp: boolean;
  /** Sign-extending load (lha, lwa). */
  readonly signed?: boolean;
  /** Update form: RA <- EA after the access (invalid forms go to the handler, which raises). */
  readonly update?: boolean;
}
const MEMORY_FAST: Readonly<Record<string, MemoryShape>> = {
  LD: { sizeBytes: 8, store: false, disp: true },
  LDX: { sizeBytes: 8, store: false, disp: false },
  LDU: { sizeBytes: 8, store: false, disp: true, update: true },
  LWZ: { sizeBytes: 4, store: false, disp: true },
  LWZX: { sizeBytes: 4, store: false, disp: false },
  LWZU: { sizeBytes: 4, store: false, disp: true, update: true },
  LWA: { sizeBytes: 4, store: false, disp: true, signed: true },
  LWAX: { sizeBytes: 4, store: false, disp: false, signed: true },
  LHZ: { sizeBytes: 2, store: false, disp: true },
  LHZX: { sizeBytes: 2, store: false, disp: false },
  LHA: { sizeBytes: 2, store: false, disp: true, signed: true },
  LHAX: { sizeBytes: 2, store: false, disp: false, signed: true },
  LBZ: { sizeBytes: 1, store: false, disp: true },
  LBZX: { sizeBytes: 1, store: false, disp: false },
  LBZU: { sizeBytes: 1, store: false, disp: true, update: true },
  STD: { sizeBytes: 8, store: true, disp: true },
  STDX: { sizeBytes: 8, store: true, disp: false },
  STDU: { sizeBytes: 8, store: true, disp: true, update: true },
  STW: { sizeBytes: 4, store: true, disp: true },
  STWX: { sizeBytes: 4, store: true, disp: false },
  STWU: { sizeBytes: 4, store: true, disp: true, update: true },
  STH: { sizeBytes: 2, store: true, disp: true },
  STHX: { sizeBytes: 2, store: true, disp: false },
  STB: { sizeBytes: 1, store: true, disp: true },
  STBX: { sizeBytes: 1, store: true, disp: false },
  STBU: { sizeBytes: 1, store: true, disp: true, update: true },
};

/** The row's fast path applies: not an invalid update form (RA = 0, or RA = RT for a load). */
function memoryFastFits(m: MemoryShape, op: Op): boolean {
  if (m.update !== true) return true;
  return op.RA !== 0 && (m.store || op.RA !== op.RT);
}

/**
 * The fast path of a plain load or store, as source ending in `else { <slow> }`: when the access
 * stays in one page that the interpreter's TLB entry holds (valid while `tlbEpoch` equals the
 * memory's `pageEpoch`, exactly the rule of sim/isa/sem/load-store.ts), move the bytes here;
 * otherwise `slow` runs the handler, which handles page crossing, refills and faults.
 * `le` is the data byte order, fixed for a region (it follows the fetch byte order, MSR[LE]).
 */
function memorySource(name: string, op: Op, le: boolean, slow: string): string | undefined {
  const m = MEMORY_FAST[name];
  if (m === undefined) return undefined;
  if (!memoryFastFits(m, op)) return undefined;
  const { sizeBytes, store, disp } = m;
  const signed = m.signed === true;
  const bHi = disp ? hex(op.xHi) : `r[${2 * op.RB}]`;
  const bLo = disp ? hex(op.xLo) : `r[${2 * op.RB + 1}]`;
  const ea =
    op.RA === 0
      ? `const eh = ${bHi} >>> 0, el = ${bLo} >>> 0;`
      : `const sl = r[${2 * op.RA + 1}] + ${bLo}; const eh = (r[${2 * op.RA}] + ${bHi} + (sl > 0xffffffff ? 1 : 0)) >>> 0, el = sl >>> 0;`;
  const o = `const o = el & 4095;`;
  const page = `(eh & 0x0fffffff) * 1048576 + (el >>> 12)`;
  const tlb = store ? `c.tlbEpoch === c.mem.pageEpoch && ${page} === c.wIndex` : `c.tlbEpoch === c.mem.pageEpoch && ${page} === c.rIndex`;
  const fits = sizeBytes === 1 ? '' : `o <= ${4096 - sizeBytes} && `;
  const bytes = (base: string, order: number[]): string[] => order.map((i) => `${base}[o + ${i}]`);
  let body: string;
  if (!store) {
    const rt = op.RT;
    if (sizeBytes === 1) body = `r[${2 * rt}] = 0; r[${2 * rt + 1}] = p[o];`;
    else if (sizeBytes === 2) {
      const h = le ? `((p[o + 1] << 8) | p[o])` : `((p[o] << 8) | p[o + 1])`;
      body = signed ? `const v = (${h} << 16) >> 16; r[${2 * rt}] = v < 0 ? 0xffffffff : 0; r[${2 * rt + 1}] = v >>> 0;` : `r[${2 * rt}] = 0; r[${2 * rt + 1}] = ${h};`;
    } else {
      const word = (off: number): string => {
        const b = bytes('p', [off, off + 1, off + 2, off + 3]);
        return le ? `((${b[3]} << 24) | (${b[2]} << 16) | (${b[1]} << 8) | ${b[0]}) >>> 0` : `((${b[0]} << 24) | (${b[1]} << 16) | (${b[2]} << 8) | ${b[3]}) >>> 0`;
      };
      if (sizeBytes === 4) body = signed ? `const v = ${word(0)}; r[${2 * rt}] = (v | 0) < 0 ? 0xffffffff : 0; r[${2 * rt + 1}] = v;` : `r[${2 * rt + 1}] = ${word(0)}; r[${2 * rt}] = 0;`;
      else body = le ? `const w0 = ${word(0)}, w1 = ${word(4)}; r[${2 * rt}] = w1; r[${2 * rt + 1}] = w0;` : `const w0 = ${word(0)}, w1 = ${word(4)}; r[${2 * rt}] = w0; r[${2 * rt + 1}] = w1;`;
    }
    body = `const p = c.rPage; ${body}`;
  } else {
    const rs = op.RS;
    const put = (off: number, v: string): string =>
      le
        ? `p[o + ${off}] = ${v}; p[o + ${off + 1}] = ${v} >>> 8; p[o + ${off + 2}] = ${v} >>> 16; p[o + ${off + 3}] = ${v} >>> 24;`
        : `p[o + ${off}] = ${v} >>> 24; p[o + ${off + 1}] = ${v} >>> 16; p[o + ${off + 2}] = ${v} >>> 8; p[o + ${off + 3}] = ${v};`;
    if (sizeBytes === 1) body = `p[o] = r[${2 * rs + 1}];`;
    else if (sizeBytes === 2) body = le ? `const v = r[${2 * rs + 1}]; p[o] = v; p[o + 1] = v >>> 8;` : `const v = r[${2 * rs + 1}]; p[o] = v >>> 8; p[o + 1] = v;`;
    else if (sizeBytes === 4) body = `const v = r[${2 * rs + 1}]; ${put(0, 'v')}`;
    else body = `const vh = r[${2 * rs}], vl = r[${2 * rs + 1}]; ${le ? `${put(0, 'vl')} ${put(4, 'vh')}` : `${put(0, 'vh')} ${put(4, 'vl')}`}`;
    body = `const p = c.wPage; ${body}`;
  }
  // Update forms write the EA to RA last (RA ≠ RT for loads), as the handlers do.
  const update = m.update === true ? ` r[${2 * op.RA}] = eh; r[${2 * op.RA + 1}] = el;` : '';
  return `{ ${ea} ${o} if (${fits}${tlb}) { ${body}${update} } else { ${slow} } }`;
}

/** cmp, cmpl, cmpi, cmpli (v3.0 Book I 3.3.10): CR field BF <- LT GT EQ || XER[SO]. */
function compareSource(name: string, op: Op): string | undefined {
  const signed = name === 'CMP' || name === 'CMPI';
  const imm = name === 'CMPI' || name === 'CMPLI';
  const l = op.L !== 0;
  // Operands as JS numbers (exact): 64-bit compares go hi then lo, 32-bit ones compare the low word.
  const aHi = `r[${2 * op.RA}]`;
  const aLo = `r[${2 * op.RA + 1}]`;
  const bHi = imm ? hex(op.xHi) : `r[${2 * op.RB}]`;
  const bLo = imm ? (name === 'CMPLI' ? hex(op.UI) : hex(op.xLo)) : `r[${2 * op.RB + 1}]`;
  if (name === 'CMPLI' && op.xHi !== 0) return undefined;
  let cmp: string;
  if (l) {
    const ah = signed ? `(${aHi} | 0)` : aHi;
    const bh = signed ? `(${bHi} | 0)` : `(${bHi} >>> 0)`;
    cmp = `const ah = ${ah}, bh = ${bh}; const al = ${aLo}, bl = ${bLo} >>> 0; const n = ah < bh ? 8 : ah > bh ? 4 : al < bl ? 8 : al > bl ? 4 : 2;`;
  } else {
    const a = signed ? `(${aLo} | 0)` : aLo;
    const b = signed ? `(${bLo} | 0)` : `(${bLo} >>> 0)`;
    cmp = `const a = ${a}, b = ${b}; const n = a < b ? 8 : a > b ? 4 : 2;`;
  }
  const shift = 28 - 4 * op.BF;
  return `{ ${cmp} const so = (r[${XER_LO}] & 0x80000000) === 0 ? 0 : 1; r[${CR_LO}] = (r[${CR_LO}] & ${hex(~(0xf << shift))}) | ((n | so) << ${shift}); }`;
}

/**
 * A region holds at most this many instructions. Measured on the benchmark corpus
 * (docs/benchmarks.md): 512-instruction regions gave 40–50 KB functions whose first V8 compile
 * and TurboFan optimisation cost more than the code they ran (most never got optimised); small
 * regions of hot blocks are optimised within a few entries.
 */
export const REGION_INSTRUCTIONS_MAX = 192;

/**
 * Translate the region entered at word slot `entry` of one page: the blocks reachable from it
 * through fall-through and in-page branches that have already run (`ran(slot)`: the step tier
 * executed them) and that no other region of the page holds (`taken(slot)`), as one function that
 * loops over a `switch` on the current slot and can be entered at any of its block starts. A
 * block is translated once: overlapping regions (one per entry, each a copy of the shared loop
 * body) multiplied the compile work on code with many call-return points. Blocks that
 * never ran stay out of the translation: cold paths cost no compile, and control reaching one
 * returns to `run`, which steps it and later translates it as its own region when it gets hot.
 * Control leaving the page (or reaching a slot that starts no block of the region) returns to
 * `run` with NIP set. `opAt` decodes a slot on demand; `pageBaseLo`/`pageHi` are the page's first
 * address. The function takes the instruction budget and retires whole blocks only while they fit
 * in it, so `run` stops exactly at its limit.
 * Returns undefined when the entry cannot start a block (`sc`).
 */
export function translateRegion(
  opAt: (slot: number) => Op,
  entry: number,
  pageBaseLo: number,
  pageHi: number,
  wordsPerPage: number,
  le: boolean,
  ran: (slot: number) => boolean = () => true,
  taken: (slot: number) => boolean = () => false,
): Block | undefined {
  const consts: unknown[] = [];
  const names: string[] = [];
  const cases: string[] = [];
  const queued = new Set<number>([entry]);
  const queue = [entry];
  let total = 0;
  let entryLength = 0;
  const starts: number[] = [];
  while (queue.length > 0 && total < REGION_INSTRUCTIONS_MAX) {
    const start = queue.shift()!;
    const b = blockSource(opAt, start, pageBaseLo, pageHi, wordsPerPage, le, consts, names);
    if (b === undefined) continue;
    if (start === entry) entryLength = b.length;
    starts.push(start);
    total += b.length;
    cases.push(`case ${start}: {`, `  if (n + ${b.length} > budget) { r[${NIP_LO}] = ${hex(pageBaseLo + 4 * start)}; c.retired = R + n; return ${Flow.NEXT}; }`, ...b.lines.map((l) => `  ${l}`), `}`);
    for (const next of b.successors) {
      if (!queued.has(next) && ran(next) && !taken(next)) {
        queued.add(next);
        queue.push(next);
      }
    }
  }
  if (entryLength === 0) return undefined;
  const source = [
    `return function region(c, r, pg, budget, s) {`,
    `  const R = c.retired; let n = 0; let f = 0;`,
    `  try {`,
    `    for (;;) {`,
    // Every transfer inside the region only sets `s`: NIP is written when control leaves.
    `      if (!pg.valid) { r[${NIP_LO}] = ${hex(pageBaseLo)} + 4 * s; c.retired = R + n; return ${Flow.NEXT}; }`,
    `      switch (s) {`,
    ...cases.map((l) => `        ${l}`),
    `        default: r[${NIP_LO}] = ${hex(pageBaseLo)} + 4 * s; c.retired = R + n; return ${Flow.NEXT};`,
    `      }`,
    `    }`,
    `  } catch (e) {`,
    // A load or store threw: NIP holds the faulting instruction's address; R + n counts the
    // blocks before this one and `k` (kept in NIP) the instructions of this block before it.
    `    c.retired = R + n + (((r[${NIP_LO}] - ${hex(pageBaseLo)}) >>> 2) - s);`,
    `    throw e;`,
    `  }`,
    `};`,
  ].join('\n');
  // Code generated from decoded instruction fields only: never from trace or file contents.
  const factory = new Function(...names, source) as (...args: unknown[]) => BlockFn;
  return { fn: factory(...consts), length: entryLength, starts };
}

interface BlockSource {
  readonly lines: string[];
  readonly length: number;
  /** Slots in this page that control may go to next by a known path (fall-through, direct branch). */
  readonly successors: number[];
}

/** Code of one basic block at `start`, ending with a transfer (`s = …; continue;`) or a return. */
function blockSource(opAt: (slot: number) => Op, start: number, pageBaseLo: number, pageHi: number, wordsPerPage: number, le: boolean, consts: unknown[], names: string[]): BlockSource | undefined {
  const lines: string[] = [];
  const successors: number[] = [];
  let k = 0;
  const inPage = (lo: number, hi: number): boolean => hi === pageHi && lo >= pageBaseLo && lo < pageBaseLo + 4 * wordsPerPage;
  for (let slot = start; slot < wordsPerPage && k < BLOCK_INSTRUCTIONS_MAX; slot++) {
    const lo = (pageBaseLo + 4 * slot) >>> 0;
    const op = opAt(slot);
    const name = decodeRow(op.word)?.name;
    if (name !== undefined && NEVER_IN_BLOCK.has(name)) break;
    const here = k++;
    // Direct branches with the target known now: inline the decision and stay in the region.
    if ((name === 'B' || name === 'BC') && op.AA === 0) {
      const tLo = lo + op.xLo;
      const targetHi = (pageHi + op.xHi + (tLo > 0xffff_ffff ? 1 : 0)) >>> 0;
      const targetLo = tLo >>> 0;
      const link = op.LK !== 0 ? linkSource(lo, pageHi) : '';
      const go = inPage(targetLo, targetHi)
        ? `n += ${here + 1}; s = ${(targetLo - pageBaseLo) >>> 2}; continue;`
        : `r[${NIP_HI}] = ${hex(targetHi)}; r[${NIP_LO}] = ${hex(targetLo)}; c.retired = R + n + ${here + 1}; return ${Flow.JUMP};`;
      if (inPage(targetLo, targetHi)) successors.push((targetLo - pageBaseLo) >>> 2);
      if (name === 'B') {
        lines.push(`${link}${go}`);
        return { lines, length: k, successors };
      }
      lines.push(`{ ${conditionSource(op.BO, op.BI)} ${link}if (t) { ${go} } }`);
      break; // not taken: fall through to the next slot (below)
    }
    const inline = name === undefined ? undefined : inlineSource(name, op);
    const shape = name === undefined || inline !== undefined ? undefined : MEMORY_FAST[name];
    const memory = shape !== undefined && memoryFastFits(shape, op) ? shape : undefined;
    if (inline !== undefined) {
      lines.push(inline);
    } else if (memory !== undefined) {
      const id = consts.length / 2;
      names.push(`H${id}`, `O${id}`);
      consts.push(op.exec, op);
      // The slow path is the handler with NIP at the instruction (a fault or TransactionError sees it).
      const slow = `r[${NIP_LO}] = ${hex(lo)}; f = H${id}(c, O${id}); if (f !== ${Flow.NEXT}) { c.retired = R + n + ${here}; return f; }`;
      // A TransactionError can only come from the slow path, where NIP is this instruction's.
      lines.push(memorySource(name!, op, le, slow)!);
      if (memory.store) lines.push(`if (!pg.valid) { r[${NIP_LO}] = ${hex(lo + 4)}; c.retired = R + n + ${here + 1}; return ${Flow.NEXT}; }`);
    } else {
      const id = consts.length / 2;
      names.push(`H${id}`, `O${id}`);
      consts.push(op.exec, op);
      const retired = name !== undefined && READS_RETIRED.has(name) ? `c.retired = R + n + ${here}; ` : '';
      lines.push(`r[${NIP_LO}] = ${hex(lo)}; ${retired}f = H${id}(c, O${id});`);
      if (name !== undefined && ENDS_AFTER.has(name)) {
        // Indirect branches and mtmsrd: NIP is the handler's (JUMP) or the next instruction (NEXT).
        const next = lo + 4;
        const carry = next > 0xffff_ffff ? `r[${NIP_HI}] = (r[${NIP_HI}] + 1) >>> 0; ` : '';
        lines.push(`if (f === ${Flow.NEXT}) { ${carry}r[${NIP_LO}] = ${hex(next)}; }`);
        lines.push(`if (f > ${Flow.JUMP}) { c.retired = R + n + ${here}; return f; }`);
        if (name === 'MTMSRD') {
          lines.push(`c.retired = R + n + ${here + 1}; return f;`);
        } else {
          // Stay in the region when an indirect branch lands on one of its blocks.
          lines.push(`n += ${here + 1};`);
          lines.push(`if (r[${NIP_HI}] !== ${hex(pageHi)} || ((r[${NIP_LO}] - ${hex(pageBaseLo)}) >>> 0) >= ${4 * wordsPerPage}) { c.retired = R + n; return ${Flow.JUMP}; }`);
          lines.push(`s = (r[${NIP_LO}] - ${hex(pageBaseLo)}) >>> 2; continue;`);
        }
        return { lines, length: k, successors };
      }
      // NEXT continues; TRAP/FAULT retired nothing and left NIP at the instruction.
      lines.push(`if (f !== ${Flow.NEXT}) { c.retired = R + n + ${here}; return f; }`);
      if (name !== undefined && (name.startsWith('ST') || name === 'DCBZ')) {
        lines.push(`if (!pg.valid) { r[${NIP_LO}] = ${hex(lo + 4)}; c.retired = R + n + ${here + 1}; return ${Flow.NEXT}; }`);
      }
    }
    if (name === undefined) {
      // An undecodable word's handler always faults; nothing follows it.
      return { lines, length: k, successors };
    }
  }
  if (k === 0) return undefined;
  // Fall through: to the next slot's block, or out of the page (NIP carries at 2^32).
  const nextSlot = start + k;
  if (nextSlot < wordsPerPage) {
    successors.push(nextSlot);
    lines.push(`n += ${k}; s = ${nextSlot}; continue;`);
  } else {
    const nextLo = pageBaseLo + 4 * nextSlot;
    const carry = nextLo > 0xffff_ffff ? `r[${NIP_HI}] = (r[${NIP_HI}] + 1) >>> 0; ` : '';
    lines.push(`${carry}r[${NIP_LO}] = ${hex(nextLo >>> 0)}; c.retired = R + n + ${k}; return ${Flow.NEXT};`);
  }
  return { lines, length: k, successors };
}

/** LR <- CIA + 4, with the CIA known at translation. */
function linkSource(lo: number, hi: number): string {
  const next = lo + 4;
  const lrHi = (hi + (next > 0xffff_ffff ? 1 : 0)) >>> 0;
  return `r[${LR_HI}] = ${hex(lrHi)}; r[${LR_LO}] = ${hex(next >>> 0)}; `;
}

/** The BO/BI decision of bc (v3.0 Book I 2.4) as source that sets `t`; decrements CTR unless BO_2. */
function conditionSource(bo: number, bi: number): string {
  const parts: string[] = [];
  let ctrOk = 'true';
  if ((bo & 4) === 0) {
    parts.push(`const cl = r[${CTR_LO}]; const nl = (cl - 1) >>> 0; const nh = (r[${CTR_HI}] - (cl === 0 ? 1 : 0)) >>> 0; r[${CTR_LO}] = nl; r[${CTR_HI}] = nh;`);
    ctrOk = (bo & 2) !== 0 ? '(nh | nl) === 0' : '(nh | nl) !== 0';
  }
  const condOk = (bo & 16) !== 0 ? 'true' : `((r[${CR_LO}] >>> ${31 - bi}) & 1) === ${(bo >>> 3) & 1}`;
  parts.push(`const t = ${ctrOk} && ${condOk};`);
  return parts.join(' ');
}

// The register-index constants used in generated code, re-exported for tests that read blocks.
export const BLOCK_REGISTER_WORDS = { NIP_HI, NIP_LO, MSR_LO, XER_LO, CR_LO, LR_HI, LR_LO, CTR_HI, CTR_LO } as const;
