/**
 * No invariant passes vacuously: for each one, break exactly the thing it guards (a byte, a
 * register, an MDRT entry, a tag, the property) through a sabotaged participant, and see that
 * invariant fail on an otherwise passing scenario.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.js';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { MemorySink } from '../../sim/trace/events.js';
import { ReferenceHostboot, type TablePair } from '../../sim/participants/hostboot/reference.js';
import { SkibootModel } from '../../sim/participants/skiboot/skiboot.js';
import type { CaptureOutput, FirmwareProfile } from '../../sim/participants/firmware.js';
import { TamperedLinux } from '../helpers/tampered-linux.js';
import type { Platform } from '../../sim/participants/platform.js';
import type { InvariantId } from '../../sim/oracle/invariants.js';
import { MpiplTag } from '../../sim/participants/opal-api.js';
import { HRMOR_BIT, SkibootMap } from '../../sim/participants/layout.js';

const spec = deriveScenario('7', DEFAULT_CONFIG, 'reference');

function verdicts(patch: (base: FirmwareProfile) => Partial<FirmwareProfile>): Map<InvariantId, boolean> {
  const base = referenceProfile(spec);
  const profile: FirmwareProfile = { ...base, ...patch(base) };
  const r = runScenario(spec, { sink: new MemorySink(), profile });
  const out = new Map<InvariantId, boolean>();
  for (const i of r.invariants) out.set(i.id, (out.get(i.id) ?? true) && i.ok);
  return out;
}


describe('each invariant catches the breakage it guards', () => {
  it('the untampered scenario passes (control)', () => {
    expect([...verdicts(() => ({})).values()].every(Boolean)).toBe(true);
  });

  it('mdrt-sound: one wrong byte in a preserved destination', () => {
    class H extends ReferenceHostboot {
      protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
        super.writeMdrt(p, base, preserved);
        const last = preserved[preserved.length - 1]!;
        const at = Number(last.destField & ~HRMOR_BIT) + 0x123;
        p.mem.write8(at, p.mem.read8(at) ^ 0x40);
      }
    }
    expect(verdicts(() => ({ makeHostboot: () => new H() })).get('mdrt-sound')).toBe(false);
  });

  it('mdrt-complete: a valid pair left out of MDRT', () => {
    class H extends ReferenceHostboot {
      protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
        super.writeMdrt(p, base, preserved.slice(0, -1));
      }
    }
    expect(verdicts(() => ({ makeHostboot: () => new H() })).get('mdrt-complete')).toBe(false);
  });

  it('no-collateral-writes: one byte written outside every declared area', () => {
    class H extends ReferenceHostboot {
      protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
        super.writeMdrt(p, base, preserved);
        p.mem.write8(0x9000_0000, 0x5a);
      }
    }
    expect(verdicts(() => ({ makeHostboot: () => new H() })).get('no-collateral-writes')).toBe(false);
  });

  it('cpu-state: one register value wrong in the captured data', () => {
    class H extends ReferenceHostboot {
      protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
        super.captureRegisters(p, base, allocAddrField, allocSizeBytes);
        const pda = base + SkibootMap.PROC_DUMP_AREA_OFF;
        const threadSize = p.mem.read32BE(pda);
        const r5 = Number(allocAddrField & ~HRMOR_BIT) + 2 * threadSize + 24 + 5 * 16 + 8;
        p.mem.write64BE(r5, p.mem.read64BE(r5) ^ 1n);
      }
    }
    expect(verdicts(() => ({ makeHostboot: () => new H() })).get('cpu-state')).toBe(false);
  });

  it('crash-info: the header holds a register the thread did not have at the panic', () => {
    const v = verdicts((base) => ({ makeLinux: () => new TamperedLinux(base.makeLinux(), { beforePanic: (p, pir) => p.thread(pir).setGpr(7, 0xbadn) }) }));
    expect(v.get('crash-info')).toBe(false);
  });

  it('mpipl-boot: the property missing although pairs were preserved', () => {
    class H extends ReferenceHostboot {
      protected override publishDumpNode(p: Platform): void {
        super.publishDumpNode(p, false);
      }
    }
    expect(verdicts(() => ({ makeHostboot: () => new H() })).get('mpipl-boot')).toBe(false);
  });

  it('tags: QUERY_TAG(KERNEL) returns a wrong value', () => {
    class S extends SkibootModel {
      protected override opalMpiplQueryTag(p: Platform, tag: bigint, ptr: bigint): bigint {
        const rc = super.opalMpiplQueryTag(p, tag, ptr);
        if (tag === MpiplTag.KERNEL && rc === 0n) p.mem.write64BE(Number(ptr), p.mem.read64BE(Number(ptr)) + 8n);
        return rc;
      }
    }
    expect(verdicts(() => ({ makeSkiboot: () => new S() })).get('tags')).toBe(false);
  });

  it('vmcore: a byte of the old kernel’s memory changed before the dump was read', () => {
    const v = verdicts((base) => ({
      makeLinux: () => new TamperedLinux(base.makeLinux(), { afterCaptureBoot: (p) => p.mem.write8(0x9000_0000, 0x77) }),
    }));
    expect(v.get('vmcore')).toBe(false);
  });

  it('opalcore: one byte of the OPAL core’s PT_LOAD wrong', () => {
    const flip = (c: CaptureOutput): CaptureOutput => {
      const core = c.opalcore;
      if (core === undefined) return c;
      return {
        ...c,
        opalcore: {
          sizeBytes: core.sizeBytes,
          read: (offset, n) => {
            const b = core.read(offset, n).slice();
            const target = 0x1_0000 + 0x40; // inside the first PT_LOAD, past the headers and notes
            if (target >= offset && target < offset + n) b[target - offset]! ^= 0xff;
            return b;
          },
        },
      };
    };
    const v = verdicts((base) => ({ makeLinux: () => new TamperedLinux(base.makeLinux(), { capture: flip }) }));
    expect(v.get('opalcore')).toBe(false);
  });

  it('mdrt-exact: one nonzero byte in the MDRT tail', () => {
    class H extends ReferenceHostboot {
      protected override writeMdrt(p: Platform, base: number, preserved: TablePair[]): void {
        super.writeMdrt(p, base, preserved);
        p.mem.write8(base + SkibootMap.MDRT_TABLE_OFF + SkibootMap.MDRT_TABLE_SIZE - 1, 0x01);
      }
    }
    const v = verdicts(() => ({ makeHostboot: () => new H() }));
    expect(v.get('mdrt-exact')).toBe(false);
    expect(v.get('mdrt-sound')).toBe(true);
  });

  it('cpu-format: one SPR Linux never reads captured with a wrong value', () => {
    class H extends ReferenceHostboot {
      protected override captureRegisters(p: Platform, base: number, allocAddrField: bigint, allocSizeBytes: number): void {
        super.captureRegisters(p, base, allocAddrField, allocSizeBytes);
        // The last entry of the first record is an SPR outside Linux's mapping (spec 5.4).
        const dest = Number(allocAddrField & ~HRMOR_BIT);
        const last = dest + 24 + (p.mem.read32BE(dest + 0x0c) - 1) * 16;
        p.mem.write64BE(last + 8, p.mem.read64BE(last + 8) ^ 1n);
      }
    }
    const v = verdicts(() => ({ makeHostboot: () => new H() }));
    expect(v.get('cpu-format')).toBe(false);
    expect(v.get('cpu-state')).toBe(true);
  });

  it('registration-effective: REGISTER_TAG(BOOT_MEM) succeeds without storing the value', () => {
    class S extends SkibootModel {
      protected override opalMpiplRegisterTag(p: Platform, tag: bigint, value: bigint): bigint {
        return tag === MpiplTag.BOOT_MEM ? 0n : super.opalMpiplRegisterTag(p, tag, value);
      }
    }
    expect(verdicts(() => ({ makeSkiboot: () => new S() })).get('registration-effective')).toBe(false);
  });
});
