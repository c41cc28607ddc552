import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimBugError } from '../../sim/core/errors.js';
import { readTrace, readTraceFile, TraceFormatError } from '../../traces/reader.js';
import { TraceWriter, encodeTraceToBytes } from '../../traces/writer.js';
import { FOOTER, eventItems, events, header, instructionItems, instructionStream } from './fixtures.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpt-writer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('TraceWriter', () => {
  test('close renames atomically: the final file equals the in-memory encoding and no temp file remains', () => {
    const path = join(dir, 'run.mpt');
    const w = new TraceWriter();
    w.open(path, header('full'));
    const tmp = w.temporaryPath!;
    expect(tmp).toBe(`${path}.${process.pid}.tmp`);
    for (const e of events()) w.event(e);
    for (const r of instructionStream(2000)) w.instruction(r);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(tmp)).toBe(true);
    const footer = w.close(FOOTER);
    expect(footer).toEqual({ ...FOOTER, eventCount: events().length, instructionCount: 2000 });
    expect(readdirSync(dir)).toEqual(['run.mpt']);
    const expected = encodeTraceToBytes(header('full'), [...eventItems(), ...instructionItems(instructionStream(2000))], FOOTER);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(expected))).toBe(true);
    expect(readTraceFile(path).instructions).toHaveLength(2000);
  });

  test('a crash mid-write leaves only the temp file, which reads as an unfinished recording', () => {
    const path = join(dir, 'crash.mpt');
    const w = new TraceWriter();
    w.open(path, header('events'), { eventsPerChunk: 1 });
    // Enough events that the 1 MiB write batch has gone to disk.
    for (let i = 0; i < 40_000; i++) w.event({ cycle: i, who: 'skiboot', kind: 'skiboot-log', data: { msg: `line ${i} of a long console log` } });
    const tmp = w.temporaryPath!;
    // The process "dies" here: nobody calls close or abort.
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(tmp).length).toBeGreaterThan(0);
    expect(() => [...readTrace(tmp)]).toThrowError(TraceFormatError);
    expect(() => [...readTrace(tmp)]).toThrowError(/missing footer|truncated/);
    w.abort();
  });

  test('abort removes the temp file and never touches an existing trace of the same name', () => {
    const path = join(dir, 'keep.mpt');
    writeFileSync(path, 'previous trace');
    const w = new TraceWriter();
    w.open(path, header('events'));
    for (const e of events()) w.event(e);
    w.abort();
    expect(readdirSync(dir)).toEqual(['keep.mpt']);
    expect(readFileSync(path, 'utf8')).toBe('previous trace');
    w.abort(); // idempotent
  });

  test('a malformed record from the simulator aborts the recording as a simulator bug', () => {
    const path = join(dir, 'bug.mpt');
    const w = new TraceWriter();
    w.open(path, header('events'));
    expect(() => w.event({ cycle: -1, who: 'sbe', kind: 's0', data: {} })).toThrowError(SimBugError);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('instructions need the full level', () => {
    const w = new TraceWriter();
    w.open(join(dir, 'lvl.mpt'), header('events'));
    expect(() => w.instruction(instructionStream(1)[0]!)).toThrowError(/trace level "full"/);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('an unwritable directory is a one-line usage error', () => {
    expect(() => new TraceWriter().open(join(dir, 'no', 'such', 'dir.mpt'), header())).toThrowError(/^cannot write trace .*dir\.mpt: ENOENT$/);
  });
});
