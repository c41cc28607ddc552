/**
 * `--firmware NAME|PATH`: built-in profiles and mutants by name, user plugins by path
 * (docs/firmware-plugins.md). A plugin is an ES module whose default export is a function
 * `(api) => FirmwareProfile`; `api` hands it the reference profile for the scenario and the
 * building blocks (participant classes, layouts, constants) to subclass. Loading happens once, in
 * the CLI, from a path the user typed — never from a path found in a trace.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.js';
import { digestBytes } from '../core/digest.js';
import { registerPlugin, referenceProfile, resolveProfile, type ProfileFactory } from '../firmware/profiles.js';
import type { FirmwareProfile } from '../participants/firmware.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { pluginApi, type PluginApi } from '../firmware/plugin-api.js';
import { guardProfile } from '../firmware/guard.js';

/** Does `--firmware` name a file rather than a built-in profile? */
export function isPluginPath(name: string): boolean {
  return name.includes('/') || name.endsWith('.js') || name.endsWith('.mjs');
}

const PROFILE_METHODS = ['makeSbe', 'makeHostboot', 'makeSkiboot', 'makeLinux', 'images'] as const;

function checkProfile(p: unknown, path: string): FirmwareProfile {
  if (typeof p !== 'object' || p === null) throw new UsageError(`--firmware ${path}: the plugin returned ${p === null ? 'null' : typeof p}, not a firmware profile`);
  const o = p as Record<string, unknown>;
  for (const m of PROFILE_METHODS) if (typeof o[m] !== 'function') throw new UsageError(`--firmware ${path}: the profile has no ${m}() function`);
  if (typeof o['name'] !== 'string' || o['name'].length === 0 || o['name'].length > 200) throw new UsageError(`--firmware ${path}: the profile needs a name (1–200 characters)`);
  const scratch = o['firmwareScratch'];
  if (scratch !== undefined) {
    const ok = (r: unknown): boolean => {
      const x = r as Record<string, unknown> | null;
      return typeof x === 'object' && x !== null && Number.isSafeInteger(x['start']) && Number.isSafeInteger(x['sizeBytes']) && (x['start'] as number) >= 0 && (x['sizeBytes'] as number) >= 0;
    };
    if (!Array.isArray(scratch) || scratch.length > 64 || !scratch.every(ok)) throw new UsageError(`--firmware ${path}: firmwareScratch must be a list of at most 64 {start, sizeBytes} non-negative integers`);
  }
  return p as FirmwareProfile;
}

/** Resolve NAME or load PATH; afterwards `resolveProfile(name)` finds it synchronously too. */
export async function loadFirmware(name: string): Promise<ProfileFactory> {
  if (!isPluginPath(name)) return resolveProfile(name);
  const file = resolve(name);
  let bytes: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    bytes = readFileSync(file);
  } catch {
    throw new UsageError(`--firmware ${name}: no such plugin file`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UsageError(`--firmware ${name}: the plugin failed to load: ${msg}`);
  }
  const make = mod['default'];
  if (typeof make !== 'function') throw new UsageError(`--firmware ${name}: the plugin must default-export a function (api) => profile`);
  const contentHash = digestBytes(bytes);
  const factory: ProfileFactory = (spec: ScenarioSpec) => {
    let profile: unknown;
    try {
      profile = (make as (api: PluginApi) => unknown)(pluginApi(spec, referenceProfile(spec)));
    } catch (e) {
      throw new UsageError(`--firmware ${name}: the plugin threw: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    // Everything the plugin's participants do from here on runs behind the participant-call guard.
    return guardProfile({ ...checkProfile(profile, name), contentHash }, { firmware: name, file: pathToFileURL(file).href });
  };
  registerPlugin(name, factory);
  return factory;
}
