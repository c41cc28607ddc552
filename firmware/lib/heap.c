/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bump heap over [__fw_heap_start, __fw_heap_end). Nothing is ever freed: skiboot's MPIPL code
 * allocates two small structures per boot, hostboot one scratch buffer per entry. The cursor is
 * in .data (the build puts zero-initialised data there too), so every reload of the ELF — every
 * IPL — starts a fresh heap, as skiboot's does.
 */
#include "libfw.h"

static char *heap_next = __fw_heap_start;

void fw_heap_reset(void)
{
	heap_next = __fw_heap_start;
}

void *fw_alloc(size_t size, size_t align)
{
	unsigned long at = ((unsigned long)heap_next + (align - 1)) & ~(align - 1);
	if (at < (unsigned long)heap_next || at > (unsigned long)__fw_heap_end ||
	    size > (unsigned long)__fw_heap_end - at)
		fw_abort("libfw: heap exhausted");
	heap_next = (char *)(at + size);
	return (void *)at;
}

void *fw_zalloc(size_t size, size_t align)
{
	return memset(fw_alloc(size, align), 0, size);
}
