/**
 * The bundled guest workloads (workloads/manifest.json, built by scripts/build-workloads.sh and
 * committed): real GCC-built ppc64 machine code the threads of an MPIPL scenario run. Reading
 * these files is reading fixed content, like the firmware images: it does not make runs host
 * dependent, and the images go into trace headers by content.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestBytes } from '../core/digest.js';
import { SimBugError } from '../core/errors.js';

export interface WorkloadImage {
  /** Workload name (scribble, list, copysum, hash, sort). */
  readonly name: string;
  readonly endian: 'le' | 'be';
  readonly bytes: Uint8Array;
  readonly digest: string;
}

interface ManifestEntry {
  file: string;
  kind: 'mpipl' | 'user';
  workload: string;
  endian: 'le' | 'be';
}

/** The package root: the nearest directory above this module holding workloads/manifest.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'workloads', 'manifest.json'))) return dir;
    dir = dirname(dir);
  }
  throw new SimBugError('workloads/manifest.json not found above the simulator sources');
}

let cache: WorkloadImage[] | undefined;

/** Every MPIPL workload image, in manifest order. */
export function mpiplWorkloads(): readonly WorkloadImage[] {
  if (cache === undefined) {
    const root = packageRoot();
    const manifest = JSON.parse(readFileSync(join(root, 'workloads', 'manifest.json'), 'utf8')) as { elfs: ManifestEntry[] };
    cache = manifest.elfs
      .filter((e) => e.kind === 'mpipl')
      .map((e) => {
        const bytes = new Uint8Array(readFileSync(join(root, 'workloads', e.file)));
        return { name: e.workload, endian: e.endian, bytes, digest: digestBytes(bytes) };
      });
  }
  return cache;
}

export function mpiplWorkload(name: string, endian: 'le' | 'be'): WorkloadImage | undefined {
  return mpiplWorkloads().find((w) => w.name === name && w.endian === endian);
}

