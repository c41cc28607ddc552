import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../sim/cli/main.js';
import type { CliIo } from '../../sim/cli/io.js';
import { encodePreamble, FORMAT_VERSION } from '../../traces/format.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import { FOOTER, eventItems, header, instructionItems, instructionStream } from './fixtures.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpt-inspect-'));
  writeFileSync(join(dir, 'small.mpt'), encodeTraceToBytes(header('events'), eventItems(), FOOTER));
  writeFileSync(join(dir, 'full.mpt'), encodeTraceToBytes(header('full'), [...eventItems().slice(0, 1), ...instructionItems(instructionStream(6, { threads: 2 }))], FOOTER));
  const bad = encodeTraceToBytes(header('events'), eventItems(), FOOTER);
  bad[200]! ^= 0x01;
  writeFileSync(join(dir, 'bad.mpt'), bad);
  const newer = encodeTraceToBytes(header('events'), eventItems(), FOOTER);
  newer.set(encodePreamble(FORMAT_VERSION + 1), 0);
  writeFileSync(join(dir, 'newer.mpt'), newer);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += typeof t === 'string' ? t : Buffer.from(t).toString();
    },
    stderr: (t) => {
      stderr += t;
    },
    isTty: false,
  };
  const code = await runCli(['inspect', ...argv], io);
  // The temporary directory is different on every run; the snapshot should not be.
  return { code, stdout: stdout.split(dir).join('DIR'), stderr: stderr.split(dir).join('DIR') };
}

describe('inspect', () => {
  test('human timeline: header summary, aligned columns, hex and human sizes, verdict last', async () => {
    const r = await run(join(dir, 'small.mpt'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatchInlineSnapshot(`
      "trace      DIR/small.mpt
      format     v2  simulator 0.1.0  cost model cost-1  level events
      seed       42
      firmware   reference  hash 0123456789abcdef0123456789abcdef
      config     chips=1 coresPerChip=1 kernelEndian=little ramSize=0x100000000 (4 GiB) threadsPerCore=4 workload=synthetic
      workload   fill  64 B  digest 17ff3615c8f2285b470ee569e15b3750
      scenario   {"crashAt":1500,"crashPir":1,"ops":[{"dest":"0x40000000","op":"add","size":"0x100000","src":"0x10000000"}]}

      cycle  participant  event        details
          0  machine      power-on     chips=1 ramSize=0x100000000 (4 GiB)
        120  skiboot      boot         stage=first
        400  linux        opal-call    dest=0x40000000 op=add size=0x100000 (1 MiB) src=0x10000000 token=OPAL_MPIPL_UPDATE
        410  skiboot      opal-return  rc=0 token=OPAL_MPIPL_UPDATE
       1000  harness      checkpoint   digest=aa11bb22cc33dd44ee55ff6677889900
       1500  linux        crash        cause=trap pir=1
       1510  sbe          s0           chip=0
       1600  sbe          clock-stop   chip=0
       1700  hostboot     copy         dest=0x40000000 ok=true size=0x100000 (1 MiB) src=0x10000000
       2900  hostboot     mdrt-write   actCnt=1 entries=1
       3000  oracle       invariant    detail="" id=mdrt-sound ok=true

      verdict    pass  final digest ffeeddccbbaa99887766554433221100  11 events, 0 instructions
      "
    `);
  });

  test('--from/--to select a cycle window; a full trace shows instructions', async () => {
    const r = await run(join(dir, 'full.mpt'), '--from', '10', '--to', '11');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "trace      DIR/full.mpt
      format     v2  simulator 0.1.0  cost model cost-1  level full
      seed       42
      firmware   reference  hash 0123456789abcdef0123456789abcdef
      config     chips=1 coresPerChip=1 kernelEndian=little ramSize=0x100000000 (4 GiB) threadsPerCore=4 workload=synthetic
      workload   fill  64 B  digest 17ff3615c8f2285b470ee569e15b3750
      scenario   {"crashAt":1500,"crashPir":1,"ops":[{"dest":"0x40000000","op":"add","size":"0x100000","src":"0x10000000"}]}

      cycle  participant  event  details
         10  cpu 0        insn   nip=0x30000000 word=0xe9230000 r9=0x96a0f96b12bc8390
         10  cpu 1        insn   nip=0x30000000 word=0xe9230000 r9=0x971e996479adc7e7
         11  cpu 0        insn   nip=0x30000004 word=0x7d295214 r9=0x96a0f96b12bc8390
         11  cpu 1        insn   nip=0x30000004 word=0x7d295214 r9=0x971e996479adc7e7

      verdict    pass  final digest ffeeddccbbaa99887766554433221100  1 events, 6 instructions
      "
    `);
  });

  test('--json prints one document with hex strings', async () => {
    const r = await run(join(dir, 'full.mpt'), '--json', '--to', '10');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['file', 'header', 'events', 'instructions', 'footer']);
    expect(doc['instructions']).toMatchInlineSnapshot(`
      [
        {
          "cycle": 10,
          "mem": [],
          "nip": "0x30000000",
          "pir": 0,
          "regs": [
            {
              "reg": "r9",
              "value": "0x96a0f96b12bc8390",
            },
          ],
          "word": "0xe9230000",
        },
        {
          "cycle": 10,
          "mem": [],
          "nip": "0x30000000",
          "pir": 1,
          "regs": [
            {
              "reg": "r9",
              "value": "0x971e996479adc7e7",
            },
          ],
          "word": "0xe9230000",
        },
      ]
    `);
    expect(doc['footer']).toEqual({ ...FOOTER, eventCount: 1, instructionCount: 6 });
  });

  test('a corrupt trace: one line on stderr, nothing on stdout, exit 2', async () => {
    const r = await run(join(dir, 'bad.mpt'));
    expect(r).toMatchInlineSnapshot(`
      {
        "code": 2,
        "stderr": "mpipl-sim inspect: DIR/bad.mpt: corrupt chunk at byte offset 12: checksum mismatch
      ",
        "stdout": "",
      }
    `);
  });

  test('a newer format: exit 125', async () => {
    const r = await run(join(dir, 'newer.mpt'), '--json');
    expect(r).toMatchInlineSnapshot(`
      {
        "code": 125,
        "stderr": "mpipl-sim inspect: DIR/newer.mpt: trace format v3 is newer than this build (v2)
      ",
        "stdout": "",
      }
    `);
  });

  test('usage errors: exit 2', async () => {
    expect((await run()).code).toBe(2);
    expect((await run(join(dir, 'small.mpt'), '--from', 'x')).stderr).toMatchInlineSnapshot(`
      "mpipl-sim inspect: --from: expected an integer (decimal or 0x hex), got "x"
      "
    `);
    expect((await run(join(dir, 'missing.mpt'))).stderr).toMatchInlineSnapshot(`
      "mpipl-sim inspect: cannot read trace DIR/missing.mpt: ENOENT
      "
    `);
  });
});
