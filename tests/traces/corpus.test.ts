/**
 * The golden corpus (traces/corpus/, recorded by scripts/record-corpus.sh) replays bit for bit:
 * every event, every checkpoint digest and the verdict. A deliberate change of behaviour means
 * re-recording the corpus in the same commit (the compatibility rule is in docs/trace-format.md).
 * traces/corpus/v1/ holds traces of format v1, which this build still reads and must replay too:
 * they are never re-recorded.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { replayFile } from '../../sim/cli/commands/replay.js';
import { loadFirmware } from '../../sim/cli/firmware-loader.js';
import { renderDivergence } from '../../traces/replay.js';

const dir = 'traces/corpus';
const mpt = (d: string): string[] => readdirSync(join(dir, d)).filter((f) => f.endsWith('.mpt')).sort().map((f) => join(d, f));
const files = [...mpt('.'), ...mpt('v1')];

describe('traces/corpus', () => {
  it('holds golden traces', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const f of files) {
    it(`${f} replays exactly`, async () => {
      await loadFirmware('reference');
      const o = replayFile(join(dir, f), undefined);
      if (o.result !== undefined && !o.result.ok) throw new Error(renderDivergence(o.result));
      expect(o.status).toBe('ok');
    });
  }
});
