/**
 * Divergence that ignores what must differ between two builds (docs/bisect.md, "Build against
 * build"): the shared-state digest and diff leave out each ELF's segments, stacks and heap and the
 * threads in firmware context, so the correct skiboot build and a C-level mutant agree on shared
 * state until the mutant's first differing store, while their whole-machine digests differ from
 * the first IPL on (the code itself differs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineAt } from '../../sim/bisect/probe.js';
import { diffMachines, sharedDigest } from '../../sim/bisect/state-diff.js';
import { sharedStateFilter } from '../../sim/bisect/effects.js';
import { recordCalls } from '../../sim/bisect/builds.js';
import { narrowDivergence } from '../../sim/bisect/diverge.js';
import { loadFirmwareElf } from '../../sim/firmware-elf/loader.js';
import { profileWithElfs } from '../../sim/firmware-elf/profile.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import { deriveScenario } from '../../sim/scenario/scenario.js';
import { DEFAULT_CONFIG } from '../../sim/machine/config.js';
import { Topology } from '../../sim/machine/topology.js';
import { REPO_ROOT } from '../helpers/workloads.js';

const BIN = join(REPO_ROOT, 'firmware', 'bin');
const load = (file: string) => loadFirmwareElf('skiboot', new Uint8Array(readFileSync(join(BIN, file))), file);

describe('shared-state comparison between two skiboot builds', () => {
  const good = load('skiboot.elf');
  const bad = load('mutants/skiboot-add-range-swaps-mdst-mddt-skiboot.elf');
  const spec = deriveScenario('1', DEFAULT_CONFIG, 'reference');
  const a = profileWithElfs('good', referenceProfile, { skiboot: good });
  const b = profileWithElfs('bad', referenceProfile, { skiboot: bad });
  const filter = sharedStateFilter([good, bad], new Topology(spec.config).cpuMaxPir);
  // The cycle of the first call whose shared effects differ (the mutant's ADD_RANGE).
  const divergentCall = (): number => {
    const ca = recordCalls(spec, a).calls;
    const cb = recordCalls(spec, b).calls;
    const k = ca.findIndex((c, i) => JSON.stringify(c.effects.map((e) => e.kind === 'store' ? [e.address, [...e.bytes]] : e.kind)) !== JSON.stringify(cb[i]!.effects.map((e) => e.kind === 'store' ? [e.address, [...e.bytes]] : e.kind)));
    return ca[k]!.cycle;
  };

  it('before the mutant acts the whole machines differ but the shared state is equal; after, it differs outside private memory', () => {
    const at = divergentCall();
    const ma = machineAt(spec, a, at).machine;
    const mb = machineAt(spec, b, at).machine;
    expect(ma.digest()).not.toBe(mb.digest());
    expect(sharedDigest(ma, filter)).toBe(sharedDigest(mb, filter));
    expect(diffMachines(ma, mb, 16, filter).pagesDiffering).toBe(0);
    expect(diffMachines(ma, mb).pagesDiffering).toBeGreaterThan(0);
    const na = machineAt(spec, a, at + 1).machine;
    const nb = machineAt(spec, b, at + 1).machine;
    expect(sharedDigest(na, filter)).not.toBe(sharedDigest(nb, filter));
    const d = diffMachines(na, nb, 16, filter);
    expect(d.pagesDiffering).toBeGreaterThan(0);
    for (const p of d.pages) expect(filter.privateRanges.some((r) => Number(p.firstAddress) >= r.start && Number(p.firstAddress) < r.end)).toBe(false);
  }, 120_000);

  it('narrowDivergence in shared mode finds the cycle of that call', () => {
    const at = divergentCall();
    const n = narrowDivergence({ spec, recorded: a, candidate: b, lastEqualCycle: 0, firstItemCycle: at + 50, firstItemIsCheckpoint: false, shared: filter });
    expect(n.stateDiverged).toBe(true);
    expect(n.firstDivergentCycle).toBe(at);
  }, 300_000);
});
