/**
 * `cpu-format` (spec 4.4–4.6, 5.4): the processor dump area and the register records it points
 * at, judged as a format rather than through what our Linux model happens to extract.
 *
 * `cpu-state` parses the data exactly as Linux does (offset, ecnt and esize from the first header
 * only, later entries overwrite earlier ones, SPRs it does not map ignored). A consumer such as a
 * crash tool or a debugger reads every header and every entry, so here each record must stand on
 * its own: one record per thread of the machine, each header describing its own entry array
 * (`offset` pointing at the first entry, `ecnt` entries of `esize` bytes inside the record,
 * `eactsz` the 16 bytes an entry uses), each entry a known type, each register number once, the
 * full register set the thread has (GPRs, NIP, MSR, CCR and every SPR of the model), and — for an
 * active thread — every value equal to the clock-stop register.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { hex } from '../core/u64.js';
import { Slot, SPR_SLOT, snapGet, type ThreadSnapshot } from '../cpu/state.js';
import { SPRS } from '../cpu/spr.js';
import { CORE_STATE_INACTIVE, HRMOR_BIT, ProcDumpArea, RegEntry, RegId, RegType, ThreadHdr } from '../participants/layout.js';
import { physical, type ProcDump } from './readers.js';

/** The largest core_state value the format defines (spec 5.5: stop states 0x00–0x0F). */
const CORE_STATE_MAX = 0x0f;

/** Where a register's clock-stop value lives in a thread snapshot: GPRs by number, the rest by id. */
function slotOf(type: number, num: number): number | undefined {
  if (type === RegType.GPR) return num < 32 ? num : undefined;
  if (type !== RegType.SPR) return undefined;
  if (num === RegId.NIP) return Slot.NIP;
  if (num === RegId.MSR) return Slot.MSR;
  if (num === RegId.CCR) return Slot.CR;
  return SPR_SLOT.get(num);
}

/** Every register a record must carry: 32 GPRs, NIP, MSR, CCR and each SPR the thread model has. */
export function requiredRegisters(): { type: number; num: number; name: string }[] {
  const out: { type: number; num: number; name: string }[] = [];
  for (let g = 0; g < 32; g++) out.push({ type: RegType.GPR, num: g, name: `r${g}` });
  out.push({ type: RegType.SPR, num: RegId.NIP, name: 'NIP' }, { type: RegType.SPR, num: RegId.MSR, name: 'MSR' }, { type: RegType.SPR, num: RegId.CCR, name: 'CCR' });
  for (const s of SPRS) out.push({ type: RegType.SPR, num: s.num, name: s.name });
  return out;
}

const REQUIRED = requiredRegisters();

/**
 * The first format violation of the CPU data `proc` describes in `mem`, judged against the threads
 * at clock stop and the register area skiboot allocated (`before`, the clock-stop proc dump area);
 * undefined when it conforms. Called only when CPU data is present (dest_addr and act_size set).
 */
export function cpuFormatProblem(mem: PhysicalMemory, proc: ProcDump, before: ProcDump, threads: readonly ThreadSnapshot[]): string | undefined {
  if (proc.version !== ProcDumpArea.FORMAT_P9) return `version ${hex(proc.version)}, expected PROC_DUMP_AREA_FORMAT_P9 (0x1)`;
  const dest = physical(proc.destAddr);
  if (dest !== physical(before.allocAddr)) return `dest_addr ${hex(proc.destAddr)} is not the alloc_addr ${hex(before.allocAddr)} skiboot gave`;
  if (proc.actSize > before.allocSize) return `act_size ${hex(proc.actSize)} exceeds alloc_size ${hex(before.allocSize)}`;
  if (proc.threadSize < ThreadHdr.SIZE) return `thread_size ${hex(proc.threadSize)} is smaller than a thread header`;
  if (proc.actSize % proc.threadSize !== 0) return `act_size ${hex(proc.actSize)} is not a multiple of thread_size ${hex(proc.threadSize)}`;
  const count = proc.actSize / proc.threadSize;
  if (count !== threads.length) return `${count} thread records (act_size / thread_size), the machine has ${threads.length} threads`;
  if (!mem.contains(dest, proc.actSize)) return `CPU data ${hex(dest)} + ${hex(proc.actSize)} lies outside RAM`;
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const at = dest + i * proc.threadSize;
    const pir = mem.read32BE(at + ThreadHdr.pir);
    const where = `record ${i} (PIR ${hex(pir)})`;
    if (seen.has(pir)) return `${where}: PIR appears twice`;
    seen.add(pir);
    const snap = threads.find((t) => t.pir === pir);
    if (snap === undefined) return `${where}: no thread has this PIR`;
    const coreState = mem.read8(at + ThreadHdr.coreState);
    if (coreState > CORE_STATE_MAX) return `${where}: core_state ${hex(coreState)} is not a stop state (0x00–0x0F)`;
    if (coreState !== snap.coreState) return `${where}: core_state ${hex(coreState)}, the thread was in ${hex(snap.coreState)} at clock stop`;
    const problem = recordProblem(mem, at, proc.threadSize, snap, coreState !== CORE_STATE_INACTIVE);
    if (problem !== undefined) return `${where}: ${problem}`;
  }
  return undefined;
}

function recordProblem(mem: PhysicalMemory, at: number, threadSize: number, snap: ThreadSnapshot, active: boolean): string | undefined {
  const offset = mem.read32BE(at + ThreadHdr.offset);
  const ecnt = mem.read32BE(at + ThreadHdr.ecnt);
  const esize = mem.read32BE(at + ThreadHdr.esize);
  const eactsz = mem.read32BE(at + ThreadHdr.eactsz);
  // The array starts at the offset field + offset (spec 4.5); it may not overlap the header.
  const first = ThreadHdr.offset + offset;
  if (first < ThreadHdr.SIZE) return `offset ${hex(offset)} points into the thread header`;
  if (eactsz !== RegEntry.SIZE) return `eactsz ${eactsz}, a register entry uses ${RegEntry.SIZE} bytes`;
  if (esize < eactsz) return `esize ${esize} is smaller than eactsz ${eactsz}`;
  if (first + ecnt * esize > threadSize) return `${ecnt} entries of ${esize} bytes from +${hex(first)} run past the ${hex(threadSize)}-byte record`;
  const found = new Map<string, bigint>();
  for (let k = 0; k < ecnt; k++) {
    const e = at + first + k * esize;
    const type = mem.read32BE(e + RegEntry.regType);
    const num = mem.read32BE(e + RegEntry.regNum);
    if (type !== RegType.GPR && type !== RegType.SPR && type !== RegType.TIMA) return `entry ${k}: reg_type ${hex(type)} is not GPR, SPR or TIMA (does offset point at the first entry?)`;
    const key = `${type}:${num}`;
    if (found.has(key)) return `entry ${k}: register ${type === RegType.GPR ? 'GPR' : 'SPR'} ${hex(num)} appears twice`;
    const value = mem.read64BE(e + RegEntry.regVal);
    found.set(key, value);
    const slot = slotOf(type, num);
    if (active && slot !== undefined && value !== snapGet(snap, slot)) return `entry ${k} (${type === RegType.GPR ? `r${num}` : `SPR ${hex(num)}`}) is ${hex(value)}, clock-stop ${hex(snapGet(snap, slot))}`;
  }
  const missing = REQUIRED.filter((r) => !found.has(`${r.type}:${r.num}`)).map((r) => r.name);
  if (missing.length > 0) return `no entry for ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ` and ${missing.length - 6} more` : ''}`;
  return undefined;
}

/** `dest_addr`/`act_size` must be both set or both zero (spec 4.4: 0 = none). */
export function cpuPresenceProblem(proc: ProcDump): string | undefined {
  const destZero = (proc.destAddr & ~HRMOR_BIT) === 0n;
  if (destZero !== (proc.actSize === 0)) return `dest_addr ${hex(proc.destAddr)} with act_size ${hex(proc.actSize)}: both must be set or both zero`;
  return undefined;
}
