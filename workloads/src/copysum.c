/*
 * Copy-and-checksum: copies random blocks from the lower half of the arena to the upper half,
 * checksumming them on the way (Fletcher-style sums over dwords when source and destination
 * share alignment, Adler-32 over bytes when they do not), then perturbs the source so later
 * copies see new data. The modulo by 65521 makes GCC emit multiply-high.
 */
#include "workload.h"

const char workload_name[] = "copysum";
const u64 workload_user_iterations = 200;

#define BLOCK_BYTES_MAX 4096u
#define ADLER_MOD 65521u

static u64 copy_dwords(u64 *dst, const u64 *src, u64 n)
{
	u64 a = 1, b = 0;
	for (u64 i = 0; i < n; i++) {
		u64 v = src[i];
		dst[i] = v;
		a += v;
		b += a;
	}
	return a ^ rotl64(b, 32);
}

static u64 copy_bytes(u8 *dst, const u8 *src, u64 n)
{
	u32 a = 1, b = 0;
	for (u64 i = 0; i < n; i++) {
		u8 v = src[i];
		dst[i] = v;
		a = (a + v) % ADLER_MOD;
		b = (b + a) % ADLER_MOD;
	}
	return ((u64)b << 16) | a;
}

u64 work(u8 *arena, u64 arenaBytes, u64 seed, u64 iterations)
{
	u64 s = rng_seed(seed);
	u64 half = (arenaBytes / 2) & ~7ull;
	u8 *lower = arena, *upper = arena + half;
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		u64 r = rng_next(&s);
		u64 len = 1 + (r >> 20) % (half < BLOCK_BYTES_MAX ? half : BLOCK_BYTES_MAX);
		u64 from = (r >> 2) % (half - len + 1);
		u64 to = rng_next(&s) % (half - len + 1);
		if ((r & 1) && ((from ^ to) & 7) == 0) {
			/* Same alignment: bytes up to the boundary, then dwords, then the tail. */
			u64 head = (8 - (from & 7)) & 7;
			if (head > len)
				head = len;
			sum += copy_bytes(upper + to, lower + from, head);
			u64 n = (len - head) / 8;
			sum ^= copy_dwords((u64 *)(upper + to + head), (const u64 *)(lower + from + head), n);
			u64 done = head + n * 8;
			sum += copy_bytes(upper + to + done, lower + from + done, len - done);
		} else {
			sum = rotl64(sum, 11) ^ copy_bytes(upper + to, lower + from, len);
		}
		/* Perturb the source so the data keeps changing. */
		u64 *src = (u64 *)(lower + ((r >> 40) % half & ~7ull));
		*src = rotl64(*src, 1) ^ r;
		u8 *dst = upper + (to + len / 2) % half;
		*dst ^= (u8)sum;
	}
	return sum;
}
