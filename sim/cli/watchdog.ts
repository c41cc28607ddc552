/**
 * The watchdog between a supervising thread and the worker threads that run firmware code
 * (design section 10: no input may hang the tool). A firmware plugin is JavaScript: an infinite
 * loop in its `opalCall` cannot be interrupted on its own thread, so commands that run plugin code
 * run it in worker threads (sim/cli/sandbox.ts, `check`), and the supervisor watches this board.
 *
 * The board is shared memory, written by the worker's participant-call guard
 * (sim/firmware/guard.ts GuardMonitor) without any message passing, so it stays current while the
 * worker spins: per worker slot a sequence number bumped at every entry into and exit from plugin
 * code, the nesting depth, and the activity's name. A slot that sits inside plugin code with an
 * unchanged sequence number for the time limit is a hang. The board also carries the stop flag
 * Ctrl-C sets, which the check loop reads between scenarios.
 */
import type { GuardMonitor } from '../firmware/guard.js';
import { hostNowMs } from './host-clock.js';

const ACTIVITY_BYTES = 120;
/** Int32 words per slot: sequence, depth, activity length. */
const SLOT_WORDS = 3;
/** Word 0 of the board: the stop flag. */
const STOP_WORD = 0;

/** Default host-time limit for one call into plugin code (or loading a plugin). */
export const WATCHDOG_LIMIT_MS_DEFAULT = 20_000;

/** The limit in force: MPIPL_SIM_WATCHDOG_SECONDS (tests use a short one), else the default. */
export function watchdogLimitMs(): number {
  const s = Number(process.env['MPIPL_SIM_WATCHDOG_SECONDS']);
  return Number.isFinite(s) && s > 0 ? s * 1000 : WATCHDOG_LIMIT_MS_DEFAULT;
}

export class WatchdogBoard {
  readonly words: Int32Array;
  readonly text: Uint8Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly slots: number,
  ) {
    this.words = new Int32Array(buffer, 0, 1 + slots * SLOT_WORDS);
    this.text = new Uint8Array(buffer, (1 + slots * SLOT_WORDS) * 4, slots * ACTIVITY_BYTES);
  }

  static create(slots: number): WatchdogBoard {
    return new WatchdogBoard(new SharedArrayBuffer((1 + slots * SLOT_WORDS) * 4 + slots * ACTIVITY_BYTES), slots);
  }

  requestStop(): void {
    Atomics.store(this.words, STOP_WORD, 1);
  }

  stopRequested(): boolean {
    return Atomics.load(this.words, STOP_WORD) !== 0;
  }

  private word(slot: number, k: number): number {
    return 1 + slot * SLOT_WORDS + k;
  }

  /** The worker side: a GuardMonitor that writes this slot. */
  monitor(slot: number): GuardMonitor & { note(activity: string): void } {
    const encoder = new TextEncoder();
    const setActivity = (activity: string): void => {
      const bytes = encoder.encode(activity).subarray(0, ACTIVITY_BYTES);
      this.text.set(bytes, slot * ACTIVITY_BYTES);
      Atomics.store(this.words, this.word(slot, 2), bytes.length);
    };
    return {
      enter: (activity) => {
        setActivity(activity);
        Atomics.add(this.words, this.word(slot, 1), 1);
        Atomics.add(this.words, this.word(slot, 0), 1);
      },
      exit: () => {
        Atomics.sub(this.words, this.word(slot, 1), 1);
        Atomics.add(this.words, this.word(slot, 0), 1);
      },
      /** Name what the worker does outside plugin calls (shown if it dies, e.g. while loading). */
      note: (activity) => {
        setActivity(activity);
        Atomics.add(this.words, this.word(slot, 0), 1);
      },
    };
  }

  read(slot: number): { seq: number; depth: number; activity: string } {
    const n = Atomics.load(this.words, this.word(slot, 2));
    const activity = new TextDecoder().decode(this.text.slice(slot * ACTIVITY_BYTES, slot * ACTIVITY_BYTES + n));
    return { seq: Atomics.load(this.words, this.word(slot, 0)), depth: Atomics.load(this.words, this.word(slot, 1)), activity };
  }
}

let progressNote: ((activity: string) => void) | undefined;

/** The thread's own board slot (a sandbox or sweep worker installs it; other threads have none). */
export function setProgressNote(note: ((activity: string) => void) | undefined): void {
  progressNote = note;
}

/**
 * Tell the watchdog this thread made progress outside plugin calls (a sweep point, a scenario), so
 * long work that makes few plugin calls — or waits for its own workers — is not taken for a hang
 * by the idle rule. A no-op on a thread nobody watches.
 */
export function noteProgress(activity: string): void {
  progressNote?.(activity);
}

/** A hang the watchdog saw: which slot, doing what, for how long. */
export interface Hang {
  readonly slot: number;
  /** What hung, as a sentence subject: `skiboot.opalCall did not return within 20 s (watchdog)`. */
  readonly activity: string;
  readonly seconds: number;
  /** The verdict's text. */
  readonly text: string;
}

/**
 * Outside plugin calls the worker is in built-in code, which always progresses, or in a closure
 * the plugin scheduled (not a wrapped call): after this many times the limit without any progress
 * on the board (calls, scenarios), that is a hang too.
 */
export const IDLE_LIMIT_FACTOR = 10;

/**
 * Poll the board (on the supervising thread's event loop) and call `onHang` once for a slot that
 * stayed inside plugin code without progress for `limitMs` — or, with `idleRule` (workers that
 * note every scenario on the board), made no progress at all for IDLE_LIMIT_FACTOR times that. Returns a function that stops polling.
 */
export function watch(board: WatchdogBoard, limitMs: number, onHang: (h: Hang) => void, idleRule = false): () => void {
  const last = Array.from({ length: board.slots }, () => ({ seq: -1, sinceMs: hostNowMs() }));
  const timer = setInterval(
    () => {
      const now = hostNowMs();
      for (let slot = 0; slot < board.slots; slot++) {
        const s = board.read(slot);
        const l = last[slot]!;
        if (s.seq !== l.seq) {
          l.seq = s.seq;
          l.sinceMs = now;
        } else if ((s.depth > 0 || idleRule) && now - l.sinceMs > (s.depth > 0 ? limitMs : limitMs * IDLE_LIMIT_FACTOR)) {
          const seconds = Math.round((s.depth > 0 ? limitMs : limitMs * IDLE_LIMIT_FACTOR) / 1000);
          l.sinceMs = Infinity; // report once
          const text =
            s.depth > 0
              ? `${s.activity} did not return within ${seconds} s (watchdog)`
              : `no progress for ${seconds} s outside plugin calls, last: ${s.activity || 'none'} (a closure the plugin scheduled?) (watchdog)`;
          onHang({ slot, activity: s.activity, seconds, text });
        }
      }
    },
    Math.min(250, Math.max(10, limitMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** Where a worker script is: next to this module when compiled, or in dist/ when running from source (tests). */
export function workerScript(name: string, from: string): URL {
  const url = new URL(name, from);
  if (!from.endsWith('.ts')) return url;
  // Running the TypeScript sources (vitest): the compiled worker lives under dist/.
  const rel = url.pathname.split('/sim/cli/').pop()!;
  const root = url.pathname.slice(0, url.pathname.lastIndexOf('/sim/cli/'));
  return new URL(`file://${root}/dist/sim/cli/${rel}`);
}
