/*
 * Shared declarations for the guest workloads (docs/workloads.md).
 *
 * Every workload is one freestanding C file defining work(); the same object is linked into a
 * user-mode ELF (for `mpipl-sim exec` against qemu-user) and into an MPIPL ELF (run on every
 * thread of a scenario in hypervisor real mode). Integer only: the build uses -msoft-float and
 * no libgcc, so a float or a helper call would fail to link rather than slip in.
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/*
 * The core of every workload. Mutates arena[0, arenaBytes) for `iterations` steps using a PRNG
 * seeded from `seed`, and returns a checksum of what it read. Must tolerate arbitrary initial
 * arena contents (the MPIPL arena is never cleared): every pointer or index read back from the
 * arena is range-checked before use, so garbage can change the checksum but never send an
 * access outside the arena. arenaBytes must be at least WORK_ARENA_BYTES_MIN.
 */
u64 work(u8 *arena, u64 arenaBytes, u64 seed, u64 iterations);

/* Short name printed by the user ELF, defined by each workload. */
extern const char workload_name[];
/* Iteration count of the user ELF, chosen per workload for a few million instructions. */
extern const u64 workload_user_iterations;

#define WORK_ARENA_BYTES_MIN 4096u

/* Seeding through splitmix64 so that nearby seeds (seed + n in the MPIPL loop) give unrelated streams. */
static inline u64 rng_seed(u64 seed)
{
	u64 z = seed + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	/* xorshift's only fixed point is 0. */
	return z == 0 ? 1 : z;
}

/* xorshift64*: cheap, full 64-bit state, and its multiply exercises mulld. */
static inline u64 rng_next(u64 *state)
{
	u64 x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static inline u64 rotl64(u64 v, unsigned n)
{
	n &= 63;
	return n == 0 ? v : (v << n) | (v >> (64 - n));
}

static inline u32 rotl32(u32 v, unsigned n)
{
	n &= 31;
	return n == 0 ? v : (v << n) | (v >> (32 - n));
}

/* GCC may turn struct copies into calls even with -ffreestanding; these satisfy them (libmini.c). */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);

#endif
