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
import { Digester, type Digest } from '../core/digest.js';
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

/**
 * Shared state only (docs/bisect.md, "Build against build"): two builds of a firmware never have
 * equal code, stacks or heaps, nor equal registers while a thread runs the firmware, so a
 * comparison between builds leaves out the bytes of `privateRanges` (each ELF's segments, its
 * stacks and heap: sim/bisect/effects.ts privateRanges) and the threads `inFirmware` says are in
 * firmware context (a coupled-mode thread inside an OPAL call; in charged time firmware runs on a
 * context of its own and no machine thread is). What stays — tables, preserved memory, the kernel's
 * memory, the device tree, the other threads — is what the builds must agree on.
 */
export interface SharedStateFilter {
  readonly privateRanges: readonly { readonly start: number; readonly end: number }[];
  readonly inFirmware: (t: ThreadSnapshot) => boolean;
}

/** A thread is in firmware context when its NIP is inside firmware-private memory (the ELF's code). */
export function nipInRanges(ranges: SharedStateFilter['privateRanges']): (t: ThreadSnapshot) => boolean {
  return (t) => {
    const nip = Number(snapGet(t, Slot.NIP) & 0x0fff_ffff_ffff_ffffn);
    return ranges.some((r) => nip >= r.start && nip < r.end);
  };
}

/** The bytes of `page` (at page index `index`) with the private ranges zeroed (a copy only when needed). */
function sharedBytes(index: number, page: Uint8Array, ranges: SharedStateFilter['privateRanges']): Uint8Array | undefined {
  const base = index * PAGE_SIZE;
  let out: Uint8Array | undefined;
  for (const r of ranges) {
    const from = Math.max(r.start, base);
    const to = Math.min(r.end, base + PAGE_SIZE);
    if (from >= to) continue;
    if (from === base && to === base + PAGE_SIZE) return undefined; // all private
    out ??= page.slice();
    out.fill(0, from - base, to - base);
  }
  return out ?? page;
}

/** Digest of the shared state: memory outside the private ranges, the device tree, the threads not in firmware. */
export function sharedDigest(m: Machine, f: SharedStateFilter): Digest {
  const h = new Digester();
  m.mem.forEachPage((index, page) => {
    const bytes = sharedBytes(index, page, f.privateRanges);
    if (bytes === undefined || bytes.every((x) => x === 0)) return;
    h.f64(index).bytes(bytes);
  });
  for (const path of [...m.dt.paths()].sort()) {
    h.text(path);
    for (const [name, value] of m.dt.properties(path).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) h.text(name).bytes(value);
  }
  for (const t of m.snapshotThreads()) {
    if (f.inFirmware(t)) h.u32(t.pir).text('in firmware');
    else h.u32(t.pir).u32Array(t.r).text(t.run);
  }
  return h.done();
}

export function diffMachines(a: Machine, b: Machine, maxPages = 16, shared?: SharedStateFilter): StateDiff {
  const keep = (t: ThreadSnapshot): boolean => shared === undefined || !shared.inFirmware(t);
  // Architected values (a counting DEC as mfspr would read it): the two machines are at the same
  // cycle, so stored forms differ exactly when architected values do, and only the latter mean anything to a reader.
  const threads = diffThreads(a.architectedThreads().filter(keep), b.architectedThreads().filter(keep));
  const pages: PageDifference[] = [];
  let pagesDiffering = 0;
  a.mem.forEachDifferentPage(b.mem, (index, mineAll, theirsAll) => {
    const mine = shared === undefined ? mineAll : sharedBytes(index, mineAll, shared.privateRanges);
    const theirs = shared === undefined ? theirsAll : sharedBytes(index, theirsAll, shared.privateRanges);
    if (mine === undefined || theirs === undefined) return;
    let first = -1;
    let count = 0;
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (mine[i] === theirs[i]) continue;
      if (first < 0) first = i;
      count++;
    }
    if (count === 0) return;
    pagesDiffering++;
    if (pages.length >= maxPages) return;
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
