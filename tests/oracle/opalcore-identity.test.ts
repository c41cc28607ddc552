/**
 * The oracle compares the OPAL core with clock-stop memory through the file's pieces, letting the
 * memory system skip page objects both memories share (sim/mem/byte-source.ts). A byte that changes
 * in the capture machine's memory after preservation must still be found: the write clones the
 * shared page, so identity fails there and the bytes are compared.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.js';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { MemorySink } from '../../sim/trace/events.js';
import type { CaptureOutput, CrashCause, LinuxKernel } from '../../sim/participants/firmware.js';
import type { Platform } from '../../sim/participants/platform.js';
import { OpalCoreFile } from '../../sim/participants/linux/opalcore.js';

/** Linux that, once its capture kernel has built the OPAL core, flips one byte of the preserved OPAL copy. */
class FlipsPreservedOpalByte implements LinuxKernel {
  flipped: number | undefined;
  constructor(private readonly inner: LinuxKernel) {}
  boot(p: Platform, bootPir: number): void {
    this.inner.boot(p, bootPir);
    const core = this.inner.capture?.opalcore;
    if (core instanceof OpalCoreFile) {
      const at = core.segments[0]!.dest + 0x2345;
      p.mem.write8(at, p.mem.read8(at) ^ 0x10);
      this.flipped = at;
    }
  }
  panic(p: Platform, pir: number, cause: CrashCause): void {
    this.inner.panic(p, pir, cause);
  }
  release(p: Platform): void {
    this.inner.release(p);
  }
  get capture(): CaptureOutput | undefined {
    return this.inner.capture;
  }
  get dumpRegistered(): boolean {
    return this.inner.dumpRegistered;
  }
}

describe('opalcore through page identity', () => {
  for (const workload of ['synthetic', 'machine-code'] as const) {
    it(`${workload}: the untampered run passes; one flipped preserved byte fails at that byte`, () => {
      const spec = deriveScenario('4', { ...DEFAULT_CONFIG, workload }, 'reference');
      const base = referenceProfile(spec);
      const good = runScenario(spec, { sink: new MemorySink(), profile: base });
      expect(good.invariants.filter((i) => i.id === 'opalcore').map((i) => i.ok)).toEqual([true]);
      const linuxes: FlipsPreservedOpalByte[] = [];
      const bad = runScenario(spec, {
        sink: new MemorySink(),
        profile: { ...base, makeLinux: () => {
          const l = new FlipsPreservedOpalByte(base.makeLinux());
          linuxes.push(l);
          return l;
        } },
      });
      expect(linuxes.some((l) => l.flipped !== undefined)).toBe(true);
      const r = bad.invariants.find((i) => i.id === 'opalcore')!;
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/PT_LOAD 0 \(OPAL 0x[0-9a-f]+\): byte at \+0x2345 is /);
    });
  }
});
