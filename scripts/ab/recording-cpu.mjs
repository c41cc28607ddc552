// CPU-time medians of seed 1 (default config) unrecorded, recorded at events level (to /dev/shm) and with checkpoints only.
// usage: node scripts/ab/recording-cpu.mjs <dist> [reps]
import { resolve } from 'node:path';
import { mkdtempSync } from 'node:fs';
const D = resolve(process.argv[2]) + '/sim';
const { runScenario } = await import(`${D}/scenario/run.js`);
const { deriveScenario } = await import(`${D}/scenario/scenario.js`);
const { DEFAULT_CONFIG } = await import(`${D}/machine/config.js`);
const { referenceProfile } = await import(`${D}/firmware/profiles.js`);
const { recordRun, CHECKPOINT_EVERY_CYCLES } = await import(`${D}/cli/recording.js`);
const NULL_SINK = { event: () => {} };
const reps = Number(process.argv[3] ?? 15);
const spec = deriveScenario('1', DEFAULT_CONFIG, 'reference');
const dir = mkdtempSync('/dev/shm/rec-');
const plain = () => runScenario(spec, { sink: NULL_SINK, profile: referenceProfile(spec) });
const rec = () => recordRun(spec, referenceProfile(spec), dir + '/e.mpt', 'events');
const ck = () => runScenario(spec, { sink: NULL_SINK, profile: referenceProfile(spec), checkpointEveryCycles: CHECKPOINT_EVERY_CYCLES });
const cpu = (f) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
for (let i = 0; i < 3; i++) { plain(); rec(); ck(); }
const P = [], R = [], K = [];
for (let i = 0; i < reps; i++) { P.push(cpu(plain)); R.push(cpu(rec)); K.push(cpu(ck)); }
const med = (x) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
const min = (x) => Math.min(...x);
console.log(`plain ${med(P).toFixed(1)} (min ${min(P).toFixed(1)})  recorded ${med(R).toFixed(1)} (min ${min(R).toFixed(1)}) ${(100 * (med(R) / med(P) - 1)).toFixed(1)}%  checkpoints-only ${med(K).toFixed(1)} ${(100 * (med(K) / med(P) - 1)).toFixed(1)}%  min-ratio ${(100 * (min(R) / min(P) - 1)).toFixed(1)}%`);
