/**
 * The firmware services (docs/firmware-elf-runtime.md, "Services"): what a callthru does, mapped
 * onto the Platform. r3 = service number, r4..r10 = arguments, the result goes to r3.
 *
 * Pointers are physical addresses; bit 63 and the 0xC… alias are dropped as the real-mode bus
 * drops them. Memory is read and written through the participant's bus (RAM for skiboot, RAM plus
 * the private window for hostboot). A bad pointer, an unterminated string or an argument out of
 * range is never a host exception: it is a ServiceFault, which the runner turns into a firmware
 * fault of kind `service` naming the service.
 */
import { TransactionError } from '../core/errors.js';
import { hex } from '../core/u64.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { PAGE_SIZE } from '../mem/physical-memory.js';
import type { Platform } from '../participants/platform.js';
import type { FirmwareImages } from '../participants/firmware.js';
import type { EventValue } from '../trace/events.js';
import { captureEntries } from '../participants/hostboot/reference.js';
import { RegEntry, SkibootMap } from '../participants/layout.js';
import {
  FW_ABI_VERSION,
  FW_BUFFER_MAX_BYTES,
  FW_RESULT_ERROR,
  FW_SERVICE_CYCLES,
  FW_STRING_MAX_BYTES,
  FwInfo,
  FwSvc,
  SERVICE_NAMES,
  type FirmwareElfParticipant,
} from './abi.js';

/** A service refused its arguments (kind `service`) or the firmware asked to abort (kind `abort`). */
export class ServiceFault extends Error {
  override readonly name = 'ServiceFault';
  constructor(
    readonly kind: 'service' | 'abort',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** What a service hands back to the runner. */
export type ServiceOutcome =
  | { readonly kind: 'value'; readonly value: bigint }
  /** FW_SVC_EXIT / FW_SVC_REBOOT: the entry ends here with this result. */
  | { readonly kind: 'end'; readonly value: bigint };

/** Everything a service may touch for one participant's entry. */
export interface ServiceContext {
  readonly participant: FirmwareElfParticipant;
  readonly p: Platform;
  /** The participant's memory bus (RAM, or RAM plus hostboot's window). */
  readonly bus: PhysicalMemory;
  readonly littleEndian: boolean;
  /** Flash images, for FW_SVC_LOAD_IMAGES (hostboot entries only). */
  readonly images: FirmwareImages | undefined;
  /** Charge cycles to this entry (the runner applies them by advance or occupy). */
  charge(cycles: number): void;
}

const REAL_MASK = 0x0fff_ffff_ffff_ffffn;
/** Bound on FW_SVC_DELAY: far beyond any real delay, safe for the cycle counter. */
const DELAY_MAX_CYCLES = 2 ** 40;
const ARGS_MAX_LOG = 5;
/** XSCOM addresses beyond this answer "no device" (none is mapped there; keeps the number exact). */
const XSCOM_ADDRESS_MAX = BigInt(Number.MAX_SAFE_INTEGER);

const ok = (value: bigint | number): ServiceOutcome => ({ kind: 'value', value: BigInt.asUintN(64, BigInt(value)) });
const ERROR: ServiceOutcome = { kind: 'value', value: FW_RESULT_ERROR };

/** Real address of a pointer argument. */
export function realPointer(v: bigint): number {
  return Number(v & REAL_MASK);
}

/** Run service `number` with arguments `a` (r4..r10). */
export function callService(ctx: ServiceContext, number: bigint, a: readonly bigint[]): ServiceOutcome {
  const name = SERVICE_NAMES[Number(number & 0xffff_ffffn)] ?? `service ${hex(number)}`;
  const arg = (i: number): bigint => a[i] ?? 0n;
  const bad = (why: string): never => {
    throw new ServiceFault('service', `${name}: ${why}`);
  };
  /** Bytes [ptr, ptr + size) through the bus, or a service fault naming the argument. */
  const read = (ptr: bigint, size: number, what: string): Uint8Array => {
    try {
      return ctx.bus.readBytes(realPointer(ptr), size);
    } catch (e) {
      if (e instanceof TransactionError) return bad(`${what} ${hex(ptr)} + ${hex(size)} is outside memory`);
      throw e;
    }
  };
  const write = (ptr: bigint, bytes: Uint8Array, what: string): void => {
    try {
      ctx.bus.writeBytes(realPointer(ptr), bytes);
    } catch (e) {
      if (e instanceof TransactionError) bad(`${what} ${hex(ptr)} + ${hex(bytes.length)} is outside memory`);
      else throw e;
    }
  };
  const string = (ptr: bigint, what: string): string => {
    const at = realPointer(ptr);
    const out: number[] = [];
    for (let i = 0; i < FW_STRING_MAX_BYTES; i++) {
      let b: number;
      try {
        b = ctx.bus.read8(at + i);
      } catch (e) {
        if (e instanceof TransactionError) return bad(`${what} string at ${hex(ptr)} runs outside memory`);
        throw e;
      }
      if (b === 0) return new TextDecoder().decode(new Uint8Array(out));
      out.push(b);
    }
    return bad(`${what} string at ${hex(ptr)} has no NUL in ${FW_STRING_MAX_BYTES} bytes`);
  };
  const size = (v: bigint, what: string, max: number): number => {
    if (v > BigInt(max)) bad(`${what} ${hex(v)} is larger than ${hex(max)}`);
    return Number(v);
  };
  const u64Bytes = (v: bigint): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), ctx.littleEndian);
    return b;
  };
  ctx.charge(FW_SERVICE_CYCLES);
  const p = ctx.p;
  switch (Number(number)) {
    case FwSvc.CONSOLE_WRITE: {
      const len = size(arg(1), 'length', FW_BUFFER_MAX_BYTES);
      const text = new TextDecoder().decode(read(arg(0), len, 'buffer'));
      log(ctx, 'console', text.replace(/\n$/, ''));
      return ok(len);
    }
    case FwSvc.EXIT:
      return { kind: 'end', value: arg(0) };
    case FwSvc.LOG: {
      const fmt = string(arg(1), 'format');
      log(ctx, String(arg(0)), formatLog(fmt, a.slice(2, 2 + ARGS_MAX_LOG), (ptr) => string(ptr, '%s argument'), bad));
      return ok(0);
    }
    case FwSvc.ABORT:
      throw new ServiceFault('abort', arg(0) === 0n ? 'abort' : string(arg(0), 'message'));
    case FwSvc.XSCOM_READ: {
      ctx.charge(p.cost.xscomAccessCycles);
      if (arg(1) > XSCOM_ADDRESS_MAX) return ERROR;
      const v = p.xscom.read(Number(arg(0) & 0xffff_ffffn), Number(arg(1)));
      if (v === undefined) return ERROR;
      write(arg(2), u64Bytes(v), 'out pointer');
      return ok(0);
    }
    case FwSvc.XSCOM_WRITE:
      ctx.charge(p.cost.xscomAccessCycles);
      if (arg(1) > XSCOM_ADDRESS_MAX) return ERROR;
      return p.xscom.write(Number(arg(0) & 0xffff_ffffn), Number(arg(1)), arg(2)) ? ok(0) : ERROR;
    case FwSvc.DT_GET: {
      const value = p.dt.get(string(arg(0), 'path'), string(arg(1), 'name'));
      if (value === undefined) return ERROR;
      const n = Math.min(value.length, size(arg(3), 'buffer length', FW_BUFFER_MAX_BYTES));
      if (n > 0) write(arg(2), value.subarray(0, n), 'buffer');
      return ok(value.length);
    }
    case FwSvc.DT_SET: {
      const path = string(arg(0), 'path');
      const prop = string(arg(1), 'name');
      const len = size(arg(3), 'length', FW_BUFFER_MAX_BYTES);
      p.dt.set(path, prop, len === 0 ? new Uint8Array(0) : read(arg(2), len, 'buffer'));
      return ok(0);
    }
    case FwSvc.DT_REMOVE: {
      const path = string(arg(0), 'path');
      if (arg(1) === 0n) {
        if (!p.dt.hasNode(path)) return ERROR;
        p.dt.removeNode(path);
        return ok(0);
      }
      const prop = string(arg(1), 'name');
      if (!p.dt.has(path, prop)) return ERROR;
      p.dt.remove(path, prop);
      return ok(0);
    }
    case FwSvc.DT_HAS_NODE:
      return ok(p.dt.hasNode(string(arg(0), 'path')) ? 1 : 0);
    case FwSvc.MACHINE_INFO:
      return ok(machineInfo(p, arg(0), bad));
    case FwSvc.PIR_AT: {
      const t = arg(0) < BigInt(p.topology.threads.length) ? p.topology.threads[Number(arg(0))] : undefined;
      return t === undefined ? ERROR : ok(t.pir);
    }
    case FwSvc.THREAD_REGS: {
      const pir = arg(0);
      if (pir > 0xffff_ffffn || !p.topology.hasPir(Number(pir))) return ERROR;
      const max = size(arg(2), 'max_entries', FW_BUFFER_MAX_BYTES / RegEntry.SIZE);
      const entries = captureEntries(p, Number(pir)).slice(0, max);
      const out = new Uint8Array(entries.length * RegEntry.SIZE);
      const dv = new DataView(out.buffer);
      entries.forEach((e, i) => {
        // Spec 4.6 register entries are big-endian whatever the firmware's byte order.
        dv.setUint32(i * RegEntry.SIZE + RegEntry.regType, e.type, false);
        dv.setUint32(i * RegEntry.SIZE + RegEntry.regNum, e.num, false);
        dv.setBigUint64(i * RegEntry.SIZE + RegEntry.regVal, BigInt.asUintN(64, e.value), false);
      });
      if (out.length > 0) write(arg(1), out, 'buffer');
      ctx.charge(p.cost.regCaptureCyclesPerThread);
      return ok(entries.length);
    }
    case FwSvc.COPY: {
      const dest = arg(0) & REAL_MASK;
      const src = arg(1) & REAL_MASK;
      const n = arg(2);
      if (!p.mem.contains(dest, n) || !p.mem.contains(src, n)) return ERROR;
      p.mem.copy(Number(dest), Number(src), Number(n));
      ctx.charge(Math.ceil(Number(n) / PAGE_SIZE) * p.cost.copyCyclesPerPage);
      return ok(0);
    }
    case FwSvc.FILL: {
      const dest = arg(0) & REAL_MASK;
      const n = arg(2);
      if (!p.mem.contains(dest, n)) return ERROR;
      p.mem.fill(Number(dest), Number(n), Number(arg(1) & 0xffn));
      ctx.charge(Math.ceil(Number(n) / PAGE_SIZE) * p.cost.copyCyclesPerPage);
      return ok(0);
    }
    case FwSvc.DELAY:
      ctx.charge(size(arg(0), 'cycles', DELAY_MAX_CYCLES));
      return ok(0);
    case FwSvc.EVENT: {
      const kind = string(arg(0), 'kind');
      if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(kind)) bad(`kind "${kind.slice(0, 64)}" is not 1–64 letters, digits or _.:-`);
      const data: Record<string, EventValue> = { kind };
      for (let i = 0; i < 4; i++) data[`a${i}`] = hex(arg(1 + i));
      p.emit(ctx.participant, 'fw-event', data);
      return ok(0);
    }
    case FwSvc.LOAD_IMAGES: {
      const images = ctx.images;
      if (images === undefined) return bad('only hostboot entries load the flash images');
      // As the TS hostboot's loadImages: the skiboot image (with the skiboot ELF overlaid) and the payload.
      p.mem.writeBytes(SkibootMap.SKIBOOT_BASE, images.skiboot);
      p.mem.writeBytes(SkibootMap.KERNEL_LOAD_BASE, images.kernel);
      p.mem.writeBytes(SkibootMap.INITRAMFS_LOAD_BASE, images.initramfs);
      return ok(0);
    }
    case FwSvc.REBOOT: {
      if (arg(0) !== 0n) bad(`reboot kind ${hex(arg(0))} is not 0 (normal)`);
      p.requestNormalReboot(arg(1) === 0n ? `${ctx.participant} firmware reboot` : string(arg(1), 'reason'));
      return { kind: 'end', value: 0n };
    }
    default:
      return bad('no such service');
  }
}

function log(ctx: ServiceContext, level: string, msg: string): void {
  ctx.p.emit(ctx.participant, ctx.participant === 'skiboot' ? 'skiboot-log' : 'fw-log', { level, msg });
}

function machineInfo(p: Platform, key: bigint, bad: (why: string) => never): bigint | number {
  switch (Number(key > 0xffffn ? -1n : key)) {
    case FwInfo.NR_CHIPS:
      return p.config.chips;
    case FwInfo.CORES_PER_CHIP:
      return p.config.coresPerChip;
    case FwInfo.THREADS_PER_CORE:
      return p.config.threadsPerCore;
    case FwInfo.CPU_MAX_PIR:
      return p.topology.cpuMaxPir;
    case FwInfo.RAM_BYTES:
      return p.config.ramSizeBytes;
    case FwInfo.BOOT_PIR:
      return p.topology.threads[0]!.pir;
    case FwInfo.SKIBOOT_BASE:
      return SkibootMap.SKIBOOT_BASE;
    case FwInfo.TB_HZ:
      return p.cost.tbHz;
    case FwInfo.ABI_VERSION:
      return FW_ABI_VERSION;
    case FwInfo.NR_THREADS:
      return p.topology.threads.length;
    default:
      return bad(`unknown key ${hex(key)}`);
  }
}

/**
 * The FW_SVC_LOG format subset: %d %i %u %x %X %p %s %c %% with `l`/`ll`, a `0` flag and a width.
 * Without `l`, integers are C `int`s: the low 32 bits, as printf reads them.
 */
export function formatLog(fmt: string, args: readonly bigint[], str: (ptr: bigint) => string, bad: (why: string) => never): string {
  let out = '';
  let next = 0;
  const take = (): bigint => {
    if (next >= args.length) bad(`format "${fmt.slice(0, 80)}" wants more than ${args.length} arguments`);
    return args[next++]!;
  };
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const m = /^%(0?)(\d{0,3})(l{0,2})([diuxXpsc%])/.exec(fmt.slice(i));
    if (m === null) return bad(`unsupported conversion at "${fmt.slice(i, i + 8)}"`);
    i += m[0].length - 1;
    const [, zero, widthText, longs, conv] = m;
    if (conv === '%') {
      out += '%';
      continue;
    }
    const wide = longs !== '' || conv === 'p';
    const v = take();
    let text: string;
    switch (conv) {
      case 'd':
      case 'i':
        text = (wide ? BigInt.asIntN(64, v) : BigInt.asIntN(32, v)).toString();
        break;
      case 'u':
        text = (wide ? BigInt.asUintN(64, v) : BigInt.asUintN(32, v)).toString();
        break;
      case 'x':
      case 'X':
        text = (wide ? BigInt.asUintN(64, v) : BigInt.asUintN(32, v)).toString(16);
        if (conv === 'X') text = text.toUpperCase();
        break;
      case 'p':
        text = `0x${BigInt.asUintN(64, v).toString(16)}`;
        break;
      case 's':
        text = v === 0n ? '(null)' : str(v);
        break;
      default: // 'c'
        text = String.fromCharCode(Number(v & 0xffn));
    }
    const width = widthText === '' ? 0 : Number(widthText);
    if (text.length < width) {
      const negative = text.startsWith('-');
      text = zero === '0' && conv !== 's' && conv !== 'c' ? (negative ? `-${text.slice(1).padStart(width - 1, '0')}` : text.padStart(width, '0')) : text.padStart(width, ' ');
    }
    out += text;
  }
  return out;
}
