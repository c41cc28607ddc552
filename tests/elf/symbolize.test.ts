/**
 * The symbolizer (sim/elf/symbolize.ts, dwarf-line.ts, dwarf-inline.ts) against GNU addr2line
 * (binutils-multiarch) on every instruction of every function of our committed firmware ELFs, and
 * on small programs built with each DWARF line-table version (2–5) in both byte orders. Bad
 * DWARF is data: flipped bytes and truncations give "no line info", never an exception.
 * addr2line and the cross compilers: a failure in CI when missing, a skip elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseElf64, type ElfImage } from '../../sim/elf/elf64.js';
import { readSymbols, STT } from '../../sim/elf/symtab.js';
import { Symbolizer, formatLocation } from '../../sim/elf/symbolize.js';
import { readLineTable } from '../../sim/elf/dwarf-line.js';
import { readScopes } from '../../sim/elf/dwarf-inline.js';
import { elfSections } from '../../sim/elf/dwarf-reader.js';
import { requireTool } from '../helpers/tools.js';
import { tempDir } from '../helpers/runners.js';
import { REPO_ROOT } from '../helpers/workloads.js';
import { PROGRAMS_DIR } from './toolchain.js';

const addr2line = requireTool('addr2line');
const ccBe = requireTool('powerpc64-linux-gnu-gcc');
const ccLe = requireTool('powerpc64le-linux-gnu-gcc');
const strip = requireTool('powerpc64-linux-gnu-strip');
const BIN = join(REPO_ROOT, 'firmware', 'bin');

function image(path: string): ElfImage {
  return parseElf64(new Uint8Array(readFileSync(path)), false);
}

/** Every instruction address of every sized function symbol (ELFv1: from its descriptor's code address). */
function functionAddresses(img: ElfImage): bigint[] {
  const out: bigint[] = [];
  const table = readSymbols(img);
  for (const s of table.symbols) {
    if (s.type !== STT.FUNC || s.sectionIndex === 0 || s.sizeBytes === 0n) continue;
    const start = img.abiVersion === 1 ? table.entryPoint(s.name)!.code : s.value;
    for (let a = start; a < start + s.sizeBytes; a += 4n) out.push(a);
  }
  return [...new Set(out)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface Frame {
  fn: string;
  where: string;
}

/** addr2line -a -f -i for many addresses: the frames of each, innermost first. */
function gnuFrames(elf: string, addresses: readonly bigint[]): Map<bigint, Frame[]> {
  const input = addresses.map((a) => `0x${a.toString(16)}`).join('\n') + '\n';
  const out = execFileSync(addr2line.path, ['-a', '-f', '-i', '-e', elf], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const map = new Map<bigint, Frame[]>();
  let current: Frame[] = [];
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^0x[0-9a-f]+$/.test(l)) {
      current = [];
      map.set(BigInt(l), current);
      continue;
    }
    if (l === '') continue;
    const where = (lines[++i] ?? '').replace(/ \(discriminator \d+\)$/, '').replace(/^\.\//, '');
    current.push({ fn: l, where });
  }
  return map;
}

/** Ours in addr2line's shape. */
function ourFrames(s: Symbolizer, a: bigint): Frame[] {
  const loc = s.locate(a);
  if (loc.file === undefined) return [{ fn: '??', where: '??:0' }];
  if (loc.frames.length === 0) return [{ fn: '??', where: `${loc.file}:${loc.line}` }];
  return loc.frames.map((f) => ({ fn: f.function, where: f.file === undefined ? '??:0' : `${f.file}:${f.line}` }));
}

function compareWithAddr2line(elf: string): number {
  const img = image(elf);
  const s = new Symbolizer(img, readSymbols(img));
  expect(s.lineInfoProblem).toBeUndefined();
  const addresses = functionAddresses(img);
  expect(addresses.length).toBeGreaterThan(50);
  const gnu = gnuFrames(elf, addresses);
  const mismatches: string[] = [];
  for (const a of addresses) {
    const theirs = gnu.get(a) ?? [];
    const ours = ourFrames(s, a);
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`0x${a.toString(16)}: ours ${JSON.stringify(ours)} addr2line ${JSON.stringify(theirs)}`);
  }
  expect(mismatches.slice(0, 5)).toEqual([]);
  return addresses.length;
}

describe.skipIf(!addr2line.available)('symbolizer vs addr2line on the committed firmware ELFs', () => {
  const manifest = JSON.parse(readFileSync(join(BIN, 'manifest.json'), 'utf8')) as { elfs: { file: string }[] };
  for (const e of manifest.elfs) {
    it(`every instruction of every function of ${e.file}`, () => {
      compareWithAddr2line(join(BIN, e.file));
    });
  }

  it('formats function+offset (file:line) with the call site of an inlined accessor', () => {
    const img = image(join(BIN, 'hostboot.elf'));
    const s = new Symbolizer(img, readSymbols(img));
    const inlined = functionAddresses(img).map((a) => s.locate(a)).find((l) => l.frames.length > 1 && l.frames[0]!.function.startsWith('put_be'));
    expect(inlined).toBeDefined();
    const outer = inlined!.frames[inlined!.frames.length - 1]!;
    const text = formatLocation(inlined!);
    expect(text).toMatch(/^[a-z_0-9]+\+0x[0-9a-f]+ \([a-z_-]+\.c:\d+, inlined put_be\d+_at at libfw\.h:\d+\)$/);
    expect(text).toContain(`${outer.file!.split('/').pop()}:${outer.line}`);
  });
});

describe.skipIf(!addr2line.available || !ccBe.available || !ccLe.available)('every .debug_line version, both byte orders', () => {
  const tmp = tempDir('mpipl-dwarf-');
  afterAll(tmp.cleanup);
  const variants: { name: string; cc: string; flags: string[]; version: number }[] = [
    { name: 'be-as-default', cc: ccBe.path, flags: ['-g'], version: 3 },
    { name: 'be-v2', cc: ccBe.path, flags: ['-gdwarf-2', '-gno-as-loc-support'], version: 2 },
    { name: 'be-v4', cc: ccBe.path, flags: ['-gdwarf-4', '-gno-as-loc-support'], version: 4 },
    { name: 'be-v5', cc: ccBe.path, flags: ['-gdwarf-5', '-gno-as-loc-support'], version: 5 },
    { name: 'le-v5', cc: ccLe.path, flags: ['-gdwarf-5', '-gno-as-loc-support'], version: 5 },
    { name: 'le-v4', cc: ccLe.path, flags: ['-gdwarf-4'], version: 0 },
  ];
  for (const v of variants) {
    it(`${v.name}: agrees with addr2line on every instruction`, () => {
      const out = join(tmp.dir, `algo-${v.name}`);
      execFileSync(v.cc, ['-static', '-nostdlib', '-ffreestanding', '-O2', '-mcpu=power9', '-mno-altivec', '-mno-vsx', '-msoft-float', ...v.flags, '-o', out, join(PROGRAMS_DIR, 'algo.c')], { stdio: 'pipe' });
      if (v.version > 0) {
        const img = image(out);
        const unitVersions = readLineTable(img);
        expect(unitVersions.ok).toBe(true);
        if (unitVersions.ok) expect([...unitVersions.table.units.values()].every((u) => u.version === v.version)).toBe(true);
      }
      compareWithAddr2line(out);
    });
  }
});

describe('bad DWARF is data', () => {
  const elf = join(BIN, 'skiboot.elf');
  const pristine = new Uint8Array(readFileSync(elf));
  const debugLine = elfSections(parseElf64(pristine, false)).get('.debug_line')!;
  const lineOffset = debugLine.bytes.byteOffset - pristine.byteOffset;

  it('a truncated unit length gives "no line info" with the reason', () => {
    const bytes = pristine.slice();
    new DataView(bytes.buffer).setUint32(lineOffset, 0x7fff_0000, false);
    const img = parseElf64(bytes, false);
    const r = readLineTable(img);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^bad \.debug_line: .*runs past the end/);
    const s = new Symbolizer(img, readSymbols(img));
    const loc = s.locate(0x30020000n);
    expect(loc.file).toBeUndefined();
    expect(loc.noLineInfo).toMatch(/bad \.debug_line/);
    expect(s.format(0x30020000n)).toBe(loc.symbol);
  });

  it('an unknown line program version is refused by name', () => {
    const bytes = pristine.slice();
    new DataView(bytes.buffer).setUint16(lineOffset + 4, 9, false);
    const r = readLineTable(parseElf64(bytes, false));
    expect(r).toEqual({ ok: false, reason: 'bad .debug_line: line program version 9 at offset 0 (2 to 5 are read)' });
  });

  it('300 random byte corruptions of the debug sections never throw', () => {
    const sections = elfSections(parseElf64(pristine, false));
    const spans = ['.debug_line', '.debug_info', '.debug_abbrev', '.debug_rnglists'].map((n) => sections.get(n)!).map((s) => ({ at: s.bytes.byteOffset - pristine.byteOffset, len: s.bytes.length }));
    let state = 0x1234_5678;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state;
    };
    let degraded = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = pristine.slice();
      for (let k = 0; k < 1 + (i % 8); k++) {
        const sp = spans[next() % spans.length]!;
        bytes[sp.at + (next() % sp.len)] = next() & 0xff;
      }
      const img = parseElf64(bytes, false);
      const s = new Symbolizer(img, readSymbols(img));
      const r = readScopes(img);
      if (s.lineInfoProblem !== undefined || !r.ok) degraded++;
      for (const a of [0x30020000n, 0x30020400n, 0x30021000n, 0x10n]) expect(typeof s.format(a)).toBe('string');
    }
    expect(degraded).toBeGreaterThan(0);
  });
});

describe.skipIf(!strip.available)('stripped ELFs', () => {
  const tmp = tempDir('mpipl-strip-');
  afterAll(tmp.cleanup);
  it('degrade to function+offset when the debug sections are gone', () => {
    const out = join(tmp.dir, 'skiboot-nodebug.elf');
    writeFileSync(out, readFileSync(join(BIN, 'skiboot.elf')));
    execFileSync(strip.path, ['--strip-debug', out]);
    const img = image(out);
    const s = new Symbolizer(img, readSymbols(img));
    const entry = readSymbols(img).lookup('mpipl_fw_opal_call')!.value;
    expect(s.format(entry + 8n)).toBe('mpipl_fw_opal_call+0x8');
    expect(s.locate(entry).noLineInfo).toMatch(/no \.debug_line section/);
  });
});
