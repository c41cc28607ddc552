/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_OPAL_INTERNAL_H
#define COMPAT_OPAL_INTERNAL_H

#include "compat-types.h"
#include "opal-api.h"

struct dt_node;
extern struct dt_node *opal_node;
extern unsigned long top_of_ram;

/* Records an OPAL handler; the glue's mpipl_fw_opal_call dispatches to it. */
void __opal_register(uint64_t token, void *func, unsigned num_args);
#define opal_register(token, func, nargs) __opal_register((token), (void *)(func), (nargs))

/* spec 6.1: top nibble 0 or 0xC, the rest at most top_of_ram. */
static inline bool opal_addr_valid(const void *addr)
{
	unsigned long a = (unsigned long)addr;
	if ((a >> 60) != 0 && (a >> 60) != 0xc)
		return false;
	return (a & 0x0ffffffffffffffful) <= top_of_ram;
}

#endif
