/**
 * Synthetic traces for the format tests: a small event stream shaped like one MPIPL run, and a
 * `full`-level instruction stream from a tiny deterministic "program" (a fill loop and a
 * load-compute-store loop per thread), generated from a seed so every run sees the same records.
 */
import type { SimEvent } from '../../sim/trace/events.js';
import { digestBytes } from '../../sim/core/digest.js';
import type { InstructionRecord, MemWrite, RegWrite, TraceHeaderInput, TraceItem, TraceLevel } from '../../traces/format.js';

export function header(level: TraceLevel = 'events'): TraceHeaderInput {
  const image = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
  return {
    simulatorVersion: '0.1.0',
    costModelVersion: 'cost-1',
    // Keys deliberately unsorted: the writer must sort them.
    config: { threadsPerCore: 4, chips: 1, coresPerChip: 1, ramSize: '0x100000000', kernelEndian: 'little', workload: 'synthetic' },
    seed: '42',
    firmware: { name: 'reference', contentHash: '0123456789abcdef0123456789abcdef' },
    workloads: [{ name: 'fill', digest: digestBytes(image), bytes: image }],
    traceLevel: level,
    scenario: { crashAt: 1500, crashPir: 1, ops: [{ op: 'add', src: '0x10000000', dest: '0x40000000', size: '0x100000' }] },
  };
}

export function events(): SimEvent[] {
  return [
    { cycle: 0, who: 'machine', kind: 'power-on', data: { chips: 1, ramSize: '0x100000000' } },
    { cycle: 120, who: 'skiboot', kind: 'boot', data: { stage: 'first' } },
    { cycle: 400, who: 'linux', kind: 'opal-call', data: { token: 'OPAL_MPIPL_UPDATE', op: 'add', src: '0x10000000', dest: '0x40000000', size: '0x100000' } },
    { cycle: 410, who: 'skiboot', kind: 'opal-return', data: { token: 'OPAL_MPIPL_UPDATE', rc: 0 } },
    { cycle: 1000, who: 'harness', kind: 'checkpoint', data: { digest: 'aa11bb22cc33dd44ee55ff6677889900' } },
    { cycle: 1500, who: 'linux', kind: 'crash', data: { pir: 1, cause: 'trap' } },
    { cycle: 1510, who: 'sbe', kind: 's0', data: { chip: 0 } },
    { cycle: 1600, who: 'sbe', kind: 'clock-stop', data: { chip: 0 } },
    { cycle: 1700, who: 'hostboot', kind: 'copy', data: { src: '0x10000000', dest: '0x40000000', size: '0x100000', ok: true } },
    { cycle: 2900, who: 'hostboot', kind: 'mdrt-write', data: { entries: 1, actCnt: 1 } },
    { cycle: 3000, who: 'oracle', kind: 'invariant', data: { id: 'mdrt-sound', ok: true, detail: '' } },
  ];
}

export function eventItems(): TraceItem[] {
  return events().map((event) => ({ type: 'event', event }));
}

/** splitmix32-style generator so the fixtures never depend on host randomness. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const U64 = (1n << 64n) - 1n;

/**
 * Instructions of `threads` threads retiring in PIR order, one per cycle each. Each thread runs
 * an 8-instruction loop: `ld` of pseudo-random data (when `loads`), add, xor, `std` of the result,
 * two pointer/counter increments, a compare and the loop branch.
 */
export function instructionStream(count: number, options: { threads?: number; loads?: boolean; seed?: number } = {}): InstructionRecord[] {
  const threads = options.threads ?? 4;
  const loads = options.loads ?? true;
  const rnd = prng(options.seed ?? 1);
  const regs = Array.from({ length: threads }, (_, t) => {
    const r = new Array<bigint>(32).fill(0n);
    r[3] = 0x1000_0000n + BigInt(t) * 0x10_0000n; // source pointer
    r[4] = 0x4000_0000n + BigInt(t) * 0x10_0000n; // destination pointer
    r[5] = 0n; // counter
    return r;
  });
  const pc = new Array<number>(threads).fill(0);
  const base = 0x3000_0000n;
  const words = [0xe9230000, 0x7d295214, 0x7d295278, 0xf9240000, 0x38630008, 0x38840008, 0x2c250100, 0x4082ffe4];
  const out: InstructionRecord[] = [];
  let cycle = 10;
  while (out.length < count) {
    for (let t = 0; t < threads && out.length < count; t++) {
      const r = regs[t]!;
      const i = pc[t]!;
      const writes: RegWrite[] = [];
      const mem: MemWrite[] = [];
      const set = (reg: number, v: bigint): void => {
        r[reg] = v & U64;
        writes.push({ reg, value: r[reg]! });
      };
      switch (i) {
        case 0:
          set(9, loads ? (BigInt(rnd()) << 32n) | BigInt(rnd()) : 0x1111_2222_3333_4444n);
          break;
        case 1:
          set(9, r[9]! + r[10]!);
          break;
        case 2:
          set(9, r[9]! ^ r[10]!);
          break;
        case 3: {
          const b = new Uint8Array(8);
          new DataView(b.buffer).setBigUint64(0, r[9]!, false);
          mem.push({ addr: r[4]!, bytes: b });
          break;
        }
        case 4:
          set(3, r[3]! + 8n);
          break;
        case 5:
          set(4, r[4]! + 8n);
          break;
        case 6:
          set(5, r[5]! + 1n);
          set(37, r[5]! < 0x100n ? 0x8000_0000n : 0x2000_0000n); // CR
          break;
        default:
          break;
      }
      out.push({ cycle, pir: t, nip: base + BigInt(4 * i), word: words[i]!, regs: writes, mem });
      pc[t] = i === 7 ? (r[5]! < 0x100n ? 0 : 8) : i + 1;
      if (pc[t] === 8) {
        pc[t] = 0;
        r[5] = 0n;
      }
    }
    cycle++;
  }
  return out;
}

export function instructionItems(records: readonly InstructionRecord[]): TraceItem[] {
  return records.map((insn) => ({ type: 'instruction', insn }));
}

export const FOOTER = { finalDigest: 'ffeeddccbbaa99887766554433221100', verdict: 'pass' } as const;

/** The parts one after another (hand-built trace files). */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
