/**
 * The judgements issue 11 added, each on a scenario built for it: an append past full tables, an
 * exception while judging, a vmcore left unjudged for a cause the scenario made, MDRT rewritten
 * by a normal IPL, and a run that took no dump.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.js';
import { deriveScenario, scratchArea, type ScenarioSpec } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { MemorySink } from '../../sim/trace/events.js';
import type { FirmwareImages, FirmwareProfile } from '../../sim/participants/firmware.js';
import type { Platform } from '../../sim/participants/platform.js';
import { ReferenceHostboot } from '../../sim/participants/hostboot/reference.js';
import { SkibootModel } from '../../sim/participants/skiboot/skiboot.js';
import { SkibootAddRangeFullOffByOne } from '../../sim/firmware/mutants/oracle-classes.js';
import { SkibootMap } from '../../sim/participants/layout.js';
import { INVARIANTS } from '../../sim/oracle/invariants.js';
import { cli } from '../helpers/cli.js';

const base = deriveScenario('1', DEFAULT_CONFIG, 'reference');
const scratch = scratchArea(DEFAULT_CONFIG.ramSizeBytes).start;
const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

function run(spec: ScenarioSpec, patch: Partial<FirmwareProfile> = {}): RunResult {
  const profile: FirmwareProfile = { ...referenceProfile(spec), ...patch };
  return runScenario(spec, { sink: new MemorySink(), profile });
}

const failed = (r: RunResult): string[] => r.invariants.filter((i) => !i.ok).map((i) => `${i.id}: ${i.detail}`);

describe('issue 11 judgements', () => {
  it('lists the new invariant ids', () => {
    for (const id of ['mdrt-exact', 'cpu-format', 'registration-effective', 'firmware-sane']) expect(Object.keys(INVARIANTS)).toContain(id);
  });

  it('registration-effective: ADD_RANGE reporting success on full tables (writing past MDDT) fails', () => {
    // Both tables claim 64 entries; the next ADD_RANGE must answer OPAL_RESOURCE and change nothing.
    const full: ScenarioSpec = {
      ...base,
      tableWrites: [
        { boot: 0, afterBootCycles: 1_500, table: 'MDST', index: 63, addr: '0x8000000000100000', region: 0x80, sizeBytes: 0x1_0000, actCnt: 64 },
        { boot: 0, afterBootCycles: 1_500, table: 'MDDT', index: 63, addr: hex(BigInt(scratch) | (1n << 63n)), region: 0x80, sizeBytes: 0x1_0000, actCnt: 64 },
      ],
      ops: [{ boot: 0, afterBootCycles: 2_000, call: 'ADD_RANGE', args: ['0x200000', hex(scratch + 0x10_0000), '0x10000'] }],
    };
    expect(failed(run(full))).toEqual([]);
    const bad = failed(run(full, { makeSkiboot: () => new SkibootAddRangeFullOffByOne() }));
    expect(bad.join('\n')).toMatch(/registration-effective: OPAL_MPIPL_UPDATE\(ADD_RANGE.*returned OPAL_SUCCESS, expected OPAL_RESOURCE/);
  });

  it('an exception while judging is a failed verdict of the invariant being judged, not a crash', () => {
    // The first QUERY_TAG(OPAL) of the MPIPL boot is the oracle's own (it judges `tags` before Linux boots).
    class ThrowingQuery extends SkibootModel {
      private thrown = false;
      protected override opalMpiplQueryTag(p: Platform, tag: bigint, ptr: bigint): bigint {
        if (!this.thrown && tag === 1n && p.dt.has('/ibm,opal/dump', 'mpipl-boot')) {
          this.thrown = true;
          throw new Error('garbage OPAL metadata');
        }
        return super.opalMpiplQueryTag(p, tag, ptr);
      }
    }
    const r = run(base, { makeSkiboot: () => new ThrowingQuery() });
    expect(failed(r).join('\n')).toMatch(/tags: oracle error while judging \(Error: garbage OPAL metadata\)/);
    // The uninitialised-MDRT mutant (count 1024, garbage claiming region 0x03) runs to a verdict.
    const g = run(base, { makeHostboot: () => new (class extends ReferenceHostboot {
      protected override writeMdrt(p: Platform, b: number, preserved: Parameters<ReferenceHostboot['writeMdrt']>[2]): void {
        super.writeMdrt(p, b, preserved);
        p.mem.fill(b + SkibootMap.MDRT_TABLE_OFF + preserved.length * 32, SkibootMap.MDRT_TABLE_SIZE - preserved.length * 32, 0x03);
        p.mem.write16BE(b + SkibootMap.SPIRAH_OFF + 0xe0 + 0x0a, 1024);
      }
    })() });
    expect(g.verdict).toBe('fail');
    expect(failed(g).join('\n')).toMatch(/mdrt-exact/);
  });

  it('vmcore: a conflict the scenario registered is "not judged" with its cause; the result says so', () => {
    // The scenario registers a source inside the kernel's dump area (0x34000000 + 768 MiB).
    const spec: ScenarioSpec = { ...base, ops: [{ boot: 0, afterBootCycles: 0, call: 'ADD_RANGE', args: ['0x35000000', hex(scratch), '0x10000'] }] };
    const r = run(spec);
    expect(failed(r)).toEqual([]);
    const vmcore = r.invariants.find((i) => i.id === 'vmcore')!;
    expect(vmcore.judged).toBe(false);
    expect(vmcore.notJudgedCause).toMatch(/overlaps the source of pair \d+, a range the scenario registered/);
    expect(r.invariants.filter((i) => i.id !== 'vmcore').every((i) => i.judged === true)).toBe(true);
  });

  it('normal IPL: MDRT rewritten by a normal IPL fails mdrt-exact; other memory is judged too', () => {
    class ScribblesMdrt extends ReferenceHostboot {
      override normalIpl(p: Platform, images: FirmwareImages): void {
        super.normalIpl(p, images);
        const at = SkibootMap.SKIBOOT_BASE + SkibootMap.MDRT_TABLE_OFF + 0x40;
        p.mem.write8(at, p.mem.read8(at) + 1);
      }
    }
    const early: ScenarioSpec = { ...base, crashes: [{ atCycle: 0, pir: 0 }] };
    const good = run(early);
    expect(failed(good)).toEqual([]);
    expect(good.invariants.map((i) => i.detail)).toContain('normal IPL: memory outside the declared IPL areas is unchanged');
    expect(failed(run(early, { makeHostboot: () => new ScribblesMdrt() })).join('\n')).toMatch(/mdrt-exact: MDRT rewritten by an IPL that preserved nothing/);
  });

  it('run: a passing run that took no dump is reported as NOT JUDGED, not as PASS', async () => {
    const r = await cli('run', '--seed', '1', '--crash-at', '0');
    expect(r.stdout).toMatch(/verdict: NOT JUDGED/);
    expect(r.code).toBe(1);
    const doc = JSON.parse((await cli('run', '--seed', '1', '--crash-at', '0', '--json')).stdout) as { verdict: string };
    expect(doc.verdict).toBe('not-judged');
  });
});
