/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_MEM_MAP_H
#define COMPAT_MEM_MAP_H

/* spec 3.1 (docs/protocol.md). */
#define SKIBOOT_BASE            0x30000000
#define SKIBOOT_SIZE            0x01c10000
#define STACK_SIZE              0x8000
#define SPIRAH_OFF              0x00010000
#define PROC_DUMP_AREA_OFF      0x00010300
#define MDST_TABLE_OFF          0x00010c00
#define MDST_TABLE_SIZE         0x400
#define MDDT_TABLE_OFF          0x00011000
#define MDDT_TABLE_SIZE         0x400
#define MDRT_TABLE_BASE         (SKIBOOT_BASE + 0x01c00000)
#define MDRT_TABLE_SIZE         0x00008000
#define DUMP_METADATA_AREA_BASE (SKIBOOT_BASE + 0x01c08000)
#define DUMP_METADATA_AREA_SIZE 0x8000

#endif
