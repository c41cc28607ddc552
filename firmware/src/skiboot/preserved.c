/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spec step 21: on an MPIPL boot skiboot turns what the crashed boot left — the metadata, MDRT
 * and the processor dump area — into the tags Linux queries (spec 4.7, 4.8, 6.2).
 */
#include "skiboot.h"

/* The model allocates each struct on 256-byte boundaries of skiboot's heap (skiboot.ts). */
#define FADUMP_ALIGN 0x100

/*
 * A struct opal_mpipl_fadump with room for `regions` regions on the heap, header filled, region
 * array zeroed (only the struct's own bytes are cleared, not the rest of its heap block).
 */
static u64 fadump_alloc(u32 crashing_pir, u32 cpu_data_version, u32 cpu_data_size, u32 regions)
{
	size_t size = FADUMP_REGIONS + (size_t)FADUMP_REGION_SIZE * regions;
	u64 at = (u64)(unsigned long)fw_alloc((size + FADUMP_ALIGN - 1) & ~(size_t)(FADUMP_ALIGN - 1), FADUMP_ALIGN);

	memset(phys(at), 0, size);
	put_be8_at(at + FADUMP_VERSION, OPAL_MPIPL_VERSION);
	put_be32_at(at + FADUMP_CRASHING_PIR, crashing_pir);
	put_be32_at(at + FADUMP_CPU_DATA_VERSION, cpu_data_version);
	put_be32_at(at + FADUMP_CPU_DATA_SIZE, cpu_data_size);
	put_be32_at(at + FADUMP_REGION_CNT, regions);
	return at;
}

static void fadump_set_region(u64 fadump, u32 i, u64 src, u64 dest, u64 size)
{
	u64 r = fadump + FADUMP_REGIONS + (u64)i * FADUMP_REGION_SIZE;
	put_be64_at(r, src);
	put_be64_at(r + 8, dest);
	put_be64_at(r + 16, size);
}

static bool mdrt_is_opal(u64 at)
{
#ifdef MUTANT_SKIBOOT_OPAL_TAG_ALL_MDRT_REGIONS
	return be64_at(at + MDRT_SRC_ADDR) != 0;
#else
	return be8_at(at + MDRT_DATA_REGION) == DUMP_REGION_OPAL_MEMORY;
#endif
}

/* OPAL data: every MDRT entry i < act_cnt with data_region 0x03, addresses without HRMOR_BIT. */
static void post_mpipl_get_opal_data(void)
{
	u16 act_cnt = ntuple_act_cnt(SPIRAH_MDUMP_RES);
	u32 count = 0, j = 0;

	for (u32 i = 0; i < act_cnt; i++)
		if (mdrt_is_opal(MDRT_BASE + (u64)i * MDRT_ENTRY_SIZE))
			count++;
	if (count == 0) {
		fw_prlog(FW_LOG_INFO, "OPAL dump is not available");
		return;
	}
	u64 data = fadump_alloc(be32_at(METADATA_BASE + META_CRASHING_PIR), 0, 0, count);
	for (u32 i = 0; i < act_cnt; i++) {
		u64 at = MDRT_BASE + (u64)i * MDRT_ENTRY_SIZE;
		if (!mdrt_is_opal(at))
			continue;
#ifdef MUTANT_SKIBOOT_OPAL_TAG_KEEPS_HRMOR
		fadump_set_region(data, j++, be64_at(at + MDRT_SRC_ADDR), be64_at(at + MDRT_DEST_ADDR), be32_at(at + MDRT_SIZE));
#else
		fadump_set_region(data, j++, be64_at(at + MDRT_SRC_ADDR) & ~HRMOR_BIT,
				  be64_at(at + MDRT_DEST_ADDR) & ~HRMOR_BIT, be32_at(at + MDRT_SIZE));
#endif
	}
	opal_mpipl_tags[OPAL_MPIPL_TAG_OPAL] = data;
}

/* CPU data: the relocated processor dump area as one region (src = dest). */
static void post_mpipl_arch_regs_data(void)
{
	u64 dest_addr = be64_at(PROC_DUMP_BASE + PDA_DEST_ADDR);
	u32 act_size = be32_at(PROC_DUMP_BASE + PDA_ACT_SIZE);

	if (dest_addr == 0 || act_size == 0)
		return;
	u64 dest = dest_addr & ~HRMOR_BIT;
	u32 thread_size = be32_at(PROC_DUMP_BASE + PDA_THREAD_SIZE);
	u64 cpu = fadump_alloc(0, be8_at(PROC_DUMP_BASE + PDA_VERSION), thread_size, 1);
#ifdef MUTANT_SKIBOOT_CPU_TAG_SIZE_ONE_THREAD
	fadump_set_region(cpu, 0, dest, dest, thread_size);
#else
	fadump_set_region(cpu, 0, dest, dest, act_size);
#endif
	opal_mpipl_tags[OPAL_MPIPL_TAG_CPU] = cpu;
}

void opal_mpipl_process_preserved(void)
{
	fw_prlog(FW_LOG_NOTICE, "MPIPL boot: processing preserved data");
	u64 kernel_tag = be64_at(METADATA_BASE + META_KERNEL_TAG);
	u64 boot_mem_size = be64_at(METADATA_BASE + META_BOOT_MEM_SIZE);
	if (kernel_tag != 0)
		opal_mpipl_tags[OPAL_MPIPL_TAG_KERNEL] = kernel_tag;
	if (boot_mem_size != 0)
		opal_mpipl_tags[OPAL_MPIPL_TAG_BOOT_MEM] = boot_mem_size;
	post_mpipl_get_opal_data();
	post_mpipl_arch_regs_data();
}
