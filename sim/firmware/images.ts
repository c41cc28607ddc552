/**
 * The flash contents of the built-in profiles: the skiboot image (sim/participants/skiboot/image.ts)
 * plus a kernel and an initramfs blob that every IPL loads into `fw-load-area`. The blobs are fixed
 * bytes, not run-seeded: they belong to the firmware, and a firmware change changes its content hash.
 */
import { Prng } from '../core/prng.js';
import type { FirmwareImages } from '../participants/firmware.js';
import { buildSkibootImage } from '../participants/skiboot/image.js';

const KERNEL_IMAGE_SIZE_BYTES = 0x4_0000;
const INITRAMFS_IMAGE_SIZE_BYTES = 0x2_0000;

let cached: FirmwareImages | undefined;

export function builtinImages(): FirmwareImages {
  if (cached === undefined) {
    const kernel = new Uint8Array(KERNEL_IMAGE_SIZE_BYTES);
    new Prng('pnor-kernel-v1').fill(kernel);
    const initramfs = new Uint8Array(INITRAMFS_IMAGE_SIZE_BYTES);
    new Prng('pnor-initramfs-v1').fill(initramfs);
    cached = { skiboot: buildSkibootImage(), kernel, initramfs };
  }
  return cached;
}
