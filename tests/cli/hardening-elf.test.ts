/**
 * Hostile and first-hour inputs around firmware ELFs (issue 12, design section 10): how `run`
 * names a firmware fault before the first crash, what `inspect` shows of the ELFs a trace ran, and
 * `--firmware-elf` fed broken files and broken syntax — every one a one-line error and exit 2,
 * quickly and in bounded memory. The hostile ELFs are built here, byte by byte, never committed.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../helpers/cli.js';
import { ATTN, buildFwElf } from '../firmware-elf/fw-elf.js';
import { blr, loadImm64 } from '../helpers/ppc-asm.js';
import { FW_OPAL_NOT_HANDLED } from '../../sim/firmware-elf/abi.js';
import { SkibootMap } from '../../sim/participants/layout.js';

const dir = mkdtempSync(join(tmpdir(), 'mpipl-harden-elf-'));
const file = (name: string, bytes: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const oneLine = (s: string): void => expect(s.trim().split('\n')).toHaveLength(1);

describe('run: a firmware fault before the first crash is the verdict of that scenario', () => {
  it('a machine-code skiboot that faults (attn) at its first OPAL call', async () => {
    const elf = file('attn-skiboot.elf', buildFwElf({ textBase: 0x3010_0000n, functions: [{ name: 'mpipl_fw_opal_call', words: [ATTN] }] }).bytes);
    const r = await cli('run', '--seed', '1', '--firmware-elf', `skiboot=${elf}`);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    // The header, then the early round with its heading, then the note and the verdict naming it.
    expect(lines[1]).toMatch(/^before the first crash \(cycle \d+\):$/);
    expect(lines[2]).toMatch(/^ {2}FAIL firmware-sane {2}skiboot firmware fault \(attn\) at mpipl_fw_opal_call /);
    expect(lines[lines.length - 1]).toMatch(/^verdict: FAIL {2}\(firmware-sane before the first crash; 0\/1 checks, final cycle \d+\)$/);
    expect(r.stdout).not.toMatch(/^crash 0/m);
  });

  it('a plugin whose skiboot.boot throws', async () => {
    const plugin = file(
      'boot-throws.mjs',
      `export default ({ reference, classes }) => {
  class S extends classes.SkibootModel { boot(p) { super.boot(p); throw new Error('early boom'); } }
  return { ...reference, name: 'early', makeSkiboot: () => new S() };
};
`,
    );
    const r = await cli('run', '--seed', '1', '--firmware', plugin);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^before the first crash \(cycle \d+\):$/);
    expect(lines[2]).toBe('  FAIL firmware-sane  skiboot.boot threw "early boom" at boot-throws.mjs:2');
    expect(lines).toContain(`firmware-fault: skiboot.boot threw "early boom" at boot-throws.mjs:2  (firmware ${plugin})`);
    expect(lines[lines.length - 1]).toMatch(/^verdict: FAIL {2}\(firmware-sane before the first crash; 0\/1 checks, final cycle \d+\)$/);
  });
});

describe('inspect shows the firmware ELFs a trace ran', () => {
  it('reference-elf: both committed ELFs by file, sha256 and ABI (text and --json)', async () => {
    const t = join(dir, 'relf.mpt');
    expect((await cli('run', '--seed', '1', '--firmware', 'reference-elf', '--record', t)).code).toBe(0);
    const r = await cli('inspect', t);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^elf {8}skiboot {3}firmware\/bin\/skiboot\.elf {2}sha256 [0-9a-f]{64} {2}ABI v\d+$/m);
    expect(r.stdout).toMatch(/^elf {8}hostboot {2}firmware\/bin\/hostboot\.elf {2}sha256 [0-9a-f]{64} {2}ABI v\d+$/m);
    const j = JSON.parse((await cli('inspect', t, '--json')).stdout) as { header: { firmwareElfs: { participant: string; file: string | null; sha256: string }[] } };
    expect(j.header.firmwareElfs.map((e) => [e.participant, e.file])).toEqual([
      ['skiboot', 'firmware/bin/skiboot.elf'],
      ['hostboot', 'firmware/bin/hostboot.elf'],
    ]);
  });

  it('--firmware-elf with a file of our own: the identity, and that the path is not recorded', async () => {
    const elf = file('own-skiboot.elf', buildFwElf({ textBase: 0x3010_0000n, functions: [{ name: 'mpipl_fw_opal_call', words: [ATTN] }] }).bytes);
    const t = join(dir, 'own.mpt');
    expect((await cli('run', '--seed', '1', '--firmware-elf', `skiboot=${elf}`, '--record', t)).code).toBe(1);
    const r = await cli('inspect', t);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^elf {8}skiboot {3}\(path not recorded: not a committed ELF\) {2}sha256 [0-9a-f]{64} {2}ABI v\d+$/m);
    expect(r.stdout).not.toMatch(/^elf {8}hostboot/m);
  });

  it('a trace without ELFs shows no elf line', async () => {
    const r = await cli('inspect', resolve('traces/corpus/reference-seed1.mpt'));
    expect(r.stdout).not.toMatch(/^elf /m);
  });
});

// ------------------------------------------------------------------------------ hostile ELFs

const TEXT = 0x3010_0000n;
/** A valid skiboot ELF (ELFv2, big-endian unless said): one entry point, `.symtab` at the end. */
const validElf = (endian: 'be' | 'le' = 'be'): Uint8Array => buildFwElf({ endian, textBase: TEXT, functions: [{ name: 'mpipl_fw_opal_call', words: [ATTN] }] }).bytes;

/** A copy of `bytes` with `edit` applied to a DataView of it (big-endian fields). */
function patched(bytes: Uint8Array, edit: (dv: DataView, out: Uint8Array) => void): Uint8Array {
  const out = Uint8Array.from(bytes);
  edit(new DataView(out.buffer), out);
  return out;
}
const PHOFF = 64;
/** Program header `i`'s field at `off` (p_offset 8, p_vaddr 16, p_filesz 32, p_memsz 40). */
const ph = (i: number, off: number): number => PHOFF + 56 * i + off;
/** Section header `i` of a valid ELF (its e_shoff read back), field at `off` (sh_link 40). */
const sh = (dv: DataView, i: number, off: number): number => Number(dv.getBigUint64(40)) + 64 * i + off;

/**
 * A skiboot ELF with `count` symbols in `.symtab`, all named "x" but the real entry point (how a
 * huge table looks to the loader); built directly, not through the test writer (24 bytes each).
 */
function manySymbols(count: number): Uint8Array {
  const stripped = buildFwElf({ textBase: TEXT, functions: [{ name: 'mpipl_fw_opal_call', words: [ATTN] }], stripped: true }).bytes;
  const strtab = new TextEncoder().encode('\0x\0mpipl_fw_opal_call\0');
  const symOff = Math.ceil(stripped.length / 8) * 8;
  const strOff = symOff + 24 * count;
  const shOff = Math.ceil((strOff + strtab.length) / 8) * 8;
  const out = new Uint8Array(shOff + 3 * 64);
  out.set(stripped);
  out.set(strtab, strOff);
  const dv = new DataView(out.buffer);
  for (let i = 1; i < count; i++) {
    const at = symOff + 24 * i;
    dv.setUint32(at, i === count - 1 ? 3 : 1);
    out[at + 4] = 0x12; // global function
    dv.setUint16(at + 6, 1);
    dv.setBigUint64(at + 8, TEXT);
    dv.setBigUint64(at + 16, 4n);
  }
  const section = (i: number, type: number, off: number, size: number, link: number, entsize: number): void => {
    const at = shOff + 64 * i;
    dv.setUint32(at + 4, type);
    dv.setBigUint64(at + 24, BigInt(off));
    dv.setBigUint64(at + 32, BigInt(size));
    dv.setUint32(at + 40, link);
    dv.setBigUint64(at + 56, BigInt(entsize));
  };
  section(1, 2, symOff, 24 * count, 2, 24);
  section(2, 3, strOff, strtab.length, 0, 0);
  dv.setBigUint64(40, BigInt(shOff));
  dv.setUint16(58, 64);
  dv.setUint16(60, 3);
  return out;
}

/** [name, file bytes, the message the one error line must hold]. */
const HOSTILE: [string, () => Uint8Array | string, RegExp][] = [
  ['empty file', () => new Uint8Array(0), /truncated ELF file: 0 bytes/],
  ['truncated ELF header', () => validElf().subarray(0, 40), /truncated ELF file: 40 bytes, the ELF64 header needs 64/],
  ['not an ELF', () => 'just text\n'.repeat(20), /not an ELF file \(bad magic\)/],
  ['32-bit ELF', () => patched(validElf(), (_dv, o) => (o[4] = 1)), /not a 64-bit ELF file/],
  ['x86-64 ELF', () => patched(validElf(), (dv) => dv.setUint16(18, 62)), /wrong machine: e_machine 62 \(x86-64\)/],
  ['shared object', () => patched(validElf(), (dv) => dv.setUint16(16, 3)), /not a static executable: e_type 3/],
  ['phdr table past EOF', () => patched(validElf(), (dv, o) => dv.setBigUint64(32, BigInt(o.length - 20))), /program headers at .* run past the end/],
  ['phoff beyond the file', () => patched(validElf(), (dv) => dv.setBigUint64(32, 1n << 62n)), /program header offset 0x4000000000000000 is outside the \d+-byte file/],
  ['e_phnum 65535', () => patched(validElf(), (dv) => dv.setUint16(56, 65535)), /65535 program headers at 0x40 run past the end/],
  ['bad e_phentsize', () => patched(validElf(), (dv) => dv.setUint16(54, 32)), /bad program header size 32, expected 56/],
  ['p_filesz > p_memsz', () => patched(validElf(), (dv) => dv.setBigUint64(ph(0, 40), 2n)), /segment 0: file size 0x4 exceeds memory size 0x2/],
  ['segment data past EOF', () => patched(validElf(), (dv) => dv.setBigUint64(ph(0, 32), 1n << 20n)), /segment 0 outside the file/],
  ['a 2^40-byte segment', () => patched(validElf(), (dv) => dv.setBigUint64(ph(0, 40), 1n << 40n)), /loadable segments exceed the 1 GiB limit at segment 0/],
  ['p_offset 2^64-1', () => patched(validElf(), (dv) => dv.setBigUint64(ph(0, 8), (1n << 64n) - 1n)), /segment 0 outside the file/],
  ['a segment outside the skiboot region', () => patched(validElf(), (dv) => dv.setBigUint64(ph(0, 16), 0x1000n)), /segment 0 at 0x1000 .* is outside the skiboot region/],
  ['a segment at the top of the address space', () => patched(validElf(), (dv) => dv.setBigUint64(ph(0, 16), (1n << 64n) - 2n)), /segment 0 at 0xfffffffffffffffe .* is outside the skiboot region/],
  [
    'overlapping segments',
    () => buildFwElf({ textBase: TEXT, functions: [{ name: 'mpipl_fw_opal_call', words: [ATTN] }], data: [{ vaddr: TEXT, bytes: new Uint8Array(16) }] }).bytes,
    /segments at 0x30100000 and 0x30100000 overlap/,
  ],
  ['a segment over the MDST', () => patched(validElf(), (dv) => dv.setBigUint64(ph(0, 16), BigInt(SkibootMap.SKIBOOT_BASE + SkibootMap.MDST_TABLE_OFF))), /overlaps MDST/],
  [
    'an ELFv1 descriptor outside the loaded bytes',
    () => patched(buildFwElf({ abi: 1, textBase: TEXT, functions: [{ name: 'mpipl_fw_opal_call', words: [ATTN] }] }).bytes, (dv) => dv.setBigUint64(Number(dv.getBigUint64(sh(dv, 1, 24))) + 24 + 8, TEXT + 0x10_0000n)),
    /ELFv1 function descriptor of mpipl_fw_opal_call at 0x30200000 is not inside a loaded segment/,
  ],
  ['stripped (no .symtab)', () => buildFwElf({ textBase: TEXT, functions: [{ name: 'mpipl_fw_opal_call', words: [ATTN] }], stripped: true }).bytes, /no entry point: .*is it stripped\?/],
  ['.symtab sh_link out of range', () => patched(validElf(), (dv) => dv.setUint32(sh(dv, 1, 40), 999)), /\.symtab links to section 999, but there are 4/],
  ['section headers past EOF', () => patched(validElf(), (dv, o) => dv.setBigUint64(40, BigInt(o.length - 8))), /4 section headers at .* run past the end/],
  ['e_shoff 2^64-1', () => patched(validElf(), (dv) => dv.setBigUint64(40, (1n << 64n) - 1n)), /section headers at 0xffffffffffffffff run past the end/],
  ['e_shnum 65535', () => patched(validElf(), (dv) => dv.setUint16(60, 65535)), /65535 section headers at .* run past the end/],
  ['.symtab past EOF', () => patched(validElf(), (dv) => dv.setBigUint64(sh(dv, 1, 32), 1n << 40n)), /\.symtab at .* runs past the end of the file/],
  ['.strtab past EOF', () => patched(validElf(), (dv) => dv.setBigUint64(sh(dv, 2, 24), 1n << 63n)), /\.strtab at 0x8000000000000000 .* runs past the end of the file/],
  ['a .symtab entry size of 0', () => patched(validElf(), (dv) => dv.setBigUint64(sh(dv, 1, 56), 0n)), /bad \.symtab entry size 0, expected 24/],
  ['a symbol name outside .strtab', () => patched(validElf(), (dv) => dv.setUint32(Number(dv.getBigUint64(sh(dv, 1, 24))) + 24, 0xffff_fff0)), /symbol name offset 0xfffffff0 is outside \.strtab/],
  ['the entry point outside the code', () => patched(validElf(), (dv) => dv.setBigUint64(Number(dv.getBigUint64(sh(dv, 1, 24))) + 24 + 8, TEXT + 0x100n)), /entry point mpipl_fw_opal_call at 0x30100100 is not inside an executable loaded segment/],
  // Under the generic bound of sim/elf/symtab.ts this took 7 s and 350 MiB before the run began.
  ['a .symtab of 10^6 symbols', () => manySymbols(1_000_000), /\.symtab has 1000000 entries, more than the 65536 accepted/],
];

/** The same program header table moved to the end of the file and padded to `phnum` entries (PT_NULL, or copies of the code load spread through the window). */
function bigPhdrTable(phnum: number, loads: boolean): Uint8Array {
  const v = validElf();
  const dv0 = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const phoff = Math.ceil(v.length / 8) * 8;
  const out = new Uint8Array(phoff + 56 * phnum);
  out.set(v);
  out.set(v.subarray(PHOFF, PHOFF + 56), phoff);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(32, BigInt(phoff));
  dv.setUint16(56, phnum);
  if (loads) {
    // Zero-filled 16-byte loads above the code, clear of each other (bss-like: no file bytes).
    for (let i = 1; i < phnum; i++) {
      const at = phoff + 56 * i;
      dv.setUint32(at, 1);
      dv.setUint32(at + 4, 4);
      dv.setBigUint64(at + 16, TEXT + 0x1_0000n + 16n * BigInt(i));
      dv.setBigUint64(at + 40, 16n);
    }
  }
  void dv0;
  return out;
}

/** A run that must end at once with exit 2 and one line naming the problem, in bounded memory. */
async function refused(option: string, message: RegExp): Promise<void> {
  const r = await cli('run', '--seed', '1', '--firmware-elf', option);
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd()).toMatch(message);
  expect(r.stderr).toMatch(/^mpipl-sim run: --firmware-elf/);
  oneLine(r.stderr);
}

describe('--firmware-elf with hostile files: one line, exit 2', () => {
  it.each(HOSTILE)('%s', async (name, make, message) => {
    await refused(`skiboot=${file(`${name.replace(/[^a-z0-9]+/gi, '-')}.elf`, make())}`, message);
  });

  it.each([
    ['a directory', () => mkdirSync(join(dir, 'a-dir'), { recursive: true }) ?? join(dir, 'a-dir'), /: not a file$/],
    ['/dev/zero', () => '/dev/zero', /skiboot=\/dev\/zero: not a file$/],
    ['/dev/stdin', () => '/dev/stdin', /: not a file$/],
    [
      'a FIFO',
      () => {
        const p = join(dir, 'fifo.elf');
        const r = spawnSync('mkfifo', [p]);
        expect(r.status, 'mkfifo (coreutils) is needed').toBe(0);
        return p;
      },
      /fifo\.elf: not a file$/,
    ],
    [
      'a symlink loop',
      () => {
        symlinkSync(join(dir, 'loop-b.elf'), join(dir, 'loop-a.elf'));
        symlinkSync(join(dir, 'loop-a.elf'), join(dir, 'loop-b.elf'));
        return join(dir, 'loop-a.elf');
      },
      /loop-a\.elf: cannot read the file \(ELOOP\)$/,
    ],
    ['a missing file', () => join(dir, 'no-such.elf'), /no-such\.elf: cannot read the file \(ENOENT\)$/],
    // A "regular file" that states size 0 and reads without end: this read 1 GiB and hung before.
    ['/proc/self/pagemap', () => '/proc/self/pagemap', /skiboot=\/proc\/self\/pagemap: (cannot read|.* is larger than)/],
  ])('%s', async (_name, path, message) => {
    await refused(`skiboot=${path()}`, message);
  });

  it('a skiboot ELF given as hostboot and the other way round', async () => {
    await refused('hostboot=firmware/bin/skiboot.elf', /segment 0 at 0x30020000 .* is outside the hostboot window/);
    await refused('skiboot=firmware/bin/hostboot.elf', /segment 0 at 0x700000000000 .* is outside the skiboot region/);
  });
});

describe('--firmware-elf syntax: one line, exit 2', () => {
  const SK = 'firmware/bin/skiboot.elf';
  it.each([
    ['a duplicate role', `skiboot=${SK},skiboot=${SK}`, /--firmware-elf: skiboot is given twice$/],
    ['an unknown role', `bios=${SK}`, /"bios=firmware\/bin\/skiboot\.elf" names no participant/],
    ['a role in capitals', `SKIBOOT=${SK}`, /"SKIBOOT=.*" names no participant/],
    ['an empty path', 'skiboot=', /--firmware-elf: skiboot= needs a path$/],
    ['"=" missing', 'skiboot', /--firmware-elf: skiboot= needs a path$/],
    ['a bare path', SK, /"firmware\/bin\/skiboot\.elf" names no participant/],
    ['a trailing comma', `skiboot=${SK},`, /"" names no participant/],
    ['only "="', '=', /"=" names no participant/],
    ['blank', ' ', /expected skiboot=PATH and\/or hostboot=PATH$/],
  ])('%s', async (_name, option, message) => {
    await refused(option, message);
  });

  it('the option twice, or without a value', async () => {
    const twice = await cli('run', '--firmware-elf', `skiboot=${SK}`, '--firmware-elf', `skiboot=${SK}`);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--firmware-elf is given twice/);
    const none = await cli('run', '--firmware-elf');
    expect(none.code).toBe(2);
    oneLine(none.stderr);
  });
});

describe('--firmware-elf files that are odd but valid are accepted quickly', () => {
  /** An ELF whose OPAL entry hands every call back to the TS model: the run passes. */
  const passing = (endian: 'be' | 'le'): Uint8Array =>
    buildFwElf({ endian, textBase: TEXT, functions: [{ name: 'mpipl_fw_opal_call', words: [...loadImm64(3, FW_OPAL_NOT_HANDLED), blr()] }] }).bytes;

  it('little-endian ppc64 (the runtime takes either byte order)', async () => {
    const r = await cli('run', '--seed', '1', '--firmware-elf', `skiboot=${file('le.elf', passing('le'))}`);
    expect(r.code, r.stderr).toBe(0);
  });

  it.each([
    ['65535 program headers, all but one PT_NULL', false],
    ['65535 program headers, 65534 of them small loads', true],
  ])('%s', async (name, loads) => {
    // The first load is the valid ELF's (an attn at the OPAL entry): loading passes, the run faults (exit 1).
    const r = await cli('run', '--seed', '1', '--firmware-elf', `skiboot=${file(`${loads ? 'many-loads' : 'many-null'}.elf`, bigPhdrTable(65535, loads))}`);
    expect(r.code, `${name}: ${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/FAIL firmware-sane {2}skiboot firmware fault \(attn\)/);
  });
});

describe('mutants --firmware-elf with a hostile manifest.json beside the ELF: one line, exit 2', () => {
  let n = 0;
  /** A directory holding a valid skiboot ELF and `manifest` (text, or a directory when undefined). */
  const beside = (manifest: string | undefined, extra: Record<string, Uint8Array> = {}): string => {
    const d = join(dir, `mutants-${n++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'skiboot.elf'), validElf());
    if (manifest === undefined) mkdirSync(join(d, 'manifest.json'));
    else writeFileSync(join(d, 'manifest.json'), manifest);
    for (const [name, bytes] of Object.entries(extra)) writeFileSync(join(d, name), bytes);
    return join(d, 'skiboot.elf');
  };
  const entry = (mutant: string, f = 'skiboot.elf'): { mutant: string; file: string; participant: string } => ({ mutant, file: f, participant: 'skiboot' });
  it.each([
    ['not JSON', () => beside('{'), /manifest\.json: not valid JSON$/],
    ['no "elfs" list', () => beside('{"elfs": 5}'), /manifest\.json: no "elfs" list$/],
    ['a file outside the directory', () => beside(JSON.stringify({ elfs: [entry('x', '../../etc/passwd')] })), /mutant x file "\.\.\/\.\.\/etc\/passwd" is not inside /],
    ['an absolute file', () => beside(JSON.stringify({ elfs: [entry('x', '/etc/passwd')] })), /mutant x file "\/etc\/passwd" is not inside /],
    ['a mutant without a plain name', () => beside(JSON.stringify({ elfs: [entry('a b/c')] })), /needs a file, a participant and a plain name$/],
    ['a mutant ELF that is truncated', () => beside(JSON.stringify({ elfs: [entry('short', 'short.elf')] }), { 'short.elf': validElf().subarray(0, 30) }), /short\.elf: truncated ELF file: 30 bytes/],
    ['a manifest that is a directory', () => beside(undefined), /manifest\.json: not a file$/],
    // 3000 entries naming one ELF loaded 3000 copies (490 MiB) and ran for minutes before.
    ['3000 mutant entries', () => beside(JSON.stringify({ elfs: Array.from({ length: 3000 }, (_, i) => entry(`m${i}`)) })), /manifest\.json: more than 256 mutant entries$/],
  ])('%s', async (_name, make, message) => {
    const r = await cli('mutants', '--runs', '1', '--firmware-elf', `skiboot=${make()}`);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(message);
    oneLine(r.stderr);
  });
});
