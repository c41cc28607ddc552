/**
 * The committed firmware ELFs (firmware/bin, docs/firmware-elf.md) are what
 * scripts/build-firmware.sh builds from firmware/, byte for byte, and they respect the ABI v1
 * windows and entry points. The rebuild needs Debian's powerpc64-linux-gnu-gcc (a failure in CI
 * when missing, a skip locally); the checks of the committed files need nothing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { tempDir } from '../helpers/runners.js';
import { requireTools } from '../helpers/tools.js';
import { REPO_ROOT } from '../helpers/workloads.js';
import { decode } from '../../sim/isa/decode.js';
import { EM_PPC64, ET_EXEC, readElfFacts, textWords, type ElfFacts } from './build-elf-facts.js';

const BIN = join(REPO_ROOT, 'firmware', 'bin');
const BUILD_TIMEOUT_MS = 300_000;
const CALLTHRU = 0x000eaeb0;
const ATTN = 0x00000200;

interface ManifestEntry {
  readonly file: string;
  readonly participant: 'skiboot' | 'hostboot';
  readonly mutant?: string;
  readonly define?: string;
  readonly sha256: string;
}
interface Manifest {
  readonly formatVersion: number;
  readonly abiVersion: number;
  readonly toolchain: string;
  readonly elfs: readonly ManifestEntry[];
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

/** ABI v1 windows (docs/firmware-elf.md): where each participant's loadable segments may lie. */
const WINDOW = {
  // After SPIRA-H, the processor dump area, MDST and MDDT; before skiboot's heap.
  skiboot: { start: 0x3002_0000n, end: 0x3060_0000n },
  // The first 16 MiB of the private hostboot window (heap and stack above).
  hostboot: { start: 0x7000_0000_0000n, end: 0x7000_0100_0000n },
} as const;

const ENTRIES = {
  skiboot: ['mpipl_fw_reserve_mem', 'mpipl_fw_init', 'mpipl_fw_opal_call', 'mpipl_fw_terminate'],
  hostboot: ['mpipl_fw_mpipl_ipl', 'mpipl_fw_normal_ipl'],
} as const;

const STT_FUNC = 2;

function facts(file: string): { bytes: Uint8Array; elf: ElfFacts } {
  const bytes = new Uint8Array(readFileSync(join(BIN, file)));
  return { bytes, elf: readElfFacts(bytes) };
}

describe('the committed firmware ELFs', () => {
  const m = manifest(BIN);

  it('the manifest lists every ELF with its hash, and at least 8 C-level mutants', () => {
    for (const e of m.elfs) {
      const sha = createHash('sha256').update(readFileSync(join(BIN, e.file))).digest('hex');
      expect(sha, e.file).toBe(e.sha256);
    }
    expect(m.elfs.filter((e) => e.mutant === undefined).map((e) => e.file)).toEqual(['hostboot.elf', 'skiboot.elf']);
    expect(m.elfs.filter((e) => e.mutant !== undefined).length).toBeGreaterThanOrEqual(8);
  });

  for (const e of m.elfs) {
    it(`${e.file}: big-endian ELFv2 ET_EXEC for ppc64, segments inside the ${e.participant} window, fully file-backed`, () => {
      const { elf } = facts(e.file);
      expect(elf.littleEndian).toBe(false);
      expect(elf.machine).toBe(EM_PPC64);
      expect(elf.type).toBe(ET_EXEC);
      expect(elf.flags & 3).toBe(2);
      expect(elf.loads.length).toBeGreaterThan(0);
      const w = WINDOW[e.participant];
      for (const l of elf.loads) {
        expect(l.vaddr >= w.start && l.vaddr + l.memSize <= w.end, `segment at 0x${l.vaddr.toString(16)}`).toBe(true);
        // No .bss to clear: an overlay of the file bytes starts every global at its initial value.
        expect(l.memSize).toBe(l.fileSize);
      }
    });

    it(`${e.file}: every ABI entry point is a function symbol, heap symbols in place`, () => {
      const { elf } = facts(e.file);
      for (const name of ENTRIES[e.participant]) expect(elf.symbols.get(name)?.type, name).toBe(STT_FUNC);
      const heap = [elf.symbols.get('__fw_heap_start')?.value, elf.symbols.get('__fw_heap_end')?.value];
      if (e.participant === 'skiboot') {
        expect(heap).toEqual([0x3060_0000n, 0x3100_0000n]);
      } else {
        expect(heap).toEqual([0x7000_0100_0000n, 0x7000_0300_0000n]);
        expect(elf.symbols.get('__fw_stack_top')?.value).toBe(0x7000_0400_0000n);
      }
    });

    it(`${e.file}: every word of .text decodes with our table (callthru and attn are the ABI's)`, () => {
      const { bytes, elf } = facts(e.file);
      const words = textWords(bytes, elf);
      expect(words.length).toBeGreaterThan(500);
      const bad = words.filter((x) => x.word !== CALLTHRU && x.word !== ATTN && decode(x.word).kind !== 'insn');
      expect(bad.map((x) => `0x${x.addr.toString(16)}: 0x${x.word.toString(16).padStart(8, '0')}`)).toEqual([]);
      expect(words.some((x) => x.word === CALLTHRU)).toBe(true);
    });
  }

  it('each C-level mutant is a different build of its participant with the same entry points', () => {
    for (const e of m.elfs.filter((x) => x.mutant !== undefined)) {
      expect(e.file).toBe(`mutants/${e.mutant}-${e.participant}.elf`);
      expect(e.define).toBe(`MUTANT_${e.mutant!.toUpperCase().replace(/-/g, '_')}`);
      const reference = m.elfs.find((x) => x.file === `${e.participant}.elf`)!;
      expect(e.sha256, `${e.file} is identical to ${reference.file}`).not.toBe(reference.sha256);
      // The -D flag names a real #ifdef in the participant's sources.
      const src = spawnSync('grep', ['-rl', e.define!, join(REPO_ROOT, 'firmware', 'src', e.participant)], { encoding: 'utf8' });
      expect(src.stdout.trim(), e.define).not.toBe('');
    }
  });
});

const gcc = requireTools(['powerpc64-linux-gnu-gcc']);

describe.skipIf(!gcc.available)('firmware build is reproducible', () => {
  const tmp = tempDir('mpipl-fw-build-');
  afterAll(() => tmp.cleanup());

  it('rebuilding gives byte-identical ELFs and manifest', () => {
    const r = spawnSync('sh', [join(REPO_ROOT, 'scripts', 'build-firmware.sh'), tmp.dir], { timeout: BUILD_TIMEOUT_MS, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const committed = manifest(BIN);
    const rebuilt = manifest(tmp.dir);
    expect(rebuilt.toolchain, 'cross compiler version differs from the one that built firmware/bin').toBe(committed.toolchain);
    expect(rebuilt.elfs.map((e) => e.file)).toEqual(committed.elfs.map((e) => e.file));
    for (const e of committed.elfs) {
      const a = readFileSync(join(BIN, e.file));
      const b = readFileSync(join(tmp.dir, e.file));
      expect(a.equals(b), `${e.file} differs from a fresh build`).toBe(true);
    }
    expect(readFileSync(join(tmp.dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(BIN, 'manifest.json'), 'utf8'));
  });
});
