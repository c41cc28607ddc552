/**
 * Build against build (docs/bisect.md, "Build against build"), the done criterion of issue 15: for
 * EACH C-level mutant in firmware/bin/manifest.json, `bisect builds` between the correct build and
 * the mutant names the mutated source line. The expected line is derived from the C source — the
 * lines of the `#ifdef MUTANT_…` / `#elif defined(MUTANT_…)` branch the mutant's -D selects — never
 * hard-coded. Also: the JSON shape, identical builds (exit 0), errors (exit 2), and the
 * first-bad-build search over an ordered list.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareBuilds } from '../../sim/bisect/builds.js';
import { loadFirmwareElf } from '../../sim/firmware-elf/loader.js';
import { profileWithElfs } from '../../sim/firmware-elf/profile.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { hex } from '../../sim/core/u64.js';
import { deriveScenario, scratchArea, type OpalOp, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { REPO_ROOT } from '../helpers/workloads.js';
import { cli } from '../helpers/cli.js';

const FW = join(REPO_ROOT, 'firmware');
const BIN = join(FW, 'bin');

interface ManifestEntry {
  readonly file: string;
  readonly participant: 'skiboot' | 'hostboot';
  readonly mutant?: string;
  readonly define?: string;
}
const MUTANTS = (JSON.parse(readFileSync(join(BIN, 'manifest.json'), 'utf8')) as { elfs: ManifestEntry[] }).elfs.filter((e) => e.mutant !== undefined);

function cFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? cFiles(join(dir, d.name)) : d.name.endsWith('.c') ? [join(dir, d.name)] : []));
}

/**
 * The source lines (path relative to firmware/, as the DWARF names them) of the branch `define`
 * selects: from `#ifdef DEFINE`, `#if defined(DEFINE)` or `#elif defined(DEFINE)` to the next
 * `#else`/`#elif`/`#endif` of the same level, directives and blank lines left out.
 */
export function mutatedLines(define: string): string[] {
  const out: string[] = [];
  for (const path of cFiles(join(FW, 'src'))) {
    const lines = readFileSync(path, 'utf8').split('\n');
    const opens = new RegExp(`^\\s*#\\s*(ifdef\\s+${define}\\b|(el)?if\\s+defined\\(${define}\\))`);
    lines.forEach((l, i) => {
      if (!opens.test(l)) return;
      for (let k = i + 1, depth = 0; k < lines.length; k++) {
        const t = lines[k]!.trim();
        if (/^#\s*if/.test(t)) depth++;
        else if (/^#\s*endif/.test(t) && depth > 0) depth--;
        else if (depth === 0 && /^#\s*(else|elif|endif)/.test(t)) break;
        else if (t !== '' && !t.startsWith('#')) out.push(`${relative(FW, path)}:${k + 1}`);
      }
    });
  }
  return out;
}

const spec = deriveScenario('1', DEFAULT_CONFIG, 'reference');
const elf = (who: 'skiboot' | 'hostboot', file: string) => loadFirmwareElf(who, new Uint8Array(readFileSync(join(BIN, file))), file);
/** Issue 14's mid-call mutants change only the order of a call's table writes: bisected in coupled time too. */
const isMidCall = (m: ManifestEntry): boolean => m.mutant!.includes('-mid-call-');

/**
 * `spec` with a driver that adds two page ranges, removes one and then removes all, early in the
 * first boot: seed 1's own calls never remove, and the mid-call mutants differ only in how
 * REMOVE_RANGE and REMOVE_ALL order their table writes.
 */
function removing(s: ScenarioSpec): ScenarioSpec {
  const scratch = scratchArea(s.config.ramSizeBytes).start;
  const page = (i: number): string[] => [hex(0x0c00_0000 + i * 0x1000), hex(scratch + 0x0400_0000 + i * 0x1000)];
  const op = (afterBootCycles: number, call: OpalOp['call'], args: string[]): OpalOp => ({ boot: 0, afterBootCycles, call, args });
  // The crash 8 000 cycles later: a driver makes no call after the panic, and in coupled time its
  // calls also wait for the kernel's own registration calls on the boot CPU.
  const [first, ...rest] = s.crashes;
  return {
    ...s,
    crashes: [{ ...first!, afterBootCycles: (first!.afterBootCycles ?? 0) + 8_000 }, ...rest],
    ops: [...s.ops, op(100, 'ADD_RANGE', [...page(0), '0x1000']), op(1_100, 'ADD_RANGE', [...page(1), '0x1000']), op(2_100, 'REMOVE_RANGE', [...page(0), '0x0']), op(3_100, 'REMOVE_ALL', ['0x0', '0x0', '0x0'])],
  };
}

/** `s` in coupled time: the driver's calls run on the boot CPU's hardware thread. */
function coupled(s: ScenarioSpec): ScenarioSpec {
  return { ...s, timeMode: 'coupled' };
}

/** `bisect builds` between the correct build and mutant `m` names one of the lines its -D selects. */
function expectMutatedLineNamed(m: ManifestEntry, s: ScenarioSpec): void {
  const good = profileWithElfs('good', referenceProfile, { [m.participant]: elf(m.participant, `${m.participant}.elf`) });
  const bad = profileWithElfs('bad', referenceProfile, { [m.participant]: elf(m.participant, m.file) });
  const r = compareBuilds(s, good, bad);
  expect(r.verdict).toBe('diverged');
  expect(r.effectIndex).not.toBeNull();
  expect(r.a?.file).not.toBeNull();
  expect(r.b?.file).not.toBeNull();
  const expected = mutatedLines(m.define!);
  // The changed line the divergent call ran in B and never in A.
  const onlyB = r.linesOnlyB.map((l) => `${l.file}:${l.line}`);
  expect(onlyB.filter((l) => expected.includes(l)), `lines only B ran: ${onlyB.join(' ')}; mutated: ${expected.join(' ')}`).not.toEqual([]);
}

describe('bisect builds names the mutated source line of every C-level mutant', () => {
  it('the manifest lists the fourteen C-level mutants of issue 13 and five mid-call ones, each with a #ifdef site in the source', () => {
    expect(MUTANTS.filter((m) => !isMidCall(m)).length).toBe(14);
    expect(MUTANTS.filter(isMidCall).length).toBe(5);
    for (const m of MUTANTS) expect(mutatedLines(m.define!), m.mutant).not.toEqual([]);
  });

  for (const m of MUTANTS) {
    it(m.mutant!, () => expectMutatedLineNamed(m, isMidCall(m) ? removing(spec) : spec), 120_000);
  }
  // Coupled time: the calls run on the boot CPU's hardware thread and are watched the same way.
  for (const m of MUTANTS.filter(isMidCall)) {
    it(`${m.mutant!} in coupled time`, () => expectMutatedLineNamed(m, coupled(removing(spec))), 120_000);
  }
});

describe('bisect builds on the command line', () => {
  const skiboot = join(BIN, 'skiboot.elf');
  const mutant = MUTANTS.find((m) => m.mutant === 'skiboot-add-range-swaps-mdst-mddt')!;

  it('--time-mode coupled: the scenario runs in coupled time and the same line is named', async () => {
    const r = await cli('bisect', 'builds', '--firmware-elf', `skiboot=${skiboot}`, '--against', `skiboot=${join(BIN, mutant.file)}`, '--seed', '1', '--time-mode', 'coupled', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Record<string, any>;
    expect(j.call.entry).toBe('mpipl_fw_opal_call');
    expect(j.linesOnlyB.map((l: { file: string; line: number }) => `${l.file}:${l.line}`)).toEqual(expect.arrayContaining(mutatedLines(mutant.define!)));
  }, 120_000);

  it('--json gives the call, the effect index and both instructions with symbol, file and line', async () => {
    const r = await cli('bisect', 'builds', '--firmware-elf', `skiboot=${skiboot}`, '--against', `skiboot=${join(BIN, mutant.file)}`, '--seed', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Record<string, any>;
    expect(typeof j.firstDivergentCycle).toBe('number');
    expect(j.call.entry).toBe('mpipl_fw_opal_call');
    expect(typeof j.effectIndex).toBe('number');
    for (const side of [j.a, j.b]) {
      expect(side.symbol).toMatch(/^[a-z_0-9]+\+0x[0-9a-f]+$/);
      expect(side.file).toMatch(/\.c$/);
      expect(side.line).toBeGreaterThan(0);
      expect(side.instruction).toMatch(/^0x[0-9a-f]{8} \S+/);
      expect(side.effect).toMatch(/\] ← 0x/);
    }
    expect(j.registers.length).toBeGreaterThan(0);
    expect(j.linesOnlyB.map((l: { file: string; line: number }) => `${l.file}:${l.line}`)).toEqual(expect.arrayContaining(mutatedLines(mutant.define!)));
  }, 120_000);

  it('the same build twice: exit 0', async () => {
    const r = await cli('bisect', 'builds', '--firmware-elf', `skiboot=${skiboot}`, '--against', `skiboot=${skiboot}`, '--seed', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^same: \d+ firmware calls/);
  }, 120_000);

  it('errors are one line, exit 2', async () => {
    for (const argv of [
      ['bisect', 'builds', '--firmware-elf', `skiboot=${skiboot}`],
      ['bisect', 'builds', '--against', `skiboot=${skiboot}`],
      ['bisect', 'builds', '--firmware-elf', `skiboot=${skiboot}`, '--against', 'skiboot=/nonexistent.elf'],
      ['bisect', 'builds', '--firmware-elf', `skiboot=${skiboot}`, '--against', 'kernel=x.elf'],
      ['bisect', 'firmware', '--firmware-elf', `skiboot=${skiboot}`],
      ['bisect', 'firmware', '--firmware-elf', `skiboot=${skiboot},hostboot=${skiboot}`],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });

  it('bisect firmware --firmware-elf skiboot=b1,b2,…: the first bad build in the list', async () => {
    const good = skiboot;
    const bad = join(BIN, mutant.file);
    const r = await cli('bisect', 'firmware', '--firmware-elf', `skiboot=${good},${good},${bad},${bad}`, '--seed', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Record<string, any>;
    expect(j.firstBadIndex).toBe(2);
    expect(j.divergence.linesOnlyB.map((l: { file: string; line: number }) => `${l.file}:${l.line}`)).toEqual(expect.arrayContaining(mutatedLines(mutant.define!)));
  }, 240_000);

  it('bisect diverge FILE --firmware-elf: the recording\'s build against the given one', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mpipl-diverge-builds-'));
    try {
      const trace = join(tmp, 'ref-elf.mpt');
      expect((await cli('run', '--seed', '1', '--firmware', 'reference-elf', '--record', trace)).code).toBe(0);
      const bad = join(BIN, mutant.file);
      const r = await cli('bisect', 'diverge', trace, '--firmware-elf', `skiboot=${bad}`, '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const j = JSON.parse(r.stdout) as Record<string, any>;
      expect(j.linesOnlyB.map((l: { file: string; line: number }) => `${l.file}:${l.line}`)).toEqual(expect.arrayContaining(mutatedLines(mutant.define!)));
      // The recording's own build: nothing differs.
      expect((await cli('bisect', 'diverge', trace, '--firmware-elf', `skiboot=${skiboot}`)).code).toBe(0);
      // A --recorded-elf that is not what the trace ran: this build cannot test it (125).
      const wrong = await cli('bisect', 'diverge', trace, '--firmware-elf', `skiboot=${bad}`, '--recorded-elf', `skiboot=${bad},hostboot=${join(BIN, 'hostboot.elf')}`);
      expect(wrong.code).toBe(125);
      expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 300_000);
});
