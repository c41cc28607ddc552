/**
 * `mdrt-exact` (design section 5, spec 4.2): MDRT as hostboot must leave it, byte for byte.
 *
 * mdrt-sound and mdrt-complete read MDRT the way skiboot consumes it (act_cnt entries, all-zero
 * ones skipped), so an extra size-0 entry, holes, entries past the real count or a stale tail from
 * an earlier crash all pass them. Here the whole 32 KiB table is judged: exactly the preserved
 * pairs, packed from index 0 in MDST order, with the registered addresses (bit 63 optional, spec
 * 6.4), size and region, `dump_type`, `reserved` and `padding` zero, every byte after the last
 * entry zero, and `mdump_res.act_cnt` equal to the number of entries.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import { hex } from '../core/u64.js';
import { HRMOR_BIT, MDRT_ENTRY_SIZE, MdrtEntry, SkibootMap, SpirahNtuple } from '../participants/layout.js';
import { actCnt, MDRT_BASE } from './readers.js';
import type { ExpectedPair } from './rules.js';

/** The first difference between MDRT in `mem` and the MDRT section 5 prescribes for `pairs`, or undefined. */
export function mdrtExactProblem(mem: PhysicalMemory, pairs: readonly ExpectedPair[]): string | undefined {
  const count = actCnt(mem, SpirahNtuple.mdumpRes);
  if (count !== pairs.length) return `mdump_res.act_cnt is ${count}, expected ${pairs.length} (one per preserved pair)`;
  const table = mem.readBytes(MDRT_BASE, SkibootMap.MDRT_TABLE_SIZE);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  for (let i = 0; i < pairs.length; i++) {
    const v = pairs[i]!;
    const at = i * MDRT_ENTRY_SIZE;
    const src = view.getBigUint64(at + MdrtEntry.srcAddr, false);
    const dest = view.getBigUint64(at + MdrtEntry.destAddr, false);
    const where = `MDRT[${i}] (pair ${v.index})`;
    if ((src & ~HRMOR_BIT) !== (v.srcField & ~HRMOR_BIT)) return `${where}: src_addr ${hex(src)}, expected ${hex(v.srcField)}`;
    if ((dest & ~HRMOR_BIT) !== (v.destField & ~HRMOR_BIT)) return `${where}: dest_addr ${hex(dest)}, expected ${hex(v.destField)}`;
    const size = view.getUint32(at + MdrtEntry.size, false);
    if (size !== v.size) return `${where}: size ${hex(size)}, expected ${hex(v.size)}`;
    const region = table[at + MdrtEntry.dataRegion]!;
    if (region !== v.region) return `${where}: data_region ${hex(region)}, expected ${hex(v.region)}`;
    const dumpType = table[at + MdrtEntry.dumpType]!;
    const reserved = view.getUint16(at + MdrtEntry.reserved, false);
    const padding = view.getBigUint64(at + MdrtEntry.padding, false);
    if (dumpType !== 0 || reserved !== 0 || padding !== 0n) return `${where}: unused fields not zero (dump_type ${hex(dumpType)}, reserved ${hex(reserved)}, padding ${hex(padding)})`;
  }
  for (let off = pairs.length * MDRT_ENTRY_SIZE; off < table.length; off++) {
    if (table[off] !== 0) return `MDRT byte at +${hex(off)} (entry ${Math.floor(off / MDRT_ENTRY_SIZE)}, past the ${pairs.length} preserved) is ${hex(table[off]!)}, expected 0`;
  }
  return undefined;
}

/** An IPL that preserved nothing must leave the MDRT of an earlier MPIPL as it was. */
export function mdrtUntouchedProblem(now: PhysicalMemory, before: PhysicalMemory): string | undefined {
  const diff = now.firstDifference(MDRT_BASE, before, MDRT_BASE, SkibootMap.MDRT_TABLE_SIZE);
  if (diff < 0) return undefined;
  return `MDRT rewritten by an IPL that preserved nothing: byte at +${hex(diff)} is ${hex(now.read8(MDRT_BASE + diff))}, was ${hex(before.read8(MDRT_BASE + diff))}`;
}
