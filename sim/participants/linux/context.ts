/** What the kernel's helpers get from the kernel object: no state, only the means to act. */
import type { Platform } from '../platform.js';
import type { KernelMem } from './bytes.js';
import type { KernelLayout, LinuxOptions } from './options.js';

export type LogLevel = 'emerg' | 'err' | 'warn' | 'info';

export interface KernelCtx {
  readonly p: Platform;
  readonly km: KernelMem;
  readonly o: LinuxOptions;
  readonly layout: KernelLayout;
  /** The thread the kernel's boot-time work (and its OPAL calls) runs on. */
  readonly pir: number;
  log(level: LogLevel, msg: string): void;
}
