/*
 * Memory scribbler: random read-modify-write of every access width at random places in the
 * arena. Exercises byte/half/word/dword loads and stores (zero- and sign-extending), byte
 * reversal, population count and leading/trailing-zero counts, and divide (the offset modulo).
 */
#include "workload.h"

const char workload_name[] = "scribble";
const u64 workload_user_iterations = 60000;

#define RUN_BYTES_MAX 64u

u64 work(u8 *arena, u64 arenaBytes, u64 seed, u64 iterations)
{
	u64 s = rng_seed(seed);
	u64 sum = 0;
	u64 bytes = arenaBytes & ~7ull;
	for (u64 i = 0; i < iterations; i++) {
		u64 r = rng_next(&s);
		u64 off = (r >> 8) % bytes;
		u8 *p = arena + off;
		switch (r & 7) {
		case 0:
			sum += *p;
			*p = (u8)(r >> 56);
			break;
		case 1: {
			u16 *q = (u16 *)(arena + (off & ~1ull));
			u16 v = *q;
			sum += v;
			*q = (u16)(v ^ (r >> 40));
			break;
		}
		case 2: {
			u32 *q = (u32 *)(arena + (off & ~3ull));
			u32 v = *q;
			sum = rotl64(sum, 3) ^ v;
			*q = rotl32(v, (unsigned)(r >> 59)) + (u32)r;
			break;
		}
		case 3: {
			u64 *q = (u64 *)(arena + (off & ~7ull));
			u64 v = *q;
			sum += v;
			*q = v + (r | 1);
			break;
		}
		case 4: {
			/* A run of byte stores, clipped at the arena end. */
			u64 n = 1 + ((r >> 32) & (RUN_BYTES_MAX - 1));
			if (n > bytes - off)
				n = bytes - off;
			u8 b = (u8)(r >> 48);
			for (u64 k = 0; k < n; k++)
				p[k] = (u8)(b + k * 7);
			sum += n;
			break;
		}
		case 5: {
			/* Sign-extending loads of every width. */
			s8 b = *(s8 *)p;
			s16 h = *(s16 *)(arena + (off & ~1ull));
			s32 w = *(s32 *)(arena + (off & ~3ull));
			s64 t = (s64)b * 3 + (s64)h * 5 - (s64)w;
			sum ^= (u64)t;
			*(s32 *)(arena + (off & ~3ull)) = (s32)(t >> 3);
			break;
		}
		case 6: {
			u64 *q = (u64 *)(arena + (off & ~7ull));
			u64 v = __builtin_bswap64(*q);
			sum += __builtin_bswap32((u32)v);
			*q = __builtin_bswap64(v + (r >> 13));
			break;
		}
		default: {
			u64 *q = (u64 *)(arena + (off & ~7ull));
			u64 v = *q;
			sum += (u64)__builtin_popcountll(v) + (u64)__builtin_clzll(v | 1) * 64 +
			       (u64)__builtin_ctzll(v | (1ull << 63)) * 4096;
			*q = v ^ (v >> 17) ^ r;
			break;
		}
		}
	}
	return sum ^ s;
}
