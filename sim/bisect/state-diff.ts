/**
 * What differs between two machines stopped at the same cycle: per thread, the registers by name
 * (and the run state), and the memory pages whose bytes differ. A digest says *that* two states
 * differ; a firmware engineer needs *where*, in the vocabulary of the register and page.
 */
import type { Machine } from '../machine/machine.js';
import { PAGE_SIZE } from '../mem/physical-memory.js';
import { SLOT_COUNT, SPR_SLOT, Slot, snapGet, type ThreadSnapshot } from '../cpu/state.js';
import { SPRS } from '../cpu/spr.js';
import { hex, hiLoToBigInt } from '../core/u64.js';
import { disasm } from '../isa/disasm.js';

export interface RegisterDifference {
  readonly reg: string;
  readonly a: string;
  readonly b: string;
}

export interface ThreadDifference {
  readonly pir: string;
  readonly registers: readonly RegisterDifference[];
}

export interface PageDifference {
  /** Physical address of the page. */
  readonly page: string;
  /** First differing byte, as a physical address, and both values there. */
  readonly firstAddress: string;
  readonly a: string;
  readonly b: string;
  readonly bytesDiffering: number;
}

export interface StateDiff {
  /** Where each machine really stopped (both equal unless a firmware step overshot differently). */
  readonly cycleA: number;
  readonly cycleB: number;
  readonly threads: readonly ThreadDifference[];
  readonly pagesDiffering: number;
  /** The first `maxPages` differing pages in address order. */
  readonly pages: readonly PageDifference[];
  readonly empty: boolean;
}

/** Slot → register name: r0–r31, the named slots, then every SPR by its architected name. */
const SLOT_NAMES: readonly string[] = (() => {
  const names = Array.from({ length: SLOT_COUNT }, (_, i) => `slot${i}`);
  for (let g = 0; g < 32; g++) names[g] = `r${g}`;
  for (const [name, slot] of Object.entries(Slot)) names[slot] = name.toLowerCase();
  for (const s of SPRS) {
    const slot = SPR_SLOT.get(s.num);
    if (slot !== undefined && slot >= 38) names[slot] = s.name.toLowerCase();
  }
  return names;
})();

/** The register name of a slot (`r9`, `lr`, `srr0` …). */
export function slotName(slot: number): string {
  return SLOT_NAMES[slot] ?? `slot${slot}`;
}

/** A slot's value in a raw register array (hi/lo word pairs, as ThreadState.r). */
export function snapGetSlot(r: Uint32Array, slot: number): bigint {
  return hiLoToBigInt(r[2 * slot]!, r[2 * slot + 1]!);
}

export function diffThreads(a: readonly ThreadSnapshot[], b: readonly ThreadSnapshot[]): ThreadDifference[] {
  const out: ThreadDifference[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) {
      out.push({ pir: hex((x ?? y)!.pir), registers: [{ reg: 'thread', a: x === undefined ? 'absent' : 'present', b: y === undefined ? 'absent' : 'present' }] });
      continue;
    }
    const regs: RegisterDifference[] = [];
    if (x.run !== y.run) regs.push({ reg: 'run', a: x.run, b: y.run });
    if (x.coreState !== y.coreState) regs.push({ reg: 'coreState', a: String(x.coreState), b: String(y.coreState) });
    for (let s = 0; s < SLOT_COUNT; s++) {
      if (x.r[2 * s] === y.r[2 * s] && x.r[2 * s + 1] === y.r[2 * s + 1]) continue;
      regs.push({ reg: SLOT_NAMES[s]!, a: hex(snapGet(x, s)), b: hex(snapGet(y, s)) });
    }
    if (regs.length > 0) out.push({ pir: hex(x.pir), registers: regs });
  }
  return out;
}

export function diffMachines(a: Machine, b: Machine, maxPages = 16): StateDiff {
  const threads = diffThreads(a.snapshotThreads(), b.snapshotThreads());
  const pages: PageDifference[] = [];
  let pagesDiffering = 0;
  a.mem.forEachDifferentPage(b.mem, (index, mine, theirs) => {
    pagesDiffering++;
    if (pages.length >= maxPages) return;
    let first = -1;
    let count = 0;
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (mine[i] === theirs[i]) continue;
      if (first < 0) first = i;
      count++;
    }
    const base = index * PAGE_SIZE;
    pages.push({ page: hex(base), firstAddress: hex(base + first), a: hex(mine[first] ?? 0), b: hex(theirs[first] ?? 0), bytesDiffering: count });
  });
  const cycleA = a.cycle();
  const cycleB = b.cycle();
  return { cycleA, cycleB, threads, pagesDiffering, pages, empty: threads.length === 0 && pagesDiffering === 0 && cycleA === cycleB };
}

export interface InstructionAt {
  readonly pir: string;
  readonly nip: string;
  /** The word at NIP and its disassembly; absent for the synthetic workload, which has no code. */
  readonly word?: string;
  readonly text: string;
}

/** What each listed thread is about to execute on machine `m` (stopped at the start of a cycle). */
export function instructionsAt(m: Machine, pirs: readonly number[]): InstructionAt[] {
  return pirs.map((pir) => {
    const t = m.thread(pir);
    const nip = t.get(Slot.NIP);
    if (t.run !== 'running') return { pir: hex(pir), nip: hex(nip), text: `thread not running (${t.run})` };
    if (m.config.workload === 'synthetic') return { pir: hex(pir), nip: hex(nip), text: 'synthetic workload step (no instruction word)' };
    const addr = Number(nip & 0x0fff_ffff_ffff_ffffn);
    if (!m.mem.contains(addr, 4)) return { pir: hex(pir), nip: hex(nip), text: 'NIP outside RAM' };
    // MSR[LE] says how the thread fetches: the word is in the thread's byte order.
    const le = (t.get(Slot.MSR) & 1n) === 1n;
    const word = le ? m.mem.read32LE(addr) : m.mem.read32BE(addr);
    return { pir: hex(pir), nip: hex(nip), word: `0x${word.toString(16).padStart(8, '0')}`, text: disasm(word) };
  });
}
