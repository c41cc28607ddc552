import { describe, expect, it } from 'vitest';
import { FakePlatform, setupDeviceTree } from './fake-platform.js';
import { createLinux, resolveLinuxOptions, DEFAULT_LINUX_OPTIONS, LinuxKernelModel } from '../../sim/participants/linux/index.js';
import { splitBootMemRegions, maxCopySize } from '../../sim/participants/linux/options.js';
import { MpiplOp, MpiplTag, OpalRc, OpalToken } from '../../sim/participants/opal-api.js';
import { UsageError } from '../../sim/core/errors.js';
import { parseNotes } from './elf-parse.js';

function boot(p: FakePlatform, opts = {}): LinuxKernelModel {
  const k = createLinux(opts) as LinuxKernelModel;
  k.boot(p, p.topology.threads[0]!.pir);
  return k;
}

function view(p: FakePlatform, addr: number, size: number): DataView {
  const b = p.mem.readBytes(addr, size);
  return new DataView(b.buffer);
}

describe('options', () => {
  it('has documented defaults', () => {
    const o = resolveLinuxOptions();
    expect(o.bootMemRegions).toEqual([{ startBytes: 0, sizeBytes: 0x3000_0000 }]);
    expect(o.pageSizeBytes).toBe(65536);
    expect(maxCopySize(o)).toBe(0xffff_0000);
    expect(maxCopySize(resolveLinuxOptions({ pageSizeBytes: 4096 }))).toBe(0xffff_f000);
    expect(DEFAULT_LINUX_OPTIONS.nrCpus).toBe(2048);
  });

  it('splits regions at max_copy_size', () => {
    const o = resolveLinuxOptions({ bootMemRegions: [{ startBytes: 0, sizeBytes: 0x1_2000_0000 }] });
    expect(splitBootMemRegions(o)).toEqual([
      { startBytes: 0, sizeBytes: 0xffff_0000 },
      { startBytes: 0xffff_0000, sizeBytes: 0x1_2000_0000 - 0xffff_0000 },
    ]);
  });

  it('rejects bad values with a UsageError', () => {
    const bad = [
      { pageSizeBytes: 8192 },
      { bootMemRegions: [] },
      { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x1000_0000 }] },
      { bootMemRegions: [{ startBytes: 0x0400_0000, sizeBytes: 0x3000_0000 }] }, // the kernel's RAM view may start above 0, but at most 32 MiB up
      { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x2000_0000 }, { startBytes: 0x1000_0000, sizeBytes: 0x2000_0000 }] },
      { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x3000_1000 }] },
      { reserveDumpAreaStartBytes: 0x1000_0000 },
      { nrCpus: 0 },
      { kernelImageSizeBytes: 100 },
      { bootMemTop: 0x3000_0000 },
      { bootMemRegions: [null] },
    ];
    for (const b of bad) expect(() => resolveLinuxOptions(b as never), JSON.stringify(b).slice(0, 80)).toThrow(UsageError);
    // 129 regions after the 32 MiB kernel region: one too many.
    const many = [{ startBytes: 0, sizeBytes: 0x200_0000 }, ...Array.from({ length: 128 }, (_, i) => ({ startBytes: 0x200_0000 + i * 0x80_0000, sizeBytes: i === 127 ? 0x3000_0000 : 0x40_0000 }))];
    expect(() => resolveLinuxOptions({ bootMemRegions: many })).toThrow(/exceed FADUMP_MAX_MEM_REGS/);
    expect(() => resolveLinuxOptions({ bootMemRegions: many.slice(0, 127).concat([{ startBytes: 0x8000_0000, sizeBytes: 0x1000_0000 }]) })).not.toThrow();
  });
});

describe('first kernel registration (spec phase B, 6.5)', () => {
  it('registers tags then ranges in Linux order, as scheduled steps', () => {
    const p = new FakePlatform();
    setupDeviceTree(p.dt);
    const k = boot(p);
    // Boot only schedules the registration.
    expect(p.cycle()).toBe(p.cost.linuxBootCycles);
    expect(p.opal.calls).toHaveLength(0);
    expect(k.dumpRegistered).toBe(false);
    const conf = k.conf!;
    // Dump area: first 16 MiB-aligned address above boot_mem_top clear of the reserved ranges.
    expect(conf.reserveDumpAreaStart).toBe(0x3400_0000);
    expect(conf.regions).toEqual([{ src: 0, dest: 0x3400_0000, size: 0x3000_0000 }]);
    expect(conf.fadumphdrAddr).toBe(0x3400_0000 + 0x3000_0000);
    expect(conf.metadataAddr).toBe(conf.reserveDumpAreaStart + conf.reserveDumpAreaSize - 0x1_0000);
    p.step();
    expect(p.opal.calls.map((c) => [c.token, c.args])).toEqual([[OpalToken.MPIPL_REGISTER_TAG, [MpiplTag.KERNEL, BigInt(conf.metadataAddr)]]]);
    p.runAll();
    expect(p.opal.calls.map((c) => [c.token, c.args])).toEqual([
      [OpalToken.MPIPL_REGISTER_TAG, [MpiplTag.KERNEL, BigInt(conf.metadataAddr)]],
      [OpalToken.MPIPL_REGISTER_TAG, [MpiplTag.BOOT_MEM, 0x3000_0000n]],
      [OpalToken.MPIPL_UPDATE, [MpiplOp.ADD_RANGE, 0n, 0x3400_0000n, 0x3000_0000n]],
    ]);
    // One OPAL call per step, spaced by the call's cost on the boot thread.
    expect(p.opal.calls[1]!.cycle - p.opal.calls[0]!.cycle).toBe(p.cost.opalCallCycles);
    expect(p.opal.calls.every((c) => c.pir === 0)).toBe(true);
    expect(k.dumpRegistered).toBe(true);
    expect(p.hasLog('Registration is successful!')).toBe(true);
  });

  it('gives several regions contiguous destinations (holes are not boot memory)', () => {
    const p = new FakePlatform();
    setupDeviceTree(p.dt);
    const k = boot(p, { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x1000_0000 }, { startBytes: 0x1800_0000, sizeBytes: 0x1800_0000 }] });
    p.runAll();
    const c = k.conf!;
    expect(c.bootMemTop).toBe(0x3000_0000);
    expect(c.bootMemorySize).toBe(0x2800_0000);
    expect(c.regions).toEqual([
      { src: 0, dest: 0x3400_0000, size: 0x1000_0000 },
      { src: 0x1800_0000, dest: 0x4400_0000, size: 0x1800_0000 },
    ]);
    expect(c.fadumphdrAddr).toBe(0x3400_0000 + 0x2800_0000);
    expect(p.opal.of(OpalToken.MPIPL_UPDATE).map((x) => x.args)).toEqual([
      [MpiplOp.ADD_RANGE, 0n, 0x3400_0000n, 0x1000_0000n],
      [MpiplOp.ADD_RANGE, 0x1800_0000n, 0x4400_0000n, 0x1800_0000n],
    ]);
  });

  it('honours a pinned dump area and refuses one on firmware memory', () => {
    const p = new FakePlatform();
    setupDeviceTree(p.dt);
    const k = boot(p, { reserveDumpAreaStartBytes: 0x8000_0000 });
    expect(k.conf!.regions[0]!.dest).toBe(0x8000_0000);
    const q = new FakePlatform();
    setupDeviceTree(q.dt);
    const k2 = boot(q, { reserveDumpAreaStartBytes: 0x3200_0000 });
    q.runAll();
    expect(k2.conf).toBeUndefined();
    expect(q.opal.calls).toHaveLength(0);
    expect(q.hasLog('overlaps firmware-reserved memory')).toBe(true);
  });

  for (const endian of ['little', 'big'] as const) {
    it(`writes metadata (4.9) and the crash-info header (4.10) in ${endian} endian`, () => {
      const p = new FakePlatform({ kernelEndian: endian });
      setupDeviceTree(p.dt);
      const k = boot(p, { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x1000_0000 }, { startBytes: 0x1800_0000, sizeBytes: 0x1800_0000 }] });
      const le = endian === 'little';
      const c = k.conf!;
      let md = view(p, c.metadataAddr, 3088);
      expect(md.getUint8(0)).toBe(1);
      expect(md.getUint16(4, le)).toBe(2);
      expect(md.getUint16(6, le)).toBe(0);
      expect(md.getBigUint64(8, le)).toBe(BigInt(c.fadumphdrAddr));
      expect([md.getBigUint64(0x10, le), md.getBigUint64(0x18, le), md.getBigUint64(0x20, le)]).toEqual([0n, 0x3400_0000n, 0x1000_0000n]);
      expect([md.getBigUint64(0x28, le), md.getBigUint64(0x30, le), md.getBigUint64(0x38, le)]).toEqual([0x1800_0000n, 0x4400_0000n, 0x1800_0000n]);
      expect(md.getBigUint64(0x40, le)).toBe(0n);
      p.runAll();
      md = view(p, c.metadataAddr, 3088);
      expect(md.getUint16(6, le)).toBe(2);

      const hdr = p.mem.readBytes(c.fadumphdrAddr, 0x28 + 384 + 256);
      const h = new DataView(hdr.buffer);
      expect(String.fromCharCode(...hdr.subarray(0, 8))).toBe(le ? 'GISPMDAF' : 'FADMPSIG');
      expect(h.getUint32(8, le)).toBe(1);
      expect(h.getUint32(0xc, le)).toBe(0xffff_ffff);
      const vmcoreinfoSrc = 0x4_0000; // after the 256 KiB kernel image
      expect(h.getBigUint64(0x10, le)).toBe(BigInt(0x3400_0000 + vmcoreinfoSrc));
      const vmSize = Number(h.getBigUint64(0x18, le));
      expect(h.getUint32(0x20, le)).toBe(384);
      expect(h.getUint32(0x24, le)).toBe(256);
      for (let w = 0; w < 48; w++) expect(h.getBigUint64(0x28 + 8 * w, le)).toBe(0n);
      expect(h.getBigUint64(0x28 + 384, le)).toBe(0xffn); // 8 possible CPUs
      expect(h.getBigUint64(0x28 + 384 + 8, le)).toBe(0n);
      // The vmcoreinfo note is a real ELF note in boot memory.
      const notes = parseNotes(p.mem.readBytes(vmcoreinfoSrc, vmSize), le);
      expect(notes).toHaveLength(1);
      expect(notes[0]!.name).toBe('VMCOREINFO');
      expect(new TextDecoder().decode(notes[0]!.desc)).toContain('CRASHTIME=');
      expect(12 + 12 + ((notes[0]!.desc.length + 3) & ~3)).toBe(vmSize);
    });
  }

  it('OPAL_RESOURCE: partial registration accepted with the warning (6.5)', () => {
    const p = new FakePlatform();
    setupDeviceTree(p.dt);
    p.opal.addRangeRcs = [OpalRc.SUCCESS, OpalRc.RESOURCE];
    const k = boot(p, { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x1000_0000 }, { startBytes: 0x1000_0000, sizeBytes: 0x1000_0000 }, { startBytes: 0x2000_0000, sizeBytes: 0x1000_0000 }] });
    p.runAll();
    expect(p.opal.of(OpalToken.MPIPL_UPDATE, MpiplOp.ADD_RANGE)).toHaveLength(2);
    expect(p.opal.of(OpalToken.MPIPL_UPDATE, MpiplOp.REMOVE_ALL)).toHaveLength(0);
    expect(p.hasLog('2 regions could not be registered for MPIPL as MAX limit is reached!')).toBe(true);
    expect(k.registeredRegions).toBe(1);
    expect(k.dumpRegistered).toBe(true);
    expect(view(p, k.conf!.metadataAddr, 8).getUint16(6, true)).toBe(1);
  });

  const failures: [string, bigint, string][] = [
    ['OPAL_PARAMETER', OpalRc.PARAMETER, 'Parameter Error'],
    ['OPAL_HARDWARE', OpalRc.HARDWARE, 'Support not available'],
    ['other', OpalRc.INTERNAL_ERROR, 'Unknown Error'],
  ];
  for (const [name, rc, msg] of failures) {
    it(`${name} after one success: "${msg}" and REMOVE_ALL (6.5)`, () => {
      const p = new FakePlatform();
      setupDeviceTree(p.dt);
      p.opal.addRangeRcs = [OpalRc.SUCCESS, rc];
      const k = boot(p, { bootMemRegions: [{ startBytes: 0, sizeBytes: 0x1800_0000 }, { startBytes: 0x1800_0000, sizeBytes: 0x1800_0000 }] });
      p.runAll();
      expect(p.opal.of(OpalToken.MPIPL_UPDATE).map((c) => c.args[0])).toEqual([MpiplOp.ADD_RANGE, MpiplOp.ADD_RANGE, MpiplOp.REMOVE_ALL]);
      expect(p.hasLog(msg)).toBe(true);
      expect(k.dumpRegistered).toBe(false);
      expect(k.registeredRegions).toBe(0);
      expect(view(p, k.conf!.metadataAddr, 8).getUint16(6, true)).toBe(0);
      // The crash-info header was never initialised.
      expect(p.mem.read64LE(k.conf!.fadumphdrAddr)).toBe(0n);
      expect(k.fadumpSupported).toBe(rc !== OpalRc.HARDWARE);
    });
    it(`${name} on the first region: no REMOVE_ALL`, () => {
      const p = new FakePlatform();
      setupDeviceTree(p.dt);
      p.opal.addRangeRcs = [rc];
      const k = boot(p);
      p.runAll();
      expect(p.opal.of(OpalToken.MPIPL_UPDATE).map((c) => c.args[0])).toEqual([MpiplOp.ADD_RANGE]);
      expect(k.dumpRegistered).toBe(false);
    });
  }

  it('a failing tag registration is reported and registration continues', () => {
    const p = new FakePlatform();
    setupDeviceTree(p.dt);
    p.opal.registerTagRc.set(MpiplTag.BOOT_MEM, OpalRc.PARAMETER);
    const k = boot(p);
    p.runAll();
    expect(p.hasLog('Failed to set boot memory tag!')).toBe(true);
    expect(p.opal.of(OpalToken.MPIPL_UPDATE, MpiplOp.ADD_RANGE)).toHaveLength(1);
    expect(k.dumpRegistered).toBe(true);
  });

  it('no dump node, wrong compatible, or fw-load-area above 0x30000000: fadump unsupported', () => {
    const cases = [
      { noDumpNode: true },
      { compatible: 'ibm,something-else' },
      { fwLoadArea: [0x2000_0000n, 0x800_0000n, 0x2800_0000n, 0x800_1000n] },
    ];
    for (const c of cases) {
      const p = new FakePlatform();
      setupDeviceTree(p.dt, c);
      const k = boot(p);
      p.runAll();
      expect(p.opal.calls).toHaveLength(0);
      expect(k.fadumpSupported).toBe(false);
      expect(k.dumpRegistered).toBe(false);
      expect(k.capture).toBeUndefined();
    }
    const p = new FakePlatform();
    setupDeviceTree(p.dt, { fwLoadArea: [0x2800_0000n, 0x800_0001n] });
    boot(p);
    expect(p.hasLog('F/W version not supported!')).toBe(true);
  });

  it('fails reservation when RAM has no room above boot memory', () => {
    const p = new FakePlatform({ ramSizeBytes: 2 ** 30 });
    setupDeviceTree(p.dt);
    const k = boot(p);
    p.runAll();
    expect(k.conf).toBeUndefined();
    expect(p.opal.calls).toHaveLength(0);
    expect(p.hasLog('Failed to find memory chunk for reservation')).toBe(true);
  });
});

describe('large boot memory and determinism', () => {
  it('splits a region above max_copy_size (4 KiB pages) and leaves firmware-reserved memory out as holes', () => {
    const p = new FakePlatform({ ramSizeBytes: 16 * 2 ** 30 });
    setupDeviceTree(p.dt);
    const k = boot(p, { pageSizeBytes: 4096, bootMemRegions: [{ startBytes: 0, sizeBytes: 0x1_2000_0000 }] });
    p.runAll();
    const adds = p.opal.of(OpalToken.MPIPL_UPDATE, MpiplOp.ADD_RANGE).map((c) => c.args.slice(1));
    const start = 0x1_2000_0000n;
    expect(BigInt(k.conf!.reserveDumpAreaStart)).toBe(start);
    // [0, 0xFFFFF000) minus skiboot's ranges [0x30000000, 0x33920000), then the rest.
    expect(adds).toEqual([
      [0n, start, 0x3000_0000n],
      [0x3392_0000n, start + 0x3000_0000n, 0xffff_f000n - 0x3392_0000n],
      [0xffff_f000n, start + 0x3000_0000n + 0xffff_f000n - 0x3392_0000n, 0x1_2000_0000n - 0xffff_f000n],
    ]);
    expect(adds.every((a) => a[2]! <= 0xffff_f000n)).toBe(true);
    expect(k.conf!.bootMemTop).toBe(0x1_2000_0000);
    expect(k.dumpRegistered).toBe(true);
  });

  it('refuses fadump when firmware-reserved memory overlaps the kernel at 0', () => {
    const p = new FakePlatform();
    setupDeviceTree(p.dt);
    p.dt.set('/reserved-memory/low', 'reg', new Uint8Array([0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x10, 0]));
    const k = boot(p);
    p.runAll();
    expect(k.conf).toBeUndefined();
    expect(p.hasLog('overlaps the kernel at 0')).toBe(true);
  });

  it('the same inputs write the same bytes', () => {
    const run = (): string => {
      const p = new FakePlatform({ kernelEndian: 'big' });
      setupDeviceTree(p.dt);
      const k = boot(p);
      p.runAll();
      k.panic(p, 3, 'guest-fault');
      p.runAll();
      return p.mem.digest();
    };
    expect(run()).toBe(run());
  });
});
