/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Our reference hostboot (design section 5, spec steps 16–18): ipl.c (the two IPL entry points
 * and /ibm,opal/dump), preserve.c (the table walk, validity rules and copies), capture.c (MDRT and
 * the register capture into the processor dump area). Same effects as
 * sim/participants/hostboot/reference.ts, byte for byte.
 */
#ifndef HOSTBOOT_H
#define HOSTBOOT_H

#include "libfw.h"
#include "mpipl-layout.h"

/* The cost model's hostbootIplStartCycles (sim/machine/cost-model.ts). */
#define HOSTBOOT_IPL_START_CYCLES 20000
#define PAGE_SIZE 4096u

/* One MDST/MDDT pair i < act_cnt as read from the crashed boot's tables. */
struct table_pair {
	u32 index;
	u8 src_region, dest_region;
	u32 src_size, dest_size;
	u64 src_field, dest_field;
};

struct range {
	u64 start, size;
};

static inline u64 ram_bytes(void)
{
	return fw_machine_info(FW_INFO_RAM_BYTES);
}

/* preserve.c */
bool read_pairs(u64 base, struct table_pair *pairs, u32 *count);
u32 preserve(u64 base, const struct table_pair *pairs, u32 count, struct range reg_capture,
	     const struct table_pair **preserved);

/* capture.c */
void write_mdrt(u64 base, const struct table_pair *const *preserved, u32 count);
void capture_registers(u64 base, u64 alloc_addr_field, u32 alloc_size);

#endif
