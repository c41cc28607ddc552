/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_OPAL_DUMP_H
#define COMPAT_OPAL_DUMP_H

#include "compat-types.h"

#define DUMP_REGION_CONSOLE     0x01
#define DUMP_REGION_HBRT_LOG    0x02
#define DUMP_REGION_OPAL_MEMORY 0x03
#define DUMP_REGION_KERNEL      0x80

#define DUMP_TYPE_SYSDUMP 0xF5
#define DUMP_TYPE_MPIPL   0x00

/* spec 4.1 */
struct mdst_table {
	__be64 addr;
	u8 data_region;
	u8 dump_type;
	__be16 reserved;
	__be32 size;
} __packed;
struct mddt_table {
	__be64 addr;
	u8 data_region;
	u8 dump_type;
	__be16 reserved;
	__be32 size;
} __packed;

/* spec 4.2 */
struct mdrt_table {
	__be64 src_addr;
	__be64 dest_addr;
	u8 data_region;
	u8 dump_type;
	__be16 reserved;
	__be32 size;
	__be64 padding;
} __packed;

/* spec 4.4 */
#define PROC_DUMP_AREA_FORMAT_P9 0x1
struct proc_dump_area {
	__be32 thread_size;
	u8 version;
	u8 reserved[11];
	__be64 alloc_addr;
	__be32 reserved2;
	__be32 alloc_size;
	__be64 dest_addr;
	__be32 reserved3;
	__be32 act_size;
} __packed;

/* spec 4.7: skiboot-native (big-endian) fields, packed. */
struct mpipl_metadata {
	u32 crashing_pir;
	u64 kernel_tag;
	u64 boot_mem_size;
} __packed;

void opal_mpipl_init(void);
void opal_mpipl_save_crashing_pir(void);
void opal_mpipl_reserve_mem(void);
bool is_mpipl_enabled(void);

#endif
