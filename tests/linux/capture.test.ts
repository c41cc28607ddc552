import { describe, expect, it } from 'vitest';
import { MpiplOp, MpiplTag, OpalRc, OpalToken } from '../../sim/participants/opal-api.js';
import { parseElf, parseNotes, prReg, type ParsedElf } from './elf-parse.js';
import { CPU_DATA_ADDR, CPU_TAG_ADDR, THREAD_SIZE, captureBoot, crashAndPreserve, expectedFirmwareRegs, firmwareEntries, writeFadumpStruct, type Scenario } from './scenario.js';
import type { FakePlatform } from './fake-platform.js';
import type { LinuxKernelModel } from '../../sim/participants/linux/index.js';

function readElf(p: FakePlatform, addr: number): ParsedElf {
  const le = p.mem.read8(addr + 5) === 1;
  const phnum = new DataView(p.mem.readBytes(addr + 56, 2).buffer).getUint16(0, le);
  return parseElf(p.mem.readBytes(addr, 64 + phnum * 56));
}

function cpuNotes(p: FakePlatform, elf: ParsedElf): { pirOf: bigint; regs: bigint[] }[] {
  const ph = elf.phdrs[0]!;
  const notes = parseNotes(p.mem.readBytes(Number(ph.offset), Number(ph.filesz)), elf.le);
  return notes.map((n) => {
    expect(n.name).toBe('CORE');
    expect(n.type).toBe(1);
    expect(n.desc.length).toBe(504);
    const regs = prReg(n.desc, elf.le);
    return { pirOf: regs[0]! >> 32n, regs };
  });
}

/** The saved words of the crashing thread (setThreadRegs + trap). */
function crashWords(s: Scenario): bigint[] {
  const le = s.p.config.kernelEndian === 'little';
  const h = s.first.conf!.fadumphdrAddr;
  const dv = new DataView(s.panicMem.readBytes(h + 0x28, 384).buffer);
  return Array.from({ length: 48 }, (_, k) => dv.getBigUint64(8 * k, le));
}

function invalidated(p: FakePlatform): boolean {
  const free = p.opal.of(OpalToken.MPIPL_UPDATE, MpiplOp.FREE_PRESERVED_MEMORY).length === 1;
  const cleanup = p.opal.of(OpalToken.MPIPL_REGISTER_TAG).some((c) => c.args[0] === MpiplTag.KERNEL && c.args[1] === 0n);
  return free && cleanup;
}

describe('capture kernel: /proc/vmcore (spec 6.6, 7.1, 7.2)', () => {
  for (const endian of ['little', 'big'] as const) {
    it(`builds the ELF core header and CPU notes in machine memory (${endian})`, () => {
      const s = crashAndPreserve({ platform: { kernelEndian: endian } });
      const k = captureBoot(s);
      const p = s.p;
      const cap = k.capture!;
      expect(cap.noDumpReason).toBeUndefined();
      expect(cap.elfcorehdrAddr).toBeDefined();
      const addr = cap.elfcorehdrAddr!;
      expect(addr).toBeLessThan(0x3000_0000);
      const elf = readElf(p, addr);
      expect(cap.elfcorehdrSize).toBe(64 + elf.phnum * 56);
      expect(elf.le).toBe(endian === 'little');
      expect([elf.cls, elf.type, elf.machine, elf.version, elf.phoff, elf.ehsize, elf.phentsize]).toEqual([2, 4, 21, 1, 64n, 64, 56]);
      expect(elf.phdrs.map((ph) => ph.type)).toEqual([4, 4, 1, 1, 1]);

      // PT_NOTE #0: the CPU notes, one per active thread, the crashing one from the header.
      const n0 = elf.phdrs[0]!;
      expect(n0.paddr).toBe(n0.offset);
      expect(n0.filesz).toBe(7n * 524n);
      const notes = cpuNotes(p, elf);
      const pirs = [0, 1, 3, 4, 5, 6, 7];
      expect(notes).toHaveLength(7);
      notes.forEach((n, i) => {
        const pir = pirs[i]!;
        expect(n.regs).toEqual(pir === s.crashPir ? crashWords(s) : expectedFirmwareRegs(pir));
      });
      expect(notes[4]!.regs[40]).toBe(0x700n);

      // PT_NOTE #1: vmcoreinfo in the preserved copy of boot memory.
      const n1 = elf.phdrs[1]!;
      expect(n1.paddr).toBe(BigInt(0x3400_0000 + 0x4_0000));
      expect(n1.offset).toBe(n1.paddr);
      const vm = parseNotes(p.mem.readBytes(Number(n1.offset), Number(n1.filesz)), elf.le);
      expect(vm.map((n) => n.name)).toEqual(['VMCOREINFO']);
      expect(new TextDecoder().decode(vm[0]!.desc)).toMatch(/CRASHTIME=0*[1-9][0-9]*\n/);

      // PT_LOAD: boot memory read from its copy, then RAM above boot_mem_top.
      expect(elf.phdrs[2]).toEqual({ type: 1, flags: 7, offset: 0x3400_0000n, vaddr: 0xc000_0000_0000_0000n, paddr: 0n, filesz: 0x3000_0000n, memsz: 0x3000_0000n, align: 0n });
      const above = elf.phdrs.slice(3).map((ph) => [ph.paddr, ph.offset, ph.filesz, ph.vaddr]);
      // Reserved: skiboot [0x30000000,0x31C50000), firmware-dump [..,0x338A0000), arch regs
      // [..,0x33920000); dump area [0x34000000, 0x64020000).
      expect(above).toEqual([
        [0x3392_0000n, 0x3392_0000n, 0x3400_0000n - 0x3392_0000n, 0xc000_0000_3392_0000n],
        [0x6402_0000n, 0x6402_0000n, 0x1_0000_0000n - 0x6402_0000n, 0xc000_0000_6402_0000n],
      ]);
      // The data /proc/vmcore serves for boot memory is the panic-time memory.
      expect(p.mem.firstDifference(0x3400_0000, s.panicMem, 0, 0x3000_0000)).toBe(-1);
      // …while the capture kernel really did run there.
      expect(p.mem.firstDifference(0, s.panicMem, 0, 0x3000_0000)).not.toBe(-1);
      expect(invalidated(p)).toBe(false);
      expect(k.dumpRegistered).toBe(false);
      expect(cap.messages).toContain('Firmware-assisted dump is active.');
    });
  }

  it('QUERY_TAG(KERNEL) failing or 0: no dump, and the kernel registers as a first kernel', () => {
    for (const setup of [(s: Scenario) => s.p.opal.queryRc.set(MpiplTag.KERNEL, OpalRc.PARAMETER), (s: Scenario) => s.p.opal.tags.set(MpiplTag.KERNEL, 0n)]) {
      const s = crashAndPreserve({});
      setup(s);
      const k = captureBoot(s);
      expect(k.capture!.elfcorehdrAddr).toBeUndefined();
      expect(k.capture!.noDumpReason).toMatch(/QUERY_TAG\(KERNEL\)/);
      expect(s.p.hasLog('Failed to get Kernel metadata')).toBe(true);
      expect(invalidated(s.p)).toBe(false);
      s.p.runAll();
      expect(s.p.opal.of(OpalToken.MPIPL_UPDATE, MpiplOp.ADD_RANGE)).toHaveLength(1);
      expect(k.dumpRegistered).toBe(true);
    }
  });

  it('metadata version != 1 only warns; registered_regions == 0 means no dump', () => {
    const s = crashAndPreserve({});
    s.p.mem.write8(s.first.conf!.metadataAddr, 2);
    const k = captureBoot(s);
    expect(s.p.hasLog('Kernel metadata format mismatch')).toBe(true);
    expect(k.capture!.elfcorehdrAddr).toBeDefined();

    const t = crashAndPreserve({});
    t.p.mem.write16BE(t.first.conf!.metadataAddr + 6, 0);
    const k2 = captureBoot(t);
    expect(k2.capture!.noDumpReason).toBe('registered_regions is 0');
    expect(invalidated(t.p)).toBe(false);
  });

  const headerCases: [string, (s: Scenario) => void, string, string][] = [
    ['old magic', (s) => s.p.mem.write64LE(s.first.conf!.fadumphdrAddr, 0x4641_444d_5049_4e46n), 'Old magic number', 'old magic'],
    ['byte-swapped magic', (s) => s.p.mem.write64BE(s.first.conf!.fadumphdrAddr, 0x4641_444d_5053_4947n), 'Endianness mismatch', 'endianness mismatch'],
    ['garbage magic', (s) => s.p.mem.write64LE(s.first.conf!.fadumphdrAddr, 0x1234n), 'corrupted', 'corrupted'],
    ['pt_regs size', (s) => s.p.mem.write32LE(s.first.conf!.fadumphdrAddr + 0x20, 352), 'size mismatch', 'size mismatch'],
    ['cpu_mask size', (s) => s.p.mem.write32LE(s.first.conf!.fadumphdrAddr + 0x24, 128), 'size mismatch', 'size mismatch'],
  ];
  for (const [name, corrupt, msg, reason] of headerCases) {
    it(`crash-info header check: ${name} → invalidate and release`, () => {
      const s = crashAndPreserve({});
      corrupt(s);
      const k = captureBoot(s);
      expect(k.capture!.elfcorehdrAddr).toBeUndefined();
      expect(k.capture!.noDumpReason).toContain(reason);
      expect(k.capture!.messages.some((m) => m.includes(msg))).toBe(true);
      expect(invalidated(s.p)).toBe(true);
      // FREE_PRESERVED_MEMORY happened first, so the OPAL core's tag queries fail.
      expect(k.capture!.opalcore).toBeUndefined();
      expect(k.dumpActive).toBe(false);
    });
  }

  it('a big-endian first kernel and a little-endian capture kernel: no dump, no simulator failure', () => {
    // The metadata itself is read in the wrong order, so fadumphdr_addr is already garbage.
    const s = crashAndPreserve({ platform: { kernelEndian: 'big' } });
    (s.p.config as { kernelEndian: string }).kernelEndian = 'little';
    const k = captureBoot(s);
    expect(k.capture!.elfcorehdrAddr).toBeUndefined();
    expect(k.capture!.noDumpReason).toBeDefined();
  });

  it('unregistered regions are left out with the warning', () => {
    const regs = [{ startBytes: 0, sizeBytes: 0x1000_0000 }, { startBytes: 0x1000_0000, sizeBytes: 0x1000_0000 }, { startBytes: 0x2000_0000, sizeBytes: 0x1000_0000 }];
    const t = crashAndPreserve({ linux: { bootMemRegions: regs }, addRangeRcs: [OpalRc.SUCCESS, OpalRc.SUCCESS, OpalRc.RESOURCE] });
    expect(t.first.registeredRegions).toBe(2);
    const k = captureBoot(t);
    expect(t.p.hasLog('Not all memory regions were saved')).toBe(true);
    const elf = readElf(t.p, k.capture!.elfcorehdrAddr!);
    const loads = elf.phdrs.filter((ph) => ph.type === 1);
    expect(loads.slice(0, 2).map((ph) => [ph.paddr, ph.offset, ph.filesz])).toEqual([
      [0n, 0x3400_0000n, 0x1000_0000n],
      [0x1000_0000n, 0x4400_0000n, 0x1000_0000n],
    ]);
    // Region 2 [0x20000000, 0x30000000) is in neither a boot-memory PT_LOAD nor above boot_mem_top.
    expect(loads.some((ph) => ph.paddr === 0x2000_0000n)).toBe(false);
    expect(loads[2]!.paddr).toBe(0x3392_0000n);
  });

  it('CPU data invalid (no CPU tag, or cpu_data_size > region size): only the crashing CPU', () => {
    for (const setup of [(s: Scenario) => s.p.opal.tags.set(MpiplTag.CPU, 0n), (s: Scenario) => writeFadumpStruct(s.p, CPU_TAG_ADDR, { cpuDataVersion: 1, cpuDataSize: 0x10_0000, regions: [{ src: BigInt(CPU_DATA_ADDR), dest: BigInt(CPU_DATA_ADDR), size: BigInt(8 * THREAD_SIZE) }] })]) {
      const s = crashAndPreserve({});
      setup(s);
      const k = captureBoot(s);
      expect(s.p.hasLog("appending only crashing CPU's register data")).toBe(true);
      const notes = cpuNotes(s.p, readElf(s.p, k.capture!.elfcorehdrAddr!));
      expect(notes.map((n) => n.regs)).toEqual([crashWords(s)]);
    }
  });

  it('CPU data invalid and no kernel crash: -ENODEV, invalidate', () => {
    const s = crashAndPreserve({ crashPir: undefined });
    s.p.opal.tags.set(MpiplTag.CPU, 0n);
    const k = captureBoot(s);
    expect(k.capture!.noDumpReason).toContain('ENODEV');
    expect(invalidated(s.p)).toBe(true);
  });

  it('no kernel crash (OPAL-initiated): every active thread from firmware data', () => {
    const s = crashAndPreserve({ crashPir: undefined });
    const k = captureBoot(s);
    const notes = cpuNotes(s.p, readElf(s.p, k.capture!.elfcorehdrAddr!));
    expect(notes.map((n) => n.pirOf)).toEqual([0n, 1n, 3n, 4n, 5n, 6n, 7n]);
    notes.forEach((n) => expect(n.regs).toEqual(expectedFirmwareRegs(Number(n.pirOf))));
  });

  it('crashing PIR absent and every thread inactive: the fallback note from the header', () => {
    const s = crashAndPreserve({ threads: (p) => p.topology.threads.filter((t) => t.pir !== 5).map((t) => ({ pir: t.pir, coreState: 0x0f, entries: firmwareEntries(t.pir) })) });
    const k = captureBoot(s);
    const notes = cpuNotes(s.p, readElf(s.p, k.capture!.elfcorehdrAddr!));
    expect(notes.map((n) => n.regs)).toEqual([crashWords(s)]);
  });

  it('offset, esize and ecnt come from the FIRST thread header (regs at base + 8 + offset, esize stride)', () => {
    const s = crashAndPreserve({
      crashPir: undefined,
      threads: (p) => p.topology.threads.map((t) => ({ pir: t.pir, coreState: 0, entries: firmwareEntries(t.pir), offset: 0x30, esize: 24 })),
      threadSize: 0x480,
    });
    // Later headers carry nonsense geometry; Linux ignores it.
    const stride = 0x480;
    for (let i = 1; i < 8; i++) {
      s.p.mem.write32BE(CPU_DATA_ADDR + i * stride + 8, 0x999);
      s.p.mem.write32BE(CPU_DATA_ADDR + i * stride + 0xc, 1);
      s.p.mem.write32BE(CPU_DATA_ADDR + i * stride + 0x10, 7);
    }
    const k = captureBoot(s);
    const notes = cpuNotes(s.p, readElf(s.p, k.capture!.elfcorehdrAddr!));
    expect(notes).toHaveLength(8);
    notes.forEach((n, i) => expect(n.regs, `thread ${i}`).toEqual(expectedFirmwareRegs(i)));
  });

  it('QUERY_TAG(CPU) failing reuses the stale KERNEL value, byte-swapped: no usable CPU data', () => {
    for (const endian of ['little', 'big'] as const) {
      const s = crashAndPreserve({ platform: { kernelEndian: endian } });
      s.p.opal.queryRc.set(MpiplTag.CPU, OpalRc.PARAMETER);
      const k = captureBoot(s);
      const notes = cpuNotes(s.p, readElf(s.p, k.capture!.elfcorehdrAddr!));
      expect(notes.map((n) => n.regs)).toEqual([crashWords(s)]);
    }
  });

  it('cpu_data_version != 1 only warns', () => {
    const s = crashAndPreserve({});
    writeFadumpStruct(s.p, CPU_TAG_ADDR, { cpuDataVersion: 2, cpuDataSize: THREAD_SIZE, regions: [{ src: BigInt(CPU_DATA_ADDR), dest: BigInt(CPU_DATA_ADDR), size: BigInt(8 * THREAD_SIZE) }] });
    const k = captureBoot(s);
    expect(s.p.hasLog('CPU state data format')).toBe(true);
    expect(cpuNotes(s.p, readElf(s.p, k.capture!.elfcorehdrAddr!))).toHaveLength(7);
  });
});

describe('release and re-registration (phase H)', () => {
  it('FREE_PRESERVED_MEMORY, REGISTER_TAG(KERNEL, 0), drop outputs, then register like a first kernel', () => {
    const s = crashAndPreserve({});
    const k: LinuxKernelModel = captureBoot(s);
    expect(k.capture).toBeDefined();
    s.p.opal.calls = [];
    k.release(s.p);
    expect(k.capture).toBeUndefined();
    expect(s.p.opal.calls.map((c) => [c.token, c.args[0], c.args[1]])).toEqual([
      [OpalToken.MPIPL_UPDATE, MpiplOp.FREE_PRESERVED_MEMORY, 0n],
      [OpalToken.MPIPL_REGISTER_TAG, MpiplTag.KERNEL, 0n],
    ]);
    expect(k.dumpRegistered).toBe(false);
    s.p.runAll();
    const conf = k.conf!;
    expect(s.p.opal.calls.slice(2).map((c) => [c.token, c.args[0], c.args[1]])).toEqual([
      [OpalToken.MPIPL_REGISTER_TAG, MpiplTag.KERNEL, BigInt(conf.metadataAddr)],
      [OpalToken.MPIPL_REGISTER_TAG, MpiplTag.BOOT_MEM, 0x3000_0000n],
      [OpalToken.MPIPL_UPDATE, MpiplOp.ADD_RANGE, 0n],
    ]);
    expect(k.dumpRegistered).toBe(true);
    // Fresh metadata and header: ready to crash again.
    expect(s.p.mem.read32LE(conf.fadumphdrAddr + 0xc)).toBe(0xffff_ffff);
    // A second crash goes through the same path.
    k.panic(s.p, 3, 'injected');
    s.p.runAll();
    expect(s.p.opal.of(OpalToken.CEC_REBOOT2)).toHaveLength(1);
    expect(s.p.mem.read32LE(conf.fadumphdrAddr + 0xc)).toBe(3);
  });

  it('after a failed capture, release only registers', () => {
    const s = crashAndPreserve({});
    s.p.mem.write64LE(s.first.conf!.fadumphdrAddr, 0n);
    const k = captureBoot(s);
    s.p.opal.calls = [];
    k.release(s.p);
    s.p.runAll();
    expect(s.p.opal.of(OpalToken.MPIPL_UPDATE, MpiplOp.FREE_PRESERVED_MEMORY)).toHaveLength(0);
    expect(k.dumpRegistered).toBe(true);
  });
});
