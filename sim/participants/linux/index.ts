/**
 * The Linux participant (design section 3): first kernel and capture kernel of OPAL fadump.
 * `createLinux` is called at every boot; the options are validated here, once per instance.
 */
import type { LinuxKernel } from '../firmware.js';
import { LinuxKernelModel } from './kernel.js';
import { resolveLinuxOptions, type LinuxOptions } from './options.js';

export type { LinuxOptions, BootMemRegion } from './options.js';
export { DEFAULT_LINUX_OPTIONS, resolveLinuxOptions } from './options.js';
export { LinuxKernelModel } from './kernel.js';

/** A fresh kernel for one boot. Missing options take the defaults documented in options.ts. */
export function createLinux(options: Partial<LinuxOptions> = {}): LinuxKernel {
  return new LinuxKernelModel(resolveLinuxOptions(options));
}
