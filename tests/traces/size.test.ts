/**
 * Size of `full`-level traces (design section 9: ≤ 1 byte per instruction). Measured on synthetic
 * streams of 4 SMT threads running the fixture's 8-instruction loop, as the difference between a
 * trace with the instructions and the same trace without them. These are size checks (bytes are
 * deterministic), not timing checks.
 */
import { describe, expect, test } from 'vitest';
import { encodeTraceToBytes } from '../../traces/writer.js';
import { FOOTER, eventItems, header, instructionItems, instructionStream } from './fixtures.js';

const INSTRUCTIONS = 200_000;

function bytesPerInstruction(loads: boolean): number {
  const base = encodeTraceToBytes(header('full'), eventItems(), FOOTER).length;
  const records = instructionStream(INSTRUCTIONS, { threads: 4, loads });
  const full = encodeTraceToBytes(header('full'), [...eventItems(), ...instructionItems(records)], FOOTER).length;
  return (full - base) / INSTRUCTIONS;
}

describe('full-level size', () => {
  test('loops whose effects repeat (pointer/counter updates, stores of register values) cost ~0.01 byte', () => {
    const b = bytesPerInstruction(false);
    console.info(`full level, predictable loop: ${b.toFixed(4)} bytes/instruction`);
    expect(b).toBeLessThan(0.05);
  });

  test('one fresh random 64-bit load per 8 instructions (entropy floor 1.0) stays under 1.5 bytes', () => {
    const b = bytesPerInstruction(true);
    console.info(`full level, random 64-bit load every 8 instructions: ${b.toFixed(4)} bytes/instruction`);
    expect(b).toBeLessThan(1.5);
  });
});
