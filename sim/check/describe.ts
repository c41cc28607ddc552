/**
 * A scenario in the spec's vocabulary, for counterexamples a firmware engineer can read:
 * `ADD_RANGE(src=0x…, dest=0x…, size=0x…); crash at boot 0 +1234 cycles on PIR 0x5 → mdrt-sound: …`.
 */
import type { ScenarioSpec } from '../scenario/scenario.js';
import { humanBytes } from '../core/u64.js';

export function describeScenario(spec: ScenarioSpec): string {
  const c = spec.config;
  const parts: string[] = [];
  parts.push(`seed ${spec.seed}, ${c.chips} chip × ${c.coresPerChip} cores × SMT${c.threadsPerCore}, ${humanBytes(c.ramSizeBytes)} RAM, ${c.kernelEndian}-endian kernel`);
  if (Object.keys(spec.linux).length > 0) parts.push(`linux ${JSON.stringify(spec.linux)}`);
  if (spec.faults.dropStash === true) parts.push('SBE drops the stash chip-op');
  if (spec.faults.allocSizeBytes !== undefined) parts.push(`proc dump alloc_size ${humanBytes(spec.faults.allocSizeBytes)}`);
  if (spec.patterns === true) parts.push('seeded memory patterns');
  for (const r of spec.reservedRanges ?? []) parts.push(`platform reserves 0x${r.startBytes.toString(16)} + ${humanBytes(r.sizeBytes)}`);
  const steps: { boot: number; at: number; text: string }[] = [];
  for (const o of spec.ops) {
    const a = o.args;
    const text =
      o.call === 'ADD_RANGE'
        ? `ADD_RANGE(src=${a[0]}, dest=${a[1]}, size=${a[2]})`
        : o.call === 'REMOVE_RANGE'
          ? `REMOVE_RANGE(src=${a[0]}, dest=${a[1]})`
          : o.call === 'REGISTER_TAG'
            ? `REGISTER_TAG(tag=${a[0]}, value=${a[1]})`
            : o.call;
    steps.push({ boot: o.boot, at: o.afterBootCycles, text });
  }
  for (const w of spec.tableWrites) {
    steps.push({ boot: w.boot, at: w.afterBootCycles, text: `${w.table}[${w.index}] ← {addr ${w.addr}, region 0x${w.region.toString(16)}, size 0x${w.sizeBytes.toString(16)}}${w.actCnt === undefined ? '' : `, act_cnt ${w.actCnt}`}` });
  }
  for (const r of spec.reboots ?? []) steps.push({ boot: r.boot, at: r.afterBootCycles, text: `reboot at +${r.afterBootCycles} cycles (fast asked first)` });
  spec.crashes.forEach((cr, boot) => {
    const at = cr.atCycle ?? cr.afterBootCycles ?? 0;
    const what = cr.source === 'opal' ? 'OPAL abort' : 'crash';
    const when = cr.atCycle !== undefined ? `at cycle ${cr.atCycle}` : cr.trapAfterIterations !== undefined ? `(guest trap after ${cr.trapAfterIterations} iterations)` : `at +${at} cycles${cr.beforeRelease === true ? ' (before release)' : ''}`;
    const also = (cr.alsoPanic ?? []).map((a) => `, PIR 0x${a.pir.toString(16)} panics ${a.afterCycles} cycle(s) later`).join('');
    steps.push({ boot, at, text: `${what} ${when} on PIR 0x${cr.pir.toString(16)}${also}` });
  });
  steps.sort((x, y) => x.boot - y.boot || x.at - y.at);
  let boot = -1;
  const seq: string[] = [];
  for (const s of steps) {
    if (s.boot !== boot) {
      boot = s.boot;
      seq.push(`[boot ${boot}]`);
    }
    seq.push(s.text);
  }
  return `${parts.join('; ')}: ${seq.join('; ')}`;
}
