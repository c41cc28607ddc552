/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_MEM_REGION_H
#define COMPAT_MEM_REGION_H

#include "compat-types.h"

extern unsigned long top_of_ram;
void mem_reserve_fw(const char *name, uint64_t start, uint64_t len);

#endif
