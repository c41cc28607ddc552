/**
 * Reference hostboot (design section 5): which pairs it preserves, the MDRT it writes, the
 * register capture, and when it asks for `mpipl-boot` — driven through skiboot's OPAL calls and
 * a real S0, observed in memory right after preservation.
 */
import { describe, expect, it } from 'vitest';
import { stubMachine, type StubOptions } from '../helpers/stub-machine.js';
import { OpalToken, MpiplOp, OpalReboot } from '../../sim/participants/opal-api.js';
import { HRMOR_BIT, SkibootMap, SpirahNtuple, Ntuple, ProcDumpArea, ThreadHdr, RegEntry } from '../../sim/participants/layout.js';
import type { Machine } from '../../sim/machine/machine.js';
import type { HostbootResult } from '../../sim/participants/firmware.js';

const B = SkibootMap.SKIBOOT_BASE;
const MDRT = B + SkibootMap.MDRT_TABLE_OFF;

interface Outcome {
  m: Machine;
  result: HostbootResult;
  mdrt: { src: bigint; dest: bigint; size: number; region: number }[];
  actCnt: number;
  procDump: { threadSize: number; destAddr: bigint; actSize: number };
  mpiplBoot: boolean;
}

/** Register `ranges`, write a marker at every source, crash, and look at memory after preservation. */
function crashWith(ranges: [bigint, bigint, bigint][], o: StubOptions = {}, before?: (m: Machine) => void): Outcome {
  const { m } = stubMachine(o);
  for (const [src, dest, size] of ranges) {
    m.opalCall(0, OpalToken.MPIPL_UPDATE, [MpiplOp.ADD_RANGE, src, dest, size]);
    if (m.mem.contains(src, 8)) m.mem.write64BE(Number(src), 0x5eed_0000n + src);
  }
  before?.(m);
  let out: Outcome | undefined;
  m.hooks = {
    afterPreservation: (result) => {
      const n = m.mem.read16BE(B + SkibootMap.SPIRAH_OFF + SpirahNtuple.mdumpRes + Ntuple.actCnt);
      const mdrt = Array.from({ length: Math.min(n, 64) }, (_, i) => ({
        src: m.mem.read64BE(MDRT + 32 * i),
        dest: m.mem.read64BE(MDRT + 32 * i + 8),
        region: m.mem.read8(MDRT + 32 * i + 0x10),
        size: m.mem.read32BE(MDRT + 32 * i + 0x14),
      })).filter((e) => e.size !== 0);
      const pda = B + SkibootMap.PROC_DUMP_AREA_OFF;
      out = {
        m,
        result,
        mdrt,
        actCnt: n,
        procDump: { threadSize: m.mem.read32BE(pda + ProcDumpArea.threadSize), destAddr: m.mem.read64BE(pda + ProcDumpArea.destAddr), actSize: m.mem.read32BE(pda + ProcDumpArea.actSize) },
        mpiplBoot: m.dt.has('/ibm,opal/dump', 'mpipl-boot'),
      };
    },
  };
  m.opalCall(3, OpalToken.CEC_REBOOT2, [OpalReboot.MPIPL, 0n]);
  m.runUntil(m.cycle() + 10_000_000, () => out !== undefined);
  if (out === undefined) throw new Error('no preservation happened');
  return out;
}

describe('reference hostboot preservation (design section 5)', () => {
  it('preserves valid pairs with the registered fields and copies the bytes', () => {
    const o = crashWith([[0x100_0000n, 0x4000_0000n, 0x1_0000n]]);
    expect(o.result).toEqual({ preserved: true, mdrtEntries: 2, mpiplBoot: true });
    expect(o.mdrt[1]).toEqual({ src: 0x100_0000n | HRMOR_BIT, dest: 0x4000_0000n | HRMOR_BIT, size: 0x1_0000, region: 0x80 });
    expect(o.mdrt[0]!.region).toBe(0x03);
    expect(o.actCnt).toBe(2);
    expect(o.m.mem.read64BE(0x4000_0000)).toBe(0x5eed_0000n + 0x100_0000n);
    expect(o.mpiplBoot).toBe(true);
  });

  it.each([
    ['destination overlaps its own source', [0x100_0000n, 0x100_8000n, 0x1_0000n]],
    ['destination overlaps the OPAL source (skiboot image)', [0x100_0000n, 0x3000_0000n, 0x1000n]],
    ['destination in fw-load-area', [0x100_0000n, 0x2000_0000n, 0x1000n]],
    ['source runs past RAM', [0xffff_f000n, 0x4000_0000n, 0x2000n]],
    ['destination runs past RAM', [0x100_0000n, 0xffff_f000n, 0x2000n]],
    ['size truncated to zero (4 GiB)', [0x100_0000n, 0x4000_0000n, 0x1_0000_0000n]],
  ] as const)('skips a pair whose %s', (_why, range) => {
    const o = crashWith([[range[0], range[1], range[2]]]);
    expect(o.mdrt.map((e) => e.region)).toEqual([0x03]);
  });

  it('skips a destination that overlaps another pair’s source or an earlier preserved destination', () => {
    const o = crashWith([
      [0x100_0000n, 0x4000_0000n, 0x1_0000n],
      [0x200_0000n, 0x4000_8000n, 0x1_0000n], // overlaps the first destination
      [0x300_0000n, 0x200_0000n, 0x1000n], // lands on the second source
    ]);
    expect(o.mdrt.filter((e) => e.region === 0x80).map((e) => e.src & ~HRMOR_BIT)).toEqual([0x100_0000n]);
  });

  it('skips pairs whose MDST and MDDT no longer match after a failed REMOVE_RANGE', () => {
    const o = crashWith(
      [
        [0x100_0000n, 0x4000_0000n, 0x1_0000n],
        [0x200_0000n, 0x4100_0000n, 0x2_0000n],
      ],
      {},
      (m) => m.opalCall(0, OpalToken.MPIPL_UPDATE, [MpiplOp.REMOVE_RANGE, 0x100_0000n, 0x7000_0000n, 0n]),
    );
    // MDST[1] is now the second source, MDDT[1] still the first destination: sizes differ → skipped.
    expect(o.mdrt.map((e) => e.region)).toEqual([0x03]);
  });

  it('captures every thread with offset 0x10 and act_size = threads × thread_size', () => {
    const o = crashWith([]);
    const threads = o.m.threads.length;
    expect(o.procDump.actSize).toBe(threads * o.procDump.threadSize);
    const dest = Number(o.procDump.destAddr & ~HRMOR_BIT);
    expect(o.m.mem.read32BE(dest + ThreadHdr.offset)).toBe(0x10);
    expect(o.m.mem.read32BE(dest + ThreadHdr.esize)).toBe(RegEntry.SIZE);
    expect(o.m.mem.read32BE(dest + o.procDump.threadSize + ThreadHdr.pir)).toBe(o.m.threads[1]!.pir);
  });

  it('writes no CPU data when alloc_size is too small', () => {
    const o = crashWith([], { skiboot: { allocSizeBytes: 0x100 } });
    expect(o.procDump.destAddr).toBe(0n);
    expect(o.procDump.actSize).toBe(0);
  });

  it('reboots normally, preserving nothing, when no base was stashed', () => {
    const o = crashWith([[0x100_0000n, 0x4000_0000n, 0x1_0000n]], { sbe: { dropStash: true } });
    expect(o.result).toEqual({ preserved: false, mdrtEntries: 0, mpiplBoot: false });
    expect(o.mpiplBoot).toBe(false);
    expect(o.m.mem.read64BE(0x4000_0000)).toBe(0n);
  });
});
