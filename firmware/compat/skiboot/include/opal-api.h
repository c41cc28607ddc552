/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_OPAL_API_H
#define COMPAT_OPAL_API_H

#include "compat-types.h"

/* spec 5.1 / 5.2 (docs/protocol.md). */
#define OPAL_SUCCESS   0
#define OPAL_PARAMETER -1
#define OPAL_RESOURCE  -10

#define OPAL_CEC_REBOOT         6
#define OPAL_CHECK_TOKEN        80
#define OPAL_CEC_REBOOT2        116
#define OPAL_MPIPL_UPDATE       173
#define OPAL_MPIPL_REGISTER_TAG 174
#define OPAL_MPIPL_QUERY_TAG    175

enum opal_mpipl_ops {
	OPAL_MPIPL_ADD_RANGE = 0,
	OPAL_MPIPL_REMOVE_RANGE = 1,
	OPAL_MPIPL_REMOVE_ALL = 2,
	OPAL_MPIPL_FREE_PRESERVED_MEMORY = 3,
};

enum opal_mpipl_tags {
	OPAL_MPIPL_TAG_CPU = 0,
	OPAL_MPIPL_TAG_OPAL = 1,
	OPAL_MPIPL_TAG_KERNEL = 2,
	OPAL_MPIPL_TAG_BOOT_MEM = 3,
};

/* spec 4.8. */
#define OPAL_MPIPL_VERSION 0x01
struct opal_mpipl_region {
	__be64 src;
	__be64 dest;
	__be64 size;
};
struct opal_mpipl_fadump {
	u8 version;
	u8 reserved[7];
	__be32 crashing_pir;
	__be32 cpu_data_version;
	__be32 cpu_data_size;
	__be32 region_cnt;
	struct opal_mpipl_region region[];
};

#endif
