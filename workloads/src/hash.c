/*
 * Hash table: open addressing with linear probing over the whole arena (16-byte slots). Each
 * iteration inserts, looks up or deletes a random key. The slot count is generally not a power
 * of two, so every probe start is a 64-bit unsigned modulo. Probes are bounded, so a table full
 * of garbage (the MPIPL arena) only costs lookups, never correctness of memory accesses.
 */
#include "workload.h"

const char workload_name[] = "hash";
const u64 workload_user_iterations = 30000;

#define EMPTY_KEY 0ull
#define TOMBSTONE_KEY (~0ull)
#define PROBES_MAX 48u

struct slot {
	u64 key;
	u64 value;
};

static inline u64 hash_key(u64 key)
{
	u64 h = key * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29) ^ ((u64)rotl32((u32)key * 0x85EBCA6Bu, 13) << 7);
}

u64 work(u8 *arena, u64 arenaBytes, u64 seed, u64 iterations)
{
	u64 s = rng_seed(seed);
	struct slot *table = (struct slot *)arena;
	u64 slots = arenaBytes / sizeof(struct slot);
	/* Half as many distinct keys as slots keeps the load factor interesting. */
	u64 keySpace = slots / 2;
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		u64 r = rng_next(&s);
		u64 key = 1 + (r >> 16) % keySpace;
		u64 at = hash_key(key) % slots;
		unsigned op = (unsigned)(r & 3);
		struct slot *hole = 0;
		struct slot *found = 0;
		for (unsigned p = 0; p < PROBES_MAX; p++) {
			struct slot *sl = &table[at];
			if (sl->key == key) {
				found = sl;
				break;
			}
			if (sl->key == EMPTY_KEY || sl->key == TOMBSTONE_KEY) {
				if (!hole)
					hole = sl;
				if (sl->key == EMPTY_KEY)
					break;
			}
			at = at + 1 == slots ? 0 : at + 1;
		}
		switch (op) {
		case 0:
		case 1: /* insert or update */
			if (found) {
				found->value += r;
				sum += found->value;
			} else if (hole) {
				hole->key = key;
				hole->value = r;
				sum ^= key;
			} else {
				sum = rotl64(sum, 1);
			}
			break;
		case 2: /* lookup */
			sum += found ? found->value * 3 : key;
			break;
		default: /* delete */
			if (found) {
				found->key = TOMBSTONE_KEY;
				sum -= found->value;
			}
			break;
		}
	}
	return sum;
}
