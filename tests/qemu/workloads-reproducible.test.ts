/**
 * scripts/build-workloads.sh rebuilds the committed ELFs and manifest byte for byte. Needs
 * Debian's powerpc64le/powerpc64 cross compilers (tests/helpers/tools.ts: a failure in CI when
 * missing, a skip locally). If the installed compilers are a different version from the ones in
 * the manifest, codegen may legitimately differ: rebuild with the script and commit the result.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/runners.js';
import { requireTools } from '../helpers/tools.js';
import { readManifest, REPO_ROOT, WORKLOADS_DIR } from '../helpers/workloads.js';

const BUILD_TIMEOUT_MS = 300_000;
const compilers = requireTools(['powerpc64le-linux-gnu-gcc', 'powerpc64-linux-gnu-gcc']);

describe.skipIf(!compilers.available)('workload build is reproducible', () => {
  const tmp = tempDir('mpipl-wl-build-');
  afterAll(() => tmp.cleanup());

  it('rebuilding gives byte-identical ELFs and manifest', () => {
    const r = spawnSync('sh', [join(REPO_ROOT, 'scripts', 'build-workloads.sh'), tmp.dir], {
      timeout: BUILD_TIMEOUT_MS,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const committed = readManifest();
    const rebuilt = readManifest(tmp.dir);
    expect(rebuilt.toolchain, 'cross compiler version differs from the one that built workloads/bin').toEqual(committed.toolchain);
    expect(rebuilt.elfs.map((e) => e.file)).toEqual(committed.elfs.map((e) => e.file));
    for (const e of committed.elfs) {
      const a = readFileSync(join(WORKLOADS_DIR, e.file));
      const b = readFileSync(join(tmp.dir, e.file));
      expect(a.equals(b), `${e.file} differs from a fresh build`).toBe(true);
    }
    expect(readFileSync(join(tmp.dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(WORKLOADS_DIR, 'manifest.json'), 'utf8'));
  });
});
