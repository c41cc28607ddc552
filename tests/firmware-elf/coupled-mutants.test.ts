/**
 * Finding power of coupled time (docs/firmware-elf.md, "Time modes"): the C-level mid-call mutants
 * (scripts/build-firmware.sh, `skiboot-mid-call-*`) leave the tables exactly as the reference does
 * once their call completes, so charged time — where a call is one step — cannot see them; in
 * coupled time the check aims crashes inside firmware and `mutants` kills every one within the
 * default budget. Both facts are pinned here.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const ELFS = 'skiboot=firmware/bin/skiboot.elf,hostboot=firmware/bin/hostboot.elf';
const MID_CALL = [
  'skiboot-mid-call-add-range-count-zero',
  'skiboot-mid-call-remove-range-count-zero',
  'skiboot-mid-call-remove-range-rebuilds-table',
  'skiboot-mid-call-remove-all-count-zero-first',
  'skiboot-mid-call-remove-all-zeroes-table-first',
];

interface Scored {
  readonly name: string;
  readonly killed: boolean;
  readonly runsToKill: number | null;
}

async function score(mode: 'charged' | 'coupled'): Promise<{ runs: number; mutants: Scored[] }> {
  const r = await cli('mutants', '--json', '--time-mode', mode, '--only', MID_CALL.join(','), '--firmware-elf', ELFS);
  expect(r.code === 0 || r.code === 1).toBe(true);
  return JSON.parse(r.stdout) as { runs: number; mutants: Scored[] };
}

describe.skipIf(!existsSync(join('firmware', 'bin', 'manifest.json')))('mid-call C mutants', () => {
  it('the manifest lists at least 5 of them', async () => {
    const { readFileSync } = await import('node:fs');
    const m = JSON.parse(readFileSync(join('firmware', 'bin', 'manifest.json'), 'utf8')) as { elfs: { mutant?: string }[] };
    expect(m.elfs.map((e) => e.mutant).filter((n) => n?.includes('-mid-call-'))).toEqual(expect.arrayContaining(MID_CALL));
  });

  it('coupled time kills every one within the default budget', async () => {
    const doc = await score('coupled');
    expect(doc.runs).toBe(200);
    expect(doc.mutants.map((m) => m.name).sort()).toEqual([...MID_CALL].sort());
    expect(doc.mutants.filter((m) => !m.killed).map((m) => m.name)).toEqual([]);
  }, 900_000);

  it('charged time lets every one survive the same budget', async () => {
    const doc = await score('charged');
    expect(doc.runs).toBe(200);
    expect(doc.mutants.filter((m) => m.killed).map((m) => m.name)).toEqual([]);
  }, 900_000);
});
