/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_MEM_REGION_MALLOC_H
#define COMPAT_MEM_REGION_MALLOC_H

#include "compat-types.h"

#define compat_loc_(x) #x
#define compat_loc(x) compat_loc_(x)
#define __location__ __FILE__ ":" compat_loc(__LINE__)

void *__zalloc(size_t size, const char *location) __warn_unused_result;
void __free(void *ptr, const char *location);
#define zalloc(size) __zalloc(size, __location__)
#define free(ptr) __free(ptr, __location__)

#endif
