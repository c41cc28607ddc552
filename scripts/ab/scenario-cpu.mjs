// CPU and wall time per default scenario of one build (seeds 1..n after one warm-up), unrecorded.
// usage: node scripts/ab/scenario-cpu.mjs <dist> [synthetic|machine-code] [n]
import { resolve } from 'node:path';
const D = resolve(process.argv[2]) + '/sim';
const { runScenario } = await import(`${D}/scenario/run.js`);
const { deriveScenario } = await import(`${D}/scenario/scenario.js`);
const { DEFAULT_CONFIG } = await import(`${D}/machine/config.js`);
const { referenceProfile } = await import(`${D}/firmware/profiles.js`);
const NULL_SINK = { event: () => {} };
const workload = process.argv[3] ?? 'synthetic';
const n = Number(process.argv[4] ?? 20);
const specs = Array.from({ length: n }, (_, i) => deriveScenario(String(i + 1), { ...DEFAULT_CONFIG, workload }, 'reference'));
runScenario(specs[0], { sink: NULL_SINK, profile: referenceProfile(specs[0]) });
const c0 = process.cpuUsage(); const t0 = performance.now();
let bad = 0;
for (const s of specs) if (runScenario(s, { sink: NULL_SINK, profile: referenceProfile(s) }).verdict !== 'pass') bad++;
const c = process.cpuUsage(c0); const w = performance.now() - t0;
console.log(`${workload}: ${((c.user + c.system) / 1000 / n).toFixed(1)} ms CPU, ${(w / n).toFixed(1)} ms wall per scenario${bad ? `, ${bad} not pass` : ''}`);
