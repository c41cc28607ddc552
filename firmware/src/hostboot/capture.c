/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What hostboot writes into the fresh image after the payload reload (spec 4.2, 4.4–4.6): MDRT,
 * then the register capture and the processor dump area fields.
 */
#include "hostboot.h"

#define THREADS_MAX 768       /* 8 chips × 24 cores × 4 threads (sim/machine/config.ts LIMITS) */
#define REG_ENTRIES_MAX 1024  /* scratch for counting one thread's register entries */

/* One MDRT entry per preserved pair with the registered fields; the rest zeroed; act_cnt set. */
void write_mdrt(u64 base, const struct table_pair *const *preserved, u32 count)
{
	u64 mdrt = base + MDRT_TABLE_OFF;

	memset(phys(mdrt), 0, MDRT_TABLE_SIZE);
	for (u32 i = 0; i < count; i++) {
		u64 at = mdrt + (u64)i * MDRT_ENTRY_SIZE;
		put_be64_at(at + MDRT_SRC_ADDR, preserved[i]->src_field);
#ifdef MUTANT_HOSTBOOT_MDRT_DEST_IS_SRC
		put_be64_at(at + MDRT_DEST_ADDR, preserved[i]->src_field);
#else
		put_be64_at(at + MDRT_DEST_ADDR, preserved[i]->dest_field);
#endif
		put_be8_at(at + MDRT_DATA_REGION, preserved[i]->src_region);
		put_be32_at(at + MDRT_SIZE, preserved[i]->src_size);
	}
	put_be16_at(base + SPIRAH_OFF + SPIRAH_MDUMP_RES + NTUPLE_ACT_CNT, (u16)count);
	fw_event("mdrt-write", count, mdrt);
}

/*
 * Every thread in PIR order, header offset 0x10, CR and full XER included (the service's entry
 * order: GPRs, NIP, MSR, CCR, then every SPR); nothing if alloc_size is too small.
 * core_state is 0: ABI v1 has no service for it and every simulated thread reports 0 today.
 * FW_SVC_THREAD_REGS charges regCaptureCyclesPerThread per call (one extra call counts entries).
 */
void capture_registers(u64 base, u64 alloc_addr_field, u32 alloc_size)
{
	static u32 pirs[THREADS_MAX];
	u64 area = base + PROC_DUMP_AREA_OFF;
	u32 nthreads = 0;

	for (s64 pir; nthreads < THREADS_MAX && (pir = fw_pir_at(nthreads)) >= 0;)
		pirs[nthreads++] = (u32)pir;
	assert(nthreads > 0);
	u64 scratch = (u64)(unsigned long)fw_alloc(REG_ENTRIES_MAX * REG_ENTRY_SIZE, 8);
	s64 ecnt = fw_thread_regs(pirs[0], scratch, REG_ENTRIES_MAX);
	assert(ecnt > 0 && ecnt < REG_ENTRIES_MAX);
	u32 thread_size = THDR_SIZE + (u32)ecnt * REG_ENTRY_SIZE;
	u64 act_size = (u64)nthreads * thread_size;
	u64 dest = alloc_addr_field & ~HRMOR_BIT;

	put_be32_at(area + PDA_THREAD_SIZE, thread_size);
	put_be8_at(area + PDA_VERSION, PDA_FORMAT_P9);
	if (alloc_size < act_size || !range_within(dest, act_size, ram_bytes())) {
		put_be64_at(area + PDA_DEST_ADDR, 0);
		put_be32_at(area + PDA_ACT_SIZE, 0);
		fw_event("regs-capture", 0, alloc_size, act_size);
		fw_prlog(FW_LOG_ERR, "register area too small (%u < %llu): no CPU data", alloc_size, act_size);
		return;
	}
	for (u32 i = 0; i < nthreads; i++) {
		u64 at = dest + (u64)i * thread_size;
		memset(phys(at), 0, THDR_SIZE);
#ifdef MUTANT_HOSTBOOT_REGS_CORE_PIR
		put_be32_at(at + THDR_PIR, pirs[i] & ~0x3u);
#else
		put_be32_at(at + THDR_PIR, pirs[i]);
#endif
#ifdef MUTANT_HOSTBOOT_REG_OFFSET_0X18
		put_be32_at(at + THDR_OFFSET, THDR_SIZE);
#else
		put_be32_at(at + THDR_OFFSET, THDR_SIZE - THDR_OFFSET);
#endif
		put_be32_at(at + THDR_ECNT, (u32)ecnt);
		put_be32_at(at + THDR_ESIZE, REG_ENTRY_SIZE);
		put_be32_at(at + THDR_EACTSZ, REG_ENTRY_SIZE);
		fw_thread_regs(pirs[i], at + THDR_SIZE, (u32)ecnt);
	}
	put_be64_at(area + PDA_DEST_ADDR, alloc_addr_field);
#ifdef MUTANT_HOSTBOOT_ACT_SIZE_ONE_THREAD
	put_be32_at(area + PDA_ACT_SIZE, thread_size);
#else
	put_be32_at(area + PDA_ACT_SIZE, (u32)act_size);
#endif
	fw_event("regs-capture", nthreads, dest, thread_size, act_size);
}
