/**
 * Bounded priority queue of scheduled actions keyed by (cycle, sequence): actions at the same
 * cycle run in the order they were scheduled, so the order never depends on anything but inputs.
 */
import { assert } from '../core/errors.js';

/**
 * A scheduled action is either a closure, or a method call described as data (`owner[method](...args)`).
 * Only the second kind survives a fork of the machine: its owner and arguments can be mapped to the
 * fork's copies, where a closure would keep calling the original objects.
 */
export interface ScheduledCall {
  readonly owner: object;
  readonly method: string;
  readonly args: readonly unknown[];
  /** The machine's boot epoch when scheduled: a call from an earlier boot is dropped. */
  readonly epoch: number;
}

export interface Scheduled {
  readonly cycle: number;
  readonly seq: number;
  readonly label: string;
  readonly action?: () => void;
  readonly call?: ScheduledCall;
}

/** Put a limit on everything: a runaway model that schedules forever is a simulator bug. */
export const EVENT_QUEUE_MAX = 100_000;

export class EventQueue {
  private heap: Scheduled[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(cycle: number, label: string, action: () => void): void {
    this.insert({ cycle, seq: this.nextSeq++, label, action });
  }

  pushCall(cycle: number, label: string, call: ScheduledCall): void {
    this.insert({ cycle, seq: this.nextSeq++, label, call });
  }

  /** Every pending entry (heap order), for forking. */
  pending(): readonly Scheduled[] {
    return this.heap;
  }

  /** A queue holding `entries` with the same sequence counter (a fork's queue). */
  static restored(entries: readonly Scheduled[], nextSeq: number): EventQueue {
    const q = new EventQueue();
    q.heap = [...entries];
    q.nextSeq = nextSeq;
    return q;
  }

  /** Change the cycle of the first entry `match` accepts (its sequence number, and so its order among same-cycle entries, is kept). */
  retarget(match: (e: Scheduled) => boolean, cycle: number): boolean {
    const i = this.heap.findIndex(match);
    if (i < 0) return false;
    const e = this.heap[i]!;
    this.heap.splice(i, 1);
    this.heap.sort(compare);
    this.insert({ ...e, cycle });
    return true;
  }

  get sequence(): number {
    return this.nextSeq;
  }

  private insert(item: Scheduled): void {
    assert(this.heap.length < EVENT_QUEUE_MAX, `event queue exceeds ${EVENT_QUEUE_MAX} entries`);
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  peekCycle(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0]!.cycle;
  }

  pop(): Scheduled | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}

function compare(a: Scheduled, b: Scheduled): number {
  return a.cycle - b.cycle || a.seq - b.seq;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.cycle < b.cycle || (a.cycle === b.cycle && a.seq < b.seq);
}
