/**
 * The interpreter benchmark corpus (workloads/corpus, docs/benchmarks.md): the committed ELFs
 * match their manifest, scripts/build-corpus.sh rebuilds them byte for byte, and every one of
 * them (9 programs × -O0/-O2/-O3/-Os × LE/BE) prints the same checksum line and exits with the
 * same status under `mpipl-sim exec` as under qemu-user. Needs qemu-ppc64le/qemu-ppc64 and the
 * cross compilers (tests/helpers/tools.ts: a failure in CI when missing, a skip locally).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExecCommand, QEMU_FOR, runExec, runQemu, tempDir } from '../helpers/runners.js';
import { requireTool, requireTools } from '../helpers/tools.js';
import { REPO_ROOT, WORKLOADS_DIR } from '../helpers/workloads.js';

interface CorpusManifest {
  readonly toolchain: { readonly ppc64le: string; readonly ppc64: string };
  readonly elfs: readonly { file: string; program: string; opt: string; endian: 'le' | 'be'; sha256: string }[];
}

const CORPUS_DIR = join(WORKLOADS_DIR, 'corpus');
const readCorpusManifest = (dir: string = CORPUS_DIR): CorpusManifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as CorpusManifest;
const manifest = readCorpusManifest();
const exec = await loadExecCommand();
const PROGRAM_TIMEOUT_MS = 300_000;

describe('corpus manifest', () => {
  it('holds every program at -O0, -O2, -O3 and -Os in both byte orders', () => {
    const programs = [...new Set(manifest.elfs.map((e) => e.program))];
    expect(programs.length).toBeGreaterThanOrEqual(8);
    for (const p of programs) {
      const builds = manifest.elfs.filter((e) => e.program === p).map((e) => `${e.opt}-${e.endian}`).sort();
      expect(builds, p).toEqual(['O0-be', 'O0-le', 'O2-be', 'O2-le', 'O3-be', 'O3-le', 'Os-be', 'Os-le']);
    }
  });

  it.each(manifest.elfs.map((e) => [e.file, e] as const))('%s matches its sha256', (_f, e) => {
    expect(createHash('sha256').update(readFileSync(join(CORPUS_DIR, e.file))).digest('hex')).toBe(e.sha256);
  });
});

const compilers = requireTools(['powerpc64le-linux-gnu-gcc', 'powerpc64-linux-gnu-gcc']);
describe.skipIf(!compilers.available)('corpus build is reproducible', () => {
  const tmp = tempDir('mpipl-corpus-build-');
  afterAll(() => tmp.cleanup());

  it('rebuilding gives byte-identical ELFs and manifest', () => {
    const r = spawnSync('sh', [join(REPO_ROOT, 'scripts', 'build-corpus.sh'), tmp.dir], { timeout: PROGRAM_TIMEOUT_MS, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rebuilt = readCorpusManifest(tmp.dir);
    expect(rebuilt.toolchain, 'cross compiler version differs from the one that built workloads/corpus/bin').toEqual(manifest.toolchain);
    expect(rebuilt.elfs.map((e) => e.file)).toEqual(manifest.elfs.map((e) => e.file));
    for (const e of manifest.elfs) {
      expect(readFileSync(join(CORPUS_DIR, e.file)).equals(readFileSync(join(tmp.dir, e.file))), `${e.file} differs from a fresh build`).toBe(true);
    }
    expect(readFileSync(join(tmp.dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8'));
  }, PROGRAM_TIMEOUT_MS);
});

for (const endian of ['le', 'be'] as const) {
  const qemu = requireTool(QEMU_FOR[endian]);
  describe.skipIf(!qemu.available || exec === undefined)(`corpus under exec vs qemu, ${endian}`, () => {
    const elfs = manifest.elfs.filter((e) => e.endian === endian);
    it.each(elfs.map((e) => [e.file, e] as const))('%s: same stdout and exit status', async (_f, e) => {
      const path = join(CORPUS_DIR, e.file);
      const ref = runQemu(qemu.path, path);
      const line = Buffer.from(ref.stdout).toString('latin1');
      const m = /^(\w+) iterations=0x[0-9a-f]{16} checksum=0x([0-9a-f]{16})\n$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe(e.program);
      expect(ref.status).toBe(Number(BigInt(`0x${m![2]}`) & 0xffn));
      const ours = await runExec(exec!, path);
      expect(ours.stderr).toBe('');
      expect(Buffer.from(ours.stdout).toString('latin1')).toBe(line);
      expect(ours.status).toBe(ref.status);
    }, PROGRAM_TIMEOUT_MS);
  });
}
