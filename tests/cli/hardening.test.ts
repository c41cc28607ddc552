/**
 * Hostile and first-hour inputs (issue 12, design section 10): outputs that are devices, FIFOs,
 * links or the input itself; trace headers validated like configs; flags, help and one error
 * style; replay of directories; plugin faults and hangs as `firmware-sane` findings; Ctrl-C.
 * Commands that start worker threads need the compiled CLI (`npm test` builds it first).
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../helpers/cli.js';
import { readTrace } from '../../traces/reader.js';
import { encodeTraceToBytes } from '../../traces/writer.js';
import type { TraceFooter, TraceHeader, TraceItem } from '../../traces/format.js';
import { exitCodeOf } from '../../sim/cli/commands/replay.js';
import { HELP } from '../../sim/cli/help.js';

const dir = mkdtempSync(join(tmpdir(), 'mpipl-harden-'));
const SEED1 = resolve('traces/corpus/reference-seed1.mpt');
const copy = (name: string, from = SEED1): string => {
  const p = join(dir, name);
  writeFileSync(p, readFileSync(from));
  return p;
};
const oneLine = (s: string): void => expect(s.trim().split('\n')).toHaveLength(1);

/** Re-encode a corpus trace with its header's scenario (or config) changed; checksums stay valid. */
function withHeader(name: string, change: (h: { config: Record<string, unknown>; scenario: Record<string, unknown> }) => void): string {
  let header: TraceHeader | undefined;
  let footer: TraceFooter | undefined;
  const items: TraceItem[] = [];
  for (const item of readTrace(SEED1)) {
    if (item.type === 'header') header = item.header;
    else if (item.type === 'footer') footer = item.footer;
    else items.push(item);
  }
  const { formatVersion: _v, ...input } = JSON.parse(JSON.stringify(header, (_k, v: unknown) => (v instanceof Uint8Array ? { __bytes: [...v] } : v)), (_k, v: { __bytes?: number[] }) =>
    v !== null && typeof v === 'object' && Array.isArray(v.__bytes) ? Uint8Array.from(v.__bytes) : v,
  ) as TraceHeader;
  change(input as unknown as { config: Record<string, unknown>; scenario: Record<string, unknown> });
  const p = join(dir, name);
  writeFileSync(p, encodeTraceToBytes(input, items, { finalDigest: footer!.finalDigest, verdict: footer!.verdict }));
  return p;
}

describe('outputs are written deliberately', () => {
  it('a character device is written through, never replaced', async () => {
    const r = await cli('report', SEED1, '-o', '/dev/null');
    expect(r.code).toBe(0);
    const v = await cli('vmcore', SEED1, '-o', '/dev/null', '--opalcore', '/dev/null');
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\/dev\/null: \/proc\/vmcore of round 0/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('an output that is the input is refused and the input kept', async () => {
    const t = copy('self.mpt');
    const before = readFileSync(t);
    for (const argv of [['report', t, '-o', t], ['vmcore', t, '-o', t], ['shrink', t, '-o', t]]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/is the input/);
      oneLine(r.stderr);
    }
    // Through a link too.
    const link = join(dir, 'self-link.mpt');
    symlinkSync(t, link);
    expect((await cli('report', t, '-o', link)).code).toBe(2);
    expect(readFileSync(t).equals(before)).toBe(true);
  });

  it('run --record onto its own --config is refused', async () => {
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, '{"workload": "synthetic"}');
    const r = await cli('run', '--config', cfg, '--record', cfg);
    expect(r.code).toBe(2);
    expect(readFileSync(cfg, 'utf8')).toBe('{"workload": "synthetic"}');
  });

  it('a link to a regular file: the target is replaced, the link stays a link', async () => {
    const target = join(dir, 'target.html');
    writeFileSync(target, 'old');
    const link = join(dir, 'link.html');
    symlinkSync(target, link);
    const r = await cli('report', SEED1, '-o', link);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('a dangling link, a directory: one line, exit 2', async () => {
    const dangling = join(dir, 'dangling.html');
    symlinkSync(join(dir, 'nowhere', 'x.html'), dangling);
    for (const out of [dangling, dir]) {
      const r = await cli('report', SEED1, '-o', out);
      expect(r.code).toBe(2);
      oneLine(r.stderr);
    }
  });

  it('a FIFO is written through (its reader gets the bytes), not replaced', async () => {
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
    const closed = new Promise((r) => reader.on('close', r));
    const r = await cli('report', SEED1, '-o', fifo);
    await closed;
    expect(r.code).toBe(0);
    expect(got).toMatch(/<\/html>\s*$/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a reader that goes away (| head) ends the command quietly, no EPIPE stack', () => {
    const r = spawnSync('bash', ['-c', 'node bin/mpipl-sim.js inspect traces/corpus/reference-seed5-full.mpt | head -1 > /dev/null'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
  });

  it('run --record - streams the trace to stdout and the text to stderr', () => {
    const out = join(dir, 'piped.mpt');
    const r = spawnSync('bash', ['-c', `node bin/mpipl-sim.js run --seed 2 --record - > '${out}'`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/verdict: PASS/);
    expect(spawnSync(process.execPath, ['bin/mpipl-sim.js', 'replay', out], { encoding: 'utf8' }).status).toBe(0);
    // A pipe is read in order, so replay takes a trace from stdin; inspect (two passes) says why it cannot.
    const piped = spawnSync('bash', ['-c', 'node bin/mpipl-sim.js run --seed 2 --record - 2>/dev/null | node bin/mpipl-sim.js replay /dev/stdin'], { encoding: 'utf8' });
    expect(piped.stdout).toMatch(/replay matches/);
    expect(piped.status).toBe(0);
    const ins = spawnSync('bash', ['-c', `cat '${out}' | node bin/mpipl-sim.js inspect /dev/stdin`], { encoding: 'utf8' });
    expect(ins.status).toBe(2);
    expect(ins.stderr).toMatch(/needs a regular file, not a pipe/);
  });

  it('`-` is stdout: the data there, the message on stderr', async () => {
    const r = await cli('report', SEED1, '-o', '-');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/i);
    expect(r.stderr).toMatch(/^-: report of reference-seed1\.mpt/);
  });
});

describe('a trace header is validated like a config', () => {
  const cases: [string, (h: { config: Record<string, unknown>; scenario: Record<string, unknown> }) => void, RegExp][] = [
    ['crash PIR 999', (h) => ((h.scenario['crashes'] as { pir: number }[])[0]!.pir = 999), /scenario\.crashes\[0\]\.pir: PIR 0x3e7 does not exist/],
    ['negative delay', (h) => ((h.scenario['crashes'] as Record<string, number>[])[0]!['afterBootCycles'] = -5), /scenario\.crashes\[0\]\.afterBootCycles/],
    ['SMT3', (h) => (h.config['threadsPerCore'] = 3), /threadsPerCore: POWER9 cores run SMT1, SMT2 or SMT4/],
    ['maxCycles 1e12', (h) => (h.scenario['maxCycles'] = 1e12), /scenario\.maxCycles: expected an integer in \[1, 1000000000\]/],
    ['releaseAfterCycles 1e15', (h) => (h.scenario['releaseAfterCycles'] = 1e15), /scenario\.releaseAfterCycles/],
    ['10 000 crashes', (h) => (h.scenario['crashes'] = Array.from({ length: 10_000 }, () => ({ afterBootCycles: 10, pir: 0 }))), /scenario\.crashes: expected a list of at most 64/],
    ['malformed ops', (h) => (h.scenario['ops'] = [{ boot: 0, afterBootCycles: 5, call: 'ADD_RANGE', args: ['zz'] }]), /scenario\.ops\[0\]\.args\[0\]/],
    ['an op for a boot that never happens', (h) => (h.scenario['ops'] = [{ boot: 9, afterBootCycles: 5, call: 'REMOVE_ALL', args: [] }]), /scenario\.ops\[0\]\.boot/],
  ];
  it.each(cases)('%s: replay, vmcore, report and shrink exit 2 naming the field', async (name, change, message) => {
    const t = withHeader(`${name.replace(/\W+/g, '-')}.mpt`, change);
    for (const argv of [['replay', t], ['vmcore', t, '-o', join(dir, 'x.vmcore')], ['report', t, '-o', join(dir, 'x.html')], ['shrink', t, '-o', join(dir, 'x.mpt')]]) {
      const r = await cli(...argv);
      // report shows what it can without a re-run; it still must not crash.
      if (argv[0] === 'report') {
        expect(r.code, argv[0]).toBe(0);
        continue;
      }
      expect(r.code, argv[0]).toBe(2);
      expect(r.stderr, argv[0]).toMatch(message);
      oneLine(r.stderr);
    }
  });

  it('shrink checks the whole file first: a trace cut in half is bad input', async () => {
    const bytes = readFileSync('traces/corpus/mutant-hostboot-omits-cr-xer-seed1.mpt');
    const half = join(dir, 'half.mpt');
    writeFileSync(half, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await cli('shrink', half, '-o', join(dir, 'half-small.mpt'));
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'half-small.mpt'))).toBe(false);
  });
});

describe('replay of directories', () => {
  it('an empty directory is not a pass', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = await cli('replay', empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no \.mpt traces/);
  });

  it('one bad trace does not hide the others: per-file lines, combined exit code', async () => {
    const d = join(dir, 'mixed');
    mkdirSync(d);
    copy('mixed/a-good.mpt');
    writeFileSync(join(d, 'b-bad.mpt'), 'not a trace');
    const r = await cli('replay', d);
    expect(r.stdout).toMatch(/a-good\.mpt: replay matches/);
    expect(r.stderr).toMatch(/b-bad\.mpt/);
    expect(r.code).toBe(2);
  });

  it('exit codes combine: any 1 → 1, else any 2 → 2, else 125 only if all are 125', () => {
    const st = (...s: string[]) => s.map((status) => ({ status }) as { status: 'ok' });
    expect(exitCodeOf(st('ok', 'diverged', 'bad-input'))).toBe(1);
    expect(exitCodeOf(st('ok', 'bad-input', 'cannot-test'))).toBe(2);
    expect(exitCodeOf(st('cannot-test', 'cannot-test'))).toBe(125);
    expect(exitCodeOf(st('ok', 'cannot-test'))).toBe(0);
  });

  it('cannot-test goes to stderr', async () => {
    const t = withHeader('other-fw.mpt', () => {});
    const r0 = await cli('replay', t);
    expect(r0.code).toBe(0);
    const plugin = withHeader('plugin-fw.mpt', (h) => ((h as unknown as { firmware: unknown }).firmware = { name: 'no-such-firmware', contentHash: '0'.repeat(32) }));
    const r = await cli('replay', plugin);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot test/);
  });
});

describe('command line', () => {
  it.each(Object.keys(HELP).filter((n) => n !== 'help'))('%s --help, -h and `help CMD` print usage, flags and an example', async (name) => {
    for (const argv of [[name, '--help'], [name, '-h'], ['help', name]]) {
      const r = await cli(...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`usage: mpipl-sim ${name}`));
      expect(r.stdout).toMatch(/example:\n {2}\$ npx mpipl-sim /);
    }
  });

  it('--version', async () => {
    const r = await cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mpipl-sim \d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['check', '--runs', '-1'], /--runs: must not be negative, got -1/],
    [['check', '--runs', '0'], /--runs: at least 1/],
    [['check', '--time', '0'], /--time: at least 1 second/],
    [['run', '--crash-at', '1e6'], /--crash-at: .*not exponent notation/],
    [['run', '--crash-at', '200000000'], /--crash-at: cycle 200000000 is at or past the scenario's cycle limit/],
    [['run', '--trace-level', 'full'], /--trace-level needs --record/],
    [['shrink'], /^mpipl-sim shrink: expected exactly one trace FILE/],
    [['sweep', '--seed', '1'], /^mpipl-sim sweep: --from CYCLE/],
    [['inspect'], /^mpipl-sim inspect: expected one trace FILE/],
    // Inputs that never end are read with a bound, not forever.
    [['run', '--config', '/dev/zero'], /--config: \/dev\/zero is larger than 1048576 bytes/],
    [['exec', '/dev/zero'], /ELF: \/dev\/zero is larger than/],
    // Crash cycles past the cycle limit are range errors before anything runs.
    [['sweep', '--seed', '1', '--from', '100000000', '--to', '100000001'], /--to: crash cycles must be below the scenario's cycle limit 100000000/],
    [['bisect', 'crash', '--seed', '1', '--good', '1', '--bad', '200000000'], /crash cycles must be below the scenario's cycle limit/],
  ])('%j: exit 2, one line, `mpipl-sim CMD:` prefix', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(new RegExp(`^mpipl-sim ${argv[0]}: `));
    oneLine(r.stderr);
  });

  it('config: SMT3 is rejected; the unknown-key message lists linux and faults', async () => {
    const smt3 = join(dir, 'smt3.json');
    writeFileSync(smt3, '{"threadsPerCore": 3}');
    const r = await cli('run', '--config', smt3);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SMT1, SMT2 or SMT4/);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, '{"chipz": 1}');
    const u = await cli('run', '--config', unknown);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown key "chipz" \(known: .*linux, faults\)/);
  });

  it('--corpus on an existing file: one line, exit 2', async () => {
    const f = join(dir, 'a-file');
    writeFileSync(f, '');
    const r = await cli('check', '--runs', '1', '--corpus', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--corpus: .* is not a directory/);
    oneLine(r.stderr);
  });
});

describe('firmware plugin faults are findings about the firmware', () => {
  const plugin = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const hostboot = (method: string) => `export default ({ reference, classes }) => {
  class H extends classes.ReferenceHostboot {
    mpiplIpl(p, h, i) {
      ${method}
      return super.mpiplIpl(p, h, i);
    }
  }
  return { ...reference, name: 'faulty', makeHostboot: () => new H() };
};
`;
  it.each([
    ['throws.mjs', hostboot("throw new Error('boom');"), /firmware-fault: hostboot\.mpiplIpl threw "boom" at throws\.mjs:4/],
    ['throw42.mjs', hostboot('throw 42;'), /firmware-fault: hostboot\.mpiplIpl threw 42 at|firmware-fault: hostboot\.mpiplIpl threw 42/],
    ['outside-ram.mjs', hostboot('p.mem.write64BE(2 ** 45, 1n);'), /firmware-fault: hostboot\.mpiplIpl threw TransactionError ".*" at outside-ram\.mjs:4/],
    ['advance.mjs', hostboot('p.advance(1e18);'), /firmware-fault: hostboot\.mpiplIpl threw .*advance.* at advance\.mjs:4/],
    ['non-object.mjs', "export default ({ reference }) => ({ ...reference, name: 'x', makeHostboot: () => 42 });\n", /firmware-fault: profile\.makeHostboot returned 42, not a hostboot object/],
  ])('%s: a firmware-sane verdict, exit 1, the stack only with --verbose', async (name, body, message) => {
    const p = plugin(name, body);
    const r = await cli('run', '--seed', '1', '--firmware', p);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(message);
    expect(r.stdout).toMatch(/FAIL firmware-sane/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    if (name !== 'non-object.mjs' && name !== 'throw42.mjs') {
      const v = await cli('run', '--seed', '1', '--firmware', p, '--verbose');
      expect(v.stdout).toMatch(/\n\s+at /);
    }
  });

  it('a hostile firmwareScratch is an interface violation at load: exit 2, one line', async () => {
    const p = plugin('scratch.mjs', "export default ({ reference }) => ({ ...reference, name: 'x', firmwareScratch: [{ start: -1, sizeBytes: 1e300 }] });\n");
    const r = await cli('run', '--seed', '1', '--firmware', p);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/firmwareScratch must be/);
    oneLine(r.stderr);
  });

  it('check: a closure the plugin scheduled that never returns is caught by the idle rule', async () => {
    const sched = plugin(
      'sched.mjs',
      `export default ({ reference, classes }) => {
  class S extends classes.SkibootModel { boot(p) { super.boot(p); p.schedule(10, 'evil', () => { for (;;) {} }); } }
  return { ...reference, name: 'sched', makeSkiboot: () => new S() };
};
`,
    );
    process.env['MPIPL_SIM_WATCHDOG_SECONDS'] = '0.3';
    try {
      const c = await cli('check', '--runs', '3', '--firmware', sched);
      expect(c.code).toBe(1);
      expect(c.stdout).toMatch(/firmware-fault: no progress for 3 s outside plugin calls/);
    } finally {
      delete process.env['MPIPL_SIM_WATCHDOG_SECONDS'];
    }
  });

  it.each([
    ['run', ['run', '--seed', '1']],
    ['replay', ['replay', SEED1]],
    ['sweep (in this thread)', ['sweep', '--seed', '1', '--from', '1000', '--to', '1001', '--workers', '1']],
    ['sweep (worker threads)', ['sweep', '--seed', '1', '--from', '1000', '--to', '1003', '--workers', '2']],
    ['bisect crash', ['bisect', 'crash', '--seed', '1', '--good', '1000', '--bad', '200000']],
    ['bisect diverge', ['bisect', 'diverge', SEED1]],
    ['bisect firmware', ['bisect', 'firmware', 'reference', '@PLUGIN', '--trace', SEED1]],
  ])('%s: a closure the plugin scheduled that never returns is caught by the idle rule', async (_name, argv) => {
    const sched = plugin(
      'sched-all.mjs',
      `export default ({ reference, classes }) => {
  class S extends classes.SkibootModel { boot(p) { super.boot(p); p.schedule(10, 'evil', () => { for (;;) {} }); } }
  return { ...reference, name: 'sched', makeSkiboot: () => new S() };
};
`,
    );
    const args = argv.includes('@PLUGIN') ? argv.map((a) => (a === '@PLUGIN' ? sched : a)) : [...argv, '--firmware', sched];
    process.env['MPIPL_SIM_WATCHDOG_SECONDS'] = '0.2';
    try {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^firmware-fault: no progress for 2 s outside plugin calls, last: \S+ \(a closure the plugin scheduled\?\) \(watchdog\)  \(firmware .*sched-all\.mjs, invariant firmware-sane\)$/m);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      delete process.env['MPIPL_SIM_WATCHDOG_SECONDS'];
    }
  });

  it('sweep: a worker thread stuck in a plugin closure is ended by the watchdog; the points already checked are kept', async () => {
    // The 4th skiboot boot in a thread (the base run's, then one per checked crash cycle) hangs.
    const third = plugin(
      'sched-late.mjs',
      `let boots = 0;
export default ({ reference, classes }) => {
  class S extends classes.SkibootModel { boot(p) { super.boot(p); if (++boots === 4) p.schedule(10, 'evil', () => { for (;;) {} }); } }
  return { ...reference, name: 'late', makeSkiboot: () => new S() };
};
`,
    );
    process.env['MPIPL_SIM_WATCHDOG_SECONDS'] = '0.2';
    try {
      const r = await cli('sweep', '--seed', '1', '--from', '1000', '--to', '1007', '--workers', '2', '--firmware', third);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^firmware-fault: no progress for 2 s outside plugin calls, .*\(watchdog\)  \(firmware .*sched-late\.mjs, invariant firmware-sane\)$/m);
      const kept = /^FAIL: stopped by the watchdog after (\d+) of 8 crash cycles; 0 of them fail$/m.exec(r.stdout);
      expect(kept, r.stdout).not.toBeNull();
      expect(Number(kept![1])).toBeGreaterThan(0);
      const j = await cli('sweep', '--seed', '1', '--from', '1000', '--to', '1007', '--workers', '2', '--json', '--firmware', third);
      expect(j.code).toBe(1);
      const json = JSON.parse(j.stdout) as { verdict: string; cyclesChecked: number; firmwareFault: string };
      expect(json.verdict).toBe('fail');
      expect(json.cyclesChecked).toBeGreaterThan(0);
      expect(json.firmwareFault).toMatch(/\(watchdog\)/);
    } finally {
      delete process.env['MPIPL_SIM_WATCHDOG_SECONDS'];
    }
  });

  it('an opalCall that never returns and a top-level await that never settles end as verdicts (watchdog)', async () => {
    const loop = plugin(
      'loop.mjs',
      `export default ({ reference, classes }) => {
  class S extends classes.SkibootModel { opalCall() { for (;;) {} } }
  return { ...reference, name: 'loop', makeSkiboot: () => new S() };
};
`,
    );
    const tla = plugin('tla.mjs', 'await new Promise(() => {});\nexport default ({ reference }) => reference;\n');
    process.env['MPIPL_SIM_WATCHDOG_SECONDS'] = '2';
    try {
      const r = await cli('run', '--seed', '1', '--firmware', loop);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/firmware-fault: skiboot\.opalCall did not return within 2 s \(watchdog\)/);
      const c = await cli('check', '--runs', '3', '--firmware', loop);
      expect(c.code).toBe(1);
      expect(c.stdout).toMatch(/skiboot\.opalCall did not return/);
      const t = await cli('run', '--seed', '1', '--firmware', tla);
      expect(t.code).toBe(1);
      expect(t.stdout).toMatch(/firmware-fault: .*never finished/);
    } finally {
      delete process.env['MPIPL_SIM_WATCHDOG_SECONDS'];
    }
  });
});

describe('check', () => {
  it.each(['1', '2'])('Ctrl-C stops it (%s worker(s)), keeps the counterexample written, says what was done, exit 130', async (workers) => {
    const corpus = join(dir, `int-corpus-${workers}`);
    const child = spawn(process.execPath, ['bin/mpipl-sim.js', 'check', '--time', '600', '--seed', '3', '--workers', workers, '--firmware', 'mutant:skiboot-query-tag-not-big-endian', '--corpus', corpus], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && out.includes('trace: ')) {
        sent = true; // one Ctrl-C: a second one would mean "stop at once"
        child.kill('SIGINT');
      }
    });
    const code = await exited;
    expect(code).toBe(130);
    expect(out).toMatch(/interrupted: \d+ scenarios, 1 failure\(s\)/);
    const files = readdirSync(corpus);
    expect(files.filter((f) => f.endsWith('.mpt'))).toEqual(['mutant_skiboot-query-tag-not-big-endian-tags-s3-r0.mpt']);
    expect(files.filter((f) => f.endsWith('.tmp'))).toHaveLength(0);
  });

  it('on a terminal a FAIL line clears the progress bar and is printed whole (wrapping on)', () => {
    // util-linux `script` gives the child a terminal.
    const r = spawnSync('script', ['-qec', 'node bin/mpipl-sim.js check --runs 3 --seed 5 --firmware mutant:skiboot-add-range-swaps-mdst-mddt', '/dev/null'], { encoding: 'utf8' });
    expect(r.error, 'script(1) from util-linux is needed').toBeUndefined();
    expect(r.stdout).toContain('\x1b[2K\x1b[?7hFAIL registration-effective: seed 5, 1 chip × 2 cores × SMT4, 4 GiB RAM, little-endian kernel: [boot 0]; crash at +2721 cycles on PIR 0x5 → registration-effective: OPAL_MPIPL_UPDATE(ADD_RANGE, 0x0, 0x34000000, 0x30000000) returned OPAL_SUCCESS and left MDST/MDDT byte 0x30010c14 (MDST[1]) = 0x34, expected 0x0');
  });

  it('a known invariant is counted, not shrunk again; --workers beyond the cores is capped with a warning', async () => {
    const r = await cli('check', '--runs', '6', '--seed', '5', '--workers', '4096', '--firmware', 'mutant:hostboot-reg-offset-0x18');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--workers 4096 capped at \d+/);
    expect(r.stdout.match(/^FAIL cpu-state/gm)).toHaveLength(1);
    expect(r.stdout).toMatch(/cpu-state: failed in \d+ more round\(s\), not shrunk again/);
  });
});
