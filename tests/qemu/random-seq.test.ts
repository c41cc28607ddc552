/** The generator and shrinker of tests/helpers/random-seq.ts, without any simulator. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from '../../sim/isa/decode.js';
import { assembleSequence, GENERATED_ROWS, rawSequenceArb, shrinkSequence, type RawSequence } from '../helpers/random-seq.js';

const SEED = 42;

describe('random sequence generator', () => {
  it('emits only decodable words, never writes the base register outside update forms', () => {
    fc.assert(
      fc.property(rawSequenceArb, (raw) => {
        const a = assembleSequence(raw);
        for (const l of a.listing) {
          const d = decode(l.word);
          expect(d.kind, l.text).toBe('insn');
          if (d.kind !== 'insn') continue;
          const f = d.fields;
          const isMemory = GENERATED_ROWS.find((p) => p.row === d.row)?.memory !== undefined;
          if (isMemory) expect(f.RA, l.text).toBe(raw.base);
          for (const name of ['RT', 'RS', 'RB', 'RC'] as const) if (f[name] !== undefined) expect(f[name], l.text).not.toBe(raw.base);
          if (!isMemory && f.RA !== undefined) expect(f.RA, l.text).not.toBe(raw.base);
        }
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('covers every generated row over enough sequences', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(rawSequenceArb, (raw) => {
        for (const l of assembleSequence(raw).listing) {
          const d = decode(l.word);
          if (d.kind === 'insn' && l.role === 'insn') seen.add(d.row.name);
        }
      }),
      { numRuns: 2000, seed: SEED },
    );
    expect(GENERATED_ROWS.map((p) => p.row.name).filter((n) => !seen.has(n))).toEqual([]);
  });
});

describe('shrinkSequence', () => {
  it('reduces a failure to the one instruction that causes it', async () => {
    const isDivd = (raw: RawSequence): boolean =>
      assembleSequence(raw).listing.some((l) => l.role === 'insn' && l.text.startsWith('divd '));
    const [start] = fc.sample(
      rawSequenceArb.filter((s) => s.insns.length > 5 && isDivd(s)),
      { numRuns: 1, seed: SEED },
    );
    const shrunk = await shrinkSequence(start!, async (s) => (isDivd(s) ? 'divd present' : undefined));
    expect(shrunk).toBeDefined();
    expect(shrunk!.seq.insns).toHaveLength(1);
    expect(shrunk!.seq.regs.gpr.every((v) => v === 0n)).toBe(true);
    expect(await shrinkSequence(start!, async () => undefined)).toBeUndefined();
  });
});
