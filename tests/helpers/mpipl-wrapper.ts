/**
 * Runs an MPIPL workload image in user mode (under qemu-user or `mpipl-sim exec`) by wrapping it
 * in a small ELF that plays the MPIPL harness: it sets up the register contract of
 * docs/workloads.md (r1, r3–r7), jumps to the image's entry, and provides an "OPAL entry" stub.
 * The stub counts calls and answers 1 (OPAL_TOKEN_PRESENT); at call number `opalCallsBeforeDump`
 * it writes the whole arena to stdout and exits 0. The workload uses no privileged
 * instruction, so user mode runs it exactly as hypervisor real mode would.
 */
import * as asm from './ppc-asm.js';
import { PF_R, PF_W, PF_X, readElf64, writeElf64, type Segment } from './elf64.js';

export const WRAPPER_CODE_VADDR = 0x1000_0000;
export const WRAPPER_ARENA_VADDR = 0x2000_0000;
export const WRAPPER_ARENA_BYTES = 0x1_0000;
/** The call counter lives in its own page right after the arena. */
export const WRAPPER_COUNTER_VADDR = WRAPPER_ARENA_VADDR + WRAPPER_ARENA_BYTES;
/** What the stub returns for OPAL_CHECK_TOKEN. */
export const OPAL_TOKEN_PRESENT = 1;
/** Iterations between OPAL calls in workloads/src/common/mpipl-main.c. */
export const OPAL_CALL_PERIOD = 64;

const SYS_WRITE = 4;
const SYS_EXIT_GROUP = 234;

export interface WrapperOptions {
  readonly seed: bigint;
  /** Pass an OPAL entry (the stub) and dump after this many calls; undefined: r6 = 0, no OPAL. */
  readonly opalCallsBeforeDump?: number;
  /** r7: trap after N iterations, 0 = never. */
  readonly trapAfter: bigint;
}

/** Deterministic non-zero arena contents, so the workloads start from "garbage" as in MPIPL. */
export function arenaPattern(): Uint8Array {
  const out = new Uint8Array(WRAPPER_ARENA_BYTES);
  let x = 0x2545_f491;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function buildMpiplWrapperElf(mpiplElf: Uint8Array, o: WrapperOptions): Uint8Array {
  const image = readElf64(mpiplElf);
  const le = image.endian === 'le';
  const entry: number[] = [];
  const stub: number[] = [];
  // Stub first in the layout is simpler to address: entry code follows it.
  stub.push(...asm.loadAddr31(11, WRAPPER_COUNTER_VADDR));
  stub.push(asm.ld(12, 0, 11), asm.addi(12, 12, 1), asm.std(12, 0, 11));
  stub.push(asm.cmpdi(0, 12, o.opalCallsBeforeDump ?? 0));
  stub.push(asm.beq(0, 12)); // to the dump, past the two instructions below
  stub.push(asm.li(3, OPAL_TOKEN_PRESENT), asm.blr());
  stub.push(...asm.loadAddr31(4, WRAPPER_ARENA_VADDR));
  stub.push(asm.li(0, SYS_WRITE), asm.li(3, 1), asm.lis(5, WRAPPER_ARENA_BYTES >>> 16), asm.sc());
  stub.push(asm.li(0, SYS_EXIT_GROUP), asm.li(3, 0), asm.sc());
  const stubAddr = WRAPPER_CODE_VADDR;
  const entryAddr = WRAPPER_CODE_VADDR + stub.length * 4;

  entry.push(...asm.loadAddr31(3, WRAPPER_ARENA_VADDR));
  entry.push(asm.lis(4, WRAPPER_ARENA_BYTES >>> 16));
  entry.push(...asm.loadImm64(5, o.seed));
  if (o.opalCallsBeforeDump === undefined) entry.push(asm.li(6, 0));
  else entry.push(...asm.loadAddr31(6, stubAddr));
  entry.push(...asm.loadImm64(7, o.trapAfter));
  entry.push(...asm.loadAddr31(1, WRAPPER_ARENA_VADDR + WRAPPER_ARENA_BYTES));
  entry.push(...asm.loadImm64(12, image.entry), asm.mtspr(asm.SPR_CTR, 12), asm.bctr());

  const data = new Uint8Array(WRAPPER_ARENA_BYTES + 8);
  data.set(arenaPattern(), 0);
  const segments: Segment[] = [
    ...image.segments.map((s) => ({ vaddr: s.vaddr, data: s.data, memBytes: s.memBytes ?? s.data.length, flags: s.flags })),
    { vaddr: BigInt(WRAPPER_CODE_VADDR), data: asm.wordsToBytes([...stub, ...entry], le), flags: PF_R | PF_X },
    { vaddr: BigInt(WRAPPER_ARENA_VADDR), data, flags: PF_R | PF_W },
  ];
  return writeElf64({ endian: image.endian, entry: BigInt(entryAddr), segments });
}
