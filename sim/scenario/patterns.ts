/**
 * Where the harness writes scenario-seeded bytes (ScenarioSpec.patterns) and where the reference
 * platform puts its reservations, computed from the scenario alone.
 *
 * Patterns go around every range the scenario names — both ends and every 32 MiB chunk boundary
 * of each source and destination — so a copy that loses its tail (a chunk count rounded down, a
 * last page skipped) or runs past its end changes bytes that differ, instead of copying zeroes
 * over zeroes. Only memory the harness owns is written: boot memory, the kernel's high data window
 * and the scratch area, minus the kernel's image and export area, the workload image and arenas,
 * the fw-load-area, every firmware reservation and the dump area the reference kernel would pick.
 */
import { FW_LOAD_AREA, HRMOR_BIT, SkibootMap, opalDumpSize } from '../participants/layout.js';
import { Topology } from '../machine/topology.js';
import type { MachineConfig } from '../machine/config.js';
import { kernelLayout, resolveLinuxOptions, type LinuxOptions } from '../participants/linux/options.js';
import { planFadump } from '../participants/linux/fadump-mem.js';
import { scratchArea, type ScenarioSpec } from './scenario.js';

export interface Span {
  readonly start: number;
  readonly end: number;
}

const PAGE = 0x1000;
const CHUNK = 32 * 2 ** 20;
/** Bytes filled on each side of a boundary. */
const GUARD_BYTES = 0x1000;
/** Ranges up to this size are filled whole (and a guard around them). */
const WHOLE_FILL_MAX_BYTES = 0x4_0000;
/** Chunk boundaries filled per range (beyond these the same bug shows at the end anyway). */
const CHUNK_BOUNDARIES_MAX = 4;
/** The machine-code workload image is linked at 0x0400_0000; its arenas start at 0x0800_0000. */
const WORKLOAD_IMAGE = { start: 0x0400_0000, end: 0x0800_0000 };

/** The ranges the reference skiboot reserves for this topology (spec step 4 and 5.x). */
export function skibootReservations(config: MachineConfig): Span[] {
  const topo = new Topology(config);
  const base = SkibootMap.SKIBOOT_BASE;
  const dumpSize = opalDumpSize(topo.cpuMaxPir);
  const stacks = (topo.cpuMaxPir + 1) * SkibootMap.STACK_SIZE;
  return [
    { start: base, end: base + SkibootMap.SKIBOOT_SIZE },
    { start: base + SkibootMap.SKIBOOT_SIZE, end: base + SkibootMap.SKIBOOT_SIZE + stacks },
    { start: base + dumpSize, end: base + 2 * dumpSize },
    { start: base + 2 * dumpSize, end: base + 2 * dumpSize + config.chips * SkibootMap.ARCH_REGS_DATA_SIZE_PER_CHIP },
  ];
}

/** Every reservation the reference platform publishes: skiboot's, the harness scratch, the scenario's. */
export function platformReservations(spec: ScenarioSpec): Span[] {
  const s = scratchArea(spec.config.ramSizeBytes);
  return [
    ...skibootReservations(spec.config),
    { start: s.start, end: s.start + s.sizeBytes },
    ...(spec.reservedRanges ?? []).map((r) => ({ start: r.startBytes, end: r.startBytes + r.sizeBytes })),
  ].sort((a, b) => a.start - b.start);
}

/** The dump area the reference Linux would reserve in this scenario, if it finds one. */
export function referenceDumpArea(spec: ScenarioSpec, linux: LinuxOptions = resolveLinuxOptions(spec.linux as Partial<LinuxOptions>)): { area: Span; fadumphdrAddr: number; metadataAddr: number } | undefined {
  const plan = planFadump(linux, spec.config.ramSizeBytes, platformReservations(spec));
  if (!plan.ok) return undefined;
  const c = plan.conf;
  return { area: { start: c.reserveDumpAreaStart, end: c.reserveDumpAreaStart + c.reserveDumpAreaSize }, fadumphdrAddr: c.fadumphdrAddr, metadataAddr: c.metadataAddr };
}

/** A table or OPAL address as a physical one: HRMOR_BIT and the 0xC "real mode" nibble dropped. */
function physicalOf(addr: bigint): bigint {
  return addr & ~HRMOR_BIT & 0x0fff_ffff_ffff_ffffn;
}

/** The ranges a scenario names in boot `boot`: ADD_RANGE sources and destinations, raw table entries. */
export function namedRanges(spec: ScenarioSpec, boot: number): Span[] {
  const out: Span[] = [];
  const add = (addr: bigint, sizeBytes: number): void => {
    const a = physicalOf(addr);
    if (a >= BigInt(spec.config.ramSizeBytes)) return;
    out.push({ start: Number(a), end: Number(a) + sizeBytes });
  };
  for (const op of spec.ops) {
    if (op.boot !== boot || op.call !== 'ADD_RANGE') continue;
    // The tables keep the low 32 bits of the size (spec 6.1): that is what gets copied.
    const size = Number(BigInt(op.args[2] ?? '0') & 0xffff_ffffn);
    add(BigInt(op.args[0] ?? '0'), size);
    add(BigInt(op.args[1] ?? '0'), size);
  }
  for (const w of spec.tableWrites) if (w.boot === boot) add(BigInt(w.addr), w.sizeBytes >>> 0);
  return out;
}

/** Boundaries of one range that a lossy copy would betray, each with a guard on both sides. */
function boundarySpans(r: Span): Span[] {
  const n = r.end - r.start;
  if (n <= WHOLE_FILL_MAX_BYTES) return [{ start: r.start - GUARD_BYTES, end: r.end + GUARD_BYTES }];
  const points = [r.start, r.end];
  for (let k = 1; k <= CHUNK_BOUNDARIES_MAX && k * CHUNK < n; k++) points.push(r.start + k * CHUNK);
  return points.map((b) => ({ start: b - GUARD_BYTES, end: b + GUARD_BYTES }));
}

function subtract(spans: Span[], holes: readonly Span[]): Span[] {
  let out = spans;
  for (const h of holes) {
    out = out.flatMap((s) => {
      if (h.end <= s.start || s.end <= h.start) return [s];
      const parts: Span[] = [];
      if (s.start < h.start) parts.push({ start: s.start, end: h.start });
      if (h.end < s.end) parts.push({ start: h.end, end: s.end });
      return parts;
    });
  }
  return out;
}

function intersect(spans: Span[], allowed: readonly Span[]): Span[] {
  return spans.flatMap((s) => allowed.map((a) => ({ start: Math.max(s.start, a.start), end: Math.min(s.end, a.end) })).filter((x) => x.end > x.start));
}

/**
 * The 4 KiB pages the harness fills with seeded bytes in boot `boot`, in address order, each once.
 * `arenas` are the workload arenas; `highWindow` the kernel's high data (both harness-owned and
 * written by the workloads or the harness itself, so never patterned over).
 */
export function patternPages(spec: ScenarioSpec, boot: number, arenas: readonly { base: number; sizeBytes: number }[], highWindow: Span): number[] {
  if (spec.patterns !== true) return [];
  const linux = resolveLinuxOptions(spec.linux as Partial<LinuxOptions>);
  const s = scratchArea(spec.config.ramSizeBytes);
  const owned: Span[] = [...linux.bootMemRegions.map((r) => ({ start: r.startBytes, end: r.startBytes + r.sizeBytes })), highWindow, { start: s.start, end: s.start + s.sizeBytes }];
  const dump = referenceDumpArea(spec, linux);
  const holes: Span[] = [
    { start: kernelLayout(linux).textBase, end: kernelLayout(linux).exportEnd },
    WORKLOAD_IMAGE,
    ...arenas.map((a) => ({ start: a.base, end: a.base + a.sizeBytes })),
    ...FW_LOAD_AREA.map(([st, n]) => ({ start: st, end: st + n })),
    ...skibootReservations(spec.config),
    ...(spec.reservedRanges ?? []).map((r) => ({ start: r.startBytes, end: r.startBytes + r.sizeBytes })),
    ...(dump === undefined ? [] : [dump.area]),
    // The oracle's QUERY_TAG buffer in the last bytes of RAM.
    { start: spec.config.ramSizeBytes - PAGE, end: spec.config.ramSizeBytes },
  ];
  const wanted = subtract(intersect(namedRanges(spec, boot).flatMap(boundarySpans), owned), holes);
  const pages = new Set<number>();
  for (const w of wanted) {
    // Whole pages only: a partial page next to a hole stays untouched.
    for (let p = Math.ceil(w.start / PAGE) * PAGE; p + PAGE <= w.end; p += PAGE) pages.add(p);
  }
  return [...pages].sort((a, b) => a - b);
}
