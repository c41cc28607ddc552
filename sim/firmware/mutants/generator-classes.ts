/**
 * Mutants of the generator classes of issue 11: one realistic bug per class of scenario the
 * generator learned to reach, each modelled on a bug written and later fixed in QEMU's PowerNV
 * MPIPL (hw/ppc/pnv_mpipl.c), skiboot or Linux's OPAL fadump. Each is invisible on the default
 * scenario and on the old generator's scenarios (zero copied over zero, one crash per boot, a
 * release between MPIPLs); tests/check/generator-classes.test.ts pins a scenario that kills each
 * and shows the default scenario passing it.
 */
import type { Platform } from '../../participants/platform.js';
import type { CrashCause } from '../../participants/firmware.js';
import { ReferenceHostboot, type TablePair } from '../../participants/hostboot/reference.js';
import { LinuxKernelModel } from '../../participants/linux/kernel.js';
import { bootMemoryPieces, fadumpAreaSize, planFadump, type PlanResult } from '../../participants/linux/fadump-mem.js';
import { alignUp, overlaps } from '../../participants/linux/bytes.js';
import { firmwareReservedRanges } from '../../participants/linux/dt-scan.js';
import { MDRT_ENTRY_SIZE, MDRT_MAX_ENTRIES, MdrtEntry, Ntuple, SkibootMap, SpirahNtuple } from '../../participants/layout.js';
import { hex } from '../../core/u64.js';
import type { ScenarioSpec } from '../../scenario/scenario.js';
import { linuxOptionsOf } from '../profiles.js';
import { memWithCopy, mutantProfile, platformWith, type Mutant } from '../mutant-kit.js';

type Range = { start: number; sizeBytes: number };

const CHUNK_BYTES = 32 * 2 ** 20;

// ------------------------------------------------------------------ memory patterns

/**
 * The copy engine moves whole 4 KiB pages only: the partial page at the end of a range whose size
 * is not page aligned is dropped. Linux registers page-multiple sizes, so only a driver's
 * ADD_RANGE with an odd size reaches it, and only a patterned source shows the lost bytes.
 */
class HostbootCopyWholePagesOnly extends ReferenceHostboot {
  protected override preserve(p: Platform, base: number, pairs: TablePair[], regCapture: Range): TablePair[] {
    const mem = memWithCopy(p.mem, (to, from, n) => p.mem.copy(to, from, n - (n % 0x1000)));
    return super.preserve(platformWith(p, { mem }), base, pairs, regCapture);
  }
}

// ------------------------------------------------------------------ k·32 MiB + r sizes

/**
 * QEMU pnv_mpipl.c: the number of 32 MiB chunks is `ceil((len * 1.0f) / COPY_CHUNK_SIZE)` in single
 * precision, so a size like 0x2000001 rounds to one chunk and its last bytes are never copied.
 */
export function floatChunkCount(lengthBytes: number): number {
  return Math.ceil(Math.fround(Math.fround(lengthBytes) / CHUNK_BYTES));
}

class HostbootChunkCountFloat extends ReferenceHostboot {
  protected override preserve(p: Platform, base: number, pairs: TablePair[], regCapture: Range): TablePair[] {
    const mem = memWithCopy(p.mem, (to, from, n) => {
      for (let k = 0; k < floatChunkCount(n); k++) {
        const len = Math.min(CHUNK_BYTES, n - k * CHUNK_BYTES);
        if (len > 0) p.mem.copy(to + k * CHUNK_BYTES, from + k * CHUNK_BYTES, len);
      }
    });
    return super.preserve(platformWith(p, { mem }), base, pairs, regCapture);
  }
}

// ------------------------------------------------------------------ MPIPLs in a row, crashes before release

/**
 * The MDRT entries are written over the previous table without clearing it, and
 * `mdump_res.act_cnt` is found by scanning to the first empty entry (QEMU never clears the MDRT
 * tail either). After a FREE_PRESERVED_MEMORY the table is clean and nothing shows; after an MPIPL
 * with fewer regions that follows another one without release, the stale tail is counted.
 */
class HostbootMdrtCountByScan extends ReferenceHostboot {
  protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
    const mdrt = base + SkibootMap.MDRT_TABLE_OFF;
    preserved.forEach((pair, i) => {
      const at = mdrt + i * MDRT_ENTRY_SIZE;
      p.mem.write64BE(at + MdrtEntry.srcAddr, pair.srcField);
      p.mem.write64BE(at + MdrtEntry.destAddr, pair.destField);
      p.mem.write8(at + MdrtEntry.dataRegion, pair.srcRegion);
      p.mem.write32BE(at + MdrtEntry.size, pair.srcSize);
    });
    let n = 0;
    while (n < MDRT_MAX_ENTRIES && p.mem.read64BE(mdrt + n * MDRT_ENTRY_SIZE + MdrtEntry.srcAddr) !== 0n) n++;
    p.mem.write16BE(base + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpRes + Ntuple.actCnt, n);
    p.emit('hostboot', 'mdrt-write', { entries: n, address: hex(mdrt) });
  }
}

// ------------------------------------------------------------------ table holes

/** The table walk stops at the first all-zero MDST entry instead of reading act_cnt pairs (QEMU's walk). */
class HostbootStopsAtZeroEntry extends ReferenceHostboot {
  protected override readPairs(p: Platform, base: number): TablePair[] {
    const pairs = super.readPairs(p, base);
    const hole = pairs.findIndex((x) => x.srcField === 0n && x.srcSize === 0);
    return hole < 0 ? pairs : pairs.slice(0, hole);
  }
}

// ------------------------------------------------------------------ same-index writes, counts that disagree

/**
 * MDST and MDDT sizes are not compared: the copy takes the MDDT size, the MDRT entry the MDST
 * size. Linux always writes both entries alike; a pair written at the same index with different
 * sizes shows it (bytes past the claimed destination change, or the claimed tail is not copied).
 */
class HostbootCopiesMddtSize extends ReferenceHostboot {
  protected override preserve(p: Platform, base: number, pairs: TablePair[], regCapture: Range): TablePair[] {
    const asCopied = pairs.map((x) => ({ ...x, srcSize: x.destSize }));
    const done = super.preserve(p, base, asCopied, regCapture);
    return done.map((x) => pairs.find((o) => o.index === x.index)!);
  }
}

// ------------------------------------------------------------------ several CPUs panicking together

/** Cycles within which a second CPU still reads crashing_cpu as unset (the racy check-then-set). */
export const CRASH_FADUMP_RACE_CYCLES = 5;

/**
 * crash_fadump tests `crashing_cpu == -1` and stores its own id in two steps instead of one
 * compare-and-swap: a second CPU that panics within a few cycles also wins, overwrites
 * crashing_cpu and the saved pt_regs, and the dump names the wrong CPU with the wrong registers.
 */
class LinuxCrashFadumpRace extends LinuxKernelModel {
  firstPanicCycle = -1;

  override panic(p: Platform, pir: number, cause: CrashCause): void {
    const first = this.crashingPir;
    if (first === undefined) this.firstPanicCycle = p.cycle();
    else if (first !== pir && this.registered && p.cycle() - this.firstPanicCycle <= CRASH_FADUMP_RACE_CYCLES) this.crashingPir = undefined;
    super.panic(p, pir, cause);
  }
}

// ------------------------------------------------------------------ layouts: reserved memory near the dump area

/**
 * The dump-area search checks the firmware-reserved ranges against the boot-memory copies only,
 * not against the crash-info header and metadata after them: a range reserved right past the
 * copies ends up under the header, where the platform's IPL overwrites it.
 */
class LinuxReserveCheckCopiesOnly extends LinuxKernelModel {
  protected override planDumpArea(p: Platform): PlanResult {
    const o = this.options;
    const reserved = firmwareReservedRanges(p.dt);
    const carved = bootMemoryPieces(o, reserved);
    if (o.reserveDumpAreaStartBytes !== undefined || !carved.ok) return super.planDumpArea(p);
    const last = carved.pieces[carved.pieces.length - 1]!;
    const copyBytes = carved.pieces.reduce((s, r) => s + r.sizeBytes, 0);
    let start = alignUp(last.startBytes + last.sizeBytes, o.reserveAlignBytes);
    for (let moved = true; moved; ) {
      moved = false;
      for (const r of reserved) {
        if (overlaps({ start, end: start + copyBytes }, r)) {
          start = alignUp(r.end, o.reserveAlignBytes);
          moved = true;
        }
      }
    }
    // Plan at that start; the ranges under the rest of the area are the ones the check missed.
    const area = { start, end: start + fadumpAreaSize(o, copyBytes) };
    return planFadump({ ...o, reserveDumpAreaStartBytes: start }, p.mem.sizeBytes, reserved.filter((r) => !overlaps(r, area)));
  }
}

// ------------------------------------------------------------------ the catalogue

function hostboot(name: string, description: string, H: new () => ReferenceHostboot): Mutant {
  return { name, description, participant: 'hostboot', make: (spec: ScenarioSpec) => mutantProfile(name, spec, { makeHostboot: () => new H() }) };
}

function linux(name: string, description: string, L: new (o: ReturnType<typeof linuxOptionsOf>) => LinuxKernelModel): Mutant {
  return { name, description, participant: 'linux', make: (spec: ScenarioSpec) => mutantProfile(name, spec, { makeLinux: () => new L(linuxOptionsOf(spec)) }) };
}

export const GENERATOR_CLASS_MUTANTS: readonly Mutant[] = [
  hostboot('hostboot-copy-whole-pages-only', 'the copy engine moves whole 4 KiB pages only: the tail of a range whose size is not page aligned is not copied', HostbootCopyWholePagesOnly),
  hostboot('hostboot-chunk-count-float', 'the number of 32 MiB copy chunks is computed in single-precision float (QEMU pnv_mpipl.c), so sizes like 0x2000001 lose their last bytes', HostbootChunkCountFloat),
  hostboot('hostboot-mdrt-count-by-scan', 'MDRT is written over the previous table without clearing it and act_cnt counts up to the first empty entry, so a second MPIPL without release counts the first one’s stale tail', HostbootMdrtCountByScan),
  hostboot('hostboot-stops-at-zero-entry', 'the MDST walk stops at the first all-zero entry instead of reading act_cnt pairs (QEMU’s walk): valid pairs after a hole are not preserved', HostbootStopsAtZeroEntry),
  hostboot('hostboot-copies-mddt-size', 'MDST and MDDT sizes are not compared: the copy uses the MDDT size, the MDRT entry the MDST size', HostbootCopiesMddtSize),
  linux('linux-crash-fadump-race', 'crash_fadump checks crashing_cpu and sets it in two steps: a second CPU panicking within a few cycles overwrites crashing_cpu and the saved registers', LinuxCrashFadumpRace),
  linux('linux-reserve-check-copies-only', 'the dump-area search checks reserved ranges against the boot-memory copies only, so a range reserved right past them lies under the crash-info header and metadata', LinuxReserveCheckCopiesOnly),
];
