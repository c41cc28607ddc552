// A/B of two builds (copies of dist/): the bundled user ELFs ×20, warm (one warm-up run each), median of 3, CPU time.
// usage: node scripts/ab/bundled-warm.mjs <distA> <distB>   (from the repository root)
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
const load = async (d) => ({ run: (await import(resolve(d) + '/sim/elf/user-mode.js')).runElfForBench, scale: (await import(resolve(d) + '/sim/bench/elf-scale.js')).scaleUserElf });
const A = await load(process.argv[2]); const B = await load(process.argv[3]);
const files = readdirSync('workloads/bin').filter((f) => /^user-.*-le\.elf$/.test(f));
const one = (X, elf) => { const c0 = process.cpuUsage(); const r = X.run(elf, 1e12); const c = process.cpuUsage(c0); return r.instructions / ((c.user + c.system) / 1e6) / 1e6; };
for (const f of files) {
  const elf = A.scale(new Uint8Array(readFileSync('workloads/bin/' + f)), 20);
  one(A, elf); one(B, elf);
  const a = [], b = [];
  for (let i = 0; i < 3; i++) { a.push(one(A, elf)); b.push(one(B, elf)); }
  const med = (x) => [...x].sort((p, q) => p - q)[1];
  console.log(f, med(a).toFixed(1), med(b).toFixed(1), (med(b) / med(a)).toFixed(2));
}
