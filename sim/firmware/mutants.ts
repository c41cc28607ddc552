import type { FirmwareProfile } from '../participants/firmware.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
export interface Mutant { readonly name: string; readonly description: string; readonly participant: 'sbe' | 'hostboot' | 'skiboot' | 'linux'; make(spec: ScenarioSpec): FirmwareProfile }
export const MUTANTS: readonly Mutant[] = [];
