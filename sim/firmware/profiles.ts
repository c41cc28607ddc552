/**
 * Built-in firmware profiles (design section 4). A profile is built for a scenario, because the
 * scenario's Linux options and fault injections parameterise the participants. Built-in profiles,
 * mutants and plugins all produce the same FirmwareProfile interface.
 */
import { UsageError } from '../core/errors.js';
import { digestText } from '../core/digest.js';
import type { FirmwareProfile } from '../participants/firmware.js';
import { SbeP9 } from '../participants/sbe/sbe-p9.js';
import { ReferenceHostboot } from '../participants/hostboot/reference.js';
import { SkibootModel } from '../participants/skiboot/skiboot.js';
import { createLinux } from '../participants/linux/index.js';
import { resolveLinuxOptions, type LinuxOptions } from '../participants/linux/options.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { builtinImages } from './images.js';
import { qemuProfile } from './qemu-profile.js';
import { MUTANTS } from './mutants.js';
import { profileWithElfs } from '../firmware-elf/profile.js';
import { committedElfs } from '../firmware-elf/builtin.js';

/** Bumped whenever a built-in participant's behaviour changes (it is part of the content hash). */
export const REFERENCE_MODEL_VERSION = 'reference-1';

export type ProfileFactory = (spec: ScenarioSpec) => FirmwareProfile;

export function linuxOptionsOf(spec: ScenarioSpec): LinuxOptions {
  return resolveLinuxOptions(spec.linux as Partial<LinuxOptions>);
}

export const referenceProfile: ProfileFactory = (spec) => {
  const linux = linuxOptionsOf(spec);
  return {
    name: 'reference',
    contentHash: digestText(REFERENCE_MODEL_VERSION),
    makeSbe: (chip) => new SbeP9(chip, { dropStash: spec.faults.dropStash === true }),
    makeHostboot: () => new ReferenceHostboot(),
    makeSkiboot: () => new SkibootModel(spec.faults.allocSizeBytes === undefined ? {} : { allocSizeBytes: spec.faults.allocSizeBytes }),
    makeLinux: () => createLinux(linux),
    images: builtinImages,
  };
};

/**
 * `reference-elf`: the reference profile with skiboot and hostboot replaced by our C firmware,
 * the committed firmware/bin ELFs (sim/firmware-elf). The files are read on first use.
 */
let referenceElf: ProfileFactory | undefined;
export const referenceElfProfile: ProfileFactory = (spec) => {
  referenceElf ??= profileWithElfs('reference-elf', referenceProfile, committedElfs());
  return referenceElf(spec);
};

/** Plugins loaded this process (sim/cli/firmware-loader.ts registers them under the path given). */
const PLUGINS = new Map<string, ProfileFactory>();

export function registerPlugin(name: string, factory: ProfileFactory): void {
  PLUGINS.set(name, factory);
}

const BUILTIN: ReadonlyMap<string, ProfileFactory> = new Map([
  ['reference', referenceProfile],
  ['qemu', qemuProfile],
  ['reference-elf', referenceElfProfile],
]);

/** `mutant:NAME` names one of the single-bug variants of sim/firmware/mutants.ts (looked up at call time). */
export const MUTANT_PREFIX = 'mutant:';

export function builtinProfileNames(): string[] {
  return [...BUILTIN.keys()];
}

/** Resolve `--firmware NAME`. Unknown names are usage errors (plugins by path come later). */
export function resolveProfile(name: string): ProfileFactory {
  if (name.startsWith(MUTANT_PREFIX)) {
    const m = MUTANTS.find((x) => x.name === name.slice(MUTANT_PREFIX.length));
    if (m === undefined) throw new UsageError(`--firmware: unknown mutant "${name}" (mutants: ${MUTANTS.map((x) => x.name).join(', ')})`);
    return m.make;
  }
  const f = BUILTIN.get(name) ?? PLUGINS.get(name);
  if (f === undefined) throw new UsageError(`--firmware: unknown firmware "${name}" (built in: ${builtinProfileNames().join(', ')})`);
  return f;
}
