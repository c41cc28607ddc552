/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_DEVICE_H
#define COMPAT_DEVICE_H

#include "compat-types.h"

/* A node is its path in the simulator's device tree; properties are looked up through services. */
struct dt_node {
	char path[128];
};
struct dt_property {
	const char *name;
};

extern struct dt_node *dt_root;
struct dt_node *dt_find_by_path(struct dt_node *root, const char *path);
const struct dt_property *dt_find_property(const struct dt_node *node, const char *name);

#endif
