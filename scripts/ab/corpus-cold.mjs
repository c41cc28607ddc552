// A/B of two builds (two copies of dist/, e.g. `cp -r dist dist-a` before a change: inside the repository, so that node_modules resolves): every corpus ELF ×4, cold
// (translation cache emptied), both builds in one process, interleaved, best of two runs each, CPU time.
// usage: node scripts/ab/corpus-cold.mjs <distA> <distB>   (from the repository root)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
const load = async (d) => ({
  run: (await import(resolve(d) + '/sim/elf/user-mode.js')).runElfForBench,
  clear: (await import(resolve(d) + '/sim/cpu/interpreter.js')).clearTranslationCache,
  scale: (await import(resolve(d) + '/sim/bench/elf-scale.js')).scaleUserElf,
});
const A = await load(process.argv[2]); const B = await load(process.argv[3]);
const m = JSON.parse(readFileSync('workloads/corpus/manifest.json', 'utf8')).elfs;
const one = (X, elf) => { X.clear(); const c0 = process.cpuUsage(); const r = X.run(elf, 1e12); const c = process.cpuUsage(c0); return r.instructions / ((c.user + c.system) / 1e6) / 1e6; };
const ra = [], rb = [], rows = [];
for (const e of m) {
  const elf = A.scale(new Uint8Array(readFileSync('workloads/corpus/' + e.file)), 4);
  const [a1, b1, b2, a2] = [one(A, elf), one(B, elf), one(B, elf), one(A, elf)];
  const a = Math.max(a1, a2), b = Math.max(b1, b2);
  ra.push(a); rb.push(b); rows.push(`${e.file.replace(/^bin\/|\.elf$/g, '')} ${a.toFixed(1)} ${b.toFixed(1)} ${(b / a).toFixed(2)}`);
}
const med = (x) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
console.log(rows.join('\n'));
console.log(`median A ${med(ra).toFixed(1)} B ${med(rb).toFixed(1)} M instr/s; median B/A ${med(rb.map((b, i) => b / ra[i])).toFixed(3)}; min A ${Math.min(...ra).toFixed(1)} B ${Math.min(...rb).toFixed(1)}`);
