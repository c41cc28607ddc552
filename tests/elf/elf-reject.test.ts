/**
 * ELF validation: each malformed input is rejected with its own one-line message (UsageError,
 * exit 2 from `exec`), built by corrupting a small valid image made here, so no toolchain is
 * needed. Also: ELFv1 descriptors, `--max-cycles`, signals and exit status of `exec`.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseElf64, loadElf64 } from '../../sim/elf/elf64.js';
import { UsageError } from '../../sim/core/errors.js';
import { PhysicalMemory } from '../../sim/mem/physical-memory.js';
import { encode } from '../../sim/isa/encode.js';
import { runElfForBench } from '../../sim/cli/commands/exec.js';
import { runExec } from './toolchain.js';

const BASE = 0x1000_0000n;

interface ImageOptions {
  le?: boolean;
  abi?: 1 | 2;
  code?: number[];
  machine?: number;
  entryOffset?: bigint;
  flagsX?: boolean;
  phnum?: number;
  segOffset?: bigint;
  segFileSize?: bigint;
  memSize?: bigint;
}

/** One PT_LOAD holding the headers and code at BASE (ELFv1: plus a descriptor after the code). */
function image(o: ImageOptions = {}): Uint8Array {
  const le = o.le ?? true;
  const code = o.code ?? [encode('ADDI', { RT: 0, RA: 0, SI: 1 }), encode('ADDI', { RT: 3, RA: 0, SI: 42 }), encode('SC', {})];
  const codeAt = 0x78;
  const descAt = codeAt + 4 * code.length;
  const size = descAt + (o.abi === 1 ? 24 : 0);
  const buf = new Uint8Array(size);
  const v = new DataView(buf.buffer);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1]);
  v.setUint16(16, 2, le);
  v.setUint16(18, o.machine ?? 21, le);
  v.setUint32(20, 1, le);
  const entry = o.abi === 1 ? BASE + BigInt(descAt) : BASE + BigInt(codeAt) + (o.entryOffset ?? 0n);
  v.setBigUint64(24, entry, le);
  v.setBigUint64(32, 64n, le);
  v.setUint32(48, o.abi === 1 ? 1 : 2, le);
  v.setUint16(52, 64, le);
  v.setUint16(54, 56, le);
  v.setUint16(56, o.phnum ?? 1, le);
  v.setUint32(64, 1, le); // PT_LOAD
  v.setUint32(68, o.flagsX === false ? 6 : 5, le);
  v.setBigUint64(72, o.segOffset ?? 0n, le);
  v.setBigUint64(80, BASE, le);
  v.setBigUint64(88, BASE, le);
  v.setBigUint64(96, o.segFileSize ?? BigInt(size), le);
  v.setBigUint64(104, o.memSize ?? BigInt(size), le);
  code.forEach((w, i) => v.setUint32(codeAt + 4 * i, w, le));
  if (o.abi === 1) {
    v.setBigUint64(descAt, BASE + BigInt(codeAt), le);
    v.setBigUint64(descAt + 8, 0x1234_5678n, le);
  }
  return buf;
}

function rejection(bytes: Uint8Array): string {
  try {
    parseElf64(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const m = (e as Error).message;
    expect(m.split('\n')).toHaveLength(1);
    return m;
  }
  throw new Error('accepted');
}

describe('ELF validation', () => {
  it('accepts the valid images in both byte orders and ABIs', () => {
    expect(parseElf64(image()).entry).toBe(BASE + 0x78n);
    const v1 = parseElf64(image({ le: false, abi: 1 }));
    expect(v1.entry).toBe(BASE + 0x78n);
    expect(v1.toc).toBe(0x1234_5678n);
    expect(v1.abiVersion).toBe(1);
  });

  it.each([
    ['truncated file', image().subarray(0, 40), /^truncated ELF file: 40 bytes/],
    ['empty file', new Uint8Array(0), /^truncated ELF file: 0 bytes$/],
    ['not ELF', new TextEncoder().encode('#!/bin/sh\necho this is not an ELF file\n'), /^not an ELF file/],
    ['not 64-bit', (() => { const b = image(); b[4] = 1; return b; })(), /^not a 64-bit ELF file/],
    ['wrong machine', image({ machine: 62 }), /^wrong machine: e_machine 62 \(x86-64\), expected 21/],
    ['no PT_LOAD', image({ phnum: 0 }), /^no PT_LOAD segment$/],
    ['segment outside the file', image({ segFileSize: 0x10000n, memSize: 0x10000n }), /^segment 0 outside the file/],
    ['memsz over the cap', image({ memSize: 1n << 40n }), /exceed the 1 GiB limit/],
    ['entry outside executable segment', image({ entryOffset: 0x1000n }), /^entry point 0x10001078 is not inside an executable loaded segment$/],
    ['entry in a non-executable segment', image({ flagsX: false }), /is not inside an executable loaded segment$/],
  ])('%s', (_name, bytes, message) => {
    expect(rejection(bytes)).toMatch(message);
  });

  it('loads segments at their real addresses and zero-fills the rest of p_memsz', () => {
    const mem = new PhysicalMemory(1 << 30);
    mem.fill(Number(BASE) + 0x84, 8, 0xee);
    loadElf64(parseElf64(image({ memSize: 0x90n })), mem);
    expect(mem.read32LE(Number(BASE) + 0x78)).toBe(encode('ADDI', { RT: 0, RA: 0, SI: 1 }));
    expect([...mem.readBytes(Number(BASE) + 0x84, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('exec command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpipl-elf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('exits with the program status, in both byte orders and ABIs', async () => {
    expect((await runExec([file('ok-le', image())])).status).toBe(42);
    expect((await runExec([file('ok-be', image({ le: false, abi: 1 }))])).status).toBe(42);
  });

  it('exits 2 with one line for a bad ELF, a missing file and bad flags', async () => {
    for (const argv of [[file('bad', image({ machine: 3 }))], [join(dir, 'missing')], ['--max-cycles', 'x', 'a'], []]) {
      const r = await runExec(argv);
      expect(r.status).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('exits 1 with one line when --max-cycles is exceeded', async () => {
    const spin = file('spin', image({ code: [encode('B', { LI: 0 })] }));
    const r = await runExec([spin, '--max-cycles', '1000']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mpipl-sim exec: --max-cycles exceeded: instruction limit 1000 reached at 0x10000078\n$/);
    expect(runElfForBench(image({ code: [encode('B', { LI: 0 })] }), 5000)).toEqual({ instructions: 5000, end: 'limit', status: undefined });
  });

  it('dies like a signal on trap, illegal instruction and bad address', async () => {
    const trap = await runExec([file('trap', image({ code: [encode('TW', { TO: 31, RA: 0, RB: 0 })] }))]);
    expect(trap.status).toBe(133);
    expect(trap.stderr).toMatch(/killed by SIGTRAP \(signal 5\): trap at 0x10000078/);
    const ill = await runExec([file('ill', image({ code: [0] }))]);
    expect(ill.status).toBe(132);
    expect(ill.stderr).toMatch(/SIGILL .*illegal instruction 0x00000000 at 0x10000078/);
    const segv = await runExec([file('segv', image({ code: [encode('ADDIS', { RT: 4, RA: 0, SI: 0x0fff }), encode('RLDICR', { RA: 4, RS: 4, SH: 32, MB: 31 }), encode('LD', { RT: 3, RA: 4, DS: 0 })] }))]);
    expect(segv.status).toBe(139);
  });

  it('answers unknown system calls with ENOSYS and CR0[SO]', async () => {
    // r0 = 9999 → r3 = 38, CR0[SO] set; then exit(r3 + (SO ? 100 : 0)) via mfcr.
    const code = [
      encode('ADDI', { RT: 0, RA: 0, SI: 9999 }),
      encode('SC', {}),
      encode('MFCR', { RT: 5 }),
      encode('RLWINM', { RA: 5, RS: 5, SH: 4, MB: 31, ME: 31 }), // CR0[SO] to bit 63
      encode('MULLI', { RT: 5, RA: 5, SI: 100 }),
      encode('ADD', { RT: 3, RA: 3, RB: 5 }),
      encode('ADDI', { RT: 0, RA: 0, SI: 234 }),
      encode('SC', {}),
    ];
    expect((await runExec([file('enosys', image({ code }))])).status).toBe(138);
  });
});
