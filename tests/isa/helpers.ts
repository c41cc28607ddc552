/**
 * Small machine for ISA tests: a 1 MiB memory, one thread, and helpers to place encoded words
 * and run them in either byte order.
 */
import { Interpreter, type InterpreterOptions } from '../../sim/cpu/interpreter.js';
import { PhysicalMemory } from '../../sim/mem/physical-memory.js';
import { ThreadState, Slot } from '../../sim/cpu/state.js';
import { encode, type Fields } from '../../sim/isa/encode.js';

export const CODE_BASE = 0x1000;
export const DATA_BASE = 0x8_0000;

export interface Rig {
  mem: PhysicalMemory;
  t: ThreadState;
  cpu: Interpreter;
  le: boolean;
}

export function rig(le: boolean, options: InterpreterOptions = {}): Rig {
  const mem = new PhysicalMemory(1 << 20);
  const t = new ThreadState(0);
  t.set(Slot.MSR, (1n << 63n) | (le ? 1n : 0n));
  t.set(Slot.NIP, BigInt(CODE_BASE));
  return { mem, t, cpu: new Interpreter(options), le };
}

export type Insn = readonly [string, Fields] | number;

/** Write instructions at `at` in the rig's byte order. */
export function place(r: Rig, insns: readonly Insn[], at = CODE_BASE): void {
  insns.forEach((insn, i) => {
    const w = typeof insn === 'number' ? insn : encode(insn[0], insn[1]);
    if (r.le) r.mem.write32LE(at + 4 * i, w);
    else r.mem.write32BE(at + 4 * i, w);
  });
}

/** Run one instruction with the given GPRs (and XER/CR), return the rig for inspection. */
export function exec1(name: string, fields: Fields, gprs: Readonly<Record<number, bigint>>, extra: { xer?: bigint; cr?: number } = {}): Rig {
  const r = rig(false);
  for (const [n, v] of Object.entries(gprs)) r.t.setGpr(Number(n), BigInt.asUintN(64, v));
  if (extra.xer !== undefined) r.t.set(Slot.XER, extra.xer);
  if (extra.cr !== undefined) r.t.cr = extra.cr;
  place(r, [[name, fields]]);
  r.cpu.step(r.t, r.mem);
  return r;
}

export const XER_SO = 0x8000_0000n;
export const XER_OV = 0x4000_0000n;
export const XER_CA = 0x2000_0000n;
export const XER_OV32 = 0x0008_0000n;
export const XER_CA32 = 0x0004_0000n;
export const s64 = (v: bigint): bigint => BigInt.asUintN(64, v);
