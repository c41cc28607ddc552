import { describe, expect, it } from 'vitest';
import { MpiplTag, OpalRc } from '../../sim/participants/opal-api.js';
import { parseElf, parseNotes, prCursig, prField32, prReg } from './elf-parse.js';
import { CPU_DATA_ADDR, CPU_TAG_ADDR, OPAL_TAG_ADDR, THREAD_SIZE, captureBoot, crashAndPreserve, expectedFirmwareRegs, firmwareEntries, writeFadumpStruct } from './scenario.js';
import { FW } from './fake-platform.js';
import type { CoreFile } from '../../sim/participants/firmware.js';

const PAGE = 0x1_0000;
const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

function parseCore(core: CoreFile) {
  const all = core.read(0, core.sizeBytes);
  expect(all.length).toBe(core.sizeBytes);
  const elf = parseElf(all);
  const note = elf.phdrs[0]!;
  const notesBytes = all.subarray(Number(note.offset), Number(note.offset + note.filesz));
  return { all, elf, notesBytes };
}

describe('OPAL core (spec 7.3)', () => {
  it('is a big-endian ELF with one PT_NOTE and PT_LOADs at running-sum p_paddr', () => {
    const regions = [
      { src: 0x3000_0000n, dest: BigInt(FW.firmwareDump), size: 0x1_8000n },
      { src: 0x3100_0000n, dest: BigInt(FW.firmwareDump + 0x10_0000), size: 0x2000n },
    ];
    for (const endian of ['little', 'big'] as const) {
      const s = crashAndPreserve({ platform: { kernelEndian: endian }, opalRegions: regions });
      const k = captureBoot(s);
      const core = k.capture!.opalcore!;
      expect(core).toBeDefined();
      const { all, elf, notesBytes } = parseCore(core);
      expect(elf.le).toBe(false);
      expect([elf.cls, elf.type, elf.machine, elf.phoff, elf.phnum]).toEqual([2, 4, 21, 64n, 3]);
      const hdrSize = 64 + 3 * 56;
      const notesSize = 8 * 524 + (12 + 8 + 24);
      expect(elf.phdrs[0]).toMatchObject({ type: 4, offset: BigInt(hdrSize), filesz: BigInt(notesSize) });
      const dataOff = alignUp(hdrSize + notesSize, PAGE);
      expect(elf.phdrs.slice(1).map((ph) => [ph.type, ph.flags, ph.paddr, ph.vaddr, ph.offset, ph.filesz, ph.memsz])).toEqual([
        [1, 7, 0n, 0x3000_0000n, BigInt(dataOff), 0x1_8000n, 0x1_8000n],
        [1, 7, 0x1_8000n, 0x3001_8000n, BigInt(dataOff + 0x1_8000), 0x2000n, 0x2000n],
      ]);
      expect(core.sizeBytes).toBe(dataOff + 0x1_8000 + 0x2000);
      // PT_LOAD data is the memory at region[i].dest.
      expect(all.subarray(dataOff, dataOff + 0x1_8000)).toEqual(s.p.mem.readBytes(FW.firmwareDump, 0x1_8000));
      expect(all.subarray(dataOff + 0x1_8000)).toEqual(s.p.mem.readBytes(FW.firmwareDump + 0x10_0000, 0x2000));
      // …read on each read: a later change of memory shows.
      s.p.mem.write8(FW.firmwareDump + 5, 0xa5);
      expect(core.read(dataOff + 5, 1)[0]).toBe(0xa5);

      // Notes: slot 0 is the crashing CPU (PIR 5), then the other active threads, then NT_AUXV.
      const notes = parseNotes(notesBytes, false);
      expect(notes.map((n) => n.type)).toEqual([1, 1, 1, 1, 1, 1, 1, 6]);
      const pids = notes.slice(0, 7).map((n) => prField32(n.desc, false, 32));
      expect(pids).toEqual([105, 100, 101, 103, 104, 106, 107]);
      notes.slice(0, 7).forEach((n) => {
        expect(prField32(n.desc, false, 36)).toBe(1);
        expect(prReg(n.desc, false)).toEqual(expectedFirmwareRegs(prField32(n.desc, false, 32) - 100));
      });
      expect(prCursig(notes[0]!.desc, false)).toBe(10); // SIGUSR1: kernel-initiated crash
      expect(notes.slice(1, 7).every((n) => prCursig(n.desc, false) === 0)).toBe(true);
      const auxv = new DataView(notes[7]!.desc.buffer, notes[7]!.desc.byteOffset, 24);
      expect(notes[7]!.name).toBe('CORE');
      expect([auxv.getBigUint64(0), auxv.getBigUint64(8), auxv.getBigUint64(16)]).toEqual([9n, FW.opalBootAddress, 0n]);
    }
  });

  it('an OPAL-initiated crash gets SIGTERM', () => {
    const s = crashAndPreserve({ crashPir: undefined });
    writeFadumpStruct(s.p, OPAL_TAG_ADDR, { crashingPir: 3, regions: [{ src: 0x3000_0000n, dest: BigInt(FW.firmwareDump), size: 0x1000n }] });
    const k = captureBoot(s);
    const notes = parseNotes(parseCore(k.capture!.opalcore!).notesBytes, false);
    expect(prField32(notes[0]!.desc, false, 32)).toBe(103);
    expect(prCursig(notes[0]!.desc, false)).toBe(15);
  });

  it('clamps region_cnt to 8 with a warning', () => {
    const regions = Array.from({ length: 9 }, (_, i) => ({ src: 0x3000_0000n + BigInt(i) * 0x1000n, dest: BigInt(FW.firmwareDump + i * 0x1000), size: 0x1000n }));
    const s = crashAndPreserve({ opalRegions: regions });
    const k = captureBoot(s);
    const { elf } = parseCore(k.capture!.opalcore!);
    expect(elf.phnum).toBe(9);
    expect(elf.phdrs.slice(1).map((ph) => ph.paddr)).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(i) * 0x1000n));
    expect(s.p.hasLog('clamped to 8')).toBe(true);
  });

  it('crashing PIR absent with every thread active: slot 0 stays empty, the buffer overflows like Linux', () => {
    const s = crashAndPreserve({ crashPir: undefined, threads: (p) => p.topology.threads.map((t) => ({ pir: t.pir, coreState: 0, entries: firmwareEntries(t.pir) })) });
    writeFadumpStruct(s.p, OPAL_TAG_ADDR, { crashingPir: 0x77, regions: [{ src: 0x3000_0000n, dest: BigInt(FW.firmwareDump), size: 0x1000n }] });
    const k = captureBoot(s);
    const { notesBytes } = parseCore(k.capture!.opalcore!);
    expect(notesBytes.length).toBe(8 * 524 + 44);
    expect(notesBytes.subarray(0, 524).every((b) => b === 0)).toBe(true);
    // Slot 1 onward: PIR 0..6 whole, PIR 7 cut at the buffer's end, no room for NT_AUXV.
    const after = parseNotes(notesBytes.subarray(524, 524 + 7 * 524), false);
    expect(after.map((n) => prField32(n.desc, false, 32))).toEqual([100, 101, 102, 103, 104, 105, 106]);
  });

  it('is not exported when a precondition fails', () => {
    const cases: [string, (s: ReturnType<typeof crashAndPreserve>) => void][] = [
      ['OPAL tag 0', (s) => s.p.opal.tags.set(MpiplTag.OPAL, 0n)],
      ['OPAL tag query fails', (s) => s.p.opal.queryRc.set(MpiplTag.OPAL, OpalRc.PARAMETER)],
      ['CPU tag 0', (s) => s.p.opal.tags.set(MpiplTag.CPU, 0n)],
      ['no OPAL region', (s) => writeFadumpStruct(s.p, OPAL_TAG_ADDR, { crashingPir: 5, regions: [] })],
      ['cpu_data_size 0', (s) => writeFadumpStruct(s.p, CPU_TAG_ADDR, { cpuDataVersion: 1, cpuDataSize: 0, regions: [{ src: BigInt(CPU_DATA_ADDR), dest: BigInt(CPU_DATA_ADDR), size: BigInt(8 * THREAD_SIZE) }] })],
      ['cpu_data_size > size', (s) => writeFadumpStruct(s.p, CPU_TAG_ADDR, { cpuDataVersion: 1, cpuDataSize: THREAD_SIZE, regions: [{ src: BigInt(CPU_DATA_ADDR), dest: BigInt(CPU_DATA_ADDR), size: 16n }] })],
      ['CPU dest 0', (s) => writeFadumpStruct(s.p, CPU_TAG_ADDR, { cpuDataVersion: 1, cpuDataSize: THREAD_SIZE, regions: [{ src: 0n, dest: 0n, size: BigInt(8 * THREAD_SIZE) }] })],
    ];
    for (const [name, setup] of cases) {
      const s = crashAndPreserve({});
      setup(s);
      const k = captureBoot(s);
      expect(k.capture!.opalcore, name).toBeUndefined();
    }
    const s = crashAndPreserve({});
    expect(captureBoot(s, { opalCore: false }).capture!.opalcore).toBeUndefined();
  });

  it('reads are cut at the end of the file', () => {
    const s = crashAndPreserve({});
    const core = captureBoot(s).capture!.opalcore!;
    expect(core.read(core.sizeBytes - 4, 100).length).toBe(4);
    expect(core.read(core.sizeBytes + 10, 100).length).toBe(0);
    expect(() => core.read(-1, 1)).toThrow(RangeError);
  });
});
