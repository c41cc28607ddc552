/**
 * `--firmware-elf` and `reference-elf` through the CLI: validation errors are one line and exit 2;
 * a faulting ELF is a finding under `firmware-sane`; the trace header records each ELF and replay
 * without the same bytes exits 125; our C firmware (the committed firmware/bin ELFs) passes `run`
 * with the reference's results on a few seeds and `check --runs 100`.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { isCi } from '../helpers/tools.js';
import { readTrace } from '../../traces/reader.js';
import { blr, cmpdi, beq, loadImm64 } from '../helpers/ppc-asm.js';
import { FW_OPAL_NOT_HANDLED } from '../../sim/firmware-elf/abi.js';
import { ATTN, buildFwElf } from './fw-elf.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-elf-cli-'));
const NOT_HANDLED = loadImm64(3, FW_OPAL_NOT_HANDLED);

/** A skiboot ELF whose dispatcher hands every token to the model, except `attnToken` (attn). */
function skibootFile(name: string, attnToken = -1): string {
  const words = attnToken < 0 ? [...NOT_HANDLED, blr()] : [cmpdi(0, 3, attnToken), beq(0, 4 * (NOT_HANDLED.length + 2)), ...NOT_HANDLED, blr(), ATTN];
  const path = join(dir, name);
  writeFileSync(path, buildFwElf({ textBase: 0x3002_0000n, functions: [{ name: 'mpipl_fw_opal_call', words }] }).bytes);
  return path;
}

function header(path: string): Record<string, unknown> {
  const it = readTrace(path);
  const first = it.next();
  it.return();
  if (first.done || first.value.type !== 'header') throw new Error('no header');
  return first.value.header as unknown as Record<string, unknown>;
}

describe('--firmware-elf', () => {
  it('rejects bad option text and bad files with one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--firmware-elf', 'linux=x'], /^mpipl-sim run: --firmware-elf: "linux=x" names no participant/],
      [['--firmware-elf', 'skiboot='], /^mpipl-sim run: --firmware-elf: skiboot= needs a path/],
      [['--firmware-elf', `skiboot=${join(dir, 'missing.elf')}`], /cannot read the file \(ENOENT\)/],
      [['--firmware-elf', `hostboot=${skibootFile('sk0.elf')}`], /segment 0 at 0x30020000 \(0x\w+ bytes\) is outside the hostboot window/],
      [['--firmware-elf', `skiboot=${skibootFile('sk1.elf')},skiboot=${skibootFile('sk1.elf')}`], /skiboot is given twice/],
      [['--firmware-elf'], /expected skiboot=PATH and\/or hostboot=PATH/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli('run', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('a skiboot ELF that hands every call to the model passes like the reference', async () => {
    const ref = JSON.parse((await cli('run', '--seed', '5', '--json')).stdout);
    const r = await cli('run', '--seed', '5', '--json', '--firmware-elf', `skiboot=${skibootFile('pass.elf')}`);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.firmware).toBe('reference+elf');
    expect(doc.verdict).toBe('pass');
    expect(doc.mdrt).toEqual(ref.mdrt);
  });

  it('a fault in the ELF is a finding named firmware-sane (exit 1)', async () => {
    // OPAL_MPIPL_UPDATE (173): the kernel's fadump registration.
    const r = await cli('run', '--seed', '5', '--json', '--firmware-elf', `skiboot=${skibootFile('attn.elf', 173)}`);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.verdict).toBe('fail');
    const sane = doc.invariants.filter((i: { id: string }) => i.id === 'firmware-sane');
    expect(sane).toHaveLength(1);
    expect(sane[0].ok).toBe(false);
    expect(sane[0].detail).toMatch(/^skiboot firmware fault \(attn\) at mpipl_fw_opal_call\+0x[0-9a-f]+ \(0x3002[0-9a-f]{4}\) in mpipl_fw_opal_call: attn/);
  });

  it('records each ELF in the trace header; replay needs the same bytes (else 125)', async () => {
    const elf = skibootFile('rec.elf');
    const trace = join(dir, 'rec.mpt');
    expect((await cli('run', '--seed', '6', '--firmware-elf', `skiboot=${elf}`, '--record', trace)).code).toBe(0);
    const h = header(trace);
    expect((h['firmware'] as { name: string }).name).toBe('reference+elf');
    expect(h['firmwareElfs']).toEqual([{ participant: 'skiboot', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), abi: 1 }]);
    expect((await cli('replay', trace, '--firmware-elf', `skiboot=${elf}`)).code).toBe(0);
    // Other bytes (one byte appended: still a valid ELF) cannot test this trace.
    const other = join(dir, 'other.elf');
    writeFileSync(other, Buffer.concat([readFileSync(elf), Buffer.from([0])]));
    const r = await cli('replay', trace, '--firmware-elf', `skiboot=${other}`);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/cannot test: trace ran skiboot ELF sha256 [0-9a-f]{16}… \(ABI v1\); the skiboot ELF given has sha256/);
  });
});

const committed = existsSync(join('firmware', 'bin', 'skiboot.elf')) && existsSync(join('firmware', 'bin', 'hostboot.elf'));
if (!committed) {
  if (isCi()) throw new Error('firmware/bin/skiboot.elf and hostboot.elf are missing (scripts/build-firmware.sh builds them)');
  console.warn('skipping reference-elf CLI tests: firmware/bin ELFs not built (scripts/build-firmware.sh)');
}

describe.skipIf(!committed)('reference-elf (our C firmware)', () => {
  it.each(['1', '2', '3'])('run --seed %s passes with the reference results', async (seed) => {
    const ref = JSON.parse((await cli('run', '--seed', seed, '--json')).stdout);
    const r = await cli('run', '--seed', seed, '--json', '--firmware', 'reference-elf');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.verdict).toBe('pass');
    expect(doc.mdrt).toEqual(ref.mdrt);
    expect(doc.invariants.map((i: { id: string; ok: boolean }) => [i.id, i.ok])).toEqual(ref.invariants.map((i: { id: string; ok: boolean }) => [i.id, i.ok]));
  });

  it('check --runs 100 passes', async () => {
    const r = await cli('check', '--firmware', 'reference-elf', '--runs', '100', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict).toBe('pass');
  }, 300_000);

  it.skipIf(!existsSync(join('firmware', 'bin', 'manifest.json')))('mutants --firmware-elf kills every C-level mutant built beside the ELFs', async () => {
    const r = await cli('mutants', '--runs', '10', '--json', '--firmware-elf', 'skiboot=firmware/bin/skiboot.elf,hostboot=firmware/bin/hostboot.elf');
    const doc = JSON.parse(r.stdout);
    expect(doc.mutants.length).toBeGreaterThanOrEqual(8);
    // The mid-call mutants show only in coupled time (tests/firmware-elf/coupled-mutants.test.ts).
    expect(doc.mutants.filter((m: { killed: boolean; name: string }) => !m.killed && !m.name.includes('-mid-call-')).map((m: { name: string }) => m.name)).toEqual([]);
    // Exit 1 exactly when a mutant survived: in charged time that is the mid-call ones.
    expect(r.code).toBe(doc.mutants.every((m: { killed: boolean }) => m.killed) ? 0 : 1);
  }, 300_000);

  it('a recorded reference-elf trace replays', async () => {
    const trace = join(dir, 'refelf.mpt');
    expect((await cli('run', '--seed', '4', '--firmware', 'reference-elf', '--record', trace)).code).toBe(0);
    expect((header(trace)['firmwareElfs'] as unknown[]).map((e) => (e as { participant: string }).participant)).toEqual(['skiboot', 'hostboot']);
    expect((await cli('replay', trace)).code).toBe(0);
  });
});
