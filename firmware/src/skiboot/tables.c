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

#ifdef MUTANT_SKIBOOT_MID_CALL_ADD_RANGE_COUNT_ZERO
	/* Mid-call mutant: both counts read 0 ("tables busy") while the pair is written. */
	ntuple_set_act_cnt(SPIRAH_MDUMP_SRC, 0);
	ntuple_set_act_cnt(SPIRAH_MDUMP_DST, 0);
#endif
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
#ifdef MUTANT_SKIBOOT_MID_CALL_REMOVE_RANGE_COUNT_ZERO
		/* Mid-call mutant: the count reads 0 ("table busy") while the entries move down. */
		ntuple_set_act_cnt(ntuple_off, 0);
#endif
#ifdef MUTANT_SKIBOOT_MID_CALL_REMOVE_RANGE_REBUILDS_TABLE
		/* Mid-call mutant: the table is cleared, then rebuilt without entry i from a copy. */
		{
			u8 copy[MDST_MAX_ENTRIES * MDST_ENTRY_SIZE];
			memcpy(copy, phys(table), (size_t)cnt * MDST_ENTRY_SIZE);
			memset(phys(table), 0, (size_t)cnt * MDST_ENTRY_SIZE);
			memcpy(phys(table), copy, (size_t)i * MDST_ENTRY_SIZE);
			memcpy(phys(at), copy + (u64)(i + 1) * MDST_ENTRY_SIZE, (size_t)(cnt - 1 - i) * MDST_ENTRY_SIZE);
			ntuple_set_act_cnt(ntuple_off, (u16)(cnt - 1));
			return true;
		}
#endif
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

#ifdef MUTANT_SKIBOOT_MID_CALL_REMOVE_ALL_COUNT_ZERO_FIRST
	/* Mid-call mutant: the count reads 0 until the compacted table is complete. */
	ntuple_set_act_cnt(ntuple_off, 0);
#endif
#ifdef MUTANT_SKIBOOT_MID_CALL_REMOVE_ALL_ZEROES_TABLE_FIRST
	/* Mid-call mutant: the table is cleared, then the kept entries are written back from a copy. */
	{
		u8 copy[MDST_MAX_ENTRIES * MDST_ENTRY_SIZE];
		memcpy(copy, phys(table), (size_t)cnt * MDST_ENTRY_SIZE);
		memset(phys(table), 0, (size_t)cnt * MDST_ENTRY_SIZE);
		for (u32 i = 0; i < cnt; i++) {
			u8 *e = copy + (u64)i * MDST_ENTRY_SIZE;
			if (e[MDST_DATA_REGION] == region)
				continue;
			memcpy(phys(table + (u64)kept * MDST_ENTRY_SIZE), e, MDST_ENTRY_SIZE);
			kept++;
		}
		ntuple_set_act_cnt(ntuple_off, (u16)kept);
		return;
	}
#endif
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
