/**
 * The shared effects of firmware calls (docs/bisect.md, "Build against build"; design section 7):
 * what one entry of a firmware ELF did that anything outside that firmware can see — stores
 * outside firmware-private memory (address and bytes), service calls (number and arguments, with
 * pointers into private memory replaced by what they point at or by `private`), the result — in
 * program order, each with the instruction that made it.
 *
 * Two builds never share code, stacks or heaps, so their private stores, registers and timing
 * always differ; their shared effects are what a correct change keeps equal. Comparing the
 * ordered lists of two builds' calls finds the first call, and inside it the first effect, where
 * they part — which names one instruction in each build.
 *
 * The recorder is an EntryObserver (sim/firmware-elf/entry-observer.ts): it sees an entry through
 * registers, retired instructions and service calls only, so it records the same whether the
 * entry runs in charged time (inside one action) or, as a coupled-mode runner reports it, one
 * instruction per cycle.
 */
import { hex } from '../core/u64.js';
import { TransactionError } from '../core/errors.js';
import { Slot, SLOT_COUNT, type ThreadState } from '../cpu/state.js';
import { nipInRanges, snapGetSlot, type SharedStateFilter } from './state-diff.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { RetiredMemWrite } from '../trace/events.js';
import { FW_HOSTBOOT_BASE, FW_HOSTBOOT_SIZE, FW_SKIBOOT_HEAP, FW_SKIBOOT_STACKS_BASE, FW_STACK_SIZE, FW_STRING_MAX_BYTES, FwSvc, SERVICE_NAMES, type FirmwareElfParticipant } from '../firmware-elf/abi.js';
import type { FirmwareElf } from '../firmware-elf/loader.js';
import type { EntryObserver, EntrySession, EntryStart } from '../firmware-elf/entry-observer.js';
import { realPointer } from '../firmware-elf/services.js';
import { disasm } from '../isa/disasm.js';
import type { RetiredRegWrite } from '../trace/events.js';

/** A byte range [start, end) of real addresses. */
export interface AddressRange {
  readonly start: number;
  readonly end: number;
  readonly what: string;
}

/**
 * Memory only this firmware owns (ABI v1 "Memory windows"): each PT_LOAD of the ELF, and for
 * skiboot its heap and every PIR's CPU stack; for hostboot its whole private window.
 */
export function privateRanges(elf: FirmwareElf, cpuMaxPir: number): AddressRange[] {
  if (elf.participant === 'hostboot') return [{ start: FW_HOSTBOOT_BASE, end: FW_HOSTBOOT_BASE + FW_HOSTBOOT_SIZE, what: 'hostboot window' }];
  return [...privateCodeAndStacks(elf, cpuMaxPir), SKIBOOT_HEAP_RANGE];
}

export const SKIBOOT_HEAP_RANGE: AddressRange = { start: FW_SKIBOOT_HEAP.start, end: FW_SKIBOOT_HEAP.start + FW_SKIBOOT_HEAP.sizeBytes, what: 'skiboot heap' };

/** Private memory that never reaches anyone else: the ELF's segments and its stacks (not the heap). */
function privateCodeAndStacks(elf: FirmwareElf, cpuMaxPir: number): AddressRange[] {
  if (elf.participant === 'hostboot') return privateRanges(elf, cpuMaxPir);
  return [
    ...elf.loads.map((l) => ({ start: l.start, end: l.start + l.memSizeBytes, what: 'skiboot ELF segment' })),
    { start: FW_SKIBOOT_STACKS_BASE, end: FW_SKIBOOT_STACKS_BASE + (cpuMaxPir + 1) * FW_STACK_SIZE, what: 'skiboot CPU stacks' },
  ];
}

/**
 * The shared-state filter for comparing machines that run these builds (the union of every build's
 * private memory; threads whose NIP is in it are in firmware context).
 */
export function sharedStateFilter(elfs: readonly FirmwareElf[], cpuMaxPir: number): SharedStateFilter {
  const ranges = elfs.flatMap((e) => privateRanges(e, cpuMaxPir));
  return { privateRanges: ranges, inFirmware: nipInRanges(ranges) };
}

export function inRanges(ranges: readonly AddressRange[], address: number, sizeBytes = 1): boolean {
  return ranges.some((r) => address >= r.start && address + sizeBytes <= r.end);
}

/**
 * Where a value came from: the instruction that produced it and, for each value it read (its
 * register operands by position, then the memory a load read), that value and the instruction that
 * produced it in turn. Built as the entry runs, so the chain behind any effect can be walked back.
 */
export interface Writer {
  readonly pc: bigint;
  readonly word: number;
  readonly inputs: readonly WriterInput[];
}

export interface WriterInput {
  /** `r@k`: the k-th register operand; `mem`: the bytes a load read. */
  readonly role: string;
  readonly value: string;
  /** A pointer into this firmware's private memory: differs between builds by nature, never compared. */
  readonly private: boolean;
  readonly writer: Writer | undefined;
}

/** An instruction that made an effect: where, what, the registers as it began, and the call stack. */
export interface EffectSite {
  /** The instruction as a Writer: its inputs lead back to where the effect's values came from. */
  readonly writer?: Writer;
  readonly pc: bigint;
  readonly word: number;
  /** The thread's register array before the instruction (slot order, hi/lo words). */
  readonly registers: Uint32Array;
  /** Return addresses of the calls the firmware is inside, innermost first (from bl/blr pairs). */
  readonly callers: readonly bigint[];
}

export type Effect =
  | {
      readonly kind: 'store';
      readonly address: number;
      readonly bytes: Uint8Array;
      /** In skiboot's heap: private by the ABI, but skiboot hands heap blocks (the fadump tag structures) to the kernel. */
      readonly heap: boolean;
      /** The bytes were already there: no change anyone can see (not compared; shown when the other build's store did change them). */
      readonly silent: boolean;
      readonly site: EffectSite;
    }
  | { readonly kind: 'service'; readonly number: number; readonly args: readonly string[]; readonly result: string; readonly site: EffectSite }
  | { readonly kind: 'return'; readonly value: bigint; readonly site: EffectSite }
  | { readonly kind: 'fault'; readonly fault: string; readonly detail: string; readonly site: EffectSite };

/** One firmware entry as watched: who, with what, and its shared effects in order. */
export interface CallRecord {
  readonly index: number;
  readonly cycle: number;
  readonly participant: FirmwareElfParticipant;
  readonly entry: string;
  readonly pir: number;
  /** The arguments, canonical (pointers into private memory hidden: they differ between builds). */
  readonly args: readonly string[];
  readonly elf: FirmwareElf;
  readonly effects: Effect[];
  /** Every instruction address the call executed, with the order it was first reached. */
  readonly pcs: Map<bigint, number>;
}

/** The comparable text of an effect: what it did, never where in the code or with which registers. */
export function effectKey(e: Effect): string {
  switch (e.kind) {
    case 'store':
      return `store ${hex(e.address)} ${bytesHex(e.bytes)}`;
    case 'service':
      return `service ${serviceName(e.number)}(${e.args.join(', ')}) = ${e.result}`;
    case 'return':
      return `return ${hex(e.value)}`;
    case 'fault':
      return `fault ${e.fault}`;
  }
}

export function serviceName(n: number): string {
  return SERVICE_NAMES[n] ?? `service ${hex(n)}`;
}

export function bytesHex(b: Uint8Array): string {
  let s = '0x';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** How each service argument is compared: a number, a string, a buffer of the length in another argument, or a pointer. */
type ArgKind = 'n' | 's' | 'p' | { readonly bytesLengthArg: number } | 's0';
const SERVICE_ARGS: Readonly<Record<number, readonly ArgKind[]>> = {
  [FwSvc.CONSOLE_WRITE]: [{ bytesLengthArg: 1 }, 'n'],
  [FwSvc.EXIT]: ['n'],
  [FwSvc.LOG]: ['n', 's', 'p', 'p', 'p', 'p', 'p'],
  [FwSvc.ABORT]: ['s'],
  [FwSvc.XSCOM_READ]: ['n', 'n', 'p'],
  [FwSvc.XSCOM_WRITE]: ['n', 'n', 'n'],
  [FwSvc.DT_GET]: ['s', 's', 'p', 'n'],
  [FwSvc.DT_SET]: ['s', 's', { bytesLengthArg: 3 }, 'n'],
  [FwSvc.DT_REMOVE]: ['s', 's0'],
  [FwSvc.DT_HAS_NODE]: ['s'],
  [FwSvc.MACHINE_INFO]: ['n'],
  [FwSvc.PIR_AT]: ['n'],
  [FwSvc.THREAD_REGS]: ['n', 'p', 'n'],
  [FwSvc.COPY]: ['p', 'p', 'n'],
  [FwSvc.FILL]: ['p', 'n', 'n'],
  [FwSvc.DELAY]: ['n'],
  [FwSvc.EVENT]: ['s', 'n', 'n', 'n', 'n'],
  [FwSvc.LOAD_IMAGES]: [],
  [FwSvc.REBOOT]: ['n', 's'],
};
/** Bytes of a buffer argument shown and compared (a digest would hide where they differ). */
const BUFFER_SHOWN_MAX_BYTES = 256;

/** Read what the firmware passed, never faulting: a bad pointer is itself the canonical value. */
function readString(bus: PhysicalMemory, ptr: bigint): string {
  try {
    const at = realPointer(ptr);
    const out: number[] = [];
    for (let i = 0; i < FW_STRING_MAX_BYTES; i++) {
      const b = bus.readBytes(at + i, 1)[0]!;
      if (b === 0) return JSON.stringify(String.fromCharCode(...out));
      out.push(b);
    }
    return '<unterminated string>';
  } catch (e) {
    if (e instanceof TransactionError || e instanceof RangeError) return `<bad pointer ${hex(ptr)}>`;
    throw e;
  }
}

function readBuffer(bus: PhysicalMemory, ptr: bigint, length: bigint): string {
  try {
    const n = Number(length > BigInt(BUFFER_SHOWN_MAX_BYTES) ? BigInt(BUFFER_SHOWN_MAX_BYTES) : length);
    return `${bytesHex(bus.readBytes(realPointer(ptr), n))}${length > BigInt(n) ? `…(${length} bytes)` : ''}`;
  } catch (e) {
    if (e instanceof TransactionError || e instanceof RangeError) return `<bad pointer ${hex(ptr)}>`;
    throw e;
  }
}

/** Service arguments as compared between builds. */
export function canonicalServiceArgs(number: number, args: readonly bigint[], bus: PhysicalMemory, isPrivate: (address: bigint) => boolean): string[] {
  const kinds = SERVICE_ARGS[number] ?? args.map((): ArgKind => 'p');
  return kinds.map((k, i) => {
    const v = args[i] ?? 0n;
    if (k === 'n') return hex(v);
    if (k === 's') return readString(bus, v);
    if (k === 's0') return v === 0n ? '0' : readString(bus, v);
    if (k === 'p') return isPrivate(v) ? 'private' : hex(v);
    return readBuffer(bus, v, args[k.bytesLengthArg] ?? 0n);
  });
}

/** Is this word a branch that links (bl, bcl, bclrl, bcctrl)? Its return address is the next word. */
function linksBranch(word: number): boolean {
  if ((word & 1) === 0) return false;
  const primary = word >>> 26;
  if (primary === 18 || primary === 16) return true;
  if (primary === 19) {
    const xo = (word >>> 1) & 0x3ff;
    return xo === 16 || xo === 528 || xo === 560;
  }
  return false;
}

/** How an instruction word reads: its register operands (position → GPR, and whether read), and a load's size. */
interface Shape {
  readonly operands: readonly { readonly reg: number; readonly read: boolean }[];
  readonly loadBytes: number;
}
const SHAPES = new Map<number, Shape>();
const LOAD_BYTES: Readonly<Record<string, number>> = { lbz: 1, lhz: 2, lha: 2, lhbr: 2, lwz: 4, lwa: 4, lwbr: 4, ld: 8, ldbr: 8 };

function shapeOf(word: number): Shape {
  let sh = SHAPES.get(word);
  if (sh !== undefined) return sh;
  const text = disasm(word);
  const mnemonic = (text.split(/\s+/)[0] ?? '').replace(/\.$/, '');
  const regs = [...text.matchAll(/\br(\d{1,2})\b/g)].map((m) => Number(m[1])).filter((r) => r < 32);
  // Stores, compares, traps and moves to SPRs read every register they name; everything else
  // writes its first operand (reading it too only when it appears again).
  const readsAll = /^(st|cmp|tw|td|mt)/.test(mnemonic);
  const operands = regs.map((reg, k) => ({ reg, read: readsAll || k > 0 }));
  const base = mnemonic.replace(/u?x?$/, '');
  sh = { operands, loadBytes: LOAD_BYTES[base] ?? LOAD_BYTES[mnemonic] ?? 0 };
  SHAPES.set(word, sh);
  return sh;
}

/** Bound on the shadow call stack (a recursion deeper than this keeps the innermost calls). */
const CALL_DEPTH_MAX = 256;

/**
 * Records every firmware entry of a run as a CallRecord. Which participants and entries to keep is
 * the caller's filter (default: all).
 */
export class EffectRecorder implements EntryObserver {
  readonly calls: CallRecord[] = [];

  constructor(private readonly keep: (start: EntryStart) => boolean = () => true) {}

  begin(start: EntryStart): EntrySession {
    const { elf, bus, thread } = start;
    const ranges = privateRanges(elf, start.p.topology.cpuMaxPir);
    const unseen = privateCodeAndStacks(elf, start.p.topology.cpuMaxPir);
    const isPrivate = (address: bigint): boolean => {
      const a = Number(address & 0x0fff_ffff_ffff_ffffn);
      return inRanges(ranges, a);
    };
    const record: CallRecord = {
      index: this.calls.length,
      cycle: start.p.cycle(),
      participant: elf.participant,
      entry: start.entry.name,
      pir: start.pir,
      args: start.args.map((a) => (isPrivate(a) ? 'private' : hex(a))),
      elf,
      effects: [],
      pcs: new Map(),
    };
    const kept = this.keep(start);
    if (kept) this.calls.push(record);
    // Memory as the call found it (copy-on-write, no page copied): a store that leaves shared
    // memory as it was changes nothing anyone can see, and is not an effect.
    return new Session(record, thread, bus, unseen, isPrivate, kept, kept ? start.p.mem.snapshot() : undefined);
  }
}

class Session implements EntrySession {
  private readonly before: Uint32Array = new Uint32Array(2 * SLOT_COUNT);
  private readonly callers: bigint[] = [];
  /** The last retired instruction (a return's effect is made by the entry's final blr). */
  private lastNip = 0n;
  private lastWord = 0;

  constructor(
    private readonly record: CallRecord,
    private readonly t: ThreadState,
    private readonly bus: PhysicalMemory,
    private readonly ranges: readonly AddressRange[],
    private readonly isPrivate: (address: bigint) => boolean,
    private readonly kept: boolean,
    private readonly atStart: PhysicalMemory | undefined,
  ) {}

  /** Bytes this call stored so far, by address (the rest of memory is as at the start). */
  private readonly written = new Map<number, number>();

  /** Record the store; true when it changed the bytes there. */
  private changes(address: number, bytes: Uint8Array): boolean {
    let changed = false;
    for (let i = 0; i < bytes.length; i++) {
      const a = address + i;
      let old = this.written.get(a);
      if (old === undefined) old = this.atStart !== undefined && this.atStart.contains(a, 1) ? this.atStart.readBytes(a, 1)[0]! : -1;
      if (old !== bytes[i]) changed = true;
      this.written.set(a, bytes[i]!);
    }
    return changed;
  }

  /** The instruction that last wrote each GPR, and each byte of memory, in this call. */
  private readonly regWriter: (Writer | undefined)[] = new Array<Writer | undefined>(32).fill(undefined);
  private readonly memWriter = new Map<number, Writer>();

  private site(pc: bigint, word: number, writer?: Writer): EffectSite {
    return { pc, word, registers: this.before.slice(), callers: [...this.callers].reverse(), ...(writer === undefined ? {} : { writer }) };
  }

  /**
   * A register input as compared between builds: a pointer into the ELF's own segments by the
   * symbol it points into (`&opal_mpipl_tags+0x10`: the same object in both builds), a pointer into
   * the stacks or heap as `private` (frames and allocations differ by nature), anything else by value.
   */
  private registerInput(role: string, reg: number): WriterInput {
    const v = snapGetSlot(this.before, reg);
    if (v === 0n || !this.isPrivate(v)) return { role, value: hex(v), private: false, writer: this.regWriter[reg] };
    const real = Number(v & 0x0fff_ffff_ffff_ffffn);
    const inSegment = this.record.elf.loads.some((l) => real >= l.start && real < l.start + l.memSizeBytes);
    if (inSegment) return { role, value: `&${this.record.elf.symbols.symbolize(BigInt(real))}`, private: false, writer: this.regWriter[reg] };
    return { role, value: 'private', private: true, writer: this.regWriter[reg] };
  }

  beforeStep(): void {
    if (this.kept) this.before.set(this.t.r);
  }

  retired(nip: bigint, word: number, registers: readonly RetiredRegWrite[], stores: readonly RetiredMemWrite[], address: number): void {
    if (!this.kept) return;
    this.lastNip = nip;
    this.lastWord = word;
    if (!this.record.pcs.has(nip)) this.record.pcs.set(nip, this.record.pcs.size);
    const shape = shapeOf(word);
    const inputs: WriterInput[] = [];
    shape.operands.forEach((o, k) => {
      if (o.read) inputs.push(this.registerInput(`r@${k}`, o.reg));
    });
    if (shape.loadBytes > 0) {
      let loaded = 'unreadable';
      try {
        loaded = bytesHex(this.bus.readBytes(address, shape.loadBytes));
      } catch (e) {
        if (!(e instanceof TransactionError) && !(e instanceof RangeError)) throw e;
      }
      inputs.push({ role: 'mem', value: loaded, private: false, writer: this.memWriter.get(address) });
    }
    const writer: Writer = { pc: nip, word, inputs };
    for (const r of registers) if (r.reg < 32) this.regWriter[r.reg] = writer;
    for (const s of stores) {
      const a = Number(s.addr);
      for (let i = 0; i < s.bytes.length; i++) this.memWriter.set(a + i, writer);
      if (inRanges(this.ranges, a, s.bytes.length)) continue;
      const silent = !this.changes(a, s.bytes);
      this.record.effects.push({ kind: 'store', address: a, bytes: s.bytes, heap: inRanges([SKIBOOT_HEAP_RANGE], a, s.bytes.length), silent, site: this.site(nip, word, writer) });
    }
    // The shadow call stack: a linking branch that went elsewhere pushes its return address; arriving
    // at a pushed return address pops it (and any frames a longjmp-like return skipped).
    const next = this.t.get(Slot.NIP);
    if (linksBranch(word) && next !== nip + 4n) {
      this.callers.push(nip + 4n);
      if (this.callers.length > CALL_DEPTH_MAX) this.callers.shift();
    } else {
      const k = this.callers.lastIndexOf(next);
      if (k >= 0) this.callers.length = k;
    }
  }

  service(nip: bigint, number: bigint, args: readonly bigint[], result: bigint | undefined): void {
    if (!this.kept) return;
    const n = Number(number & 0xffff_ffffn);
    const writer: Writer = { pc: nip, word: 0x000eaeb0, inputs: [3, 4, 5, 6, 7, 8, 9, 10].map((r, k) => this.registerInput(`r@${k}`, r)) };
    this.regWriter[3] = writer;
    const site = this.site(nip, 0x000eaeb0, writer);
    this.record.effects.push({ kind: 'service', number: n, args: canonicalServiceArgs(n, args, this.bus, this.isPrivate), result: result === undefined ? 'ends the entry' : hex(result), site });
  }

  end(result: bigint): void {
    if (!this.kept) return;
    this.before.set(this.t.r);
    this.record.effects.push({ kind: 'return', value: result, site: this.site(this.lastNip, this.lastWord, { pc: this.lastNip, word: this.lastWord, inputs: [this.registerInput('r@0', 3)] }) });
  }

  fault(kind: string, detail: string, nip: bigint): void {
    if (!this.kept) return;
    this.before.set(this.t.r);
    this.record.effects.push({ kind: 'fault', fault: kind, detail, site: this.site(nip, 0) });
  }
}
