/**
 * A firmware profile whose skiboot and/or hostboot are ELFs over a base profile
 * (`--firmware-elf skiboot=A,hostboot=B` over `--firmware BASE`; the built-in `reference-elf`).
 *
 * - skiboot ELF: overlaid on the base's skiboot flash image (so every IPL reloads it and the OPAL
 *   core contains it, as on hardware); its heap and CPU stacks are declared firmware scratch, so
 *   `no-collateral-writes` does not count them (its loads are inside the image already).
 * - hostboot ELF: runs in its private window (not RAM), so it needs no declaration.
 * - identity: the content hash covers the base's hash and every ELF's SHA-256; `firmwareElfs`
 *   lists {participant, sha256, abi} for the trace header, and replay needs the same bytes.
 */
import { digestText } from '../core/digest.js';
import type { FirmwareImages, FirmwareProfile } from '../participants/firmware.js';
import { SkibootMap } from '../participants/layout.js';
import { Topology } from '../machine/topology.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { FW_SKIBOOT_HEAP, FW_SKIBOOT_STACKS_BASE, FW_STACK_SIZE } from './abi.js';
import { identityOf, loadsEnd, overlayLoads, type FirmwareElf, type FirmwareElfIdentity } from './loader.js';
import { checkSkibootBase, ElfHostboot, ElfSkiboot, registerElf } from './participants.js';

export interface FirmwareElfSet {
  readonly skiboot?: FirmwareElf;
  readonly hostboot?: FirmwareElf;
}

/** The identities a trace header records, skiboot first. */
export function identitiesOf(set: FirmwareElfSet): FirmwareElfIdentity[] {
  return [set.skiboot, set.hostboot].filter((e): e is FirmwareElf => e !== undefined).map(identityOf);
}

/** Overlaid flash images, per base skiboot image and ELF (computed once per process). */
const OVERLAYS = new WeakMap<Uint8Array, Map<string, FirmwareImages>>();

function overlaidImages(base: FirmwareImages, elf: FirmwareElf): FirmwareImages {
  let byElf = OVERLAYS.get(base.skiboot);
  if (byElf === undefined) {
    byElf = new Map();
    OVERLAYS.set(base.skiboot, byElf);
  }
  let images = byElf.get(elf.sha256);
  if (images === undefined) {
    const length = Math.max(base.skiboot.length, loadsEnd(elf) - SkibootMap.SKIBOOT_BASE);
    const skiboot = new Uint8Array(length);
    skiboot.set(base.skiboot);
    overlayLoads(elf, skiboot, SkibootMap.SKIBOOT_BASE);
    images = { skiboot, kernel: base.kernel, initramfs: base.initramfs };
    byElf.set(elf.sha256, images);
  }
  return images;
}

/** skiboot's heap and every PIR's CPU stack: memory only the skiboot ELF writes. */
export function skibootPrivateRanges(spec: ScenarioSpec): { start: number; sizeBytes: number }[] {
  const cpuMaxPir = new Topology(spec.config).cpuMaxPir;
  return [
    { start: FW_SKIBOOT_HEAP.start, sizeBytes: FW_SKIBOOT_HEAP.sizeBytes },
    { start: FW_SKIBOOT_STACKS_BASE, sizeBytes: (cpuMaxPir + 1) * FW_STACK_SIZE },
  ];
}

/** The profile `name`: `base` with the given participants replaced by ELFs. */
export function profileWithElfs(name: string, base: (spec: ScenarioSpec) => FirmwareProfile, set: FirmwareElfSet): (spec: ScenarioSpec) => FirmwareProfile {
  const skibootKey = set.skiboot === undefined ? undefined : registerElf(set.skiboot);
  const hostbootKey = set.hostboot === undefined ? undefined : registerElf(set.hostboot);
  const identities = identitiesOf(set);
  return (spec) => {
    const b = base(spec);
    if (set.skiboot !== undefined) checkSkibootBase(b.makeSkiboot(), set.skiboot);
    const skiboot = set.skiboot;
    const scratch = [...(b.firmwareScratch ?? []), ...(skiboot === undefined ? [] : skibootPrivateRanges(spec))];
    return {
      name,
      contentHash: digestText(`${b.contentHash} ${identities.map((i) => `${i.participant}:${i.sha256}:abi${i.abi}`).join(' ')}`),
      makeSbe: (chip) => b.makeSbe(chip),
      makeHostboot: () => (hostbootKey === undefined ? b.makeHostboot() : new ElfHostboot(b.makeHostboot(), hostbootKey)),
      makeSkiboot: () => (skibootKey === undefined ? b.makeSkiboot() : new ElfSkiboot(b.makeSkiboot(), skibootKey)),
      makeLinux: () => b.makeLinux(),
      images: () => (skiboot === undefined ? b.images() : overlaidImages(b.images(), skiboot)),
      firmwareScratch: scratch,
      firmwareElfs: identities,
    };
  };
}
