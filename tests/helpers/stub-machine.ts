/**
 * A machine with the reference SBE, hostboot and skiboot and a do-nothing Linux, for testing the
 * firmware participants through the same Platform the real flow uses.
 */
import { Machine } from '../../sim/machine/machine.js';
import { DEFAULT_CONFIG, type MachineConfig } from '../../sim/machine/config.js';
import { MemorySink } from '../../sim/trace/events.js';
import { SbeP9, type SbeFaults } from '../../sim/participants/sbe/sbe-p9.js';
import { ReferenceHostboot } from '../../sim/participants/hostboot/reference.js';
import { SkibootModel, type SkibootOptions } from '../../sim/participants/skiboot/skiboot.js';
import { builtinImages } from '../../sim/firmware/images.js';
import type { FirmwareProfile, LinuxKernel } from '../../sim/participants/firmware.js';

export class IdleLinux implements LinuxKernel {
  capture = undefined;
  dumpRegistered = false;
  boot(): void {}
  panic(): void {}
  release(): void {}
}

export interface StubOptions {
  config?: Partial<MachineConfig>;
  sbe?: SbeFaults;
  skiboot?: SkibootOptions;
  makeLinux?: () => LinuxKernel;
}

export function stubMachine(o: StubOptions = {}): { m: Machine; sink: MemorySink } {
  const profile: FirmwareProfile = {
    name: 'stub',
    contentHash: 'stub',
    makeSbe: (chip) => new SbeP9(chip, o.sbe ?? {}),
    makeHostboot: () => new ReferenceHostboot(),
    makeSkiboot: () => new SkibootModel(o.skiboot ?? {}),
    makeLinux: o.makeLinux ?? (() => new IdleLinux()),
    images: builtinImages,
  };
  const sink = new MemorySink();
  const m = new Machine({ ...DEFAULT_CONFIG, ...o.config }, profile, 'test', sink);
  m.powerOn();
  return { m, sink };
}
