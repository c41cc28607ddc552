/**
 * Linux user-mode execution of a static ppc64 ELF, for `mpipl-sim exec` and the bench.
 *
 * The process gets what qemu-user gives a static binary (linux-user/elfload.c): r1 pointing at
 * argc on a 16-byte aligned stack, argv = [path], an empty environment, and an auxiliary vector
 * with the PowerPC entries first (AT_IGNOREPPC ×2, cache block sizes), then AT_PHDR… AT_NULL.
 * Host-dependent values (uid, gid) are fixed to 0, AT_RANDOM is a fixed pattern and AT_PAGESZ is
 * qemu's 4096, so a run is the same on every host. System calls: write (4), exit (1),
 * exit_group (234); any other returns ENOSYS with CR0[SO] set, as Linux does.
 */
import { PhysicalMemory } from '../mem/physical-memory.js';
import { ThreadState, Slot } from '../cpu/state.js';
import { Interpreter, RunEnd } from '../cpu/interpreter.js';
import { TransactionError } from '../core/errors.js';
import { loadElf64, parseElf64, realOf, type ElfImage } from './elf64.js';

/** 64 GiB of sparse memory: untouched pages cost nothing. */
export const USER_MEMORY_SIZE_BYTES = 64 * 2 ** 30;
/** Top of the initial stack; far above any static ELF's segments, inside the 64 GiB. */
export const USER_STACK_TOP = 0xf_f000_0000n;

export const SYS_EXIT = 1;
export const SYS_WRITE = 4;
export const SYS_EXIT_GROUP = 234;
const ENOSYS = 38;
const EFAULT = 14;
const EBADF = 9;
/** write() copies at most this much per call; Linux may also write less than asked. */
const WRITE_CHUNK_MAX_BYTES = 1 << 24;
/** CR0[SO]: the Linux ppc64 system-call error flag. */
const CR0_SO = 0x1000_0000;

// Auxiliary vector types (linux/auxvec.h, asm/auxvec.h for PowerPC).
const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12,
  GID: 13, EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26,
  EXECFN: 31, DCACHEBSIZE: 19, ICACHEBSIZE: 20, UCACHEBSIZE: 21, IGNOREPPC: 22,
} as const;
/** PPC_FEATURE_32 | _64 | _HAS_MMU | _ARCH_2_05 | _ARCH_2_06 | _TRUE_LE (no FPU, no AltiVec, no VSX). */
const HWCAP = 0xc400_1102n;
/** PPC_FEATURE2_ARCH_2_07 | _ARCH_3_00. */
const HWCAP2 = 0x8080_0000n;
const PAGE_SIZE_BYTES = 4096n;
const CACHE_BLOCK_BYTES = 128n;

export type UserRunResult =
  | { readonly kind: 'exit'; readonly status: number; readonly instructions: number }
  | { readonly kind: 'signal'; readonly signal: number; readonly signalName: string; readonly detail: string; readonly instructions: number }
  | { readonly kind: 'limit'; readonly detail: string; readonly instructions: number };

export interface UserRunOptions {
  readonly maxInstructions: number;
  /** argv[0] and AT_EXECFN. */
  readonly programName?: string;
  readonly stdout: (bytes: Uint8Array) => void;
  readonly stderr: (bytes: Uint8Array) => void;
}

/** Stack writer: pushes downwards from the top, in the ELF's byte order. */
class StackBuilder {
  constructor(private readonly mem: PhysicalMemory, private sp: bigint, private readonly le: boolean) {}
  pushBytes(data: Uint8Array): bigint {
    this.sp -= BigInt(data.length);
    this.mem.writeBytes(Number(realOf(this.sp)), data);
    return this.sp;
  }
  alignDown(n: bigint): void {
    this.sp -= this.sp % n;
  }
  get pointer(): bigint {
    return this.sp;
  }
  writeU64(at: bigint, v: bigint): void {
    const a = Number(realOf(at));
    if (this.le) this.mem.write64LE(a, v);
    else this.mem.write64BE(a, v);
  }
}

/** Build the initial stack; returns the stack pointer (address of argc). */
function buildStack(mem: PhysicalMemory, image: ElfImage, programName: string): bigint {
  const st = new StackBuilder(mem, USER_STACK_TOP, image.littleEndian);
  const enc = new TextEncoder();
  const execfn = st.pushBytes(enc.encode(`${programName}\0`));
  const platform = st.pushBytes(enc.encode('power9\0'));
  st.alignDown(16n);
  const random = st.pushBytes(Uint8Array.from({ length: 16 }, (_, i) => 0xa5 ^ (i * 0x1d)));
  st.alignDown(16n);
  const auxv: [number, bigint][] = [
    [AT.IGNOREPPC, BigInt(AT.IGNOREPPC)], [AT.IGNOREPPC, BigInt(AT.IGNOREPPC)],
    [AT.DCACHEBSIZE, CACHE_BLOCK_BYTES], [AT.ICACHEBSIZE, CACHE_BLOCK_BYTES], [AT.UCACHEBSIZE, 0n],
    [AT.PHDR, image.phdrAddr], [AT.PHENT, BigInt(image.phentsize)], [AT.PHNUM, BigInt(image.phnum)],
    [AT.PAGESZ, PAGE_SIZE_BYTES], [AT.BASE, 0n], [AT.FLAGS, 0n], [AT.ENTRY, image.entryField],
    [AT.UID, 0n], [AT.EUID, 0n], [AT.GID, 0n], [AT.EGID, 0n], [AT.HWCAP, HWCAP], [AT.CLKTCK, 100n],
    [AT.RANDOM, random], [AT.SECURE, 0n], [AT.EXECFN, execfn], [AT.HWCAP2, HWCAP2], [AT.PLATFORM, platform],
    [AT.NULL, 0n],
  ];
  // argc, argv[0], NULL, envp NULL, then the auxv pairs.
  const words = 1 + 2 + 1 + 2 * auxv.length;
  const sp = (st.pointer - BigInt(8 * words)) & ~15n;
  let at = sp;
  const put = (v: bigint): void => {
    st.writeU64(at, v);
    at += 8n;
  };
  put(1n);
  put(execfn);
  put(0n);
  put(0n);
  for (const [type, value] of auxv) {
    put(BigInt(type));
    put(value);
  }
  return sp;
}

function setCrSo(t: ThreadState, on: boolean): void {
  t.cr = on ? (t.cr | CR0_SO) >>> 0 : (t.cr & ~CR0_SO) >>> 0;
}

/** Load `bytes` into a fresh 64 GiB memory and thread, ready to run in problem state. */
export function prepareUserProcess(bytes: Uint8Array, programName: string): { image: ElfImage; mem: PhysicalMemory; thread: ThreadState } {
  const image = parseElf64(bytes);
  const mem = new PhysicalMemory(USER_MEMORY_SIZE_BYTES);
  loadElf64(image, mem);
  const thread = new ThreadState(0);
  thread.run = 'running';
  // MSR: SF (64-bit), EE, PR (problem state), IR/DR as Linux runs user code, LE per the ELF.
  const msr = (1n << 63n) | (1n << 15n) | (1n << 14n) | (1n << 5n) | (1n << 4n) | (image.littleEndian ? 1n : 0n);
  thread.set(Slot.MSR, msr);
  thread.set(Slot.NIP, image.entry);
  thread.setGpr(1, buildStack(mem, image, programName));
  if (image.abiVersion === 2) thread.setGpr(12, image.entry);
  else thread.setGpr(2, image.toc ?? 0n);
  return { image, mem, thread };
}

const SIGNALS: Readonly<Record<string, [number, string]>> = {
  trap: [5, 'SIGTRAP'],
  illegal: [4, 'SIGILL'],
  privileged: [4, 'SIGILL'],
  syscall: [4, 'SIGILL'],
  alignment: [7, 'SIGBUS'],
  storage: [11, 'SIGSEGV'],
};

/** Run a static ppc64 Linux ELF to completion (or signal, or budget). Throws UsageError for a bad ELF. */
export function runUserElf(bytes: Uint8Array, options: UserRunOptions): UserRunResult {
  const { mem, thread } = prepareUserProcess(bytes, options.programName ?? 'a.out');
  let status = 0;
  const onSyscall = (t: ThreadState): 'continue' | 'exit' => {
    const nr = Number(t.gpr(0) & 0xffff_ffffn);
    if (nr === SYS_EXIT || nr === SYS_EXIT_GROUP) {
      status = Number(t.gpr(3) & 0xffn);
      return 'exit';
    }
    let result: bigint;
    if (nr === SYS_WRITE) result = sysWrite(mem, t.gpr(3), t.gpr(4), t.gpr(5), options);
    else result = -BigInt(ENOSYS);
    if (result < 0n) {
      t.setGpr(3, -result);
      setCrSo(t, true);
    } else {
      t.setGpr(3, result);
      setCrSo(t, false);
    }
    return 'continue';
  };
  const cpu = new Interpreter({ onSyscall });
  const end = cpu.run(thread, mem, options.maxInstructions);
  const instructions = cpu.retired;
  if (end === RunEnd.EXIT) return { kind: 'exit', status, instructions };
  if (end === RunEnd.LIMIT) {
    return { kind: 'limit', detail: `instruction limit ${options.maxInstructions} reached at ${'0x' + thread.get(Slot.NIP).toString(16)}`, instructions };
  }
  const kind = cpu.lastFaultKind() ?? 'illegal';
  const [signal, signalName] = SIGNALS[kind] ?? [4, 'SIGILL'];
  return { kind: 'signal', signal, signalName, detail: cpu.lastFault(), instructions };
}

/** write(fd, buf, count): fd 1 and 2 only; a buffer outside RAM is EFAULT. */
function sysWrite(mem: PhysicalMemory, fd: bigint, buf: bigint, count: bigint, options: UserRunOptions): bigint {
  if (fd !== 1n && fd !== 2n) return -BigInt(EBADF);
  const n = count > BigInt(WRITE_CHUNK_MAX_BYTES) ? WRITE_CHUNK_MAX_BYTES : Number(count);
  if (n === 0) return 0n;
  const a = realOf(buf);
  if (!mem.contains(a, n)) return -BigInt(EFAULT);
  let data: Uint8Array;
  try {
    data = mem.readBytes(Number(a), n);
  } catch (e) {
    if (e instanceof TransactionError) return -BigInt(EFAULT);
    throw e;
  }
  if (fd === 1n) options.stdout(data);
  else options.stderr(data);
  return BigInt(n);
}

/** For `mpipl-sim bench`: run with output discarded and report how many instructions retired. */
export function runElfForBench(bytes: Uint8Array, maxInstructions: number): { instructions: number; end: UserRunResult['kind']; status: number | undefined } {
  const discard = (): void => {};
  const r = runUserElf(bytes, { maxInstructions, stdout: discard, stderr: discard, programName: 'bench' });
  return { instructions: r.instructions, end: r.kind, status: r.kind === 'exit' ? r.status : undefined };
}
