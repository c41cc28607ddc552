/**
 * The interpreter on code we did not tune it for: the benchmark corpus (workloads/corpus, built
 * by scripts/build-corpus.sh; docs/benchmarks.md) — nine library-style programs at -O0, -O2, -O3
 * and -Os, both byte orders. Each ELF's iteration count is scaled ×K in a copy (as for the bundled
 * workloads, sim/bench/elf-scale.ts) and run by qemu-user and by us; the ratio of the two
 * instruction rates is taken per program, and the bench reports the median and the worst.
 *
 * Ours: a fresh machine per run with the translation cache emptied first, so every run pays its
 * own decode and `new Function` compiles, as a first `exec` of the program does. qemu: the slope
 * between the ×1 and ×Q runs (its process start-up excluded). Q is larger than K (qemu is ~100×
 * faster: a ×4 run differs from ×1 by only a few milliseconds, below its start-up noise), and the
 * instructions of the ×Q run are extrapolated linearly from our exact ×1 and ×K counts (every
 * iteration of a program does the same kind of work).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runElfForBench } from '../elf/user-mode.js';
import { clearTranslationCache } from '../cpu/interpreter.js';
import { hostNowMs } from '../cli/host-clock.js';
import { scaleUserElf } from './elf-scale.js';

export interface CorpusEntry {
  readonly file: string;
  readonly program: string;
  readonly opt: string;
  readonly endian: 'le' | 'be';
}

export interface ProgramRate {
  readonly name: string;
  readonly instructions: number;
  readonly oursPerSecond: number;
  readonly qemuPerSecond: number | null;
  /** ours / qemu, or null without qemu. */
  readonly ratio: number | null;
}

export interface CorpusRun {
  readonly programs: readonly ProgramRate[];
  readonly factor: number;
  readonly qemuFactor: number;
  readonly reps: number;
  /** Why qemu was not measured, when it was not. */
  readonly qemuMissing: string | undefined;
}

const QEMU_FOR = { le: 'qemu-ppc64le', be: 'qemu-ppc64' } as const;

/** workloads/corpus under the package root. */
export function corpusDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'workloads', 'corpus', 'manifest.json'))) return join(dir, 'workloads', 'corpus');
    dir = dirname(dir);
  }
  throw new Error('workloads/corpus/manifest.json not found above the bench sources');
}

export function readCorpus(dir: string = corpusDir()): CorpusEntry[] {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { elfs: CorpusEntry[] };
  return m.elfs;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall time of one qemu-user run, or why it could not run. */
function qemuMs(qemu: string, path: string): number | string {
  const t0 = hostNowMs();
  const r = spawnSync(qemu, ['-cpu', 'power9', path], { stdio: 'ignore' });
  const ms = hostNowMs() - t0;
  if (r.error !== undefined) return `cannot run ${qemu} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status === null) return `${qemu} died (${r.signal})`;
  return ms;
}

/**
 * Measure `entries` (all of the corpus by default). `factor` scales the iteration count;
 * `reps` repetitions of ours (median), `reps + 2` of each qemu run.
 */
export function measureCorpus(options: { factor: number; qemuFactor: number; reps: number; entries?: readonly CorpusEntry[]; onProgram?: (name: string) => void }): CorpusRun {
  const dir = corpusDir();
  const entries = options.entries ?? readCorpus(dir);
  const tmp = mkdtempSync(join(tmpdir(), 'mpipl-corpus-'));
  const programs: ProgramRate[] = [];
  let qemuMissing: string | undefined;
  try {
    for (const e of entries) {
      const name = e.file.replace(/^bin\//, '').replace(/\.elf$/, '');
      options.onProgram?.(name);
      const original = new Uint8Array(readFileSync(join(dir, e.file)));
      const scaled = scaleUserElf(original, options.factor);
      if (scaled === undefined) throw new Error(`${e.file} has no workload_user_iterations symbol`);
      let instructions = 0;
      const ms = median(
        Array.from({ length: options.reps }, () => {
          clearTranslationCache();
          const t0 = hostNowMs();
          const r = runElfForBench(scaled, 1e12);
          const t = hostNowMs() - t0;
          if (r.end !== 'exit') throw new Error(`${name} ×${options.factor} did not exit (${r.end})`);
          instructions = r.instructions;
          return t;
        }),
      );
      const ours = instructions / (ms / 1000);
      let qemu: number | null = null;
      if (qemuMissing === undefined) {
        const small = join(tmp, `${name}-x1.elf`);
        const big = join(tmp, `${name}-x${options.qemuFactor}.elf`);
        writeFileSync(small, original);
        writeFileSync(big, scaleUserElf(original, options.qemuFactor)!);
        // qemu-user refuses (silently, exit 1) a file without the execute bit.
        chmodSync(small, 0o755);
        chmodSync(big, 0o755);
        const q1: (number | string)[] = [];
        const qk: (number | string)[] = [];
        for (let k = 0; k < options.reps + 2; k++) {
          q1.push(qemuMs(QEMU_FOR[e.endian], small));
          qk.push(qemuMs(QEMU_FOR[e.endian], big));
        }
        const failure = [...q1, ...qk].find((x): x is string => typeof x === 'string');
        if (failure !== undefined) qemuMissing = failure;
        else {
          const base = runElfForBench(original, 1e12).instructions;
          const extra = ((instructions - base) * (options.qemuFactor - 1)) / (options.factor - 1);
          qemu = extra / (Math.max(median(qk as number[]) - median(q1 as number[]), 0.001) / 1000);
        }
      }
      programs.push({ name, instructions, oursPerSecond: ours, qemuPerSecond: qemu, ratio: qemu === null ? null : ours / qemu });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { programs, factor: options.factor, qemuFactor: options.qemuFactor, reps: options.reps, qemuMissing };
}

/** Median and worst ratio over the programs measured against qemu. */
export function summarise(run: CorpusRun): { median: number | null; worst: ProgramRate | null; oursMedianPerSecond: number } {
  const rated = run.programs.filter((p) => p.ratio !== null);
  const oursMedianPerSecond = median(run.programs.map((p) => p.oursPerSecond));
  if (rated.length === 0) return { median: null, worst: null, oursMedianPerSecond };
  const worst = rated.reduce((a, b) => (b.ratio! < a.ratio! ? b : a));
  return { median: median(rated.map((p) => p.ratio!)), worst, oursMedianPerSecond };
}
