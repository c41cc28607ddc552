/**
 * Determinism is the product: nothing inside sim/ may read host time or host randomness
 * (design section 2). This searches the source for the calls that would break it.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FORBIDDEN = [/Math\.random\s*\(/, /Date\.now\s*\(/, /new Date\s*\(/, /performance\.now\s*\(/, /process\.hrtime/, /setTimeout\s*\(/, /setInterval\s*\(/, /crypto\.randomBytes/, /randomUUID/];
/** The CLI shell is host side by nature (progress bars, bench timing): it may time things. */
const HOST_SIDE = [join('sim', 'cli'), join('sim', 'bench')];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('no host nondeterminism in sim/', () => {
  it('uses no wall clock, host randomness or timers', () => {
    const hits: string[] = [];
    for (const f of files('sim')) {
      if (HOST_SIDE.some((h) => f.startsWith(h))) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (FORBIDDEN.some((re) => re.test(line))) hits.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
