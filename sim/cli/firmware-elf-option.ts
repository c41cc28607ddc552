/**
 * `--firmware-elf skiboot=PATH,hostboot=PATH` for every command (docs/firmware-elf-runtime.md,
 * "Loading"): one parser, applied once by the CLI entry before the command sees its arguments.
 *
 * The ELFs are read and validated (one-line errors, exit 2), and the profile "BASE+elf" — the
 * `--firmware BASE` profile (default reference) with those participants replaced — is registered
 * like a plugin. Commands that start runs (run, check, sweep, bisect crash) get `--firmware
 * BASE+elf`; commands that re-run traces find it under the name the trace header carries, and
 * `checkRecordedElfs` makes them exit 125 unless the ELFs are the very bytes the trace recorded.
 * Paths are only ever taken from the command line, never from a trace.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { CannotTestError, UsageError } from '../core/errors.js';
import { registerPlugin, resolveProfile } from '../firmware/profiles.js';
import { loadFirmwareElf, type FirmwareElf, type FirmwareElfIdentity } from '../firmware-elf/loader.js';
import { profileWithElfs, type FirmwareElfSet } from '../firmware-elf/profile.js';
import type { FirmwareElfParticipant } from '../firmware-elf/abi.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { isPluginPath, loadFirmware } from './firmware-loader.js';

const FLAG = '--firmware-elf';
/** Commands whose runs are not read from a trace: they get `--firmware BASE+elf`. */
const STARTS_RUNS: ReadonlySet<string> = new Set(['run', 'check', 'sweep', 'bisect crash']);
/** A firmware ELF is small; this bounds what we read before parsing. */
const ELF_SIZE_MAX_BYTES = 64 * 2 ** 20;

/** The option text applied in this process (check hands it to its worker threads). */
let applied: { readonly text: string; readonly base: string } | undefined;

export function appliedFirmwareElfOption(): { readonly text: string; readonly base: string } | undefined {
  return applied;
}

/** Read one ELF file for `participant` (a UsageError line if it cannot be read or is not valid). */
export function readFirmwareElf(participant: FirmwareElfParticipant, path: string): FirmwareElf {
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${FLAG} ${participant}=${path}: not a file`);
    if (st.size > ELF_SIZE_MAX_BYTES) throw new UsageError(`${FLAG} ${participant}=${path}: ${st.size} bytes, more than the ${ELF_SIZE_MAX_BYTES / 2 ** 20} MiB accepted`);
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${FLAG} ${participant}=${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return loadFirmwareElf(participant, bytes, path);
}

/** Parse `skiboot=PATH,hostboot=PATH` (either or both, each at most once) and load the files. */
export function parseFirmwareElfOption(text: string): FirmwareElfSet {
  const set: { skiboot?: FirmwareElf; hostboot?: FirmwareElf } = {};
  if (text.trim() === '') throw new UsageError(`${FLAG}: expected skiboot=PATH and/or hostboot=PATH`);
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const who = eq < 0 ? part : part.slice(0, eq);
    const path = eq < 0 ? '' : part.slice(eq + 1);
    if (who !== 'skiboot' && who !== 'hostboot') throw new UsageError(`${FLAG}: "${part}" names no participant (expected skiboot=PATH or hostboot=PATH)`);
    if (path === '') throw new UsageError(`${FLAG}: ${who}= needs a path`);
    if (set[who] !== undefined) throw new UsageError(`${FLAG}: ${who} is given twice`);
    set[who] = readFirmwareElf(who, path);
  }
  return set;
}

/** The registered name of BASE with ELFs: no path separators, so it never reads as a plugin path. */
export function elfProfileName(base: string): string {
  const stem = isPluginPath(base) ? basename(base).replace(/\.(m?js)$/, '') : base;
  return `${stem}+elf`;
}

/** Load the ELFs over `base` and register the profile; returns its name. */
export async function registerFirmwareElfProfile(text: string, base: string): Promise<string> {
  const set = parseFirmwareElfOption(text);
  const baseFactory = await loadFirmware(base);
  const name = elfProfileName(base);
  registerPlugin(name, profileWithElfs(name, baseFactory, set));
  applied = { text, base };
  return name;
}

/**
 * The CLI entry's one step for `--firmware-elf`: take the option out of `args` (the arguments
 * after the command name), register BASE+elf, and for commands that start runs set `--firmware`
 * to it. Without the option, `args` comes back as it was.
 */
export async function applyFirmwareElfOption(command: string, args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  let text: string | undefined;
  let firmwareAt = -1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === FLAG || a.startsWith(`${FLAG}=`)) {
      if (text !== undefined) throw new UsageError(`${FLAG} is given twice`);
      const v = a === FLAG ? args[++i] : a.slice(FLAG.length + 1);
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${FLAG}: expected skiboot=PATH and/or hostboot=PATH`);
      text = v;
      continue;
    }
    if (a === '--firmware') firmwareAt = out.length + 1;
    if (a.startsWith('--firmware=')) {
      // Normalise `--firmware=X` to two arguments so the value has its own slot.
      out.push('--firmware');
      firmwareAt = out.length;
      out.push(a.slice('--firmware='.length));
      continue;
    }
    out.push(a);
  }
  if (text === undefined) return out;
  const base = firmwareAt > 0 && firmwareAt < out.length ? out[firmwareAt]! : 'reference';
  const name = await registerFirmwareElfProfile(text, base);
  const sub = command === 'bisect' ? `bisect ${out[0] ?? ''}` : command;
  if (STARTS_RUNS.has(sub)) {
    if (firmwareAt > 0 && firmwareAt < out.length) out[firmwareAt] = name;
    else out.push('--firmware', name);
  }
  return out;
}

/** A check worker thread: register the same profile the parent registered (same files, same name). */
export async function applyFirmwareElfInWorker(o: { readonly text: string; readonly base: string } | undefined): Promise<void> {
  if (o !== undefined) await registerFirmwareElfProfile(o.text, o.base);
}

/**
 * A trace that recorded firmware ELFs re-runs only with the very same bytes: the profile the
 * header names must carry an ELF with the same participant, SHA-256 and ABI for each one, or this
 * build cannot test the trace (exit 125). An unknown profile is left to the caller's own 125.
 */
export function checkRecordedElfs(recorded: readonly FirmwareElfIdentity[] | undefined, firmware: string, spec: ScenarioSpec): void {
  if (recorded === undefined || recorded.length === 0) return;
  let have: readonly FirmwareElfIdentity[];
  try {
    have = resolveProfile(firmware)({ ...spec, firmware }).firmwareElfs ?? [];
  } catch (e) {
    if (e instanceof UsageError) return;
    throw e;
  }
  for (const r of recorded) {
    const mine = have.find((x) => x.participant === r.participant);
    if (mine !== undefined && mine.sha256 === r.sha256 && mine.abi === r.abi) continue;
    const got = mine === undefined ? `firmware "${firmware}" has no ${r.participant} ELF (give the file with ${FLAG})` : `the ${r.participant} ELF given has sha256 ${mine.sha256.slice(0, 16)}… (ABI v${mine.abi})`;
    throw new CannotTestError(`trace ran ${r.participant} ELF sha256 ${r.sha256.slice(0, 16)}… (ABI v${r.abi}); ${got}`);
  }
}
