/**
 * Instruction effects for `full` traces (design section 7): which registers and which bytes of
 * memory one retired instruction wrote.
 *
 * Nothing here runs unless a sink asked for instructions, so the unobserved step keeps its speed:
 * registers are found by diffing the thread's register array before and after the step, and
 * stores by the instruction's row (its size) and the effective address the handler left in the
 * interpreter (`Cpu.eaHi/eaLo`), reading the stored bytes back after the step. No hook sits in
 * the store path.
 */
import { decodeRow } from '../isa/decode.js';
import { realAddress, CACHE_BLOCK_BYTES } from '../isa/sem/load-store.js';
import { Slot, SLOT_COUNT } from './state.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { RetiredMemWrite, RetiredRegWrite } from '../trace/events.js';
import { hiLoToBigInt } from '../core/u64.js';

/** Bytes each store row writes at EA; STMW and DCBZ are computed (see storeExtent). */
const STORE_SIZE_BYTES: Readonly<Record<string, number>> = {
  STB: 1, STBU: 1, STBX: 1, STBUX: 1,
  STH: 2, STHU: 2, STHX: 2, STHUX: 2, STHBRX: 2,
  STW: 4, STWU: 4, STWX: 4, STWUX: 4, STWBRX: 4,
  STD: 8, STDU: 8, STDX: 8, STDUX: 8, STDBRX: 8,
};

/** How an instruction word stores: not at all, `sizeBytes` at EA, STMW's run of words, or DCBZ's block. */
type StoreShape = { readonly kind: 'none' } | { readonly kind: 'ea'; readonly sizeBytes: number } | { readonly kind: 'stmw'; readonly rs: number } | { readonly kind: 'dcbz' };

const NONE: StoreShape = { kind: 'none' };
/** Decoding is per word and words repeat: remember the shape of each word seen. */
const shapes = new Map<number, StoreShape>();

function storeShape(word: number): StoreShape {
  let s = shapes.get(word);
  if (s !== undefined) return s;
  const row = decodeRow(word);
  const name = row?.name;
  const size = name === undefined ? undefined : STORE_SIZE_BYTES[name];
  if (size !== undefined) s = { kind: 'ea', sizeBytes: size };
  else if (name === 'STMW') s = { kind: 'stmw', rs: (word >>> 21) & 31 };
  else if (name === 'DCBZ') s = { kind: 'dcbz' };
  else s = NONE;
  shapes.set(word, s);
  return s;
}

/**
 * The memory an instruction `word` that just retired wrote, given the effective address its
 * handler computed. Bytes are read back after the step: they are exactly what was stored. The
 * full-level codec calls it on its model memory too (traces/exec-model.ts), so a predicted store
 * has exactly the shape the observer gives the real one.
 */
export function storedBytes(word: number, eaHi: number, eaLo: number, mem: Pick<PhysicalMemory, 'readBytes'>): RetiredMemWrite[] {
  const s = storeShape(word);
  if (s.kind === 'none') return [];
  let a = realAddress(eaHi, eaLo);
  let sizeBytes: number;
  if (s.kind === 'ea') sizeBytes = s.sizeBytes;
  else if (s.kind === 'stmw') sizeBytes = (32 - s.rs) * 4;
  else {
    a -= a % CACHE_BLOCK_BYTES;
    sizeBytes = CACHE_BLOCK_BYTES;
  }
  return [{ addr: BigInt(a), bytes: mem.readBytes(a, sizeBytes) }];
}

const NIP_SLOT = Slot.NIP;

/** Registers whose value differs between `before` and `after` (NIP excluded: it is the next record's nip). */
export function changedRegisters(before: Uint32Array, after: Uint32Array): RetiredRegWrite[] {
  const out: RetiredRegWrite[] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const hi = 2 * slot;
    if (before[hi] === after[hi] && before[hi + 1] === after[hi + 1]) continue;
    if (slot === NIP_SLOT) continue;
    out.push({ reg: slot, value: hiLoToBigInt(after[hi]!, after[hi + 1]!) });
  }
  return out;
}
