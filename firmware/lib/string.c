/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C string functions GCC may call on its own in freestanding code (and the compat glue
 * exports to skiboot's opal-dump.c). Built with -fno-tree-loop-distribute-patterns so these
 * loops are not turned back into calls to themselves.
 */
#include "libfw.h"

/* Doublewords may alias anything: these functions see memory of every type. */
typedef u64 __attribute__((may_alias)) word_t;

/* Doubleword stores once aligned: MDRT (32 KiB) is cleared at every boot and IPL. */
void *memset(void *s, int c, size_t n)
{
	u8 *p = s;
	u8 b = (u8)c;

	while (n && ((unsigned long)p & 7)) {
		*p++ = b;
		n--;
	}
	word_t *q = (word_t *)p;
	word_t w = b * 0x0101010101010101ull;
	for (; n >= 8; n -= 8)
		*q++ = w;
	p = (u8 *)q;
	while (n--)
		*p++ = b;
	return s;
}

/* Doubleword copies when source and destination share their alignment. */
void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if ((((unsigned long)d ^ (unsigned long)s) & 7) == 0) {
		while (n && ((unsigned long)d & 7)) {
			*d++ = *s++;
			n--;
		}
		word_t *dq = (word_t *)d;
		const word_t *sq = (const word_t *)s;
		for (; n >= 8; n -= 8)
			*dq++ = *sq++;
		d = (u8 *)dq;
		s = (const u8 *)sq;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (d == s || n == 0)
		return dst;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		while (n--)
			*--d = *--s;
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}
