/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_HDATA_SPIRA_H
#define COMPAT_HDATA_SPIRA_H

#include "../compat-types.h"

/* spec 4.3: an n-tuple (32 bytes). */
struct spira_ntuple {
	__be64 addr;
	__be16 alloc_cnt;
	__be16 act_cnt;
	__be32 alloc_len;
	__be32 act_len;
	__be32 tce_off;
	__be64 padding;
} __packed;

/* spec 3.3: the n-tuples opal-dump.c uses, at their SPIRA-H offsets 0x0a0, 0x0c0, 0x0e0, 0x100. */
struct spirah_ntuples {
	u8 before_mdump[0x70];           /* SPIRA-H 0x030..0x0a0: array header and earlier n-tuples */
	struct spira_ntuple mdump_src;   /* 0x0a0 */
	struct spira_ntuple mdump_dst;   /* 0x0c0 */
	struct spira_ntuple mdump_res;   /* 0x0e0 */
	struct spira_ntuple proc_dump_area; /* 0x100 */
} __packed;

struct spirah {
	u8 header[0x30];                 /* HDIF header and the n-tuple pointer */
	struct spirah_ntuples ntuples;   /* 0x030 */
	u8 reserved[0xe0];
} __packed __align(0x100);

/* At SKIBOOT_BASE + SPIRAH_OFF (the compat link script defines the symbol there). */
extern struct spirah spirah;

#endif
