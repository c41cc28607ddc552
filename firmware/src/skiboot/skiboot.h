/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Our skiboot's MPIPL code (docs/protocol.md sections 3–6), split by concept: tables.c (MDST/MDDT
 * entries and the SPIRA-H counts), sbe.c (STASH_MPIPL_CONFIG and S0 over XSCOM), preserved.c
 * (the MPIPL boot turning MDRT and the processor dump area into tags), mpipl.c (reserve, init,
 * the OPAL calls and the dispatcher). Function names follow skiboot's so an engineer can map
 * behaviour back; the behaviour is that of sim/participants/skiboot/skiboot.ts, byte for byte.
 */
#ifndef SKIBOOT_MPIPL_H
#define SKIBOOT_MPIPL_H

#include "libfw.h"
#include "mpipl-layout.h"
#include "sbe.h"

#define MDST_BASE     (SKIBOOT_BASE + MDST_TABLE_OFF)
#define MDDT_BASE     (SKIBOOT_BASE + MDDT_TABLE_OFF)
#define MDRT_BASE     (SKIBOOT_BASE + MDRT_TABLE_OFF)
#define METADATA_BASE (SKIBOOT_BASE + DUMP_METADATA_AREA_OFF)
#define PROC_DUMP_BASE (SKIBOOT_BASE + PROC_DUMP_AREA_OFF)
#define SPIRAH_BASE   (SKIBOOT_BASE + SPIRAH_OFF)

/* Scenario fault knobs the simulator hands to firmware (sim/firmware-elf/participants.ts). */
#define SIM_FAULT_NODE            "/sim"
#define SIM_FAULT_ALLOC_SIZE_PROP "mpipl-sim,fault-alloc-size"

/* This boot's runtime state (skiboot's globals in core/opal-dump.c). */
extern bool mpipl_enabled;
extern u64 opal_mpipl_tags[MAX_OPAL_MPIPL_TAGS];
extern u64 opal_mpipl_max_tags;

/* tables.c */
u16 ntuple_act_cnt(u32 ntuple_off);
void ntuple_set_act_cnt(u32 ntuple_off, u16 n);
void mpipl_append_pair(u64 src_field, u64 dest_field, u8 region, u32 size);
bool mpipl_remove_entry(u64 table, u32 ntuple_off, u8 region, u64 addr_field);
void mpipl_remove_region(u64 table, u32 ntuple_off, u8 region);
bool mpipl_table_has(u64 table, u32 ntuple_off, u64 addr_field);


/* preserved.c */
void opal_mpipl_process_preserved(void);

/* machine facts (FW_SVC_MACHINE_INFO) */
static inline u64 ram_bytes(void)
{
	return fw_machine_info(FW_INFO_RAM_BYTES);
}

#endif
