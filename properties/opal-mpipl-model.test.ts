/**
 * Model-based test of skiboot's MPIPL OPAL calls (spec 6.1, 6.2; fast-check commands): random
 * sequences of ADD_RANGE / REMOVE_RANGE / REMOVE_ALL / FREE_PRESERVED_MEMORY / REGISTER_TAG /
 * QUERY_TAG — valid and failing ones — run against the real machine through the OPAL entry point,
 * and against a plain model of the two tables written from the spec. After every command the
 * return code and the MDST/MDDT bytes in memory must be what the model says.
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { stubMachine } from '../tests/helpers/stub-machine.js';
import type { Machine } from '../sim/machine/machine.js';
import { MpiplOp, MpiplTag, OpalRc, OpalToken } from '../sim/participants/opal-api.js';
import { HRMOR_BIT, Ntuple, SkibootMap, SpirahNtuple } from '../sim/participants/layout.js';
import { PROPS_SEED } from './seed.js';

const B = SkibootMap.SKIBOOT_BASE;
const RAM = 4 * 2 ** 30;

interface Entry {
  addr: bigint;
  region: number;
  size: number;
}

/** The spec's tables as plain arrays (OPAL's own pair is entry 0 after boot). */
interface Model {
  mdst: Entry[];
  mddt: Entry[];
  kernelTag: bigint;
  bootMem: bigint;
  maxTags: number;
}

const addrValid = (a: bigint): boolean => ((a >> 60n) === 0n || (a >> 60n) === 0xcn) && (a & 0x0fff_ffff_ffff_ffffn) <= BigInt(RAM);

function readTable(m: Machine, off: number, nt: number): Entry[] {
  const n = m.mem.read16BE(B + SkibootMap.SPIRAH_OFF + nt + Ntuple.actCnt);
  return Array.from({ length: n }, (_, i) => {
    const at = B + off + 16 * i;
    return { addr: m.mem.read64BE(at), region: m.mem.read8(at + 8), size: m.mem.read32BE(at + 12) };
  });
}

const call = (m: Machine, token: number, args: bigint[]): bigint => BigInt.asIntN(64, m.opalCall(0, token, args));

abstract class Cmd implements fc.Command<Model, Machine> {
  check(): boolean {
    return true;
  }
  abstract expected(model: Model): bigint;
  abstract invoke(m: Machine): bigint;
  abstract toString(): string;
  run(model: Model, m: Machine): void {
    const want = this.expected(model);
    const got = this.invoke(m);
    if (got !== want) throw new Error(`${this.toString()}: rc ${got}, spec says ${want}`);
    const mdst = readTable(m, SkibootMap.MDST_TABLE_OFF, SpirahNtuple.mdumpSrc);
    const mddt = readTable(m, SkibootMap.MDDT_TABLE_OFF, SpirahNtuple.mdumpDst);
    const same = (a: Entry[], b: Entry[]) => a.length === b.length && a.every((e, i) => e.addr === b[i]!.addr && e.region === b[i]!.region && e.size === b[i]!.size);
    if (!same(mdst, model.mdst) || !same(mddt, model.mddt)) throw new Error(`${this.toString()}: tables differ from the spec's model`);
  }
}

class AddRange extends Cmd {
  constructor(
    readonly src: bigint,
    readonly dest: bigint,
    readonly size: bigint,
  ) {
    super();
  }
  expected(model: Model): bigint {
    if (!addrValid(this.src) || !addrValid(this.dest) || this.size === 0n) return OpalRc.PARAMETER;
    if (model.mdst.length >= 64 || model.mddt.length >= 64) return OpalRc.RESOURCE;
    if (model.mdst.some((e) => e.addr === (this.src | HRMOR_BIT))) return OpalRc.PARAMETER;
    if (model.mddt.some((e) => e.addr === (this.dest | HRMOR_BIT))) return OpalRc.PARAMETER;
    const size = Number(this.size & 0xffff_ffffn);
    model.mdst.push({ addr: this.src | HRMOR_BIT, region: 0x80, size });
    model.mddt.push({ addr: this.dest | HRMOR_BIT, region: 0x80, size });
    return OpalRc.SUCCESS;
  }
  invoke(m: Machine): bigint {
    return call(m, OpalToken.MPIPL_UPDATE, [MpiplOp.ADD_RANGE, this.src, this.dest, this.size]);
  }
  toString(): string {
    return `ADD_RANGE(0x${this.src.toString(16)}, 0x${this.dest.toString(16)}, 0x${this.size.toString(16)})`;
  }
}

class RemoveRange extends Cmd {
  constructor(
    readonly src: bigint,
    readonly dest: bigint,
  ) {
    super();
  }
  expected(model: Model): bigint {
    const i = model.mdst.findIndex((e) => e.region === 0x80 && e.addr === (this.src | HRMOR_BIT));
    if (i < 0) return OpalRc.PARAMETER;
    model.mdst.splice(i, 1);
    const j = model.mddt.findIndex((e) => e.region === 0x80 && e.addr === (this.dest | HRMOR_BIT));
    if (j < 0) return OpalRc.PARAMETER; // the MDST entry is gone already: the tables desync
    model.mddt.splice(j, 1);
    return OpalRc.SUCCESS;
  }
  invoke(m: Machine): bigint {
    return call(m, OpalToken.MPIPL_UPDATE, [MpiplOp.REMOVE_RANGE, this.src, this.dest, 0n]);
  }
  toString(): string {
    return `REMOVE_RANGE(0x${this.src.toString(16)}, 0x${this.dest.toString(16)})`;
  }
}

class RemoveAll extends Cmd {
  expected(model: Model): bigint {
    model.mdst = model.mdst.filter((e) => e.region !== 0x80);
    model.mddt = model.mddt.filter((e) => e.region !== 0x80);
    return OpalRc.SUCCESS;
  }
  invoke(m: Machine): bigint {
    return call(m, OpalToken.MPIPL_UPDATE, [MpiplOp.REMOVE_ALL, 0n, 0n, 0n]);
  }
  toString(): string {
    return 'REMOVE_ALL';
  }
}

class FreePreserved extends Cmd {
  expected(model: Model): bigint {
    model.maxTags = 0;
    return OpalRc.SUCCESS;
  }
  invoke(m: Machine): bigint {
    return call(m, OpalToken.MPIPL_UPDATE, [MpiplOp.FREE_PRESERVED_MEMORY, 0n, 0n, 0n]);
  }
  toString(): string {
    return 'FREE_PRESERVED_MEMORY';
  }
}

class RegisterTag extends Cmd {
  constructor(
    readonly tag: bigint,
    readonly value: bigint,
  ) {
    super();
  }
  expected(model: Model): bigint {
    if (this.tag === MpiplTag.BOOT_MEM) {
      if (this.value === 0n || this.value > BigInt(RAM)) return OpalRc.PARAMETER;
      model.bootMem = this.value;
      return OpalRc.SUCCESS;
    }
    if (this.tag === MpiplTag.KERNEL) {
      model.kernelTag = this.value;
      return OpalRc.SUCCESS;
    }
    return OpalRc.PARAMETER;
  }
  invoke(m: Machine): bigint {
    return call(m, OpalToken.MPIPL_REGISTER_TAG, [this.tag, this.value]);
  }
  toString(): string {
    return `REGISTER_TAG(${this.tag}, 0x${this.value.toString(16)})`;
  }
}

class QueryTag extends Cmd {
  constructor(
    readonly tag: bigint,
    readonly ptr: bigint,
  ) {
    super();
  }
  expected(model: Model): bigint {
    // Tags registered in this boot are not visible before the next MPIPL: a query returns 0.
    if (!addrValid(this.ptr) || this.tag >= BigInt(model.maxTags)) return OpalRc.PARAMETER;
    if ((this.ptr & 0x0fff_ffff_ffff_ffffn) + 8n > BigInt(RAM)) return OpalRc.PARAMETER;
    return OpalRc.SUCCESS;
  }
  invoke(m: Machine): bigint {
    return call(m, OpalToken.MPIPL_QUERY_TAG, [this.tag, this.ptr]);
  }
  toString(): string {
    return `QUERY_TAG(${this.tag}, 0x${this.ptr.toString(16)})`;
  }
}

/** Twenty ADD_RANGEs of distinct pages in a row, so full tables (OPAL_RESOURCE) are reached. */
class AddMany implements fc.Command<Model, Machine> {
  constructor(readonly first: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, m: Machine): void {
    for (let k = 0; k < 20; k++) {
      const n = BigInt(this.first + k);
      new AddRange(0x1000_0000n + n * 0x1_0000n, 0x6000_0000n + n * 0x1_0000n, 0x1_0000n).run(model, m);
    }
  }
  toString(): string {
    return `20 × ADD_RANGE from page ${this.first}`;
  }
}

const GiB = 2n ** 30n;
/** Few distinct addresses so duplicates, removals that hit and desyncs happen often. */
const addr = fc.oneof(
  fc.constantFrom(0x100_0000n, 0x200_0000n, 0x300_0000n, 0x4000_0000n, 0x4100_0000n, 0x4200_0000n),
  fc.constantFrom(BigInt(B), 4n * GiB, 4n * GiB + 1n, 0xc000_0000_0100_0000n, 0x8000_0000_0100_0000n, 0x5000_0000_0000_0000n),
);
const size = fc.constantFrom(0n, 1n, 0x1_0000n, 0x1_0000_0000n, 0x1_0000_1000n, 0x2000_0000n);
const commands = [
  fc.tuple(addr, addr, size).map(([s, d, n]) => new AddRange(s, d, n)),
  fc.tuple(addr, addr).map(([s, d]) => new RemoveRange(s, d)),
  fc.constant(new RemoveAll()),
  fc.integer({ min: 0, max: 200 }).map((n) => new AddMany(n)),
  fc.constant(new FreePreserved()),
  fc.tuple(fc.constantFrom(0n, 1n, 2n, 3n, 7n), fc.constantFrom(0n, 0x3000_0000n, 4n * GiB, 4n * GiB + 1n)).map(([t, v]) => new RegisterTag(t, v)),
  fc.tuple(fc.constantFrom(0n, 2n, 3n, 4n), fc.constantFrom(0x100_0000n, 4n * GiB - 8n, 4n * GiB - 4n, 0x7000_0000_0000_0000n)).map(([t, p]) => new QueryTag(t, p)),
];

describe('OPAL_MPIPL_* against the spec model', () => {
  it('every random call sequence gives the spec’s return codes and table contents', () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 90 }), (cmds) => {
        const { m } = stubMachine();
        const model: Model = {
          mdst: readTable(m, SkibootMap.MDST_TABLE_OFF, SpirahNtuple.mdumpSrc),
          mddt: readTable(m, SkibootMap.MDDT_TABLE_OFF, SpirahNtuple.mdumpDst),
          kernelTag: 0n,
          bootMem: 0n,
          maxTags: 4,
        };
        fc.modelRun(() => ({ model, real: m }), cmds);
      }),
      { seed: PROPS_SEED, numRuns: 300 },
    );
  });
});
