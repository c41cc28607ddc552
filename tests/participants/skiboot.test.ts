/**
 * skiboot OPAL_MPIPL_* behaviour, rule by rule (spec 6.1–6.3, steps 4–5, 26), observed through the
 * OPAL entry point and the bytes it leaves in memory.
 */
import { describe, expect, it } from 'vitest';
import { stubMachine } from '../helpers/stub-machine.js';
import { OpalRc, OpalToken, MpiplOp, MpiplTag, OpalReboot } from '../../sim/participants/opal-api.js';
import { HRMOR_BIT, SkibootMap, SpirahNtuple, Ntuple, ProcDumpArea, MpiplMetadata, SbeReg, SbeBits } from '../../sim/participants/layout.js';
import type { Machine } from '../../sim/machine/machine.js';
import { SbeP9 } from '../../sim/participants/sbe/sbe-p9.js';

const B = SkibootMap.SKIBOOT_BASE;
const MDST = B + SkibootMap.MDST_TABLE_OFF;
const MDDT = B + SkibootMap.MDDT_TABLE_OFF;
const GiB = 2 ** 30;

function actCnt(m: Machine, nt: number): number {
  return m.mem.read16BE(B + SkibootMap.SPIRAH_OFF + nt + Ntuple.actCnt);
}
function entry(m: Machine, table: number, i: number) {
  const at = table + 16 * i;
  return { addr: m.mem.read64BE(at), region: m.mem.read8(at + 8), size: m.mem.read32BE(at + 12) };
}
const update = (m: Machine, op: bigint, src = 0n, dest = 0n, size = 0n) => BigInt.asIntN(64, m.opalCall(0, OpalToken.MPIPL_UPDATE, [op, src, dest, size]));
const add = (m: Machine, src: bigint, dest: bigint, size: bigint) => update(m, MpiplOp.ADD_RANGE, src, dest, size);

describe('skiboot boot (spec steps 4–5, 3.2)', () => {
  it('registers its own region, the proc dump area allocation and stashes the base in every SBE', () => {
    const { m } = stubMachine({ config: { chips: 2 } });
    // cpu_max_pir = 0x107 for 2 chips × 2 cores × SMT4: opal_dump_size = 0x1C10000 + 0x108 × 0x8000.
    const size = 0x1c10000 + 0x108 * 0x8000;
    expect(actCnt(m, SpirahNtuple.mdumpSrc)).toBe(1);
    expect(actCnt(m, SpirahNtuple.mdumpDst)).toBe(1);
    expect(entry(m, MDST, 0)).toEqual({ addr: BigInt(B) | HRMOR_BIT, region: 0x03, size });
    expect(entry(m, MDDT, 0)).toEqual({ addr: BigInt(B + size) | HRMOR_BIT, region: 0x03, size });
    const pda = B + SkibootMap.PROC_DUMP_AREA_OFF;
    expect(m.mem.read64BE(pda + ProcDumpArea.allocAddr)).toBe(BigInt(B + 2 * size) | HRMOR_BIT);
    expect(m.mem.read32BE(pda + ProcDumpArea.allocSize)).toBe(2 * 0x80000);
    for (const sbe of m.sbes) expect((sbe as SbeP9).skibootBase()).toBe(0x30000000n);
    // The built-in console entries are gone and the metadata is zero.
    expect(entry(m, MDST, 1)).toEqual({ addr: 0n, region: 0, size: 0 });
    expect(m.mem.readBytes(B + SkibootMap.DUMP_METADATA_AREA_OFF, MpiplMetadata.SIZE).every((b) => b === 0)).toBe(true);
  });

  it('without /ibm,opal/dump the MPIPL tokens are not registered (OPAL_PARAMETER)', () => {
    const { m } = stubMachine();
    m.dt.removeNode('/ibm,opal/dump');
    m.skiboot = m.profile.makeSkiboot();
    m.skiboot.boot(m);
    expect(add(m, 0x1000n, 0x4000_0000n, 0x1000n)).toBe(OpalRc.PARAMETER);
    expect(BigInt.asIntN(64, m.opalCall(0, OpalToken.CHECK_TOKEN, [BigInt(OpalToken.MPIPL_UPDATE)]))).toBe(0n);
  });
});

describe('OPAL_MPIPL_UPDATE ADD_RANGE (spec 6.1)', () => {
  it('checks in order: src, dest, size, table full, duplicate src, duplicate dest', () => {
    const { m } = stubMachine();
    expect(add(m, 0x5n << 60n, 0x4000_0000n, 0x1000n)).toBe(OpalRc.PARAMETER); // bad src nibble
    expect(add(m, 0x1000n, BigInt(5 * GiB), 0x1000n)).toBe(OpalRc.PARAMETER); // dest past RAM
    expect(add(m, 0x1000n, 0x4000_0000n, 0n)).toBe(OpalRc.PARAMETER); // size 0
    expect(add(m, 0x1000n, 0x4000_0000n, 0x1000n)).toBe(OpalRc.SUCCESS);
    expect(add(m, 0x1000n, 0x5000_0000n, 0x1000n)).toBe(OpalRc.PARAMETER); // duplicate src
    expect(add(m, 0x2000n, 0x4000_0000n, 0x1000n)).toBe(OpalRc.PARAMETER); // duplicate dest
    expect(add(m, 0x1001n, 0x4000_0800n, 0x1000n)).toBe(OpalRc.SUCCESS); // overlap is accepted
    expect(add(m, BigInt(B), 0x6000_0000n, 0x1000n)).toBe(OpalRc.PARAMETER); // duplicates OPAL's own source
    expect(entry(m, MDST, 1)).toEqual({ addr: 0x1000n | HRMOR_BIT, region: 0x80, size: 0x1000 });
    expect(entry(m, MDDT, 2)).toEqual({ addr: 0x4000_0800n | HRMOR_BIT, region: 0x80, size: 0x1000 });
  });

  it('only the start address is validated, sizes are truncated to 32 bits, 0xC… is stored as is', () => {
    const { m } = stubMachine();
    expect(add(m, BigInt(4 * GiB - 0x1000), 0x4000_0000n, 0x10_0000n)).toBe(OpalRc.SUCCESS); // runs past RAM
    expect(add(m, 0x2000n, 0x4100_0000n, 0x1_0000_1000n)).toBe(OpalRc.SUCCESS);
    expect(entry(m, MDST, 2).size).toBe(0x1000);
    expect(add(m, 0xc000_0000_0000_3000n, 0x4200_0000n, 0x1000n)).toBe(OpalRc.SUCCESS);
    expect(entry(m, MDST, 3).addr).toBe(0xc000_0000_0000_3000n);
    expect(add(m, BigInt(4 * GiB), 0x4300_0000n, 0x1000n)).toBe(OpalRc.SUCCESS); // == top_of_ram passes
  });

  it('a full table returns OPAL_RESOURCE', () => {
    const { m } = stubMachine();
    for (let i = 1; i < 64; i++) expect(add(m, BigInt(i * 0x1_0000), BigInt(0x4000_0000 + i * 0x1_0000), 0x1000n)).toBe(OpalRc.SUCCESS);
    expect(actCnt(m, SpirahNtuple.mdumpSrc)).toBe(64);
    expect(add(m, 0x100_0000n, 0x5000_0000n, 0x1000n)).toBe(OpalRc.RESOURCE);
  });
});

describe('REMOVE_RANGE, REMOVE_ALL, FREE_PRESERVED_MEMORY (spec 6.1, step 26)', () => {
  it('removes a pair and compacts both tables', () => {
    const { m } = stubMachine();
    add(m, 0x1000n, 0x4000_0000n, 0x1000n);
    add(m, 0x2000n, 0x4100_0000n, 0x2000n);
    expect(update(m, MpiplOp.REMOVE_RANGE, 0x1000n, 0x4000_0000n)).toBe(OpalRc.SUCCESS);
    expect(actCnt(m, SpirahNtuple.mdumpSrc)).toBe(2);
    expect(entry(m, MDST, 1).addr).toBe(0x2000n | HRMOR_BIT);
    expect(entry(m, MDST, 2)).toEqual({ addr: 0n, region: 0, size: 0 });
  });

  it('a failed MDDT removal leaves the tables desynchronised', () => {
    const { m } = stubMachine();
    add(m, 0x1000n, 0x4000_0000n, 0x1000n);
    add(m, 0x2000n, 0x4100_0000n, 0x2000n);
    expect(update(m, MpiplOp.REMOVE_RANGE, 0x9000n, 0x4000_0000n)).toBe(OpalRc.PARAMETER); // src not found: nothing changes
    expect(actCnt(m, SpirahNtuple.mdumpSrc)).toBe(3);
    expect(update(m, MpiplOp.REMOVE_RANGE, 0x1000n, 0x7000_0000n)).toBe(OpalRc.PARAMETER);
    expect(actCnt(m, SpirahNtuple.mdumpSrc)).toBe(2);
    expect(actCnt(m, SpirahNtuple.mdumpDst)).toBe(3);
    expect(entry(m, MDST, 1).addr).toBe(0x2000n | HRMOR_BIT);
    expect(entry(m, MDDT, 1).addr).toBe(0x4000_0000n | HRMOR_BIT);
  });

  it('REMOVE_ALL keeps the OPAL entry', () => {
    const { m } = stubMachine();
    add(m, 0x1000n, 0x4000_0000n, 0x1000n);
    add(m, 0x2000n, 0x4100_0000n, 0x2000n);
    expect(update(m, MpiplOp.REMOVE_ALL)).toBe(OpalRc.SUCCESS);
    expect(actCnt(m, SpirahNtuple.mdumpSrc)).toBe(1);
    expect(entry(m, MDST, 0).region).toBe(0x03);
    expect(update(m, 7n)).toBe(OpalRc.PARAMETER);
  });

  it('FREE_PRESERVED_MEMORY zeroes MDRT, resets act_cnt to 1024 and disables QUERY_TAG', () => {
    const { m } = stubMachine();
    const mdrt = B + SkibootMap.MDRT_TABLE_OFF;
    m.mem.write64BE(mdrt, 0x1234n);
    const q = (tag: bigint) => BigInt.asIntN(64, m.opalCall(0, OpalToken.MPIPL_QUERY_TAG, [tag, 0x100_0000n]));
    expect(q(MpiplTag.KERNEL)).toBe(OpalRc.SUCCESS);
    expect(update(m, MpiplOp.FREE_PRESERVED_MEMORY)).toBe(OpalRc.SUCCESS);
    expect(m.mem.read64BE(mdrt)).toBe(0n);
    expect(actCnt(m, SpirahNtuple.mdumpRes)).toBe(1024);
    expect(q(MpiplTag.CPU)).toBe(OpalRc.PARAMETER);
    expect(actCnt(m, SpirahNtuple.mdumpSrc)).toBe(1); // MDST untouched
  });
});

describe('REGISTER_TAG / QUERY_TAG (spec 6.2)', () => {
  it('stores KERNEL and BOOT_MEM in the metadata; queries return this boot’s tags (zero)', () => {
    const { m } = stubMachine();
    const reg = (tag: bigint, v: bigint) => BigInt.asIntN(64, m.opalCall(0, OpalToken.MPIPL_REGISTER_TAG, [tag, v]));
    const md = B + SkibootMap.DUMP_METADATA_AREA_OFF;
    expect(reg(MpiplTag.BOOT_MEM, 0n)).toBe(OpalRc.PARAMETER);
    expect(reg(MpiplTag.BOOT_MEM, BigInt(4 * GiB + 1))).toBe(OpalRc.PARAMETER);
    expect(reg(MpiplTag.BOOT_MEM, 0x3000_0000n)).toBe(OpalRc.SUCCESS);
    expect(reg(MpiplTag.KERNEL, 0n)).toBe(OpalRc.SUCCESS);
    expect(reg(MpiplTag.KERNEL, 0x6000_0000n)).toBe(OpalRc.SUCCESS);
    expect(reg(MpiplTag.CPU, 1n)).toBe(OpalRc.PARAMETER);
    expect(reg(MpiplTag.OPAL, 1n)).toBe(OpalRc.PARAMETER);
    expect(m.mem.read64BE(md + MpiplMetadata.kernelTag)).toBe(0x6000_0000n);
    expect(m.mem.read64BE(md + MpiplMetadata.bootMemSize)).toBe(0x3000_0000n);
    m.mem.write64BE(0x100_0000, 0xffffn);
    expect(BigInt.asIntN(64, m.opalCall(0, OpalToken.MPIPL_QUERY_TAG, [MpiplTag.KERNEL, 0x100_0000n]))).toBe(OpalRc.SUCCESS);
    expect(m.mem.read64BE(0x100_0000)).toBe(0n); // not visible before the next MPIPL
    expect(BigInt.asIntN(64, m.opalCall(0, OpalToken.MPIPL_QUERY_TAG, [4n, 0x100_0000n]))).toBe(OpalRc.PARAMETER);
    expect(BigInt.asIntN(64, m.opalCall(0, OpalToken.MPIPL_QUERY_TAG, [0n, 0x7n << 60n]))).toBe(OpalRc.PARAMETER);
  });
});

describe('terminate path (spec steps 14–15, 6.3)', () => {
  it('saves the crashing PIR and sends S0 to every SBE, secondaries first', () => {
    const { m, sink } = stubMachine({ config: { chips: 2 } });
    m.opalCall(0x105, OpalToken.CEC_REBOOT2, [OpalReboot.MPIPL, 0n]);
    expect(m.mem.read32BE(B + SkibootMap.DUMP_METADATA_AREA_OFF + MpiplMetadata.crashingPir)).toBe(0x105);
    const s0 = sink.events.filter((e) => e.kind === 'xscom-write' && e.data['address'] === `0x${SbeReg.SBE_CONTROL_REG_RW.toString(16)}`);
    expect(s0.map((e) => e.data['chip'])).toEqual([1, 0]);
    expect(s0.every((e) => e.data['value'] === `0x${SbeBits.SBE_CONTROL_REG_S0.toString(16)}`)).toBe(true);
  });

  it('unsupported reboot types return OPAL_UNSUPPORTED', () => {
    const { m } = stubMachine();
    expect(BigInt.asIntN(64, m.opalCall(0, OpalToken.CEC_REBOOT2, [9n, 0n]))).toBe(OpalRc.UNSUPPORTED);
  });
});
