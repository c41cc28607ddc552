/**
 * What a firmware plugin receives (docs/firmware-plugins.md): the scenario, the reference profile
 * built for it, and the classes and constants to build its own participants from. Built-in
 * profiles and mutants are made from exactly these pieces, so a plugin can do anything they do.
 */
import type { FirmwareProfile } from '../participants/firmware.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { SbeP9 } from '../participants/sbe/sbe-p9.js';
import { ReferenceHostboot } from '../participants/hostboot/reference.js';
import { SkibootModel } from '../participants/skiboot/skiboot.js';
import { createLinux } from '../participants/linux/index.js';
import * as layout from '../participants/layout.js';
import * as opal from '../participants/opal-api.js';
import { builtinImages } from './images.js';

export interface PluginApi {
  readonly spec: ScenarioSpec;
  /** The reference profile for this scenario: spread it and override what you change. */
  readonly reference: FirmwareProfile;
  readonly classes: {
    readonly SbeP9: typeof SbeP9;
    readonly ReferenceHostboot: typeof ReferenceHostboot;
    readonly SkibootModel: typeof SkibootModel;
    readonly createLinux: typeof createLinux;
  };
  readonly layout: typeof layout;
  readonly opal: typeof opal;
  readonly builtinImages: typeof builtinImages;
}

export function pluginApi(spec: ScenarioSpec, reference: FirmwareProfile): PluginApi {
  return { spec, reference, classes: { SbeP9, ReferenceHostboot, SkibootModel, createLinux }, layout, opal, builtinImages };
}
