/**
 * `mpipl-sim vmcore`: the dumps open in the real tools. readelf sees an ET_CORE / EM_PPC64 core with
 * the merged PT_NOTE and the PT_LOADs; gdb-multiarch loads it and shows, for every thread, the
 * registers the oracle snapshotted (clock stop; the crashing thread at the panic cycle), and reads
 * memory equal to clock-stop memory. The OPAL core is a valid big-endian core. Plus the no-dump,
 * bad-input and unknown-firmware exits, sparseness and atomicity.
 *
 * Tools: readelf (binutils-multiarch) and gdb-multiarch. In CI a missing tool fails the file
 * (requireTool throws); locally the tool tests are skipped with a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vmcoreCommand } from '../../sim/cli/commands/vmcore.js';
import { cli } from '../helpers/cli.js';
import { requireTool } from '../helpers/tools.js';
import { runCommand } from './command.js';
import { loadTrace, runnableScenario, discardEvents } from '../../sim/cli/trace-scenario.js';
import { runScenario, type CaptureView } from '../../sim/scenario/run.js';
import { recordRun } from '../../sim/cli/recording.js';
import { Slot, snapGet, type ThreadSnapshot } from '../../sim/cpu/state.js';
import type { PhysicalMemory } from '../../sim/mem/physical-memory.js';
import { PAGE_SIZE } from '../../sim/mem/physical-memory.js';
import { parseCore, parseNotes, PT_LOAD, PT_NOTE } from '../../sim/oracle/elf-read.js';

const readelf = requireTool('readelf');
const gdb = requireTool('gdb-multiarch');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpipl-vmcore-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const vmcore = (...argv: string[]) => runCommand('vmcore', vmcoreCommand, argv);

async function record(name: string, ...runArgs: string[]): Promise<string> {
  const path = join(dir, name);
  const r = await cli('run', ...runArgs, '--record', path);
  expect(r.stderr).toBe('');
  return path;
}

function configFile(name: string, obj: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(obj));
  return path;
}

interface Captured {
  readonly clockStop: readonly ThreadSnapshot[];
  readonly panic: { readonly pir: number; readonly threads: readonly ThreadSnapshot[] } | undefined;
  readonly mem: PhysicalMemory;
}

/** Re-run a trace's scenario and keep the oracle's snapshots of round 0. */
function snapshotsOf(trace: string): Captured {
  const { spec, profile } = runnableScenario(loadTrace(trace, false).header);
  let got: Captured | undefined;
  runScenario(spec, {
    sink: discardEvents,
    profile,
    onCapture: (c: CaptureView) => {
      if (c.round === 0 && c.clockStop !== undefined) got = { clockStop: c.clockStop.threads, panic: c.panic, mem: c.clockStop.mem };
    },
  });
  if (got === undefined) throw new Error('no capture in round 0');
  return got;
}

const tool = (path: string, args: string[]): string => execFileSync(path, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });

const REGS = ['pc', 'msr', 'cr', 'lr', 'ctr', 'xer', ...Array.from({ length: 32 }, (_, i) => `r${i}`)] as const;

function expectedRegs(s: ThreadSnapshot): Record<string, bigint> {
  const out: Record<string, bigint> = { pc: snapGet(s, Slot.NIP), msr: snapGet(s, Slot.MSR), cr: snapGet(s, Slot.CR), lr: snapGet(s, Slot.LR), ctr: snapGet(s, Slot.CTR), xer: snapGet(s, Slot.XER) };
  for (let i = 0; i < 32; i++) out[`r${i}`] = snapGet(s, i);
  return out;
}

/** `info registers` of every gdb thread: thread number → register → value. */
function gdbThreads(core: string, threads: number): Map<number, Record<string, bigint>> {
  const args = ['-nx', '-batch', '-ex', 'set architecture powerpc:common64', '-ex', `core-file ${core}`];
  for (let t = 1; t <= threads; t++) args.push('-ex', `thread ${t}`, '-ex', `echo ==thread ${t}==\\n`, '-ex', `info registers ${REGS.join(' ')}`);
  const out = tool(gdb.path, args);
  const result = new Map<number, Record<string, bigint>>();
  let current: Record<string, bigint> | undefined;
  for (const line of out.split('\n')) {
    const m = /^==thread (\d+)==$/.exec(line);
    if (m !== null) {
      current = {};
      result.set(Number(m[1]), current);
      continue;
    }
    const r = /^(\w+)\s+(0x[0-9a-f]+)\s/.exec(line);
    if (r !== null && current !== undefined) current[r[1]!] = BigInt(r[2]!);
  }
  return result;
}

/** The first 8-byte-aligned address in [start, end) whose clock-stop quadword is not zero. */
function nonZeroAddress(mem: PhysicalMemory, start: number, end: number): number {
  let found = -1;
  mem.forEachPage((index, page) => {
    const base = index * PAGE_SIZE;
    if (found >= 0 || base < start || base >= end) return;
    for (let o = 0; o < PAGE_SIZE; o += 8) {
      if (page.subarray(o, o + 8).some((b) => b !== 0)) {
        found = base + o;
        return;
      }
    }
  });
  if (found < 0) throw new Error(`no non-zero memory in [${start.toString(16)}, ${end.toString(16)})`);
  return found;
}

/** gdb `x/4gx` of a kernel virtual address: the four quadwords it prints (two per line). */
function gdbQuads(core: string, vaddr: bigint): bigint[] {
  const out = tool(gdb.path, ['-nx', '-batch', '-ex', 'set architecture powerpc:common64', '-ex', `core-file ${core}`, '-ex', `x/4gx 0x${vaddr.toString(16)}`]);
  const quads: bigint[] = [];
  for (const line of out.split('\n')) {
    const m = /^0x[0-9a-f]+:\s+(.*)$/.exec(line);
    if (m !== null) quads.push(...m[1]!.trim().split(/\s+/).map((w) => BigInt(w)));
  }
  if (quads.length !== 4) throw new Error(`gdb printed no memory:\n${out}`);
  return quads;
}

/** Bytes of a (possibly > 2 GiB, sparse) file at a position. */
function readAt(path: string, position: number, sizeBytes: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(sizeBytes);
    let done = 0;
    while (done < sizeBytes) {
      const n = readSync(fd, buf, done, sizeBytes - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function quadsOf(mem: PhysicalMemory, address: number, le: boolean): bigint[] {
  const b = mem.readBytes(address, 32);
  const dv = new DataView(b.buffer);
  return [0, 8, 16, 24].map((o) => dv.getBigUint64(o, le));
}

/** Program headers and notes of a written core, read by the oracle's independent ELF reader. */
function parsedFile(path: string): { le: boolean; loads: { offset: number; paddr: number; vaddr: bigint; filesz: number }[]; prstatus: number; pids: number[] } {
  const core = parseCore((o, n) => readAt(path, o, n));
  if (typeof core === 'string') throw new Error(core);
  const note = core.phdrs.find((p) => p.type === PT_NOTE)!;
  const cpus = parseNotes(readAt(path, note.offset, note.filesz), core.littleEndian).filter((n) => n.type === 1);
  const pids = cpus.map((n) => new DataView(n.desc.buffer, n.desc.byteOffset).getUint32(32, core.littleEndian));
  return { le: core.littleEndian, loads: core.phdrs.filter((p) => p.type === PT_LOAD), prstatus: cpus.length, pids };
}

describe('vmcore of the default scenario (seed 1)', () => {
  let trace = '';
  let core = '';
  let opal = '';
  let snaps: Captured;
  let crashNip = 0n;
  let crashPir = -1;

  beforeAll(async () => {
    trace = await record('s1.mpt', '--seed', '1');
    core = join(dir, 's1.vmcore');
    opal = join(dir, 's1.opalcore');
    const r = await vmcore(trace, '-o', core, '--opalcore', opal);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('/proc/vmcore of round 0');
    snaps = snapshotsOf(trace);
    const doc = JSON.parse((await cli('run', '--seed', '1', '--json')).stdout);
    crashNip = BigInt(doc.crash.registers.nip);
    crashPir = Number(doc.crash.pir);
  });

  it('is laid out as vmcore.c does: one PT_NOTE first, page-aligned PT_LOAD offsets, 8 CPU notes', () => {
    const f = parsedFile(core);
    expect(f.le).toBe(true);
    expect(f.prstatus).toBe(8);
    expect(f.loads.length).toBe(3);
    for (const l of f.loads) expect(l.offset % 65536).toBe(l.paddr % 65536);
  });

  it('is sparse and left no temporary file', () => {
    const st = statSync(core);
    expect(st.size).toBeGreaterThan(2 ** 31);
    expect(st.blocks * 512).toBeLessThan(64 << 20);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('PT_LOAD bytes in the file equal clock-stop memory at p_paddr', () => {
    const f = parsedFile(core);
    let nonZero = 0;
    for (const l of f.loads) {
      // A range that was all zero at clock stop is checked at its start (it must read as zero).
      let at = l.paddr;
      try {
        at = nonZeroAddress(snaps.mem, l.paddr, l.paddr + l.filesz);
        nonZero++;
      } catch {
        // all zero
      }
      const want = snaps.mem.readBytes(at, 64);
      const got = readAt(core, l.offset + (at - l.paddr), 64);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    }
    expect(nonZero).toBeGreaterThanOrEqual(2);
  });

  describe.skipIf(!readelf.available)('readelf', () => {
    it('-h -l -n: ET_CORE, PowerPC64, one NOTE, the PT_LOADs, one NT_PRSTATUS per active thread', () => {
      const out = tool(readelf.path, ['-h', '-l', '-n', '-W', core]);
      expect(out).toMatch(/Type:\s+CORE \(Core file\)/);
      expect(out).toMatch(/Machine:\s+PowerPC64/);
      expect(out).toMatch(/Data:\s+2's complement, little endian/);
      expect(out.match(/^\s+NOTE\s/gm)?.length).toBe(1);
      expect(out.match(/^\s+LOAD\s/gm)?.length).toBe(3);
      expect(out.match(/NT_PRSTATUS \(prstatus structure\)/g)?.length).toBe(8);
      expect(out).toMatch(/VMCOREINFO/);
      expect(out).not.toMatch(/Warning|Error/i);
    });

    it('the OPAL core is a big-endian ELF64 ppc64 core with its notes', () => {
      const out = tool(readelf.path, ['-h', '-l', '-n', '-W', opal]);
      expect(out).toMatch(/Data:\s+2's complement, big endian/);
      expect(out).toMatch(/Type:\s+CORE \(Core file\)/);
      expect(out).toMatch(/Machine:\s+PowerPC64/);
      expect(out.match(/^\s+LOAD\s/gm)?.length).toBe(1);
      expect(out.match(/NT_PRSTATUS \(prstatus structure\)/g)?.length).toBe(8);
      expect(out).toMatch(/NT_AUXV/);
      expect(out).not.toMatch(/Warning|Error/i);
    });
  });

  describe.skipIf(!gdb.available)('gdb-multiarch', () => {
    it('lists 8 threads, each with the registers the oracle snapshotted', () => {
      const threads = gdbThreads(core, 8);
      expect(threads.size).toBe(8);
      const seen = new Set<number>();
      for (const [n, regs] of threads) {
        for (const r of REGS) expect(regs[r], `thread ${n} ${r}`).toBeDefined();
        // The crashing CPU's note holds the panic-cycle registers, the others the clock-stop ones.
        const candidates = [
          ...snaps.clockStop.filter((s) => s.pir !== snaps.panic?.pir),
          ...(snaps.panic?.threads.filter((s) => s.pir === snaps.panic?.pir) ?? []),
        ];
        const match = candidates.find((s) => REGS.every((r) => expectedRegs(s)[r] === regs[r]));
        expect(match, `thread ${n} matches no snapshot (pc ${regs['pc']?.toString(16)})`).toBeDefined();
        seen.add(match!.pir);
        if (match!.pir === crashPir) expect(regs['pc']).toBe(crashNip);
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(snaps.clockStop.map((s) => s.pir).sort((a, b) => a - b));
      expect(seen.has(crashPir)).toBe(true);
    });

    it('x/4gx reads clock-stop memory in the copied boot memory and in an identity-mapped range', () => {
      const f = parsedFile(core);
      for (const l of [f.loads[0]!, f.loads[f.loads.length - 1]!]) {
        const at = nonZeroAddress(snaps.mem, l.paddr, l.paddr + l.filesz);
        expect(gdbQuads(core, l.vaddr + BigInt(at - l.paddr))).toEqual(quadsOf(snaps.mem, at, true));
      }
    });
  });

  it('--exact keeps the kernel’s pr_pid 0 in every CPU note', async () => {
    const exact = join(dir, 's1-exact.vmcore');
    expect((await vmcore(trace, '-o', exact, '--exact')).code).toBe(0);
    expect(parsedFile(exact).pids).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parsedFile(core).pids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(statSync(exact).size).toBe(statSync(core).size);
  });
});

describe.skipIf(!readelf.available || !gdb.available)('big-endian kernel', () => {
  it('the vmcore is big-endian and gdb reads its registers and memory', async () => {
    const cfg = configFile('be.json', { chips: 1, coresPerChip: 1, threadsPerCore: 4, ramSize: '2GiB', kernelEndian: 'big' });
    const trace = await record('be.mpt', '--seed', '5', '--config', cfg);
    const core = join(dir, 'be.vmcore');
    const r = await vmcore(trace, '-o', core);
    expect(r.code, r.stderr).toBe(0);
    expect(tool(readelf.path, ['-h', core])).toMatch(/big endian/);
    const snaps = snapshotsOf(trace);
    const threads = gdbThreads(core, 4);
    expect(threads.size).toBe(4);
    const pcs = [...threads.values()].map((t) => t['pc']);
    const want = snaps.clockStop.filter((s) => s.pir !== snaps.panic?.pir).map((s) => snapGet(s, Slot.NIP));
    for (const w of want) expect(pcs).toContain(w);
    const f = parsedFile(core);
    expect(f.le).toBe(false);
    const l = f.loads[0]!;
    const at = nonZeroAddress(snaps.mem, l.paddr, l.paddr + l.filesz);
    expect(gdbQuads(core, l.vaddr + BigInt(at - l.paddr))).toEqual(quadsOf(snaps.mem, at, false));
  });
});

describe.skipIf(!gdb.available)('a later round', () => {
  it('--round 1 of a two-crash scenario holds that round’s crashing thread at its panic registers', async () => {
    const trace = await record('two.mpt', '--seed', '4', '--crashes', '2');
    const doc = JSON.parse((await cli('run', '--seed', '4', '--crashes', '2', '--json')).stdout);
    const second = doc.crashes[1];
    const core = join(dir, 'two-r1.vmcore');
    const r = await vmcore(trace, '-o', core, '--round', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('/proc/vmcore of round 1');
    const threads = gdbThreads(core, 8);
    expect(threads.size).toBe(8);
    const crashing = [...threads.values()].filter((t) => t['pc'] === BigInt(second.registers.nip) && t['lr'] === BigInt(second.registers.lr) && t['r1'] === BigInt(second.registers.gpr[1]));
    expect(crashing).toHaveLength(1);
  });
});

describe('no dump, bad input, unknown firmware', () => {
  it('a round without a capture kernel is exit 1 with the reason on one line', async () => {
    const cfg = configFile('nostash.json', { faults: { dropStash: true } });
    const trace = await record('nostash.mpt', '--seed', '3', '--config', cfg);
    const out = join(dir, 'nostash.vmcore');
    const r = await vmcore(trace, '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^no vmcore in round 0: no vmcore \(.+\)\n$/);
    expect(r.stdout).toBe('');
    expect(() => statSync(out)).toThrow();
  });

  it('--opalcore when the round has no OPAL core: the vmcore is written, exit 1 names the missing core', async () => {
    const cfg = configFile('small.json', { faults: { allocSizeBytes: 256 } });
    const trace = await record('small.mpt', '--seed', '1', '--config', cfg);
    const out = join(dir, 'small.vmcore');
    const r = await vmcore(trace, '-o', out, '--opalcore', join(dir, 'small.opalcore'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^no OPAL core in round 0: .+\n$/);
    expect(parsedFile(out).prstatus).toBe(1);
    expect(() => statSync(join(dir, 'small.opalcore'))).toThrow();
  });

  it('a round past the last crash is exit 1 naming the rounds there are', async () => {
    const trace = await record('r.mpt', '--seed', '1');
    const r = await vmcore(trace, '-o', join(dir, 'r.vmcore'), '--round', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('no vmcore in round 3: the scenario has 1 MPIPL round (0..0)\n');
  });

  it('bad flags, a missing or corrupt trace: one line, exit 2', async () => {
    const trace = await record('ok.mpt', '--seed', '1');
    const bad = join(dir, 'bad.mpt');
    const bytes = readFileSync(trace);
    bytes[bytes.length - 20]! ^= 0xff;
    writeFileSync(bad, bytes);
    for (const argv of [[trace], [trace, '-o'], [trace, '-o', 'x', '--round', 'zero'], [join(dir, 'none.mpt'), '-o', 'x'], [bad, '-o', join(dir, 'bad.vmcore')], [trace, '-o', 'x', '--bogus'], [trace, '-o', join(dir, 'no', 'such', 'dir', 'x.vmcore')]]) {
      const r = await vmcore(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    }
    expect(() => statSync(join(dir, 'bad.vmcore'))).toThrow();
  });

  it('a trace naming firmware this build lacks is exit 125', async () => {
    const { header } = loadTrace(await record('fw.mpt', '--seed', '1'), false);
    const { spec, profile } = runnableScenario(header);
    const path = join(dir, 'unknown-fw.mpt');
    recordRun(spec, { ...profile, name: 'no-such-firmware' }, path, 'events');
    const r = await vmcore(path, '-o', join(dir, 'u.vmcore'));
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/no-such-firmware/);
  });
});
