/**
 * The firmware-ELF runtime on tiny hand-assembled ELFs: services round-trip through the Platform,
 * every fault kind becomes a `fw-fault` event with NIP and symbol+offset and a checkstop, the
 * hostboot window is private memory, and a scenario with a faulting ELF fails under
 * `firmware-sane` while one whose ELF hands everything back to the TS model passes.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../sim/machine/machine.js';
import { MachineCheckstop } from '../../sim/machine/checkstop.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { MemorySink, type SimEvent } from '../../sim/trace/events.js';
import { runScenario } from '../../sim/scenario/run.js';
import { loadFirmwareElf, type FirmwareElf } from '../../sim/firmware-elf/loader.js';
import { ElfHostboot, ElfSkiboot, registerElf } from '../../sim/firmware-elf/participants.js';
import { profileWithElfs } from '../../sim/firmware-elf/profile.js';
import { runEntry } from '../../sim/firmware-elf/runner.js';
import { FW_HOSTBOOT_BASE, FW_OPAL_NOT_HANDLED, FwSvc } from '../../sim/firmware-elf/abi.js';
import { addi, b, blr, cmpdi, beq, ld, li, loadImm64, mr, std, add } from '../helpers/ppc-asm.js';
import { ATTN, buildFwElf, CALLTHRU, type FwFunction } from './fw-elf.js';
import { SkibootMap, DT_DUMP_NODE, FW_LOAD_AREA } from '../../sim/participants/layout.js';
import { ReferenceHostboot } from '../../sim/participants/hostboot/reference.js';

const TEXT = 0x3010_0000n;
const DATA = 0x3011_0000n;
const NOT_HANDLED = loadImm64(3, FW_OPAL_NOT_HANDLED);
const spec = deriveScenario('7', DEFAULT_CONFIG, 'reference', { crashes: 1 });

function cstr(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}

/** A skiboot ELF with these functions and strings at DATA (offsets given to the functions). */
function skibootElf(functions: FwFunction[], strings: Uint8Array = new Uint8Array(16), endian: 'be' | 'le' = 'be', abi: 1 | 2 = 2): FirmwareElf {
  const built = buildFwElf({ endian, abi, textBase: TEXT, functions, data: [{ vaddr: DATA, bytes: strings, name: 'strings' }] });
  return loadFirmwareElf('skiboot', built.bytes, 'test.elf');
}

function machine(): { m: Machine; sink: MemorySink } {
  const sink = new MemorySink();
  return { m: new Machine(spec.config, referenceProfile(spec), spec.seed, sink), sink };
}

/** Put the ELF's loads in RAM, as the flash image overlay does at every IPL. */
function place(m: Machine, elf: FirmwareElf): void {
  for (const l of elf.loads) {
    m.mem.fill(l.start, l.memSizeBytes, 0);
    m.mem.writeBytes(l.start, elf.bytes.subarray(l.fileOffset, l.fileOffset + l.fileSizeBytes));
  }
}

function skibootOn(m: Machine, elf: FirmwareElf): ElfSkiboot {
  place(m, elf);
  return new ElfSkiboot(referenceProfile(spec).makeSkiboot(), registerElf(elf));
}

const faults = (sink: MemorySink): SimEvent[] => sink.events.filter((e) => e.kind === 'fw-fault');

describe.each([
  ['big-endian ELFv2', 'be', 2],
  ['little-endian ELFv2', 'le', 2],
  ['big-endian ELFv1', 'be', 1],
] as const)('services round-trip (%s)', (_name, endian, abi) => {
  it('MACHINE_INFO, LOG with formatting, DT_SET/DT_GET and the OPAL result', () => {
    const strings = new Uint8Array(64);
    strings.set(cstr('ram %llx a0=%d pir=%u %s'), 0);
    strings.set(cstr('/sim/test'), 32);
    strings.set(cstr('p'), 48);
    const fmt = DATA;
    const opal: FwFunction = {
      name: 'mpipl_fw_opal_call',
      words: [
        mr(20, 4), // a0
        li(3, FwSvc.MACHINE_INFO), li(4, 4), CALLTHRU, // RAM bytes
        mr(21, 3),
        li(3, FwSvc.LOG), li(4, 5), ...loadImm64(5, fmt), mr(6, 21), mr(7, 20), ld(8, 0, 16), // r16 -> fw_cpu {pir, chip}
        ...loadImm64(9, DATA + 32n), CALLTHRU,
        // DT_SET /sim/test p = 8 bytes of fw_cpu, then DT_GET it back into the stack.
        li(3, FwSvc.DT_SET), ...loadImm64(4, DATA + 32n), ...loadImm64(5, DATA + 48n), mr(6, 16), li(7, 8), CALLTHRU,
        li(3, FwSvc.DT_GET), ...loadImm64(4, DATA + 32n), ...loadImm64(5, DATA + 48n), addi(6, 1, 16), li(7, 8), CALLTHRU,
        add(3, 20, 21),
        blr(),
      ],
    };
    const elf = skibootElf([opal], strings, endian, abi);
    const { m, sink } = machine();
    const sk = skibootOn(m, elf);
    const rc = sk.opalCall(m, 0x4, 0x99, [5n]);
    expect(rc).toBe(5n + BigInt(DEFAULT_CONFIG.ramSizeBytes));
    const log = sink.events.find((e) => e.kind === 'skiboot-log');
    // %u of the 64-bit load of {pir, chip}: the low 32 bits are the chip (big-endian) or the PIR (little-endian).
    expect(log?.data).toEqual({ level: '5', msg: `ram ${DEFAULT_CONFIG.ramSizeBytes.toString(16)} a0=5 pir=${endian === 'le' ? 4 : 0} /sim/test` });
    const prop = m.dt.get('/sim/test', 'p')!;
    const dv = new DataView(prop.buffer, prop.byteOffset);
    expect(dv.getUint32(0, endian === 'le')).toBe(4); // struct fw_cpu.pir, in the ELF's byte order
    expect(faults(sink)).toEqual([]);
    // The OPAL call kept the caller busy for the instructions it ran (plus the call's own cost).
  });
});

describe('the dispatcher falls back to the TS model', () => {
  it('a token answered FW_OPAL_NOT_HANDLED runs the base skiboot', () => {
    const elf = skibootElf([{ name: 'mpipl_fw_opal_call', words: [...NOT_HANDLED, blr()] }]);
    const { m } = machine();
    const sk = skibootOn(m, elf);
    // CHECK_TOKEN (80) is registered from the start in the model: it answers for token 80 itself.
    expect(sk.opalCall(m, 0, 80, [80n])).toBe(1n);
    // An unknown token is OPAL_PARAMETER in the model.
    expect(sk.opalCall(m, 0, 9999, [])).toBe(-1n);
  });
});

describe('firmware faults', () => {
  const outside = loadImm64(5, 0x0000_0100_0000_0000n); // 1 TiB: beyond the 4 GiB of RAM
  const cases: [string, number[], string, RegExp][] = [
    ['storage', [...outside, ld(3, 0, 5), blr()], 'storage', /outside RAM/],
    ['illegal', [0x0000_0000, blr()], 'illegal', /illegal instruction 0x00000000/],
    ['attn', [li(3, 1), ATTN, blr()], 'attn', /attn/],
    ['abort', [li(3, FwSvc.ABORT), ...loadImm64(4, DATA), CALLTHRU, blr()], 'abort', /^boom$/],
    ['bad service argument', [li(3, FwSvc.LOG), li(4, 3), ...outside.map((w) => w), mr(5, 5), CALLTHRU, blr()], 'service', /FW_SVC_LOG: format string at 0x10000000000 runs outside memory/],
    ['unknown service', [li(3, 0x7ff), CALLTHRU, blr()], 'service', /no such service/],
  ];
  it.each(cases)('%s → fw-fault with NIP and symbol+offset, then checkstop', (_name, words, kind, detail) => {
    const elf = skibootElf([{ name: 'helper', words: [blr()] }, { name: 'mpipl_fw_opal_call', words }], cstr('boom'));
    const { m, sink } = machine();
    const sk = skibootOn(m, elf);
    expect(() => sk.opalCall(m, 0, 0x99, [])).toThrow(MachineCheckstop);
    const f = faults(sink);
    expect(f).toHaveLength(1);
    expect(f[0]!.who).toBe('skiboot');
    expect(f[0]!.data['kind']).toBe(kind);
    expect(String(f[0]!.data['detail'])).toMatch(detail);
    expect(String(f[0]!.data['symbol'])).toMatch(/^mpipl_fw_opal_call(\+0x[0-9a-f]+)?$/);
    const nip = BigInt(String(f[0]!.data['nip']));
    const off = nip - (TEXT + 4n);
    expect(f[0]!.data['symbol']).toBe(off === 0n ? 'mpipl_fw_opal_call' : `mpipl_fw_opal_call+0x${off.toString(16)}`);
  });

  it('budget: an entry that never returns faults after its instruction budget', () => {
    const elf = skibootElf([{ name: 'mpipl_fw_opal_call', words: [li(3, 0), addi(3, 3, 1), b(-4)] }]);
    const { m, sink } = machine();
    place(m, elf);
    expect(() =>
      runEntry({ elf, entry: elf.entries.get('mpipl_fw_opal_call')!, p: m, bus: m.mem, pir: 0, args: [], stackPointer: 0x31c1_7f00n, cpuStruct: 0x31c1_0000n, charging: { mode: 'advance' }, budget: 10_000 }),
    ).toThrow(/budget|more than 10000 instructions/);
    const f = faults(sink);
    expect(f[0]!.data['kind']).toBe('budget');
    expect(String(f[0]!.data['symbol'])).toMatch(/^mpipl_fw_opal_call\+0x(4|8)$/);
  });

  it('a fault inside a scenario checkstops the machine and fails firmware-sane', () => {
    // OPAL_MPIPL_UPDATE (173, the kernel's registration) ends in attn; every other token goes to the model.
    const elf = skibootElf([{ name: 'mpipl_fw_opal_call', words: [cmpdi(0, 3, 173), beq(0, 4 * (NOT_HANDLED.length + 2)), ...NOT_HANDLED, blr(), ATTN] }]);
    const profile = profileWithElfs('reference+elf', referenceProfile, { skiboot: elf });
    const sink = new MemorySink();
    const result = runScenario(spec, { sink, profile: profile(spec) });
    expect(result.verdict).toBe('fail');
    const sane = result.invariants.filter((i) => i.id === 'firmware-sane');
    expect(sane).toHaveLength(1);
    expect(sane[0]!.ok).toBe(false);
    expect(sane[0]!.detail).toMatch(/skiboot firmware fault \(attn\) at mpipl_fw_opal_call\+0x/);
    expect(result.note).toMatch(/checkstopped/);
    // Nothing ran after the fault: no clock stop, no dump.
    const at = sink.events.findIndex((e) => e.kind === 'fw-fault');
    expect(at).toBeGreaterThan(0);
    expect(sink.events.slice(at + 1).map((e) => e.kind)).toEqual(['invariant']);
  });
});

describe('the hostboot window', () => {
  const WINDOW = BigInt(FW_HOSTBOOT_BASE);
  function hostbootElf(words: number[], data?: Uint8Array): FirmwareElf {
    const built = buildFwElf({ textBase: WINDOW, functions: [{ name: 'mpipl_fw_normal_ipl', words }], data: data === undefined ? [] : [{ vaddr: WINDOW + 0x10000n, bytes: data, name: 'hbdata' }], symbols: [{ name: '__fw_stack_top', value: WINDOW + 0x20_0000n }] });
    return loadFirmwareElf('hostboot', built.bytes, 'hb.elf');
  }
  const images = referenceProfile(spec).images();

  it('is private memory: stores there never reach RAM, and the entry publishes through services', () => {
    const fwLoad = new Uint8Array(32);
    const dv = new DataView(fwLoad.buffer);
    FW_LOAD_AREA.flat().forEach((v, i) => dv.setBigUint64(8 * i, BigInt(v), false));
    const strings = new Uint8Array(0x100);
    strings.set(fwLoad, 0);
    strings.set(cstr(DT_DUMP_NODE), 0x40);
    strings.set(cstr('fw-load-area'), 0x60);
    strings.set(cstr('compatible'), 0x80);
    strings.set(cstr('ibm,opal-dump'), 0xa0);
    const S = WINDOW + 0x10000n;
    const elf = hostbootElf(
      [
        // A store and load in the window's stack, then the flash images and /ibm,opal/dump.
        ...loadImm64(5, 0x1234n), std(5, -8, 1), ld(6, -8, 1),
        li(3, FwSvc.LOAD_IMAGES), CALLTHRU,
        li(3, FwSvc.DT_SET), ...loadImm64(4, S + 0x40n), ...loadImm64(5, S + 0x80n), ...loadImm64(6, S + 0xa0n), li(7, 14), CALLTHRU,
        li(3, FwSvc.DT_SET), ...loadImm64(4, S + 0x40n), ...loadImm64(5, S + 0x60n), ...loadImm64(6, S), li(7, 32), CALLTHRU,
        mr(3, 6),
        blr(),
      ],
      strings,
    );
    const { m, sink } = machine();
    const before = m.mem.digest();
    const hb = new ElfHostboot(new ReferenceHostboot(), registerElf(elf));
    hb.normalIpl(m, images);
    expect(faults(sink)).toEqual([]);
    expect(m.mem.readBytes(SkibootMap.SKIBOOT_BASE, images.skiboot.length)).toEqual(images.skiboot);
    expect(m.dt.get(DT_DUMP_NODE, 'fw-load-area')).toEqual(fwLoad);
    expect(new TextDecoder().decode(m.dt.get(DT_DUMP_NODE, 'compatible'))).toBe('ibm,opal-dump\0');
    // RAM changed only by the images (the window is not RAM): a fresh machine loading the same images matches.
    const { m: m2 } = machine();
    new ReferenceHostboot().normalIpl(m2, images);
    expect(m.mem.digest()).toBe(m2.mem.digest());
    expect(before).not.toBe(m.mem.digest());
  });

  it('a fault at power-on (hostboot) checkstops before anything runs: round 0, final cycle 0', () => {
    const elf = hostbootElf([ATTN]);
    const profile = profileWithElfs('reference+elf', referenceProfile, { hostboot: elf });
    const sink = new MemorySink();
    const result = runScenario(spec, { sink, profile: profile(spec) });
    expect(result.verdict).toBe('fail');
    expect(result.finalCycle).toBe(0);
    expect(result.invariants).toEqual([{ id: 'firmware-sane', ok: false, round: 0, cycle: 0, detail: 'hostboot firmware fault (attn) at mpipl_fw_normal_ipl (0x700000000000) in mpipl_fw_normal_ipl: attn (firmware abort)' }]);
    expect(sink.events.some((e) => e.kind === 'boot')).toBe(false);
  });

  it.each([
    ['a load from the hole between RAM and the window', [...loadImm64(5, WINDOW - 0x1000n), ld(3, 0, 5), blr()], /outside RAM/],
    ['a jump into RAM (code runs only from the window)', [...loadImm64(5, 0x1000n), 0x7ca903a6 /* mtctr r5 */, 0x4e800420 /* bctr */], /instruction fetch at 0x1000/],
  ])('%s is a storage fault', (_name, words, detail) => {
    const elf = hostbootElf(words as number[]);
    const { m, sink } = machine();
    const hb = new ElfHostboot(new ReferenceHostboot(), registerElf(elf));
    expect(() => hb.normalIpl(m, images)).toThrow(MachineCheckstop);
    const f = faults(sink);
    expect(f[0]!.who).toBe('hostboot');
    expect(f[0]!.data['kind']).toBe('storage');
    expect(String(f[0]!.data['detail'])).toMatch(detail);
  });
});
