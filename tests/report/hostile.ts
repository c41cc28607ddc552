/** A trace carrying hostile strings wherever a trace can carry text (header, event keys and values, invariant details, footer). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTraceFile } from '../../traces/reader.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import type { TraceHeaderInput, TraceItem } from '../../traces/format.js';
import type { SimEvent } from '../../sim/trace/events.js';

export const HOSTILE = `</title><script>alert("x")</script><img src=x onerror=alert(1)> ' " ]]> <!-- & &amp; <svg onload=alert(2)>`;

/** A real trace with hostile strings put everywhere a trace can carry text. */
export function hostileTrace(realTrace: string, dir: string): string {
  const t = readTraceFile(realTrace);
  const header: TraceHeaderInput = {
    simulatorVersion: HOSTILE,
    costModelVersion: t.header.costModelVersion,
    config: { ...t.header.config, [HOSTILE]: HOSTILE },
    seed: HOSTILE,
    firmware: { name: HOSTILE, contentHash: HOSTILE },
    workloads: [],
    traceLevel: 'events',
    scenario: t.header.scenario,
  };
  const extra: SimEvent[] = [
    { cycle: 5, who: 'linux', kind: 'linux-log', data: { level: 'emerg', msg: HOSTILE, [HOSTILE]: 1 } },
    { cycle: 201_000, who: 'hostboot', kind: 'copy', data: { index: 9, src: '0x1000', dest: '0x2000', size: '0x1000', region: '0x80', result: HOSTILE } },
    { cycle: 749_500, who: 'oracle', kind: 'invariant', data: { id: HOSTILE, ok: false, detail: `${HOSTILE} xer is 0x0, expected 0x20040000`, round: 0 } },
  ];
  const events = [...t.events, ...extra].sort((a, b) => a.cycle - b.cycle);
  const items: TraceItem[] = events.map((event) => ({ type: 'event', event }));
  const path = join(dir, 'hostile.mpt');
  writeFileSync(path, encodeTraceToBytes(header, items, { finalDigest: HOSTILE, verdict: HOSTILE }));
  return path;
}

