/*
 * The three functions GCC is allowed to call on its own in freestanding code. Built with
 * -fno-tree-loop-distribute-patterns (as is everything) so these loops are not themselves
 * turned back into calls to memcpy/memset.
 */
#include "workload.h"

void *memcpy(void *dst, const void *src, unsigned long n)
{
	u8 *d = dst;
	const u8 *s = src;
	for (unsigned long i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

void *memmove(void *dst, const void *src, unsigned long n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (d < s) {
		for (unsigned long i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		for (unsigned long i = n; i > 0; i--)
			d[i - 1] = s[i - 1];
	}
	return dst;
}

void *memset(void *dst, int c, unsigned long n)
{
	u8 *d = dst;
	for (unsigned long i = 0; i < n; i++)
		d[i] = (u8)c;
	return dst;
}
