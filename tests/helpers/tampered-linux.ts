/** A delegating Linux kernel with hooks around the real one, for tests that break one thing on purpose. */
import type { CaptureOutput, CrashCause, LinuxKernel } from '../../sim/participants/firmware.js';
import type { Platform } from '../../sim/participants/platform.js';

export interface Tamper {
  /** After every boot. */
  readonly afterBoot?: (p: Platform) => void;
  /** After a boot that processed a dump (a capture kernel). */
  readonly afterCaptureBoot?: (p: Platform) => void;
  readonly beforePanic?: (p: Platform, pir: number) => void;
  /** Rewrite what the capture kernel exports. */
  readonly capture?: (c: CaptureOutput) => CaptureOutput;
}

export class TamperedLinux implements LinuxKernel {
  constructor(
    private readonly inner: LinuxKernel,
    private readonly tamper: Tamper = {},
  ) {}
  boot(p: Platform, bootPir: number): void {
    this.inner.boot(p, bootPir);
    this.tamper.afterBoot?.(p);
    if (this.inner.capture !== undefined) this.tamper.afterCaptureBoot?.(p);
  }
  panic(p: Platform, pir: number, cause: CrashCause): void {
    this.tamper.beforePanic?.(p, pir);
    this.inner.panic(p, pir, cause);
  }
  release(p: Platform): void {
    this.inner.release(p);
  }
  get capture(): CaptureOutput | undefined {
    const c = this.inner.capture;
    return c === undefined || this.tamper.capture === undefined ? c : this.tamper.capture(c);
  }
  get dumpRegistered(): boolean {
    return this.inner.dumpRegistered;
  }
}
