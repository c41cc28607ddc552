/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MDST/MDDT (spec 4.1, 6.1) and the SPIRA-H act_cnt fields (spec 3.3). The counts are read from
 * SPIRA-H on every use, never cached: the tables and the counts in memory are the state.
 */
#include "skiboot.h"

u16 ntuple_act_cnt(u32 ntuple_off)
{
	return be16_at(SPIRAH_BASE + ntuple_off + NTUPLE_ACT_CNT);
}

void ntuple_set_act_cnt(u32 ntuple_off, u16 n)
{
	put_be16_at(SPIRAH_BASE + ntuple_off + NTUPLE_ACT_CNT, n);
}

/* addr, data_region and size; dump_type and reserved keep what the table held (as skiboot). */
static void write_entry(u64 at, u64 addr_field, u8 region, u32 size)
{
	put_be64_at(at + MDST_ADDR, addr_field);
	put_be8_at(at + MDST_DATA_REGION, region);
	put_be32_at(at + MDST_SIZE, size);
}

/* One MDST and one MDDT entry at the current counts (spec 6.1 step 7), then both counts bumped. */
void mpipl_append_pair(u64 src_field, u64 dest_field, u8 region, u32 size)
{
	u16 src_cnt = ntuple_act_cnt(SPIRAH_MDUMP_SRC);
	u16 dst_cnt = ntuple_act_cnt(SPIRAH_MDUMP_DST);

	write_entry(MDST_BASE + (u64)src_cnt * MDST_ENTRY_SIZE, src_field, region, size);
	write_entry(MDDT_BASE + (u64)dst_cnt * MDST_ENTRY_SIZE, dest_field, region, size);
	ntuple_set_act_cnt(SPIRAH_MDUMP_SRC, (u16)(src_cnt + 1));
	ntuple_set_act_cnt(SPIRAH_MDUMP_DST, (u16)(dst_cnt + 1));
}

/*
 * Remove the first entry with this region and address field, compacting the table. Not found:
 * the count is written back unchanged (skiboot does too).
 */
bool mpipl_remove_entry(u64 table, u32 ntuple_off, u8 region, u64 addr_field)
{
	u16 cnt = ntuple_act_cnt(ntuple_off);

	for (u32 i = 0; i < cnt; i++) {
		u64 at = table + (u64)i * MDST_ENTRY_SIZE;
		if (be8_at(at + MDST_DATA_REGION) != region || be64_at(at + MDST_ADDR) != addr_field)
			continue;
		memmove(phys(at), phys(at + MDST_ENTRY_SIZE), (size_t)(cnt - 1 - i) * MDST_ENTRY_SIZE);
		memset(phys(table + (u64)(cnt - 1) * MDST_ENTRY_SIZE), 0, MDST_ENTRY_SIZE);
		ntuple_set_act_cnt(ntuple_off, (u16)(cnt - 1));
		return true;
	}
	ntuple_set_act_cnt(ntuple_off, cnt);
	return false;
}

/* Remove every entry of `region`, keeping the others in order; the freed tail is zeroed. */
void mpipl_remove_region(u64 table, u32 ntuple_off, u8 region)
{
	u16 cnt = ntuple_act_cnt(ntuple_off);
	u32 kept = 0;

	for (u32 i = 0; i < cnt; i++) {
		u64 at = table + (u64)i * MDST_ENTRY_SIZE;
		if (be8_at(at + MDST_DATA_REGION) == region)
			continue;
		if (kept != i)
			memcpy(phys(table + (u64)kept * MDST_ENTRY_SIZE), phys(at), MDST_ENTRY_SIZE);
		kept++;
	}
	memset(phys(table + (u64)kept * MDST_ENTRY_SIZE), 0, (size_t)(cnt - kept) * MDST_ENTRY_SIZE);
	ntuple_set_act_cnt(ntuple_off, (u16)kept);
}

bool mpipl_table_has(u64 table, u32 ntuple_off, u64 addr_field)
{
	u16 cnt = ntuple_act_cnt(ntuple_off);

	for (u32 i = 0; i < cnt; i++)
		if (be64_at(table + (u64)i * MDST_ENTRY_SIZE + MDST_ADDR) == addr_field)
			return true;
	return false;
}
