/**
 * What a firmware plugin receives (docs/firmware-plugins.md): the scenario, the reference profile
 * built for it, and the classes, helpers and constants to build its own participants from.
 * Built-in profiles and mutants are made from exactly these pieces, so a plugin can do anything
 * they do: subclass any participant and override one of its steps (hostboot's `preserve`,
 * `writeMdrt`, `captureRegisters`…, skiboot's OPAL calls, Linux's `planDumpArea`, `panic`,
 * `trigger`, `registrationStep`…), replace the copy engine, rewrite the register records.
 */
import type { FirmwareProfile } from '../participants/firmware.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { SbeP9 } from '../participants/sbe/sbe-p9.js';
import { QemuSbe } from '../participants/sbe/qemu-sbe.js';
import { ReferenceHostboot, captureEntries } from '../participants/hostboot/reference.js';
import { QemuHostboot } from '../participants/hostboot/qemu.js';
import { SkibootModel } from '../participants/skiboot/skiboot.js';
import { createLinux, LinuxKernelModel, resolveLinuxOptions } from '../participants/linux/index.js';
import * as layout from '../participants/layout.js';
import * as opal from '../participants/opal-api.js';
import { builtinImages } from './images.js';
import { memWithCopy, platformWith, rewriteRecords } from './mutant-kit.js';

export interface PluginApi {
  readonly spec: ScenarioSpec;
  /** The reference profile for this scenario: spread it and override what you change. */
  readonly reference: FirmwareProfile;
  readonly classes: {
    readonly SbeP9: typeof SbeP9;
    readonly QemuSbe: typeof QemuSbe;
    readonly ReferenceHostboot: typeof ReferenceHostboot;
    readonly QemuHostboot: typeof QemuHostboot;
    readonly SkibootModel: typeof SkibootModel;
    /** The Linux participant: its steps are protected methods a subclass overrides. */
    readonly LinuxKernelModel: typeof LinuxKernelModel;
    readonly createLinux: typeof createLinux;
  };
  /** The helpers the built-in mutants are made of. */
  readonly helpers: {
    /** Linux options of this scenario, validated, with the defaults filled in (new LinuxKernelModel(options)). */
    readonly linuxOptions: ReturnType<typeof resolveLinuxOptions>;
    /** A PhysicalMemory whose `copy` is yours: hand it to a hostboot step through `platformWith`. */
    readonly memWithCopy: typeof memWithCopy;
    /** The platform with some members replaced (e.g. `{ mem }`), for one call. */
    readonly platformWith: typeof platformWith;
    /** Rewrite the register records hostboot just wrote, thread by thread. */
    readonly rewriteRecords: typeof rewriteRecords;
    /** The register entries the reference hostboot writes for one thread, in order. */
    readonly captureEntries: typeof captureEntries;
  };
  readonly layout: typeof layout;
  readonly opal: typeof opal;
  readonly builtinImages: typeof builtinImages;
}

export function pluginApi(spec: ScenarioSpec, reference: FirmwareProfile): PluginApi {
  return {
    spec,
    reference,
    classes: { SbeP9, QemuSbe, ReferenceHostboot, QemuHostboot, SkibootModel, LinuxKernelModel, createLinux },
    helpers: { linuxOptions: resolveLinuxOptions(spec.linux), memWithCopy, platformWith, rewriteRecords, captureEntries },
    layout,
    opal,
    builtinImages,
  };
}
