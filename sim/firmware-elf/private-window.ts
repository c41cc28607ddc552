/**
 * The memory bus the hostboot ELF runs on: RAM, plus its private window
 * [FW_HOSTBOOT_BASE, +FW_HOSTBOOT_SIZE) backed by a PhysicalMemory of its own that is not RAM
 * (invisible to Linux, the oracle and digests; hostboot on hardware runs in memory the payload
 * never sees). docs/firmware-elf-runtime.md, "Windows".
 *
 * Why a PhysicalMemory subclass: the interpreter (sim/cpu, sim/isa/sem/load-store.ts) reads
 * memory through PhysicalMemory's page accessors and its `sizeBytes`/`pageEpoch`, so a bus that
 * *is* a PhysicalMemory runs the unchanged interpreter — no hook in the hot path. Every accessor
 * the interpreter or a service uses is routed here: window pages to the private memory, pages
 * below RAM's end to RAM, anything else a TransactionError (a storage fault: "outside RAM").
 * Instructions are fetched only from the window: a hostboot that jumps into RAM faults.
 *
 * `pageEpoch` must change whenever a page object either side hands out may have changed; the
 * bus recomputes it after every delegated call (the sum of both sides' epochs, which only grow).
 */
import { TransactionError, SimBugError } from '../core/errors.js';
import { PhysicalMemory, PAGE_SIZE } from '../mem/physical-memory.js';
import type { Digest } from '../core/digest.js';

export class PrivateWindowBus extends PhysicalMemory {
  private readonly windowFirstPage: number;
  private readonly windowEnd: number;
  private readonly ramPages: number;

  constructor(
    readonly ram: PhysicalMemory,
    readonly windowBase: number,
    readonly window: PhysicalMemory,
  ) {
    super(PAGE_SIZE);
    this.windowFirstPage = windowBase / PAGE_SIZE;
    this.windowEnd = windowBase + window.sizeBytes;
    this.ramPages = ram.sizeBytes / PAGE_SIZE;
    // The interpreter bounds-checks against sizeBytes before it asks for a page: the bus spans up
    // to the window's end (the hole between RAM and the window answers with TransactionError).
    Object.defineProperty(this, 'sizeBytes', { value: this.windowEnd, writable: false });
    this.sync();
  }

  /** Recompute the epoch after anything may have replaced a page object on either side. */
  sync(): void {
    this.pageEpoch = this.ram.pageEpoch + this.window.pageEpoch;
  }

  private side(address: number, sizeBytes: number, write: boolean): { mem: PhysicalMemory; at: number } {
    if (address >= this.windowBase && address + sizeBytes <= this.windowEnd) return { mem: this.window, at: address - this.windowBase };
    if (address >= 0 && address + sizeBytes <= this.ram.sizeBytes) return { mem: this.ram, at: address };
    throw new TransactionError(address, sizeBytes, write);
  }

  private page(pageIndex: number, write: boolean): Uint8Array {
    let p: Uint8Array;
    if (pageIndex >= this.windowFirstPage) p = write ? this.window.writablePage(pageIndex - this.windowFirstPage) : this.window.readablePage(pageIndex - this.windowFirstPage);
    else if (pageIndex < this.ramPages) p = write ? this.ram.writablePage(pageIndex) : this.ram.readablePage(pageIndex);
    else throw new TransactionError(pageIndex * PAGE_SIZE, PAGE_SIZE, write);
    this.sync();
    return p;
  }

  override readablePage(pageIndex: number): Uint8Array {
    return this.page(pageIndex, false);
  }

  override writablePage(pageIndex: number): Uint8Array {
    return this.page(pageIndex, true);
  }

  /** The interpreter's decode cache of this bus: code lives in the window only. */
  override setCodeWatcher(watcher: (pageIndex: number) => void): void {
    this.window.setCodeWatcher((i) => watcher(i + this.windowFirstPage));
  }

  override watchPage(pageIndex: number): void {
    if (pageIndex < this.windowFirstPage) throw new TransactionError(pageIndex * PAGE_SIZE, 4, false);
    this.window.watchPage(pageIndex - this.windowFirstPage);
    this.sync();
  }

  override contains(address: number | bigint, sizeBytes: number | bigint): boolean {
    const a = Number(address);
    const s = Number(sizeBytes);
    return this.window.contains(a - this.windowBase, s) || this.ram.contains(a, s);
  }

  override read8(address: number): number {
    const { mem, at } = this.side(address, 1, false);
    return mem.read8(at);
  }

  override write8(address: number, value: number): void {
    const { mem, at } = this.side(address, 1, true);
    mem.write8(at, value);
    this.sync();
  }

  override read16BE(address: number): number {
    const { mem, at } = this.side(address, 2, false);
    return mem.read16BE(at);
  }

  override write16BE(address: number, value: number): void {
    const { mem, at } = this.side(address, 2, true);
    mem.write16BE(at, value);
    this.sync();
  }

  override read32BE(address: number): number {
    const { mem, at } = this.side(address, 4, false);
    return mem.read32BE(at);
  }

  override read32LE(address: number): number {
    const { mem, at } = this.side(address, 4, false);
    return mem.read32LE(at);
  }

  override write32BE(address: number, value: number): void {
    const { mem, at } = this.side(address, 4, true);
    mem.write32BE(at, value);
    this.sync();
  }

  override write32LE(address: number, value: number): void {
    const { mem, at } = this.side(address, 4, true);
    mem.write32LE(at, value);
    this.sync();
  }

  override read64BE(address: number): bigint {
    const { mem, at } = this.side(address, 8, false);
    return mem.read64BE(at);
  }

  override read64LE(address: number): bigint {
    const { mem, at } = this.side(address, 8, false);
    return mem.read64LE(at);
  }

  override write64BE(address: number, value: bigint): void {
    const { mem, at } = this.side(address, 8, true);
    mem.write64BE(at, value);
    this.sync();
  }

  override write64LE(address: number, value: bigint): void {
    const { mem, at } = this.side(address, 8, true);
    mem.write64LE(at, value);
    this.sync();
  }

  override readBytes(address: number, sizeBytes: number): Uint8Array {
    const { mem, at } = this.side(address, sizeBytes, false);
    return mem.readBytes(at, sizeBytes);
  }

  override readInto(address: number, out: Uint8Array, outOffset: number, sizeBytes: number): void {
    const { mem, at } = this.side(address, sizeBytes, false);
    mem.readInto(at, out, outOffset, sizeBytes);
  }

  override writeBytes(address: number, data: Uint8Array): void {
    const { mem, at } = this.side(address, data.length, true);
    mem.writeBytes(at, data);
    this.sync();
  }

  override fill(address: number, sizeBytes: number, value: number): void {
    const { mem, at } = this.side(address, sizeBytes, true);
    mem.fill(at, sizeBytes, value);
    this.sync();
  }

  // Whole-memory operations belong to RAM or to the window, never to the bus.
  override copy(): void {
    throw new SimBugError('PrivateWindowBus.copy: copy through ram or window');
  }
  override snapshot(): PhysicalMemory {
    throw new SimBugError('PrivateWindowBus.snapshot: snapshot ram or window');
  }
  override digest(): Digest {
    throw new SimBugError('PrivateWindowBus.digest: digest ram or window');
  }
  override firstDifference(): number {
    throw new SimBugError('PrivateWindowBus.firstDifference is not defined');
  }
  override equalsBytes(address: number, bytes: Uint8Array): boolean {
    const { mem, at } = this.side(address, bytes.length, false);
    return mem.equalsBytes(at, bytes);
  }
}
