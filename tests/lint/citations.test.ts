/**
 * The repository stands on its own: the protocol reference and the design the code cites are
 * docs/protocol.md and docs/design.md, and every citation names a section that exists there.
 * "spec 4.2" is section 4.2 of protocol.md, "spec step 16" step 16 of its section 2 (sub-steps
 * such as 15.5 too), "spec phase C" its phase C; "design section 6" is section 6 of design.md.
 * No file may point outside the repository for them (the working notes they were written from).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = relative(ROOT, fileURLToPath(import.meta.url));
const TEXT_FILE = /\.(ts|js|mjs|md|sh|json|c|h|S|lds)$/;
const SCANNED = ['README.md', 'docs', 'sim', 'tests', 'properties', 'scripts', 'traces', 'examples', 'workloads', 'bin'];

function files(path: string): string[] {
  const abs = join(ROOT, path);
  if (!statSync(abs, { throwIfNoEntry: false })) return [];
  if (!statSync(abs).isDirectory()) return [path];
  return readdirSync(abs).flatMap((n) => (n === 'node_modules' || n === 'dist' ? [] : files(join(path, n))));
}

const sources = SCANNED.flatMap(files).filter((f) => TEXT_FILE.test(f) && f !== SELF);

/** Every `## N.` / `### N.M` heading number of a page. */
function headings(page: string): Set<string> {
  const found = new Set<string>();
  for (const line of page.split('\n')) {
    const m = /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(line);
    if (m) found.add(m[1]!);
  }
  return found;
}

/** Steps of protocol.md section 2: top-level list items `N.` and their sub-items `N.M`. */
function steps(page: string): Set<string> {
  const section = page.slice(page.indexOf('\n## 2. '), page.indexOf('\n## 3. '));
  const found = new Set<string>();
  let current = '';
  for (const line of section.split('\n')) {
    const top = /^(\d+)\. /.exec(line);
    if (top) {
      current = top[1]!;
      found.add(current);
      continue;
    }
    const sub = /^ {3,4}(\d+)\. /.exec(line);
    if (sub && current !== '') found.add(`${current}.${sub[1]}`);
  }
  return found;
}

/** The numbers of a citation list such as "6.1, 6.2", "3.3–4.6", "8–11" or "1 and 7". */
function numbers(list: string): string[] {
  return list.split(/\s*(?:,|–|-|and)\s*/).filter((n) => /^\d+(\.\d+)?$/.test(n));
}

const protocol = readFileSync(join(ROOT, 'docs', 'protocol.md'), 'utf8');
const design = readFileSync(join(ROOT, 'docs', 'design.md'), 'utf8');
const LIST = String.raw`(\d+(?:\.\d+)?(?:\s*(?:,|–|-|and)\s*\d+(?:\.\d+)?)*)`;

describe('citations of the protocol reference and the design', () => {
  it('no file points outside the repository for them', () => {
    const outside = /(\.\.\/|\/work\/)shared\b|mpipl-protocol\.md|firmware-abi\.md|style.anchors?\b/i;
    const hits = sources.flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (outside.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('protocol.md keeps sections 0–9 with their subsections, steps 1–27 and phases A–H', () => {
    const have = headings(protocol);
    for (const s of ['0', '1', '2', '3', '3.1', '3.5', '4', '4.1', '4.11', '5', '5.1', '5.8', '6', '6.1', '6.6', '7', '7.1', '7.4', '8', '9']) expect(have, s).toContain(s);
    const st = steps(protocol);
    for (let n = 1; n <= 27; n++) expect(st, `step ${n}`).toContain(`${n}`);
    for (const s of ['5.3', '5.6', '15.5', '17.4', '19.2', '21.4']) expect(st, `step ${s}`).toContain(s);
    for (const p of 'ABCDEFGH') expect(protocol).toContain(`### Phase ${p} `);
  });

  it('every "spec N.M", "spec step N", "spec phase X" and "design section N" names something that exists', () => {
    const sections = headings(protocol);
    const stepSet = steps(protocol);
    const designSections = headings(design);
    const bad: string[] = [];
    for (const f of sources) {
      if (f === join('docs', 'protocol.md') || f === join('docs', 'design.md')) continue;
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const where = `${f}:${i + 1}`;
          for (const m of line.matchAll(new RegExp(String.raw`\bspec (?:sections? )?${LIST}`, 'gi'))) {
            for (const n of numbers(m[1]!)) if (!sections.has(n)) bad.push(`${where}: spec ${n}`);
          }
          // Step and phase numbers are checked on lines that cite the spec, where they are its steps.
          if (!/\bspec\b/i.test(line)) return;
          for (const m of line.matchAll(new RegExp(String.raw`\bsteps? ${LIST}`, 'gi'))) {
            for (const n of numbers(m[1]!)) if (!stepSet.has(n) && !sections.has(n)) bad.push(`${where}: step ${n}`);
          }
          for (const m of line.matchAll(/\bphases? ([A-Z])(?: and ([A-Z]))?\b/g)) {
            for (const p of [m[1], m[2]]) if (p !== undefined && !protocol.includes(`### Phase ${p} `)) bad.push(`${where}: phase ${p}`);
          }
        });
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const m of line.matchAll(new RegExp(String.raw`\bdesign(?:\.md)?(?:'s)? (?:sections? )?${LIST}`, 'gi'))) {
            for (const n of numbers(m[1]!)) if (!designSections.has(n)) bad.push(`${f}:${i + 1}: design ${n}`);
          }
        });
    }
    expect(bad).toEqual([]);
  });
});
