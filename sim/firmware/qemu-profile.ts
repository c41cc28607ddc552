/**
 * The `qemu` firmware profile (design section 4): SBE and hostboot as QEMU's PowerNV MPIPL model
 * behaves (spec steps 2, 6, 17, 19; 6.4), skiboot and Linux as `reference`. QEMU loads skiboot at
 * FW_LOAD_ADDR = 0 and skiboot relocates itself, so this profile tells skiboot where the image is.
 */
import { digestText } from '../core/digest.js';
import type { FirmwareProfile } from '../participants/firmware.js';
import { QemuHostboot } from '../participants/hostboot/qemu.js';
import { QemuSbe } from '../participants/sbe/qemu-sbe.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { REFERENCE_MODEL_VERSION, referenceProfile } from './profiles.js';

/** Bumped whenever the QEMU SBE or hostboot model changes behaviour. */
export const QEMU_MODEL_VERSION = 'qemu-latest-70fda4c2-1';

export function qemuProfile(spec: ScenarioSpec): FirmwareProfile {
  const ref = referenceProfile(spec);
  return {
    ...ref,
    name: 'qemu',
    contentHash: digestText(`${REFERENCE_MODEL_VERSION}+${QEMU_MODEL_VERSION}`),
    makeSbe: (chip) => new QemuSbe(chip, { dropStash: spec.faults.dropStash === true }),
    makeHostboot: () => new QemuHostboot(),
    // QEMU loads skiboot at FW_LOAD_ADDR 0 (skiboot relocates itself): the IPL rewrites that range.
    firmwareScratch: [{ start: 0, sizeBytes: ref.images().skiboot.length }],
  };
}
