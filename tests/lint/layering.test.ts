/**
 * The layout shows who may import whom (design section 3): participants touch the machine
 * only through the Platform and never each other; the oracle reads the machine, not the models it
 * judges; nothing in sim/ but the CLI (the composition root) knows the trace file format.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname, normalize } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Resolved relative import targets of a source file (repo-relative, without extension). */
function imports(file: string): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
    out.push(normalize(join(dirname(file), m[1]!)).replace(/\.js$/, ''));
  }
  return out;
}

const PARTICIPANTS = ['sbe', 'hostboot', 'skiboot', 'linux'];

describe('layering', () => {
  it('only sim/cli imports traces/', () => {
    const bad = files('sim')
      .filter((f) => !f.startsWith(join('sim', 'cli')))
      .flatMap((f) => imports(f).filter((t) => t.startsWith('traces/')).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
  });

  it('participants never import each other', () => {
    const bad: string[] = [];
    for (const p of PARTICIPANTS) {
      for (const f of files(join('sim', 'participants', p))) {
        for (const t of imports(f)) {
          const other = PARTICIPANTS.find((q) => q !== p && t.startsWith(join('sim', 'participants', q)));
          if (other !== undefined) bad.push(`${f} → ${t}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('the oracle imports no participant model, only the spec’s layouts and the interfaces', () => {
    const allowed = ['layout', 'opal-api', 'firmware', 'platform'].map((n) => join('sim', 'participants', n));
    const bad = files(join('sim', 'oracle')).flatMap((f) =>
      imports(f)
        .filter((t) => t.startsWith(join('sim', 'participants')) && !allowed.includes(t))
        .map((t) => `${f} → ${t}`),
    );
    expect(bad).toEqual([]);
  });
});
