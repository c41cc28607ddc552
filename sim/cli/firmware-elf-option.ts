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
import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { CannotTestError, UsageError } from '../core/errors.js';
import { registerPlugin, resolveProfile, type ProfileFactory } from '../firmware/profiles.js';
import { loadFirmwareElf, type FirmwareElf, type FirmwareElfIdentity } from '../firmware-elf/loader.js';
import { profileWithElfs, type FirmwareElfSet } from '../firmware-elf/profile.js';
import type { FirmwareElfParticipant } from '../firmware-elf/abi.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { isPluginPath, loadFirmware } from './firmware-loader.js';
import { readInputFile } from './input-file.js';

const FLAG = '--firmware-elf';
/** Commands whose runs are not read from a trace: they get `--firmware BASE+elf`. */
const STARTS_RUNS: ReadonlySet<string> = new Set(['run', 'check', 'sweep', 'bisect crash']);
/** A firmware ELF is small; this bounds what we read before parsing. */
const ELF_SIZE_MAX_BYTES = 64 * 2 ** 20;

/** The option text applied in this process (check hands it to its worker threads). */
let applied: { readonly text: string; readonly base: string } | undefined;
/** What it loaded: the ELFs, the base profile and the registered name (for C-level mutants). */
let loaded: { readonly set: FirmwareElfSet; readonly base: ProfileFactory; readonly name: string } | undefined;

export function appliedFirmwareElfOption(): { readonly text: string; readonly base: string } | undefined {
  return applied;
}

/** Read one ELF file for `participant` (a UsageError line if it cannot be read or is not valid). */
export function readFirmwareElf(participant: FirmwareElfParticipant, path: string): FirmwareElf {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${FLAG} ${participant}=${path}: not a file`);
    if (st.size > ELF_SIZE_MAX_BYTES) throw new UsageError(`${FLAG} ${participant}=${path}: ${st.size} bytes, more than the ${ELF_SIZE_MAX_BYTES / 2 ** 20} MiB accepted`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${FLAG} ${participant}=${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // Bounded while reading: a "regular file" of /proc (pagemap) states size 0 and reads without end.
  const bytes = new Uint8Array(readInputFile(path, `${FLAG} ${participant}=${path}`, ELF_SIZE_MAX_BYTES));
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
  loaded = { set, base: baseFactory, name };
  return name;
}

/**
 * The CLI entry's one step for `--firmware-elf`: take the option out of `args` (the arguments
 * after the command name), register BASE+elf, and for commands that start runs set `--firmware`
 * to it. Without the option, `args` comes back as it was.
 */
export async function applyFirmwareElfOption(command: string, args: readonly string[]): Promise<string[]> {
  // Build-against-build commands read the option themselves (docs/bisect.md): `bisect firmware`
  // takes a list of builds, `bisect builds` and `bisect diverge` (without --firmware) two sets.
  if (command === 'bisect' && (args[0] === 'firmware' || args[0] === 'builds' || (args[0] === 'diverge' && !args.some((a) => a === '--firmware' || a.startsWith('--firmware='))))) return [...args];
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

/** A C-level mutant: a one-line variant of a given ELF, built beside it (firmware/bin/mutants). */
export interface ElfMutant {
  readonly name: string;
  readonly participant: FirmwareElfParticipant;
  /** The registered profile: the applied ELFs with this participant's replaced by the mutant. */
  readonly firmware: string;
  /** The build's `-D` define, for the description when no model mutant has the name. */
  readonly define: string | undefined;
}

const MANIFEST_SIZE_MAX_BYTES = 1 << 20;
/** Bound on a manifest's mutants: the build makes 14; each one is an ELF in memory and a scored run. */
const MANIFEST_MUTANTS_MAX = 256;

interface ManifestEntry {
  readonly file: string;
  readonly participant: FirmwareElfParticipant;
  readonly mutant: string;
  readonly define: string | undefined;
}

/** The mutant entries of `dir/manifest.json` (scripts/build-firmware.sh writes it), or none. */
function manifestMutants(dir: string): ManifestEntry[] {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new UsageError(`${path}: not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    return [];
  }
  text = readInputFile(path, 'mutants', MANIFEST_SIZE_MAX_BYTES).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not valid JSON`);
  }
  const elfs = (doc as { elfs?: unknown }).elfs;
  if (!Array.isArray(elfs)) throw new UsageError(`${path}: no "elfs" list`);
  const out: ManifestEntry[] = [];
  for (const e of elfs as Record<string, unknown>[]) {
    const { file, participant, mutant, define } = e ?? {};
    if (typeof mutant !== 'string') continue;
    if (typeof file !== 'string' || (participant !== 'skiboot' && participant !== 'hostboot') || !/^[A-Za-z0-9._-]{1,80}$/.test(mutant)) {
      throw new UsageError(`${path}: mutant entry ${JSON.stringify(mutant).slice(0, 80)} needs a file, a participant and a plain name`);
    }
    // Files of the build beside the manifest, never elsewhere.
    if (isAbsolute(file) || file.split(/[\\/]/).includes('..')) throw new UsageError(`${path}: mutant ${mutant} file "${file.slice(0, 80)}" is not inside ${dir}`);
    out.push({ file, participant, mutant, define: typeof define === 'string' ? define : undefined });
    if (out.length > MANIFEST_MUTANTS_MAX) throw new UsageError(`${path}: more than ${MANIFEST_MUTANTS_MAX} mutant entries`);
  }
  return out;
}

/**
 * The C-level mutants of the applied `--firmware-elf` ELFs: every mutant the manifest.json beside
 * them lists, each registered as the profile `elf-mutant:NAME` (the applied ELFs with that
 * participant's ELF replaced by the mutant). Empty without `--firmware-elf`.
 */
export function registerElfMutants(): ElfMutant[] {
  if (loaded === undefined) return [];
  const { set, base } = loaded;
  const dirs = [...new Set([set.skiboot, set.hostboot].filter((e): e is FirmwareElf => e !== undefined).map((e) => dirname(e.label)))];
  const out: ElfMutant[] = [];
  for (const dir of dirs) {
    for (const m of manifestMutants(dir)) {
      if (out.some((x) => x.name === m.mutant)) continue;
      const elf = readFirmwareElf(m.participant, join(dir, m.file));
      const firmware = `elf-mutant:${m.mutant}`;
      registerPlugin(firmware, profileWithElfs(firmware, base, { ...set, [m.participant]: elf }));
      out.push({ name: m.mutant, participant: m.participant, firmware, define: m.define });
    }
  }
  return out;
}
