/**
 * `.symtab` parsing (sim/elf/symtab.ts) on real GCC-built ELFs: the committed workloads (ELFv2,
 * both byte orders; readelf's view of them is pinned below) and an ELFv1 object built here with
 * the cross compiler, whose function symbols are `.opd` descriptors.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf64 } from '../../sim/elf/elf64.js';
import { readSymbols, STT } from '../../sim/elf/symtab.js';
import { UsageError } from '../../sim/core/errors.js';
import { requireTool } from '../helpers/tools.js';

const workload = (name: string): Uint8Array => new Uint8Array(readFileSync(join('workloads', 'bin', name)));

describe.each(['be', 'le'])('the committed workload ELF (%s)', (endian) => {
  const image = parseElf64(workload(`mpipl-hash-${endian}.elf`));
  const syms = readSymbols(image);

  it('reads every symbol with its type, binding and size', () => {
    expect(syms.size).toBe(19);
    const memcpy = syms.lookup('memcpy')!;
    expect(memcpy).toMatchObject({ value: 0x40001b0n, sizeBytes: 120n, type: STT.FUNC, bind: 1 });
    expect(syms.lookup('workload_name')).toMatchObject({ value: 0x40005f0n, sizeBytes: 5n, type: STT.OBJECT });
    expect(syms.lookup('no_such_symbol')).toBeUndefined();
  });

  it('finds entry points by name; ELFv2 entries carry the .TOC. for r2', () => {
    expect(syms.entryPoint('mpipl_main')).toEqual({ name: 'mpipl_main', code: 0x4000070n, toc: 0x4008000n });
    expect(syms.entryPoint('absent')).toBeUndefined();
  });

  it('symbolizes any address as symbol+offset', () => {
    expect(syms.symbolize(0x40001b0n)).toBe('memcpy');
    expect(syms.symbolize(0x40001b4n)).toBe('memcpy+0x4');
    expect(syms.symbolize(0x4000070n + 0x13cn)).toBe('mpipl_main+0x13c');
    // _start (sized) wins over the absolute MPIPL_LOAD_ADDRESS at the same value.
    expect(syms.symbolize(0x4000010n)).toBe('_start+0x10');
    expect(syms.symbolize(0x40005f2n)).toBe('workload_name+0x2');
    // Below every symbol: the plain address.
    expect(syms.symbolize(0x100n)).toBe('0x100');
  });

  it('rejects a .symtab that runs past the end of the file', () => {
    const bytes = workload(`mpipl-hash-${endian}.elf`).slice();
    const le = endian === 'le';
    const dv = new DataView(bytes.buffer);
    const shoff = Number(dv.getBigUint64(40, le));
    const shnum = dv.getUint16(60, le);
    for (let i = 0; i < shnum; i++) {
      const at = shoff + 64 * i;
      if (dv.getUint32(at + 4, le) === 2) dv.setBigUint64(at + 32, BigInt(bytes.length), le); // sh_size of .symtab
    }
    expect(() => readSymbols(parseElf64(bytes))).toThrow(UsageError);
    expect(() => readSymbols(parseElf64(bytes))).toThrow(/^\.symtab at 0x[0-9a-f]+ \+ 0x[0-9a-f]+ runs past the end of the file$/);
  });
});

const gcc = requireTool('powerpc64-linux-gnu-gcc');

describe.skipIf(!gcc.available)('an ELFv1 executable (function descriptors)', () => {
  it('resolves entry points through .opd and symbolizes code addresses by the function', () => {
    const dir = mkdtempSync(join(tmpdir(), 'symtab-v1-'));
    try {
      writeFileSync(join(dir, 'f.c'), 'long twice(long x) { return 2 * x; }\nlong entry(long x) { return twice(x) + 1; }\nvoid _start(void) { for (;;) ; }\n');
      const out = join(dir, 'f.elf');
      execFileSync(gcc.path, ['-mabi=elfv1', '-mbig-endian', '-O1', '-ffreestanding', '-nostdlib', '-static', '-fno-inline', '-Wl,-Ttext=0x30100000', '-o', out, join(dir, 'f.c')], { stdio: 'pipe' });
      const image = parseElf64(new Uint8Array(readFileSync(out)));
      expect(image.abiVersion).toBe(1);
      const syms = readSymbols(image);
      const e = syms.entryPoint('entry')!;
      const t = syms.entryPoint('twice')!;
      // The symbol's value is the descriptor; the entry is the code it points at, with the TOC.
      expect(syms.lookup('entry')!.value).not.toBe(e.code);
      expect(e.code >= 0x3010_0000n && e.code < 0x3020_0000n).toBe(true);
      expect(e.toc).toBeDefined();
      expect(syms.symbolize(e.code)).toBe('entry');
      expect(syms.symbolize(t.code + 4n)).toBe('twice+0x4');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
