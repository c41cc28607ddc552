/*
 * Sort: refills a random window of the arena with random values and sorts it, alternating
 * between signed 64-bit elements (insertion sort for short windows, Shell sort for long ones)
 * and signed 32-bit elements, then checks the order. Exercises signed compares, isel-style
 * selects and dense load/store traffic.
 */
#include "workload.h"

const char workload_name[] = "sort";
const u64 workload_user_iterations = 300;

#define WINDOW_ELEMENTS_MAX 256u
#define INSERTION_ELEMENTS_MAX 16u

static void sort_s64(s64 *a, u64 n)
{
	static const u64 gaps[] = { 57, 23, 10, 4, 1 };
	for (unsigned g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		u64 gap = gaps[g];
		if (n <= INSERTION_ELEMENTS_MAX && gap != 1)
			continue;
		for (u64 i = gap; i < n; i++) {
			s64 v = a[i];
			u64 j = i;
			while (j >= gap && a[j - gap] > v) {
				a[j] = a[j - gap];
				j -= gap;
			}
			a[j] = v;
		}
	}
}

static void sort_s32(s32 *a, u64 n)
{
	for (u64 i = 1; i < n; i++) {
		s32 v = a[i];
		u64 j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

u64 work(u8 *arena, u64 arenaBytes, u64 seed, u64 iterations)
{
	u64 s = rng_seed(seed);
	u64 sum = 0;
	u64 limit = arenaBytes / 8 < WINDOW_ELEMENTS_MAX ? arenaBytes / 8 : WINDOW_ELEMENTS_MAX;
	for (u64 it = 0; it < iterations; it++) {
		u64 r = rng_next(&s);
		u64 n = 1 + (r >> 8) % limit;
		if (r & 1) {
			s64 *w = (s64 *)arena + (r >> 24) % (arenaBytes / 8 - n + 1);
			/* Keep every other element from before, so sorted runs and garbage both appear. */
			for (u64 i = 0; i < n; i += 2)
				w[i] = (s64)rng_next(&s) >> (r >> 58);
			sort_s64(w, n);
			for (u64 i = 0; i + 1 < n; i++)
				sum += w[i] > w[i + 1] ? 0x1000000 : 0;
			sum = rotl64(sum, 9) ^ (u64)w[n / 2];
		} else {
			u64 m = n * 2 > INSERTION_ELEMENTS_MAX * 4 ? INSERTION_ELEMENTS_MAX * 4 : n * 2;
			s32 *w = (s32 *)arena + (r >> 24) % (arenaBytes / 4 - m + 1);
			for (u64 i = 0; i < m; i += 3)
				w[i] = (s32)rng_next(&s);
			sort_s32(w, m);
			for (u64 i = 0; i + 1 < m; i++)
				sum += w[i] > w[i + 1] ? 0x1000000 : 0;
			sum += (u64)(s64)w[0] + (u64)(s64)w[m - 1];
		}
	}
	return sum;
}
