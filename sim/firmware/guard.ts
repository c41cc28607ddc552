/**
 * The participant-call boundary of a firmware plugin (design sections 4 and 10). A plugin is code
 * under test: when it throws (anything, `throw 42` included), returns a non-participant from a
 * `make*` function, or misuses the platform (a write outside RAM, `advance(1e18)`), that is a
 * finding about the firmware, not a crash of the tool. The guard turns such exceptions into one
 * typed FirmwareFault naming the firmware, the call (`hostboot.mpiplIpl`) and the plugin line;
 * the scenario runner reports it as the `firmware-sane` invariant (sim/scenario/run.ts).
 *
 * The guard wraps methods as own properties that call the prototype's function with the
 * participant as `this` (no proxies: a machine holding guarded participants still forks, and the
 * wrappers close over nothing but the function they call). Built-in profiles and mutants are not
 * guarded: an exception there is a simulator bug and must surface as one.
 *
 * The optional monitor hears every entry and exit, so a watchdog outside this thread can tell a
 * plugin that never returns (sim/cli/sandbox.ts). No clock here: the watchdog owns time.
 */
import type { FirmwareImages, FirmwareProfile } from '../participants/firmware.js';
import { MachineCheckstop } from '../machine/checkstop.js';

/** What a firmware fault says, in plain data (it crosses worker boundaries and goes into JSON). */
export interface FirmwareFaultInfo {
  readonly firmware: string;
  /** The call that failed: `hostboot.mpiplIpl`, `profile.makeSkiboot`, `scheduled work`. */
  readonly activity: string;
  /** `threw "message"`, `returned 42, not an object` … */
  readonly reason: string;
  /** `my-firmware.js:12`: the plugin's innermost frame, when the stack shows one. */
  readonly location: string | undefined;
  /** The full stack, for `--verbose`. */
  readonly stack: string | undefined;
}

export class FirmwareFault extends Error {
  override readonly name = 'FirmwareFault';
  constructor(readonly info: FirmwareFaultInfo) {
    super(describeFault(info));
  }
}

/** `hostboot.mpiplIpl threw "boom" at my-firmware.js:12` */
export function describeFault(f: FirmwareFaultInfo): string {
  return `${f.activity} ${f.reason}${f.location === undefined ? '' : ` at ${f.location}`}`;
}

/** Receives entries into and exits from plugin code (the watchdog's view). */
export interface GuardMonitor {
  enter(activity: string): void;
  exit(): void;
}

let monitor: GuardMonitor | undefined;

/** Install the process's monitor (the CLI's sandbox worker does, once). */
export function setGuardMonitor(m: GuardMonitor | undefined): void {
  monitor = m;
}

/** Where the plugin stands in a stack: the first frame in its file, as `name.js:LINE`. */
function pluginFrame(stack: string | undefined, pluginFile: string): string | undefined {
  if (stack === undefined) return undefined;
  for (const line of stack.split('\n')) {
    const at = line.indexOf(pluginFile);
    if (at < 0) continue;
    const m = /:(\d+):\d+\)?\s*$/.exec(line);
    const base = pluginFile.slice(pluginFile.lastIndexOf('/') + 1);
    return m === null ? base : `${base}:${m[1]}`;
  }
  return undefined;
}

function quote(text: string): string {
  const oneLine = text.split('\n')[0]!;
  return JSON.stringify(oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine);
}

/** The guard context of one plugin: its name (as given to --firmware) and its file (URL or path). */
export interface PluginIdentity {
  readonly firmware: string;
  readonly file: string;
}

/** Turn any exception into the FirmwareFault of `activity` (an inner fault is kept as it is). */
export function faultFrom(e: unknown, id: PluginIdentity, activity: string): FirmwareFault {
  if (e instanceof FirmwareFault) return e;
  const err = e instanceof Error ? e : undefined;
  const reason = err === undefined ? `threw ${typeof e === 'string' ? quote(e) : String(e)}` : `threw ${err.name === 'Error' ? '' : `${err.name} `}${quote(err.message)}`;
  return new FirmwareFault({ firmware: id.firmware, activity, reason, location: pluginFrame(err?.stack, id.file), stack: err?.stack });
}

/**
 * An exception that escaped a run of a guarded profile outside any wrapped call (a closure the
 * plugin scheduled): a fault when the stack passes through the plugin, otherwise not ours.
 */
export function faultOfEscapedError(e: unknown, profile: FirmwareProfile): FirmwareFault | undefined {
  if (e instanceof FirmwareFault) return e;
  const id = GUARDED.get(profile);
  if (id === undefined) return undefined;
  if (!(e instanceof Error)) return faultFrom(e, id, 'scheduled work');
  return pluginFrame(e.stack, id.file) === undefined ? undefined : faultFrom(e, id, 'scheduled work');
}

function guardedCall<T>(id: PluginIdentity, activity: string, fn: () => T): T {
  monitor?.enter(activity);
  try {
    return fn();
  } catch (e) {
    // A machine-code firmware's checkstop passes through: the machine reports it (firmware-sane).
    if (e instanceof MachineCheckstop) throw e;
    throw faultFrom(e, id, activity);
  } finally {
    monitor?.exit();
  }
}

/** The methods each participant must have (what the machine calls). */
const REQUIRED: Record<string, readonly string[]> = {
  sbe: ['attach'],
  hostboot: ['mpiplIpl', 'normalIpl'],
  skiboot: ['boot', 'opalCall'],
  linux: ['boot', 'panic', 'release'],
};

/** Wrap every method the participant has (own and inherited) so a throw names the call. */
function guardParticipant<T>(value: unknown, role: string, maker: string, id: PluginIdentity): T {
  if (typeof value !== 'object' || value === null) {
    throw new FirmwareFault({ firmware: id.firmware, activity: `profile.${maker}`, reason: `returned ${value === null ? 'null' : typeof value === 'function' ? 'a function' : String(value)}, not a ${role} object`, location: undefined, stack: undefined });
  }
  const obj = value as Record<string, unknown>;
  for (const m of REQUIRED[role]!) {
    if (typeof obj[m] !== 'function') throw new FirmwareFault({ firmware: id.firmware, activity: `profile.${maker}`, reason: `returned a ${role} without ${m}()`, location: undefined, stack: undefined });
  }
  const names = new Set<string>();
  for (let o: object | null = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      const d = Object.getOwnPropertyDescriptor(o, name);
      if (name !== 'constructor' && d !== undefined && typeof d.value === 'function' && !names.has(name)) names.add(name);
    }
  }
  for (const name of names) {
    const original = obj[name] as (...args: unknown[]) => unknown;
    const activity = `${role}.${name}`;
    Object.defineProperty(obj, name, {
      value: function guarded(this: unknown, ...args: unknown[]): unknown {
        return guardedCall(id, activity, () => original.apply(this, args));
      },
      writable: true,
      configurable: true,
      // Enumerable: Machine.fork copies own enumerable properties, so a fork stays guarded.
      enumerable: true,
    });
  }
  return value as T;
}

const GUARDED = new WeakMap<FirmwareProfile, PluginIdentity>();

/** The plugin profile with every participant it makes behind the guard. */
export function guardProfile(profile: FirmwareProfile, id: PluginIdentity): FirmwareProfile {
  const call = <T>(activity: string, fn: () => T): T => guardedCall(id, activity, fn);
  const guarded: FirmwareProfile = {
    ...profile,
    makeSbe: (chip) => guardParticipant(call('profile.makeSbe', () => profile.makeSbe(chip)), 'sbe', 'makeSbe', id),
    makeHostboot: () => guardParticipant(call('profile.makeHostboot', () => profile.makeHostboot()), 'hostboot', 'makeHostboot', id),
    makeSkiboot: () => guardParticipant(call('profile.makeSkiboot', () => profile.makeSkiboot()), 'skiboot', 'makeSkiboot', id),
    makeLinux: () => guardParticipant(call('profile.makeLinux', () => profile.makeLinux()), 'linux', 'makeLinux', id),
    images: () => checkImages(call('profile.images', () => profile.images()), id),
  };
  GUARDED.set(guarded, id);
  return guarded;
}

function checkImages(v: unknown, id: PluginIdentity): FirmwareImages {
  const o = v as Record<string, unknown> | null;
  const ok = typeof o === 'object' && o !== null && ['skiboot', 'kernel', 'initramfs'].every((k) => o[k] instanceof Uint8Array);
  if (!ok) throw new FirmwareFault({ firmware: id.firmware, activity: 'profile.images', reason: 'returned something other than {skiboot, kernel, initramfs} byte arrays', location: undefined, stack: undefined });
  return v as FirmwareImages;
}
