/**
 * Random instruction sequences from sim/isa's table, run under `mpipl-sim exec` and under
 * qemu-user in both byte orders: the printed register and scratch dumps must be identical
 * (harness: tests/helpers/seq-harness.ts; generator and its guards: tests/helpers/random-seq.ts;
 * docs/workloads.md explains how to reproduce a failure).
 *
 * Each fast-check run is one batch ELF of up to BATCH_SEQUENCES_MAX sequences, so one qemu
 * process covers many sequences. On a failing batch, fast-check stops (endOnFailure: shrinking
 * a whole batch costs thousands of qemu runs) and the first differing sequence is shrunk on its
 * own by `shrinkSequence` (fewer instructions, zeroed registers, scratch and fields); the report
 * shows the disassembly of both the original and the shrunk sequence, and fast-check's
 * { seed, path } replays the batch.
 *
 * Seeds: pinned in CI (PINNED_SEED); random locally. FC_SEED and FC_PATH replay a reported
 * failure; ISA_DIFF_RUNS sets the number of batches per byte order.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Command } from '../sim/cli/io.js';
import type { Endian } from '../tests/helpers/elf64.js';
import {
  buildBatchElf,
  CODE_VADDR,
  describeRecordDiff,
  parseRecords,
  RECORD_BYTES,
  type BatchLayout,
} from '../tests/helpers/seq-harness.js';
import {
  assembleSequence,
  describeCoverage,
  formatListing,
  rawSequenceArb,
  shrinkSequence,
  type AssembledSequence,
  type RawSequence,
} from '../tests/helpers/random-seq.js';
import { loadExecCommand, QEMU_FOR, runExec, runQemu, tempDir, writeTemp, type RunResult } from '../tests/helpers/runners.js';
import { isCi, requireTool } from '../tests/helpers/tools.js';

/** Sequences per ELF: large enough to amortize qemu start-up, small enough to shrink quickly. */
const BATCH_SEQUENCES_MAX = Number(process.env.ISA_DIFF_BATCH ?? 100);
/**
 * Batches per byte order. Lengths are spread over 1..100 (about 43 on average with fast-check's
 * bias to small sizes), so 90 batches give about 3 800 sequences per byte order: margin above
 * CI_SEQUENCES_MIN when a change to the table changes what the pinned seed generates.
 */
const RUNS_PER_ENDIAN = Number(process.env.ISA_DIFF_RUNS ?? 90);
/** The CI run must cover at least this many sequences over both byte orders. */
const CI_SEQUENCES_MIN = 5000;
const PINNED_SEED = 0x5eed_1234;
/** Guard against a runaway sequence in our interpreter (sequences have no branches). */
const EXEC_MAX_CYCLES = 50_000_000;

function seedPolicy(): { seed?: number; path?: string } {
  if (process.env.FC_SEED !== undefined) {
    const out: { seed: number; path?: string } = { seed: Number(process.env.FC_SEED) };
    if (process.env.FC_PATH !== undefined) out.path = process.env.FC_PATH;
    return out;
  }
  return isCi() ? { seed: PINNED_SEED } : {};
}

/** A sequence that prints as its disassembly in fast-check's counterexample report. */
type Printable = RawSequence & { readonly assembled: AssembledSequence };

const printableArb: fc.Arbitrary<Printable> = rawSequenceArb.map((raw) => {
  const assembled = assembleSequence(raw);
  return Object.assign(Object.create(null) as object, raw, {
    assembled,
    // One short line per sequence: the failure message carries the full listing of the culprit.
    [fc.toStringMethod]: () => `<${assembled.listing.filter((l) => l.role === 'insn').map((l) => l.text.split(' ')[0]).join(' ')}>`,
  }) as Printable;
});

const batchArb = fc.array(printableArb, { minLength: 1, maxLength: BATCH_SEQUENCES_MAX, size: 'max' });

/** The first sequence whose record differs, with a readable report; undefined if all agree. */
function compareRuns(
  batch: readonly Printable[],
  endian: Endian,
  ref: RunResult,
  ours: RunResult,
  layout: BatchLayout,
): string | undefined {
  const same = ref.status === ours.status && Buffer.from(ref.stdout).equals(Buffer.from(ours.stdout));
  if (same) return undefined;
  const refRecs = parseRecords(ref.stdout, endian);
  const ourRecs = parseRecords(ours.stdout, endian);
  for (let i = 0; i < batch.length; i++) {
    const a = refRecs[i];
    const b = ourRecs[i];
    const at = CODE_VADDR + 4 * (layout.sequenceStartWords[i] ?? 0);
    const listing = `code at 0x${at.toString(16)}, ${formatListing(batch[i]!.assembled)}`;
    if (a === undefined || b === undefined) {
      return (
        `sequence ${i} of ${batch.length} (${endian}): output stops (qemu: ${refRecs.length} records, status ${ref.status}; ` +
        `exec: ${ourRecs.length} records, status ${ours.status}, stderr ${JSON.stringify(ours.stderr.trim())})\n${listing}`
      );
    }
    const diff = describeRecordDiff(a, b);
    if (diff !== '') return `sequence ${i} of ${batch.length} differs (${endian}; expected = qemu, got = exec):\n${listing}\n${diff}`;
  }
  return `outputs differ outside the records: qemu status ${ref.status}, exec status ${ours.status}, lengths ${ref.stdout.length}/${ours.stdout.length}`;
}

/** Run one sequence alone under both simulators; the mismatch description or undefined. */
async function differsAlone(raw: RawSequence, endian: Endian, qemuPath: string, dir: string): Promise<string | undefined> {
  const one: Printable = Object.assign(Object.create(null) as object, raw, { assembled: assembleSequence(raw) }) as Printable;
  const { elf, layout } = buildBatchElf([one.assembled.seq], endian);
  const path = writeTemp(dir, 'shrink.elf', elf);
  const ref = runQemu(qemuPath, path);
  const ours = await runExec(exec!, path, ['--max-cycles', String(EXEC_MAX_CYCLES)]);
  return compareRuns([one], endian, ref, ours, layout);
}

/** Append the shrunk form of the first differing sequence to a batch failure report. */
async function withShrunk(
  problem: string,
  batch: readonly Printable[],
  ref: RunResult,
  ours: RunResult,
  endian: Endian,
  qemuPath: string,
  dir: string,
): Promise<string> {
  const refRecs = parseRecords(ref.stdout, endian);
  const ourRecs = parseRecords(ours.stdout, endian);
  let first = batch.findIndex((_, i) => {
    const a = refRecs[i];
    const b = ourRecs[i];
    return a === undefined || b === undefined || describeRecordDiff(a, b) !== '';
  });
  if (first < 0) first = 0;
  const shrunk = await shrinkSequence(batch[first]!, (s) => differsAlone(s, endian, qemuPath, dir));
  if (shrunk === undefined) {
    return `${problem}

(sequence ${first} agrees when run alone: the difference depends on its position in the batch ELF, e.g. a page crossing)`;
  }
  return `${problem}

shrunk counterexample (${shrunk.attempts} runs):
${shrunk.problem}`;
}

const exec: Command | undefined = await loadExecCommand();
if (exec === undefined) process.stderr.write('isa-differential: sim/cli/commands/exec.ts not present yet; running qemu-only harness checks\n');

let sequencesRun = 0;

for (const endian of ['le', 'be'] as Endian[]) {
  const qemu = requireTool(QEMU_FOR[endian]);
  describe.skipIf(!qemu.available)(`random sequences, ${endian}`, () => {
    const tmp = tempDir(`mpipl-isa-diff-${endian}-`);
    afterAll(() => tmp.cleanup());

    it('qemu runs every generated sequence to completion (the generator only makes legal code)', () => {
      let n = 0;
      fc.assert(
        fc.property(batchArb, (batch) => {
          const { elf } = buildBatchElf(batch.map((s) => s.assembled.seq), endian);
          const r = runQemu(qemu.path, writeTemp(tmp.dir, `legal-${n++}.elf`, elf));
          if (r.status !== 0 || r.stdout.length !== batch.length * RECORD_BYTES) {
            const done = Math.floor(r.stdout.length / RECORD_BYTES);
            const culprit = batch[done];
            throw new Error(
              `qemu stopped at sequence ${done} (status ${r.status}, signal ${r.signal}, stderr ${JSON.stringify(r.stderr.trim())})\n` +
                (culprit === undefined ? '' : formatListing(culprit.assembled)),
            );
          }
        }),
        { numRuns: 5, ...seedPolicy() },
      );
    });

    it.skipIf(exec === undefined)(`exec prints the same bytes as ${QEMU_FOR[endian]}`, async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(batchArb, async (batch) => {
          const { elf, layout } = buildBatchElf(batch.map((s) => s.assembled.seq), endian);
          const path = writeTemp(tmp.dir, `batch-${n++}.elf`, elf);
          const ref = runQemu(qemu.path, path);
          expect(ref.status, `qemu failed: ${ref.stderr}`).toBe(0);
          const ours = await runExec(exec!, path, ['--max-cycles', String(EXEC_MAX_CYCLES)]);
          const problem = compareRuns(batch, endian, ref, ours, layout);
          if (problem !== undefined) throw new Error(await withShrunk(problem, batch, ref, ours, endian, qemu.path, tmp.dir));
          sequencesRun += batch.length;
        }),
        { numRuns: RUNS_PER_ENDIAN, endOnFailure: true, ...seedPolicy() },
      );
    });
  });
}

describe('random sequence coverage', () => {
  it('reports which table rows are generated', () => {
    process.stderr.write(`isa-differential: ${describeCoverage()}\n`);
    expect(describeCoverage()).toMatch(/rows generated/);
  });

  it.skipIf(exec === undefined || !isCi())(`a CI run covers at least ${CI_SEQUENCES_MIN} sequences`, () => {
    // Runs after the per-endian suites (vitest runs a file's tests in order).
    process.stderr.write(`isa-differential: ${sequencesRun} sequences compared\n`);
    expect(sequencesRun).toBeGreaterThanOrEqual(CI_SEQUENCES_MIN);
  });
});
