/**
 * The `qemu` profile at the byte level (spec 2 steps 2, 6, 17, 19; 3.4; 4.11; 5.4; 6.4): what
 * QEMU's PowerNV MPIPL writes, including the behaviours the suite is meant to find (MDRT with
 * advanced addresses, off_regentries 0, no CCR entry, the MDRT tail left alone).
 *
 * A spy hostboot records memory and registers on entry (the clock-stop state QEMU reads) and on
 * exit (what the reset leaves for skiboot); a spy skiboot records the relocated image after boot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.js';
import { deriveScenario, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { resolveProfile, referenceProfile } from '../../sim/firmware/profiles.js';
import { qemuProfile } from '../../sim/firmware/qemu-profile.js';
import { MemorySink, type SimEvent } from '../../sim/trace/events.js';
import { QemuHostboot, QEMU_THREAD_SIZE, qemuChunkCount, DT_SIM_NODE } from '../../sim/participants/hostboot/qemu.js';
import { qemuMpiplState } from '../../sim/participants/qemu-state.js';
import { SkibootModel } from '../../sim/participants/skiboot/skiboot.js';
import type { FirmwareImages, FirmwareProfile, HostbootResult } from '../../sim/participants/firmware.js';
import type { IplHandoff, Platform } from '../../sim/participants/platform.js';
import type { PhysicalMemory } from '../../sim/mem/physical-memory.js';
import { Slot } from '../../sim/cpu/state.js';
import { readU64s } from '../../sim/machine/device-tree.js';
import { parseCpuData } from '../../sim/oracle/readers.js';
import { DT_DUMP_NODE, HRMOR_BIT, MDRT_ENTRY_SIZE, MDST_ENTRY_SIZE, MdrtEntry, MdstEntry, Ntuple, ProcDumpArea, RegEntry, SkibootMap, SpirahNtuple, ThreadHdr } from '../../sim/participants/layout.js';

const BASE = SkibootMap.SKIBOOT_BASE;
const MDST = BASE + SkibootMap.MDST_TABLE_OFF;
const MDDT = BASE + SkibootMap.MDDT_TABLE_OFF;
const MDRT = BASE + SkibootMap.MDRT_TABLE_OFF;
const PROC = SkibootMap.PROC_DUMP_AREA_OFF;
const MDRT_ACT_CNT = BASE + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpRes + Ntuple.actCnt;
const CHUNK = 32 * 2 ** 20;
/** A marker planted in an MDRT slot no preservation of this scenario reaches. */
const TAIL_SLOT = 17;

/** The SPR numbers QEMU writes after the 32 GPRs, in order (spec 5.4, right-hand column). */
const QEMU_SPR_ORDER = [
  0x01f, 0x01d, 0x326, 0x01c, 0x0bb, 0x009, 0x098, 0x3f5, 0x3f7, 0x013, 0x0b4, 0x0b5, 0x0bc, 0x0bd, 0x0b0, 0x011, 0x012, 0x324, 0x325, 0x099,
  0x009, 0x013, 0x012, 0x008, 0x7d1, 0x7d0, 0x001, 0x01a, 0x01b, 0x13a, 0x13b, 0x01c, 0x150, 0x151,
];

interface Seen {
  /** Memory at clock stop (what QEMU reads at S0) and right after the reset writes. */
  before: PhysicalMemory;
  after: PhysicalMemory;
  regs: Map<number, { gpr: bigint[]; nip: bigint; msr: bigint; lr: bigint; ctr: bigint; xer: bigint }>;
  result: HostbootResult;
  mpiplBootProp: Uint8Array | undefined;
  flagAfter: boolean;
  simProps: { load: bigint[]; size: bigint[] };
}

interface Observed {
  run: RunResult;
  events: SimEvent[];
  mpipl: Seen[];
  /** Relocated proc dump area and image after each skiboot boot. */
  boots: { proc: Uint8Array; imageHead: Uint8Array; lowProc: Uint8Array }[];
}

function observe(spec: ScenarioSpec, tamper?: (p: Platform) => void): Observed {
  const mpipl: Seen[] = [];
  const boots: Observed['boots'] = [];
  class SpyHostboot extends QemuHostboot {
    override mpiplIpl(p: Platform, handoff: IplHandoff, images: FirmwareImages): HostbootResult {
      tamper?.(p);
      const before = p.mem.snapshot();
      const regs = new Map(
        p.topology.threads.map((t) => {
          const th = p.thread(t.pir);
          return [t.pir, { gpr: Array.from({ length: 32 }, (_, g) => th.gpr(g)), nip: th.get(Slot.NIP), msr: th.get(Slot.MSR), lr: th.get(Slot.LR), ctr: th.get(Slot.CTR), xer: th.get(Slot.XER) }];
        }),
      );
      const result = super.mpiplIpl(p, handoff, images);
      mpipl.push({
        before,
        after: p.mem.snapshot(),
        regs,
        result,
        mpiplBootProp: p.dt.get(DT_DUMP_NODE, 'mpipl-boot'),
        flagAfter: qemuMpiplState(p).isNextBootMpipl,
        simProps: { load: readU64s(p.dt.get(DT_SIM_NODE, 'skiboot-load-address')!), size: readU64s(p.dt.get(DT_SIM_NODE, 'skiboot-image-size')!) },
      });
      return result;
    }
  }
  class SpySkiboot extends SkibootModel {
    override boot(p: Platform): void {
      const lowProc = p.mem.readBytes(PROC, 0x30);
      super.boot(p);
      boots.push({ proc: p.mem.readBytes(BASE + PROC, 0x30), imageHead: p.mem.readBytes(BASE, 0x100), lowProc });
    }
  }
  const base = qemuProfile(spec);
  const profile: FirmwareProfile = { ...base, makeHostboot: () => new SpyHostboot(), makeSkiboot: () => new SpySkiboot(spec.faults.allocSizeBytes === undefined ? {} : { allocSizeBytes: spec.faults.allocSizeBytes }) };
  const sink = new MemorySink();
  const run = runScenario(spec, { sink, profile });
  return { run, events: sink.events, mpipl, boots };
}

const be32 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off, false);
const be64 = (b: Uint8Array, off: number): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(off, false);

const spec = deriveScenario('1', DEFAULT_CONFIG, 'qemu');

describe('qemu profile: resolution and flash loading', () => {
  it('resolves by name and differs from reference only in SBE and hostboot', () => {
    const q = resolveProfile('qemu')(spec);
    const r = referenceProfile(spec);
    expect(q.name).toBe('qemu');
    expect(q.contentHash).not.toBe(r.contentHash);
    expect(q.images).toBe(r.images);
    expect(q.makeSkiboot()).toBeInstanceOf(SkibootModel);
  });

  it('chunk count is computed in single precision, as QEMU does', () => {
    expect(qemuChunkCount(0)).toBe(0);
    expect(qemuChunkCount(1)).toBe(1);
    expect(qemuChunkCount(CHUNK)).toBe(1);
    expect(qemuChunkCount(CHUNK + 0x1000)).toBe(2);
    // 0x2000001 is not a float: it rounds to 32 MiB, so only one chunk (the last byte is not copied).
    expect(qemuChunkCount(CHUNK + 1)).toBe(1);
    expect(qemuChunkCount(0x3000_0000)).toBe(24);
  });
});

describe('qemu profile: one MPIPL of the default scenario', () => {
  let o: Observed;
  let seen: Seen;
  beforeAll(() => {
    o = observe(spec, (p) => {
      // Plant a marker in an MDRT slot past anything this scenario preserves: QEMU must leave it.
      p.mem.fill(MDRT + TAIL_SLOT * MDRT_ENTRY_SIZE, MDRT_ENTRY_SIZE, 0xa5);
    });
    expect(o.mpipl.length).toBe(1);
    seen = o.mpipl[0]!;
  });

  it('walks MDST/MDDT and writes one MDRT entry per copied pair, with the ADVANCED addresses', () => {
    const n = seen.result.mdrtEntries;
    expect(n).toBeGreaterThanOrEqual(2);
    let k = 0;
    for (let i = 0; i < 64; i++) {
      const s = MDST + i * MDST_ENTRY_SIZE;
      const d = MDDT + i * MDST_ENTRY_SIZE;
      const srcField = seen.before.read64BE(s + MdstEntry.addr);
      const size = seen.before.read32BE(s + MdstEntry.size);
      if (srcField === 0n && size === 0) break;
      const destField = seen.before.read64BE(d + MdstEntry.addr);
      const chunks = BigInt(Math.ceil(size / CHUNK));
      const at = MDRT + k * MDRT_ENTRY_SIZE;
      expect(seen.after.read64BE(at + MdrtEntry.srcAddr)).toBe((srcField & ~HRMOR_BIT) + chunks * BigInt(CHUNK));
      expect(seen.after.read64BE(at + MdrtEntry.destAddr)).toBe((destField & ~HRMOR_BIT) + chunks * BigInt(CHUNK));
      expect(seen.after.read32BE(at + MdrtEntry.size)).toBe(seen.before.read32BE(d + MdstEntry.size));
      expect(seen.after.read8(at + MdrtEntry.dataRegion)).toBe(seen.before.read8(s + MdstEntry.dataRegion));
      expect(seen.after.read8(at + MdrtEntry.dumpType)).toBe(0);
      expect(seen.after.read16BE(at + MdrtEntry.reserved)).toBe(0);
      expect(seen.after.read64BE(at + MdrtEntry.padding)).toBe(0n);
      // The copy itself is right: the registered destination holds the registered source.
      const dest = Number(destField & ~HRMOR_BIT);
      const src = Number(srcField & ~HRMOR_BIT);
      expect(seen.after.firstDifference(dest, seen.before, src, size)).toBe(-1);
      k++;
    }
    expect(k).toBe(n);
    // The default layout: OPAL's own region (one chunk), then 768 MiB of boot memory (24 chunks).
    expect(seen.after.read64BE(MDRT + MdrtEntry.srcAddr)).toBe(BigInt(BASE + CHUNK));
    expect(seen.after.read64BE(MDRT + MDRT_ENTRY_SIZE + MdrtEntry.srcAddr)).toBe(0x3000_0000n);
  });

  it('leaves the MDRT tail and SPIRA-H mdump_res.act_cnt untouched', () => {
    const tail = seen.after.readBytes(MDRT + TAIL_SLOT * MDRT_ENTRY_SIZE, MDRT_ENTRY_SIZE);
    expect([...tail].every((b) => b === 0xa5)).toBe(true);
    expect(seen.after.read16BE(MDRT_ACT_CNT)).toBe(seen.before.read16BE(MDRT_ACT_CNT));
    expect(seen.after.read64BE(MDRT + seen.result.mdrtEntries * MDRT_ENTRY_SIZE)).toBe(0n);
  });

  it('writes one 1080-byte record per thread: off_regentries 0, core_state 0xFF, 66 entries, no CCR', () => {
    const proc = seen.after.readBytes(PROC, 0x30);
    const alloc = be64(proc, ProcDumpArea.allocAddr);
    const dest = Number(alloc & ~HRMOR_BIT);
    const threads = [...seen.regs.keys()];
    expect(QEMU_THREAD_SIZE).toBe(1080);
    threads.forEach((pir, i) => {
      const at = dest + i * 1080;
      const r = seen.regs.get(pir)!;
      expect(seen.after.read32BE(at + ThreadHdr.pir)).toBe(pir);
      expect(seen.after.read8(at + ThreadHdr.coreState)).toBe(0xff);
      expect(seen.after.read32BE(at + ThreadHdr.offset)).toBe(0);
      expect(seen.after.read32BE(at + ThreadHdr.ecnt)).toBe(66);
      expect(seen.after.read32BE(at + ThreadHdr.esize)).toBe(16);
      expect(seen.after.read32BE(at + ThreadHdr.eactsz)).toBe(16);
      const entry = (k: number): { type: number; num: number; val: bigint } => {
        const e = at + ThreadHdr.SIZE + k * RegEntry.SIZE;
        return { type: seen.after.read32BE(e), num: seen.after.read32BE(e + 4), val: seen.after.read64BE(e + 8) };
      };
      for (let g = 0; g < 32; g++) expect(entry(g)).toEqual({ type: 1, num: g, val: r.gpr[g] });
      expect(Array.from({ length: 34 }, (_, k) => entry(32 + k).num)).toEqual(QEMU_SPR_ORDER);
      expect(Array.from({ length: 34 }, (_, k) => entry(32 + k).type).every((t) => t === 2)).toBe(true);
      const byNum = new Map(Array.from({ length: 34 }, (_, k) => [entry(32 + k).num, entry(32 + k).val]));
      expect(byNum.get(0x7d0)).toBe(r.nip);
      expect(byNum.get(0x7d1)).toBe(r.msr);
      expect(byNum.get(0x008)).toBe(r.lr);
      expect(byNum.get(0x009)).toBe(r.ctr);
      expect(byNum.get(0x001)).toBe(r.xer);
      expect(byNum.has(0x7d2)).toBe(false);
    });
  });

  it('Linux, starting 16 bytes early (offset 0), still finds the GPRs but never a CCR', () => {
    const proc = seen.after.readBytes(PROC, 0x30);
    const parsed = parseCpuData(seen.after, Number(be64(proc, ProcDumpArea.destAddr) & ~HRMOR_BIT), be32(proc, ProcDumpArea.actSize), be32(proc, ProcDumpArea.threadSize));
    expect(parsed.length).toBe(seen.regs.size);
    for (const t of parsed) {
      const r = seen.regs.get(t.pir)!;
      expect(t.regs.gpr).toEqual(r.gpr);
      expect(t.regs.nip).toBe(r.nip);
      expect(t.regs.ccr).toBeUndefined();
    }
  });

  it('writes the proc dump area to absolute 0x10300, dest_addr = alloc_addr with bit 63 kept', () => {
    const proc = seen.after.readBytes(PROC, 0x30);
    const before = seen.before.readBytes(BASE + PROC, 0x30);
    expect(be32(proc, ProcDumpArea.threadSize)).toBe(1080);
    expect(proc[ProcDumpArea.version]).toBe(1);
    expect(be64(proc, ProcDumpArea.allocAddr)).toBe(be64(before, ProcDumpArea.allocAddr));
    expect(be64(proc, ProcDumpArea.allocAddr) & HRMOR_BIT).toBe(HRMOR_BIT);
    expect(be64(proc, ProcDumpArea.destAddr)).toBe(be64(proc, ProcDumpArea.allocAddr));
    expect(be32(proc, ProcDumpArea.actSize)).toBe(seen.regs.size * 1080);
    // The relocated area is not written by QEMU: it still holds the crashed boot's values.
    expect(seen.after.readBytes(BASE + PROC, 0x30)).toEqual(before);
  });

  it('skiboot relocation carries the image from 0, with the proc dump area, to SKIBOOT_BASE', () => {
    expect(seen.simProps.load).toEqual([0n]);
    expect(seen.simProps.size[0]).toBeGreaterThan(BigInt(SkibootMap.MDDT_TABLE_OFF));
    const mpiplBoot = o.boots[1]!;
    const written = seen.after.readBytes(PROC, 0x30);
    expect(mpiplBoot.lowProc).toEqual(written);
    // skiboot then rewrites only alloc_addr/alloc_size (same values); the QEMU fields survive.
    expect(be32(mpiplBoot.proc, ProcDumpArea.threadSize)).toBe(1080);
    expect(mpiplBoot.proc[ProcDumpArea.version]).toBe(1);
    expect(be64(mpiplBoot.proc, ProcDumpArea.destAddr)).toBe(be64(written, ProcDumpArea.destAddr));
    expect(be32(mpiplBoot.proc, ProcDumpArea.actSize)).toBe(be32(written, ProcDumpArea.actSize));
    expect(mpiplBoot.imageHead).toEqual(seen.after.readBytes(0, 0x100));
  });

  it('adds mpipl-boot (u64 1) when both writes succeed, and clears the flag', () => {
    expect(seen.result.mpiplBoot).toBe(true);
    expect(seen.mpiplBootProp === undefined ? undefined : readU64s(seen.mpiplBootProp)).toEqual([1n]);
    expect(seen.flagAfter).toBe(false);
  });

  it('at power-on writes the default proc dump area: version 1, thread_size 1080, rest 0', () => {
    const p = o.boots[0]!.lowProc;
    const want = new Uint8Array(0x30);
    new DataView(want.buffer).setUint32(0, 1080, false);
    want[4] = 1;
    expect(p).toEqual(want);
  });

  it('emits the same trace event kinds as the reference hostboot', () => {
    const kinds = new Set(o.events.filter((e) => e.who === 'hostboot').map((e) => e.kind));
    for (const k of ['ipl', 'copy', 'mdrt-write', 'regs-capture'] as const) expect(kinds.has(k)).toBe(true);
  });
});

describe('qemu profile: table walk and copy failures', () => {
  it('ignores act_cnt, stops at the first all-zero MDST entry, keeps chunks written before a failing one', () => {
    const ram = DEFAULT_CONFIG.ramSizeBytes;
    const o = observe(spec, (p) => {
      const cnt = p.mem.read16BE(BASE + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpSrc + Ntuple.actCnt);
      const put = (table: number, i: number, addr: bigint, size: number, region: number): void => {
        const at = table + i * MDST_ENTRY_SIZE;
        p.mem.write64BE(at + MdstEntry.addr, addr);
        p.mem.write8(at + MdstEntry.dataRegion, region);
        p.mem.write32BE(at + MdstEntry.size, size);
      };
      // Pair cnt: 64 MiB whose second chunk runs past RAM; its first chunk lands, no MDRT entry.
      p.mem.fill(0x1000_0000, 0x1000, 0x5c);
      put(MDST, cnt, 0x1000_0000n | HRMOR_BIT, 2 * CHUNK, 0x80);
      put(MDDT, cnt, BigInt(ram - CHUNK - 0x10_0000) | HRMOR_BIT, 2 * CHUNK, 0x80);
      // Pair cnt+1: all zero (end of table). Pair cnt+2: valid, but never reached.
      put(MDST, cnt + 2, 0x1100_0000n | HRMOR_BIT, 0x1000, 0x80);
      put(MDDT, cnt + 2, 0x9000_0000n | HRMOR_BIT, 0x1000, 0x80);
      p.mem.fill(0x1100_0000, 0x1000, 0x77);
      // act_cnt says there is nothing: QEMU does not read it.
      p.mem.write16BE(BASE + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpSrc + Ntuple.actCnt, 0);
    });
    const seen = o.mpipl[0]!;
    const copies = o.events.filter((e) => e.who === 'hostboot' && e.kind === 'copy');
    expect(copies.some((e) => String(e.data['result']).startsWith('skipped: write of'))).toBe(true);
    expect(seen.result.mdrtEntries).toBe(2); // OPAL + boot memory; the failing and unreached pairs have none
    expect(seen.after.read8(ram - CHUNK - 0x10_0000)).toBe(0x5c); // the first chunk stayed written
    expect(seen.after.read8(0x9000_0000)).toBe(0); // never copied: past the end-of-table entry
  });
});

describe('qemu profile: mpipl-boot gating', () => {
  it('a register area too small for 8 × 1080 bytes: no mpipl-boot, default proc area, flag kept', () => {
    const small: ScenarioSpec = { ...spec, faults: { allocSizeBytes: 8 * 1080 - 1 } };
    const o = observe(small);
    const seen = o.mpipl[0]!;
    expect(seen.result.mpiplBoot).toBe(false);
    expect(seen.mpiplBootProp).toBeUndefined();
    expect(seen.flagAfter).toBe(true);
    const proc = seen.after.readBytes(PROC, 0x30);
    expect(be32(proc, ProcDumpArea.threadSize)).toBe(1080);
    expect(be64(proc, ProcDumpArea.destAddr)).toBe(0n);
    expect(be32(proc, ProcDumpArea.actSize)).toBe(0);
    // The MDRT was still written (do_mpipl_write writes it first).
    expect(seen.after.read64BE(MDRT + MdrtEntry.srcAddr)).toBe(BigInt(BASE + CHUNK));
  });

  it('exactly fits: mpipl-boot', () => {
    const fits: ScenarioSpec = { ...spec, faults: { allocSizeBytes: 8 * 1080 } };
    expect(observe(fits).mpipl[0]!.result.mpiplBoot).toBe(true);
  });

  it('never-stashed base: QEMU still preserves through base 0 (tables read at 0 + offsets)', () => {
    const o = observe({ ...spec, faults: { dropStash: true } });
    const ipl = o.events.find((e) => e.who === 'hostboot' && e.kind === 'ipl' && e.data['kind'] === 'mpipl');
    expect(ipl?.data['skibootBase']).toBe('0x0');
    // The proc dump area at 0 + 0x10300 is the one QEMU wrote at power-on (alloc_size 0): no CPU data.
    expect(o.mpipl[0]!.result.mpiplBoot).toBe(false);
  });

  it('the reference profile sets no load address and skiboot does not move', () => {
    const sink = new MemorySink();
    runScenario(spec, { sink, profile: referenceProfile(spec) });
    expect(sink.events.some((e) => e.kind === 'dt-prop' && e.data['path'] === DT_SIM_NODE)).toBe(false);
    expect(sink.events.some((e) => e.who === 'skiboot' && String(e.data['msg'] ?? '').startsWith('relocated'))).toBe(false);
  });
});
