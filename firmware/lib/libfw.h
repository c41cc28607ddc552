/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfw: the little runtime our C firmware needs on top of the ABI (mpipl-fw.h): the C string
 * functions GCC may call on its own, a bump heap, typed wrappers of every service, big-endian
 * field accessors for the tables in guest memory, and assert (which ends in FW_SVC_ABORT).
 */
#ifndef LIBFW_H
#define LIBFW_H

#include <stdbool.h>
#include <stddef.h>
#include "mpipl-fw.h"

typedef fw_u8 u8;
typedef fw_u16 u16;
typedef fw_u32 u32;
typedef fw_u64 u64;
typedef fw_s64 s64;

/* ------------------------------------------------------------------ string.h */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* ------------------------------------------------------------------ heap */
/* [__fw_heap_start, __fw_heap_end): defined by the linker script. */
extern char __fw_heap_start[], __fw_heap_end[];
/* Rewind the heap to its start (hostboot does at every entry: it keeps nothing across entries). */
void fw_heap_reset(void);
/* `size` bytes aligned to `align` (a power of two); aborts when the heap is exhausted. */
void *fw_alloc(size_t size, size_t align);
void *fw_zalloc(size_t size, size_t align);

/* ------------------------------------------------------------------ services */
__attribute__((noreturn)) void fw_abort(const char *msg);
void fw_log(int level, const char *fmt, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4);
/* fw_prlog(level, fmt, up to 5 integer or pointer arguments): formatted by the simulator. */
#define fw_prlog(level, ...) fw_prlog_n_(level, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define fw_prlog_n_(level, fmt, a, b, c, d, e, ...) \
	fw_log(level, fmt, (u64)(a), (u64)(b), (u64)(c), (u64)(d), (u64)(e))
size_t fw_console_write(const char *buf, size_t len);
s64 fw_xscom_read(u32 chip, u64 addr, u64 *out);
s64 fw_xscom_write(u32 chip, u64 addr, u64 value);
s64 fw_dt_get(const char *path, const char *name, void *buf, size_t buflen);
void fw_dt_set(const char *path, const char *name, const void *buf, size_t len);
s64 fw_dt_remove(const char *path, const char *name);
bool fw_dt_has_node(const char *path);
u64 fw_machine_info(u32 key);
s64 fw_pir_at(u32 index);
s64 fw_thread_regs(u32 pir, u64 buf, u32 max_entries);
s64 fw_copy(u64 dest, u64 src, u64 size);
s64 fw_fill(u64 dest, u8 byte, u64 size);
void fw_delay(u64 cycles);
#define fw_event(kind, ...) fw_event_n_(kind, __VA_ARGS__, 0, 0, 0, 0, 0)
#define fw_event_n_(kind, a, b, c, d, ...) fw_event4(kind, (u64)(a), (u64)(b), (u64)(c), (u64)(d))
void fw_event4(const char *kind, u64 a0, u64 a1, u64 a2, u64 a3);
void fw_load_images(void);
void fw_reboot(u32 kind, const char *reason);

/* ------------------------------------------------------------------ assert */
#define FW_STR_(x) #x
#define FW_STR(x) FW_STR_(x)
#define assert(cond)                                                                     \
	do {                                                                             \
		if (!(cond))                                                             \
			fw_abort("assert failed: " __FILE__ ":" FW_STR(__LINE__) ": " #cond); \
	} while (0)

/* ------------------------------------------------------------------ guest memory */
/* Real-mode pointers are physical addresses. */
static inline void *phys(u64 addr)
{
	return (void *)(unsigned long)addr;
}

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define fw_be16(x) ((u16)(x))
#define fw_be32(x) ((u32)(x))
#define fw_be64(x) ((u64)(x))
#else
#define fw_be16(x) __builtin_bswap16(x)
#define fw_be32(x) __builtin_bswap32(x)
#define fw_be64(x) __builtin_bswap64(x)
#endif

/* Big-endian fields at any alignment (the packed metadata has a u64 at offset 4). */
static inline u8 be8_at(u64 addr)
{
	return *(volatile u8 *)phys(addr);
}
static inline u16 be16_at(u64 addr)
{
	u16 v;
	memcpy(&v, phys(addr), 2);
	return fw_be16(v);
}
static inline u32 be32_at(u64 addr)
{
	u32 v;
	memcpy(&v, phys(addr), 4);
	return fw_be32(v);
}
static inline u64 be64_at(u64 addr)
{
	u64 v;
	memcpy(&v, phys(addr), 8);
	return fw_be64(v);
}
static inline void put_be8_at(u64 addr, u8 v)
{
	*(volatile u8 *)phys(addr) = v;
}
static inline void put_be16_at(u64 addr, u16 v)
{
	v = fw_be16(v);
	memcpy(phys(addr), &v, 2);
}
static inline void put_be32_at(u64 addr, u32 v)
{
	v = fw_be32(v);
	memcpy(phys(addr), &v, 4);
}
static inline void put_be64_at(u64 addr, u64 v)
{
	v = fw_be64(v);
	memcpy(phys(addr), &v, 8);
}

/* ------------------------------------------------------------------ ranges without overflow */
/* x < y + n, computed exactly for any 64-bit values (no wrap-around). */
static inline bool lt_sum(u64 x, u64 y, u64 n)
{
	if (x < y)
		return true; /* y + n >= y > x */
	return x - y < n;
}
/* [start, start + size) lies wholly inside [0, limit). */
static inline bool range_within(u64 start, u64 size, u64 limit)
{
	return start <= limit && size <= limit - start;
}
/* Two ranges share a byte (empty ranges share nothing). */
static inline bool ranges_overlap(u64 a, u64 asize, u64 b, u64 bsize)
{
	return asize > 0 && bsize > 0 && lt_sum(a, b, bsize) && lt_sum(b, a, asize);
}

#endif /* LIBFW_H */
