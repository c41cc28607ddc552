/**
 * The committed guest workload ELFs (workloads/manifest.json, built by
 * scripts/build-workloads.sh; docs/workloads.md).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endian } from './elf64.js';

export const WORKLOADS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'workloads');
export const REPO_ROOT = join(WORKLOADS_DIR, '..');

/** Where the MPIPL images are linked; keep in sync with scripts/build-workloads.sh. */
export const MPIPL_LOAD_ADDRESS = 0x0400_0000n;

export interface ManifestEntry {
  /** Path relative to workloads/. */
  readonly file: string;
  readonly kind: 'user' | 'mpipl';
  readonly workload: string;
  readonly endian: Endian;
  readonly sha256: string;
}

export interface Manifest {
  readonly formatVersion: number;
  readonly toolchain: { readonly ppc64le: string; readonly ppc64: string };
  readonly mpiplLoadAddress: string;
  readonly elfs: readonly ManifestEntry[];
}

export function readManifest(dir: string = WORKLOADS_DIR): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

export function workloadPath(e: ManifestEntry, dir: string = WORKLOADS_DIR): string {
  return join(dir, e.file);
}
