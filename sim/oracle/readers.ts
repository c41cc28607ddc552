/**
 * The oracle's own readers of the structures in memory (spec section 4). They are written
 * independently of the firmware models they judge and read snapshots of the machine directly.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { TransactionError } from '../core/errors.js';
import {
  HRMOR_BIT,
  MDRT_ENTRY_SIZE,
  MDRT_MAX_ENTRIES,
  MDST_ENTRY_SIZE,
  MDST_MAX_ENTRIES,
  MdrtEntry,
  MdstEntry,
  MpiplMetadata,
  Ntuple,
  OpalMpiplFadump,
  ProcDumpArea,
  RegEntry,
  SkibootMap,
  SpirahNtuple,
  ThreadHdr,
} from '../participants/layout.js';
import type { Endian } from '../machine/config.js';

export const SPIRAH = SkibootMap.SKIBOOT_BASE + SkibootMap.SPIRAH_OFF;
export const PROC_DUMP = SkibootMap.SKIBOOT_BASE + SkibootMap.PROC_DUMP_AREA_OFF;
export const MDRT_BASE = SkibootMap.SKIBOOT_BASE + SkibootMap.MDRT_TABLE_OFF;
export const METADATA = SkibootMap.SKIBOOT_BASE + SkibootMap.DUMP_METADATA_AREA_OFF;

export interface TableEntry {
  readonly addr: bigint;
  readonly region: number;
  readonly size: number;
}

export interface MdrtRecord {
  readonly index: number;
  readonly src: bigint;
  readonly dest: bigint;
  readonly size: number;
  readonly region: number;
}

export function actCnt(mem: PhysicalMemory, ntupleOff: number): number {
  return mem.read16BE(SPIRAH + ntupleOff + Ntuple.actCnt);
}

/** The first `count` entries of an MDST or MDDT table at `base` + n-tuple address. */
export function readTable(mem: PhysicalMemory, ntupleOff: number, count: number): TableEntry[] {
  const table = SkibootMap.SKIBOOT_BASE + Number(mem.read64BE(SPIRAH + ntupleOff + Ntuple.addr));
  const out: TableEntry[] = [];
  for (let i = 0; i < Math.min(count, MDST_MAX_ENTRIES); i++) {
    const at = table + i * MDST_ENTRY_SIZE;
    out.push({ addr: mem.read64BE(at + MdstEntry.addr), region: mem.read8(at + MdstEntry.dataRegion), size: mem.read32BE(at + MdstEntry.size) });
  }
  return out;
}

/** MDRT entries as skiboot consumes them: act_cnt entries (capped at the table size), zero entries dropped. */
export function readMdrt(mem: PhysicalMemory): MdrtRecord[] {
  const n = Math.min(actCnt(mem, SpirahNtuple.mdumpRes), MDRT_MAX_ENTRIES);
  const out: MdrtRecord[] = [];
  for (let i = 0; i < n; i++) {
    const at = MDRT_BASE + i * MDRT_ENTRY_SIZE;
    const rec = {
      index: i,
      src: mem.read64BE(at + MdrtEntry.srcAddr),
      dest: mem.read64BE(at + MdrtEntry.destAddr),
      size: mem.read32BE(at + MdrtEntry.size),
      region: mem.read8(at + MdrtEntry.dataRegion),
    };
    if (rec.src === 0n && rec.dest === 0n && rec.size === 0 && rec.region === 0) continue;
    out.push(rec);
  }
  return out;
}

export interface ProcDump {
  readonly threadSize: number;
  readonly version: number;
  readonly allocAddr: bigint;
  readonly allocSize: number;
  readonly destAddr: bigint;
  readonly actSize: number;
}

export function readProcDump(mem: PhysicalMemory): ProcDump {
  return {
    threadSize: mem.read32BE(PROC_DUMP + ProcDumpArea.threadSize),
    version: mem.read8(PROC_DUMP + ProcDumpArea.version),
    allocAddr: mem.read64BE(PROC_DUMP + ProcDumpArea.allocAddr),
    allocSize: mem.read32BE(PROC_DUMP + ProcDumpArea.allocSize),
    destAddr: mem.read64BE(PROC_DUMP + ProcDumpArea.destAddr),
    actSize: mem.read32BE(PROC_DUMP + ProcDumpArea.actSize),
  };
}

export interface Metadata {
  readonly crashingPir: number;
  readonly kernelTag: bigint;
  readonly bootMemSize: bigint;
}

export function readMetadata(mem: PhysicalMemory): Metadata {
  return {
    crashingPir: mem.read32BE(METADATA + MpiplMetadata.crashingPir),
    kernelTag: mem.read64BE(METADATA + MpiplMetadata.kernelTag),
    bootMemSize: mem.read64BE(METADATA + MpiplMetadata.bootMemSize),
  };
}

/** Registers as Linux maps HDAT entries into pt_regs (spec 5.4); only fields some entry set. */
export type ParsedRegs = Partial<Record<'nip' | 'msr' | 'ctr' | 'link' | 'xer' | 'ccr' | 'dar' | 'dsisr', bigint>> & { gpr: (bigint | undefined)[] };

export interface ParsedThread {
  readonly pir: number;
  readonly coreState: number;
  readonly regs: ParsedRegs;
}

/**
 * Parse the register data exactly as Linux does (spec 7.2, 7.4): stride = thread_size, count =
 * act_size / thread_size, and offset/esize/ecnt taken from the FIRST thread header for all threads.
 */
export function parseCpuData(mem: PhysicalMemory, dest: number, actSize: number, threadSize: number): ParsedThread[] {
  if (threadSize === 0) return [];
  const n = Math.floor(actSize / threadSize);
  const regsOffset = 8 + mem.read32BE(dest + ThreadHdr.offset);
  const esize = mem.read32BE(dest + ThreadHdr.esize);
  const ecnt = Math.min(mem.read32BE(dest + ThreadHdr.ecnt), 4096);
  const out: ParsedThread[] = [];
  for (let i = 0; i < n; i++) {
    const base = dest + i * threadSize;
    const regs: ParsedRegs = { gpr: new Array<bigint | undefined>(32).fill(undefined) };
    for (let k = 0; k < ecnt; k++) {
      const e = base + regsOffset + k * esize;
      const type = mem.read32BE(e + RegEntry.regType);
      const num = mem.read32BE(e + RegEntry.regNum);
      const val = mem.read64BE(e + RegEntry.regVal);
      if (type === 0x01) {
        if (num < 32) regs.gpr[num] = val;
        continue;
      }
      const field = SPR_FIELD.get(num);
      if (field !== undefined) regs[field] = val;
    }
    out.push({ pir: mem.read32BE(base + ThreadHdr.pir), coreState: mem.read8(base + ThreadHdr.coreState), regs });
  }
  return out;
}

const SPR_FIELD = new Map<number, 'nip' | 'msr' | 'ctr' | 'link' | 'xer' | 'ccr' | 'dar' | 'dsisr'>([
  [9, 'ctr'],
  [8, 'link'],
  [1, 'xer'],
  [19, 'dar'],
  [18, 'dsisr'],
  [0x7d0, 'nip'],
  [0x7d1, 'msr'],
  [0x7d2, 'ccr'],
]);

export interface FadumpStruct {
  readonly version: number;
  readonly crashingPir: number;
  readonly cpuDataVersion: number;
  readonly cpuDataSize: number;
  readonly regions: { src: bigint; dest: bigint; size: bigint }[];
}

export function readFadumpStruct(mem: PhysicalMemory, at: number): FadumpStruct {
  const n = Math.min(mem.read32BE(at + OpalMpiplFadump.regionCnt), 1024);
  return {
    version: mem.read8(at + OpalMpiplFadump.version),
    crashingPir: mem.read32BE(at + OpalMpiplFadump.crashingPir),
    cpuDataVersion: mem.read32BE(at + OpalMpiplFadump.cpuDataVersion),
    cpuDataSize: mem.read32BE(at + OpalMpiplFadump.cpuDataSize),
    regions: Array.from({ length: n }, (_, i) => {
      const e = at + OpalMpiplFadump.regions + i * OpalMpiplFadump.REGION_SIZE;
      return { src: mem.read64BE(e), dest: mem.read64BE(e + 8), size: mem.read64BE(e + 16) };
    }),
  };
}

/** A physical address field with HRMOR_BIT stripped, as a number if it can be one. */
export function physical(field: bigint): number {
  const v = field & ~HRMOR_BIT;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Native-endian integer reads for the kernel's private structures. */
export function read64(mem: PhysicalMemory, at: number, endian: Endian): bigint {
  return endian === 'big' ? mem.read64BE(at) : mem.read64LE(at);
}

export function read32(mem: PhysicalMemory, at: number, endian: Endian): number {
  return endian === 'big' ? mem.read32BE(at) : mem.read32LE(at);
}

export function read16(mem: PhysicalMemory, at: number, endian: Endian): number {
  const v = mem.read16BE(at);
  return endian === 'big' ? v : ((v & 0xff) << 8) | (v >>> 8);
}

/** Run a read that may hit a transaction error; returns undefined instead. */
export function tryRead<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof TransactionError || e instanceof RangeError) return undefined;
    throw e;
  }
}
