/**
 * What Linux reads from the device tree (spec 5.8): the dump node (opal_fadump_dt_scan, spec step 7
 * and 6.6), the firmware-reserved ranges it must keep clear of, and the OPAL addresses the OPAL
 * core needs (spec 7.3).
 */
import type { DeviceTree } from '../../machine/device-tree.js';
import { readString, readU64s } from '../../machine/device-tree.js';
import { DT_DUMP_NODE, DT_OPAL_NODE, DT_RESERVED } from '../layout.js';
import { OPAL_FADUMP_MIN_BOOT_MEM } from './constants.js';
import type { Range } from './bytes.js';

export type DumpNodeScan =
  | { readonly supported: true; readonly mpiplBoot: boolean }
  | { readonly supported: false; readonly reason: string; readonly message: string | undefined };

/** spec step 7 / 6.6: presence, `compatible`, and the fw-load-area check. */
export function scanDumpNode(dt: DeviceTree): DumpNodeScan {
  if (!dt.hasNode(DT_DUMP_NODE)) return { supported: false, reason: 'no /ibm,opal/dump node', message: undefined };
  const compat = dt.get(DT_DUMP_NODE, 'compatible');
  if (compat === undefined || readString(compat) !== 'ibm,opal-dump') {
    return { supported: false, reason: '/ibm,opal/dump is not compatible with "ibm,opal-dump"', message: undefined };
  }
  const fwLoad = dt.get(DT_DUMP_NODE, 'fw-load-area');
  if (fwLoad !== undefined) {
    const cells = readU64s(fwLoad);
    // Pairs of (base, size); any range ending above the minimum boot memory would be overwritten
    // by the firmware while the capture kernel's dump still lives there.
    for (let i = 0; i + 1 < cells.length; i += 2) {
      if (cells[i]! + cells[i + 1]! > BigInt(OPAL_FADUMP_MIN_BOOT_MEM)) {
        return { supported: false, reason: 'fw-load-area ends above OPAL_FADUMP_MIN_BOOT_MEM', message: 'F/W version not supported!' };
      }
    }
  }
  return { supported: true, mpiplBoot: dt.has(DT_DUMP_NODE, 'mpipl-boot') };
}

/**
 * Firmware-reserved memory: every `/reserved-memory/<name>` node's `reg` (BE u64 pairs
 * [addr, size]) — ibm,firmware-dump, ibm,firmware-arch-registers and skiboot's own image. Linux
 * treats them as no-map: it never places its dump area there and never dumps them in /proc/vmcore
 * (the OPAL core is where firmware memory goes). Sorted by start; zero-sized entries dropped.
 */
export function firmwareReservedRanges(dt: DeviceTree): Range[] {
  const out: Range[] = [];
  for (const node of dt.children(DT_RESERVED)) {
    const reg = dt.get(node, 'reg');
    if (reg === undefined) continue;
    const cells = readU64s(reg);
    for (let i = 0; i + 1 < cells.length; i += 2) {
      const start = cells[i]!;
      const size = cells[i + 1]!;
      if (size === 0n) continue;
      // Clamp to the safe-integer range: anything that far up is beyond RAM anyway.
      const max = BigInt(Number.MAX_SAFE_INTEGER);
      const end = start + size > max ? max : start + size;
      out.push({ start: Number(start > max ? max : start), end: Number(end) });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** A u64 property of /ibm,opal (opal-base-address, opal-boot-address), 0 when absent. */
export function opalAddress(dt: DeviceTree, name: string): bigint {
  const p = dt.get(DT_OPAL_NODE, name);
  return p === undefined ? 0n : (readU64s(p)[0] ?? 0n);
}
