/**
 * `deterministic` and `replay-exact` (design section 6): the same scenario gives identical trace
 * bytes, in one process and across processes, and every recorded scenario replays exactly.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioArb } from '../sim/check/arbitrary.js';
import { runScenario } from '../sim/scenario/run.js';
import { referenceProfile } from '../sim/firmware/profiles.js';
import { headerFor, recordRun, rerun, CHECKPOINT_EVERY_CYCLES } from '../sim/cli/recording.js';
import { replayFile } from '../sim/cli/commands/replay.js';
import { TraceEncoder } from '../traces/writer.js';
import { readTraceBytes } from '../traces/reader.js';
import { compareStreams } from '../traces/replay.js';
import type { ScenarioSpec } from '../sim/scenario/scenario.js';
import type { SimEvent } from '../sim/trace/events.js';
import { PROPS_SEED } from './seed.js';

/** Record a scenario into bytes, exactly as `run --record` would write the file. */
function recordBytes(spec: ScenarioSpec): Uint8Array {
  const chunks: Uint8Array[] = [];
  const profile = referenceProfile(spec);
  const enc = new TraceEncoder(headerFor(spec, profile, 'events'), (b) => chunks.push(b.slice()));
  const sink = { event: (e: SimEvent) => enc.event(e) };
  const r = runScenario(spec, { sink, profile, checkpointEveryCycles: CHECKPOINT_EVERY_CYCLES });
  enc.finish({ finalDigest: r.finalDigest, verdict: r.verdict });
  return Buffer.concat(chunks);
}

const arb = scenarioArb({ firmware: 'reference', ramSizeMaxBytes: 8 * 2 ** 30 });

describe('deterministic', () => {
  it('the same scenario twice gives identical trace bytes', () => {
    fc.assert(
      fc.property(arb, (spec) => {
        expect(Buffer.from(recordBytes(spec)).equals(Buffer.from(recordBytes(spec)))).toBe(true);
      }),
      { seed: PROPS_SEED, numRuns: 12 },
    );
  });

  it('two processes record byte-identical files for the same seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpipl-det-'));
    for (const name of ['a.mpt', 'b.mpt']) {
      execFileSync(process.execPath, ['bin/mpipl-sim.js', 'run', '--seed', 'deadbeef', '--crashes', '2', '--record', join(dir, name)], { stdio: 'ignore' });
    }
    expect(readFileSync(join(dir, 'a.mpt')).equals(readFileSync(join(dir, 'b.mpt')))).toBe(true);
  });
});

describe('replay-exact', () => {
  it('every generated scenario replays event for event and digest for digest', () => {
    fc.assert(
      fc.property(arb, (spec) => {
        const bytes = recordBytes(spec);
        const items = readTraceBytes(bytes);
        const first = items.next();
        if (first.done || first.value.type !== 'header') throw new Error('no header');
        const { items: replayed } = rerun(first.value.header, undefined);
        const result = compareStreams(items, replayed);
        expect(result.ok).toBe(true);
      }),
      { seed: PROPS_SEED + 1, numRuns: 200 },
    );
  });

  it('at full level too: every retired instruction replays with its register and memory effects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpipl-full-'));
    let n = 0;
    fc.assert(
      fc.property(arb, (spec) => {
        const file = join(dir, `s${n++}.mpt`);
        recordRun(spec, referenceProfile(spec), file, 'full');
        const o = replayFile(file, undefined);
        expect(o.status).toBe('ok');
      }),
      { seed: PROPS_SEED + 2, numRuns: 10 },
    );
  }, 600_000);
});
