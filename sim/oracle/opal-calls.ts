/**
 * `registration-effective`, per OPAL call (design section 6; spec 6.1, 6.2, step 26): every call
 * the oracle sees at the OPAL entry point is judged on the MPIPL structures before and after it
 * (a byte copy of those blocks), and on the rest of RAM: the oracle takes a copy-on-write snapshot
 * at the entry point and, after the call, reads only the pages whose identity changed; outside
 * skiboot's own reservations (callWritableSpans) none may differ.
 *
 * The oracle works out, from the spec's rules and the memory before the call, what the call must
 * return and what it must leave in the MPIPL structures, then compares:
 *
 * - the SPIRA-H and processor dump area, MDST, MDDT and the MDDT-sized window after MDDT (where a
 *   65th entry would land), the metadata area and MDRT, byte for byte with the expected result;
 * - the return code, exactly: a valid request refused while `/ibm,opal/dump` is published (the
 *   firmware claims MPIPL) is as much a finding as a success that changed nothing, or a success on
 *   a full table.
 *
 * Without the dump node the MPIPL tokens are not registered: any return code is accepted, but the
 * call may change nothing.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { hex } from '../core/u64.js';
import { opalDumpSize, HRMOR_BIT, MDRT_ENTRY_SIZE, MDST_ENTRY_SIZE, MDST_MAX_ENTRIES, MdstEntry, MpiplMetadata, Ntuple, SkibootMap, SpirahNtuple } from '../participants/layout.js';
import { DumpRegion, MpiplOp, MpiplTag, OpalRc, OpalToken, rcName, MPIPL_OP_NAMES, OPAL_TOKEN_NAMES } from '../participants/opal-api.js';
import { METADATA, MDRT_BASE, SPIRAH } from './readers.js';

const BASE = SkibootMap.SKIBOOT_BASE;
/** SPIRA-H and the processor dump area after it, judged as one block. */
const SPIRAH_BLOCK = { start: SPIRAH, sizeBytes: SkibootMap.PROC_DUMP_AREA_OFF + SkibootMap.PROC_DUMP_AREA_SIZE - SkibootMap.SPIRAH_OFF };
/** MDST, MDDT and one MDDT-sized window after it: an overflowing append lands there. */
const TABLE_BLOCK = { start: BASE + SkibootMap.MDST_TABLE_OFF, sizeBytes: SkibootMap.MDST_TABLE_SIZE + 2 * SkibootMap.MDDT_TABLE_SIZE };
const MDST_OFF_IN_BLOCK = 0;
const MDDT_OFF_IN_BLOCK = SkibootMap.MDDT_TABLE_OFF - SkibootMap.MDST_TABLE_OFF;
const METADATA_BLOCK = { start: METADATA, sizeBytes: SkibootMap.DUMP_METADATA_AREA_SIZE };
const MDRT_BLOCK = { start: MDRT_BASE, sizeBytes: SkibootMap.MDRT_TABLE_SIZE };
/** Entries of a table the block can hold from its start (counts past this cannot be modelled). */
const MODELLED_ENTRIES_MAX = (TABLE_BLOCK.sizeBytes - MDDT_OFF_IN_BLOCK) / MDST_ENTRY_SIZE;

export interface ObservedCall {
  readonly token: number;
  readonly args: readonly bigint[];
  /** What the firmware returned. */
  readonly rc: bigint;
  /** False when the call started the machine going down (it never returns to the caller). */
  readonly returned: boolean;
  /** `/ibm,opal/dump` was published when the call was made. */
  readonly dumpPublished: boolean;
}

export interface MachineFacts {
  readonly ramSizeBytes: number;
  readonly cpuMaxPir: number;
}

/** The judged blocks as a call found them (about 66 KiB copied; no memory-wide snapshot). */
export interface CallBefore {
  readonly spirah: Uint8Array;
  readonly tables: Uint8Array;
  readonly metadata: Uint8Array;
  readonly mdrt: Uint8Array;
}

export function captureBefore(mem: PhysicalMemory): CallBefore {
  return {
    spirah: mem.readBytes(SPIRAH_BLOCK.start, SPIRAH_BLOCK.sizeBytes),
    tables: mem.readBytes(TABLE_BLOCK.start, TABLE_BLOCK.sizeBytes),
    metadata: mem.readBytes(METADATA_BLOCK.start, METADATA_BLOCK.sizeBytes),
    mdrt: mem.readBytes(MDRT_BLOCK.start, MDRT_BLOCK.sizeBytes),
  };
}

/** The bytes of the judged blocks, as the call must leave them. */
class Expected {
  readonly spirah: Uint8Array;
  readonly tables: Uint8Array;
  readonly metadata: Uint8Array;
  readonly mdrt: Uint8Array;
  rc: bigint = OpalRc.SUCCESS;
  /** Further ranges the call may write freely (QUERY_TAG's answer). */
  readonly freeRanges: { start: number; end: number }[] = [];
  /** Fields whose new value is not the oracle's to predict (the terminate path's crashing PIR). */
  crashingPirFree = false;

  constructor(before: CallBefore) {
    this.spirah = before.spirah.slice();
    this.tables = before.tables.slice();
    this.metadata = before.metadata.slice();
    this.mdrt = before.mdrt.slice();
  }

  private view(b: Uint8Array): DataView {
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  actCnt(ntupleOff: number): number {
    return this.view(this.spirah).getUint16(ntupleOff + Ntuple.actCnt, false);
  }

  setActCnt(ntupleOff: number, n: number): void {
    this.view(this.spirah).setUint16(ntupleOff + Ntuple.actCnt, n, false);
  }

  entryAddr(tableOff: number, i: number): bigint {
    return this.view(this.tables).getBigUint64(tableOff + i * MDST_ENTRY_SIZE + MdstEntry.addr, false);
  }

  entryRegion(tableOff: number, i: number): number {
    return this.tables[tableOff + i * MDST_ENTRY_SIZE + MdstEntry.dataRegion]!;
  }

  /** skiboot's append writes addr, data_region and size; dump_type and reserved keep their bytes (spec 6.1 step 7). */
  append(tableOff: number, i: number, addr: bigint, region: number, sizeBytes: number): void {
    const at = tableOff + i * MDST_ENTRY_SIZE;
    const v = this.view(this.tables);
    v.setBigUint64(at + MdstEntry.addr, addr, false);
    this.tables[at + MdstEntry.dataRegion] = region;
    v.setUint32(at + MdstEntry.size, sizeBytes >>> 0, false);
  }

  /** Remove entry i of a table of `cnt`: later entries shift down one slot, the last slot is zeroed. */
  removeAt(tableOff: number, i: number, cnt: number): void {
    const from = tableOff + (i + 1) * MDST_ENTRY_SIZE;
    const to = tableOff + cnt * MDST_ENTRY_SIZE;
    this.tables.copyWithin(tableOff + i * MDST_ENTRY_SIZE, from, to);
    this.tables.fill(0, tableOff + (cnt - 1) * MDST_ENTRY_SIZE, to);
  }

  setMetadata64(off: number, v: bigint): void {
    this.view(this.metadata).setBigUint64(off, v, false);
  }
}

/** skiboot opal_addr_valid (spec 6.1): top nibble 0 or 0xC, the rest within RAM. */
function addrValid(a: bigint, ramSizeBytes: number): boolean {
  const nibble = a >> 60n;
  return (nibble === 0n || nibble === 0xcn) && (a & 0x0fff_ffff_ffff_ffffn) <= BigInt(ramSizeBytes);
}

/**
 * Where a call may write at all: skiboot's own reservations (spec step 4: `ibm,firmware-code`, in
 * which the tables, metadata area, MDRT, console and heap lie, and `ibm,firmware-stacks`), and the
 * 8 bytes QUERY_TAG answers into. The bytes of the MPIPL blocks inside are judged exactly by
 * opalCallProblem; this only bounds everything else.
 */
export function callWritableSpans(call: ObservedCall, facts: MachineFacts): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [{ start: BASE, end: BASE + opalDumpSize(facts.cpuMaxPir) }];
  if (call.token === OpalToken.MPIPL_QUERY_TAG) {
    const ptr = call.args[1] ?? 0n;
    if (addrValid(ptr, facts.ramSizeBytes)) {
      const at = Number(ptr & 0x0fff_ffff_ffff_ffffn);
      spans.push({ start: at, end: at + 8 });
    }
  }
  return spans;
}

/** The call as a reader names it: `OPAL_MPIPL_UPDATE(ADD_RANGE, src, dest, size)`. */
export function describeCall(c: ObservedCall): string {
  return callName(c);
}

function callName(c: ObservedCall): string {
  const name = OPAL_TOKEN_NAMES[c.token] ?? `token ${c.token}`;
  if (c.token === OpalToken.MPIPL_UPDATE) {
    const op = MPIPL_OP_NAMES[Number(c.args[0] ?? 0n)] ?? `op ${c.args[0] ?? 0n}`;
    return `${name}(${op}${c.args.slice(1, op === 'ADD_RANGE' ? 4 : op === 'REMOVE_RANGE' ? 3 : 1).map((a) => `, ${hex(a)}`).join('')})`;
  }
  return `${name}(${c.args.slice(0, 2).map((a) => hex(a)).join(', ')})`;
}

/**
 * Memory as `call` (an MPIPL_UPDATE) would leave it had it completed from `before`: `mem` with the
 * SPIRA-H and table blocks replaced (copy-on-write). Undefined for other tokens and for counts the
 * model cannot follow. Without `/ibm,opal/dump` nothing may change. (Coupled time: the in-flight
 * rule of sim/oracle/in-flight.ts compares clock-stop tables with this and with `before`.)
 */
export function memoryAfterUpdate(mem: PhysicalMemory, before: CallBefore, call: { readonly token: number; readonly args: readonly bigint[]; readonly dumpPublished: boolean }, facts: MachineFacts): PhysicalMemory | undefined {
  if (call.token !== OpalToken.MPIPL_UPDATE) return undefined;
  const e = new Expected(before);
  if (call.dumpPublished && !expectUpdate(e, call.args, facts)) return undefined;
  return memoryWithBlocks(mem, e.spirah, e.tables);
}

/** `mem` (copy-on-write) with its SPIRA-H and table blocks as `before` holds them. */
export function memoryBefore(mem: PhysicalMemory, before: CallBefore): PhysicalMemory {
  return memoryWithBlocks(mem, before.spirah, before.tables);
}

function memoryWithBlocks(mem: PhysicalMemory, spirah: Uint8Array, tables: Uint8Array): PhysicalMemory {
  const m = mem.snapshot();
  m.writeBytes(SPIRAH_BLOCK.start, spirah);
  m.writeBytes(TABLE_BLOCK.start, tables);
  return m;
}

/** The first way `call` did not do what the spec says it must, or undefined. */
export function opalCallProblem(before: CallBefore, after: PhysicalMemory, call: ObservedCall, facts: MachineFacts): string | undefined {
  const e = new Expected(before);
  let rcJudged = call.returned;
  const mpiplToken = call.token === OpalToken.MPIPL_UPDATE || call.token === OpalToken.MPIPL_REGISTER_TAG || call.token === OpalToken.MPIPL_QUERY_TAG;
  if (mpiplToken && !call.dumpPublished) {
    rcJudged = false; // unregistered token: any error, but nothing may change
  } else if (call.token === OpalToken.MPIPL_UPDATE) {
    const modelled = expectUpdate(e, call.args, facts);
    if (!modelled) return undefined; // counts beyond what the tables can hold: skiboot's behaviour reads past them
  } else if (call.token === OpalToken.MPIPL_REGISTER_TAG) {
    expectRegisterTag(e, call.args, facts);
  } else if (call.token === OpalToken.MPIPL_QUERY_TAG) {
    const ptr = call.args[1] ?? 0n;
    rcJudged = false; // the value and code depend on the tags of this boot, judged by `tags`
    if (addrValid(ptr, facts.ramSizeBytes)) {
      const at = Number(ptr & 0x0fff_ffff_ffff_ffffn);
      e.freeRanges.push({ start: at, end: at + 8 });
    }
  } else if (call.token === OpalToken.CEC_REBOOT2) {
    e.crashingPirFree = true;
    rcJudged = false;
  } else {
    rcJudged = false;
  }
  const what = callName(call);
  if (rcJudged && BigInt.asIntN(64, call.rc) !== e.rc) return `${what} returned ${rcName(call.rc)}, expected ${rcName(e.rc)}${call.dumpPublished && e.rc === OpalRc.SUCCESS ? ' (a valid request, and /ibm,opal/dump is published)' : ''}`;
  const blocks: [string, { start: number; sizeBytes: number }, Uint8Array][] = [
    ['SPIRA-H / processor dump area', SPIRAH_BLOCK, e.spirah],
    ['MDST/MDDT', TABLE_BLOCK, e.tables],
    ['metadata area', METADATA_BLOCK, e.metadata],
    ['MDRT', MDRT_BLOCK, e.mdrt],
  ];
  for (const [name, block, want] of blocks) {
    if (after.equalsBytes(block.start, want)) continue; // the common case, compared page by page natively
    const got = after.readBytes(block.start, block.sizeBytes);
    for (let i = 0; i < got.length; i++) {
      if (got[i] === want[i]) continue;
      const addr = block.start + i;
      if (e.crashingPirFree && addr >= METADATA + MpiplMetadata.crashingPir && addr < METADATA + MpiplMetadata.crashingPir + 4) continue;
      return `${what} returned ${rcName(call.rc)} and left ${name} byte ${hex(addr)}${tableSlot(addr)} = ${hex(got[i]!)}, expected ${hex(want[i]!)}`;
    }
  }
  return undefined;
}

function tableSlot(addr: number): string {
  const off = addr - TABLE_BLOCK.start;
  if (off < 0 || off >= TABLE_BLOCK.sizeBytes) return '';
  if (off < MDDT_OFF_IN_BLOCK) return ` (MDST[${Math.floor(off / MDST_ENTRY_SIZE)}])`;
  const k = Math.floor((off - MDDT_OFF_IN_BLOCK) / MDST_ENTRY_SIZE);
  return k < MDST_MAX_ENTRIES ? ` (MDDT[${k}])` : ` (MDDT[${k}], past the table)`;
}

/** spec 6.1. Returns false when the counts are beyond what can be modelled. */
function expectUpdate(e: Expected, args: readonly bigint[], facts: MachineFacts): boolean {
  const op = args[0] ?? 0n;
  const srcCnt = e.actCnt(SpirahNtuple.mdumpSrc);
  const dstCnt = e.actCnt(SpirahNtuple.mdumpDst);
  if (op === MpiplOp.ADD_RANGE) {
    const [src, dest, size] = [args[1] ?? 0n, args[2] ?? 0n, args[3] ?? 0n];
    if (!addrValid(src, facts.ramSizeBytes) || !addrValid(dest, facts.ramSizeBytes) || size === 0n) return (e.rc = OpalRc.PARAMETER), true;
    if (srcCnt >= MDST_MAX_ENTRIES || dstCnt >= MDST_MAX_ENTRIES) return (e.rc = OpalRc.RESOURCE), true;
    for (let i = 0; i < srcCnt; i++) if (e.entryAddr(MDST_OFF_IN_BLOCK, i) === (src | HRMOR_BIT)) return (e.rc = OpalRc.PARAMETER), true;
    for (let i = 0; i < dstCnt; i++) if (e.entryAddr(MDDT_OFF_IN_BLOCK, i) === (dest | HRMOR_BIT)) return (e.rc = OpalRc.PARAMETER), true;
    const sizeBytes = Number(size & 0xffff_ffffn);
    e.append(MDST_OFF_IN_BLOCK, srcCnt, src | HRMOR_BIT, DumpRegion.KERNEL, sizeBytes);
    e.append(MDDT_OFF_IN_BLOCK, dstCnt, dest | HRMOR_BIT, DumpRegion.KERNEL, sizeBytes);
    e.setActCnt(SpirahNtuple.mdumpSrc, srcCnt + 1);
    e.setActCnt(SpirahNtuple.mdumpDst, dstCnt + 1);
    return true;
  }
  if (op === MpiplOp.REMOVE_RANGE || op === MpiplOp.REMOVE_ALL) {
    if (srcCnt > MDDT_OFF_IN_BLOCK / MDST_ENTRY_SIZE + MODELLED_ENTRIES_MAX || dstCnt > MODELLED_ENTRIES_MAX) return false;
    const all = op === MpiplOp.REMOVE_ALL;
    const srcFound = removeFrom(e, MDST_OFF_IN_BLOCK, SpirahNtuple.mdumpSrc, srcCnt, all, (args[1] ?? 0n) | HRMOR_BIT);
    if (!all && !srcFound) return (e.rc = OpalRc.PARAMETER), true;
    // MDDT is scanned with its count as it is now (MDST's removal may have shifted MDDT's first entries when counts run past MDST).
    const dstFound = removeFrom(e, MDDT_OFF_IN_BLOCK, SpirahNtuple.mdumpDst, e.actCnt(SpirahNtuple.mdumpDst), all, (args[2] ?? 0n) | HRMOR_BIT);
    e.rc = all || dstFound ? OpalRc.SUCCESS : OpalRc.PARAMETER;
    return true;
  }
  if (op === MpiplOp.FREE_PRESERVED_MEMORY) {
    // Step 26: MDRT zeroed, mdump_res.act_cnt = 1024, MDST/MDDT untouched.
    e.mdrt.fill(0);
    e.setActCnt(SpirahNtuple.mdumpRes, SkibootMap.MDRT_TABLE_SIZE / MDRT_ENTRY_SIZE);
    return true;
  }
  e.rc = OpalRc.PARAMETER;
  return true;
}

/** skiboot's removal loop over one table (spec 6.1): the first (or, for REMOVE_ALL, every) kernel entry. */
function removeFrom(e: Expected, tableOff: number, ntupleOff: number, cnt: number, all: boolean, addrField: bigint): boolean {
  let found = false;
  for (let i = 0; i < cnt; ) {
    if (e.entryRegion(tableOff, i) !== DumpRegion.KERNEL || (!all && e.entryAddr(tableOff, i) !== addrField)) {
      i++;
      continue;
    }
    e.removeAt(tableOff, i, cnt);
    cnt--;
    if (!all) {
      found = true;
      break;
    }
  }
  e.setActCnt(ntupleOff, cnt);
  return found;
}

/** spec 6.2. */
function expectRegisterTag(e: Expected, args: readonly bigint[], facts: MachineFacts): void {
  const [tag, value] = [args[0] ?? 0n, args[1] ?? 0n];
  if (tag === MpiplTag.BOOT_MEM) {
    if (value === 0n || value > BigInt(facts.ramSizeBytes)) e.rc = OpalRc.PARAMETER;
    else e.setMetadata64(MpiplMetadata.bootMemSize, value);
  } else if (tag === MpiplTag.KERNEL) {
    e.setMetadata64(MpiplMetadata.kernelTag, value);
  } else {
    e.rc = OpalRc.PARAMETER;
  }
}
