/*
 * Shared declarations of the interpreter benchmark corpus (docs/benchmarks.md).
 *
 * Each program is one freestanding C file in the style of a widely used library (a hash, a block
 * cipher, an LZ compressor, ...), written for this repository. It defines its name, its
 * iteration count and corpus_run(); driver.c prints the checksum and exits with its low byte.
 * Integer only, no libgcc: a float or a helper call fails to link instead of slipping in.
 */
#ifndef CORPUS_H
#define CORPUS_H

#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Runs the program's work `iterations` times and returns a checksum of everything it computed. */
u64 corpus_run(u64 iterations);

/* Short name printed by the driver. */
extern const char workload_name[];
/*
 * Iteration count (a const in another translation unit than the driver, so the compiler cannot
 * fold it): the bench scales it in a copy of the ELF through .symtab, as for the workloads.
 */
extern const u64 workload_user_iterations;

void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);

/* splitmix64: a deterministic input generator shared by the programs. */
static inline u64 corpus_mix(u64 *state)
{
	u64 z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline u64 corpus_fold(u64 h, u64 v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h;
}

#endif
