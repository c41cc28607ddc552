/*
 * A generic sort in the style of a libc qsort: elements of any size moved by byte swaps, an
 * introsort-like quicksort (median of three, insertion sort for small ranges, recursion on the
 * smaller side) with the comparison through a function pointer (an indirect call per compare),
 * and a binary search through the same comparator, on records of three kinds.
 */
#include "corpus.h"

const char workload_name[] = "qsort";
const u64 workload_user_iterations = 2;

#define COUNT 1000

struct record {
	s32 id;
	u16 tag;
	char name[10];
};

static struct record recs[COUNT];
static s64 keys[COUNT];
static u32 words[COUNT];

typedef int (*cmp_fn)(const void *, const void *);

static void swap_bytes(u8 *a, u8 *b, u64 size)
{
	while (size--) {
		u8 t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void insertion(u8 *base, u64 n, u64 size, cmp_fn cmp)
{
	for (u64 i = 1; i < n; i++)
		for (u64 j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
			swap_bytes(base + (j - 1) * size, base + j * size, size);
}

static void sort(void *v, u64 n, u64 size, cmp_fn cmp)
{
	u8 *base = v;
	while (n > 12) {
		u8 *lo = base, *mid = base + (n / 2) * size, *hi = base + (n - 1) * size;
		if (cmp(mid, lo) < 0)
			swap_bytes(mid, lo, size);
		if (cmp(hi, mid) < 0) {
			swap_bytes(hi, mid, size);
			if (cmp(mid, lo) < 0)
				swap_bytes(mid, lo, size);
		}
		/* Pivot to the front, then Hoare partition. */
		swap_bytes(base, mid, size);
		u64 i = 0, j = n;
		for (;;) {
			do
				i++;
			while (i < n && cmp(base + i * size, base) < 0);
			do
				j--;
			while (cmp(base + j * size, base) > 0);
			if (i >= j)
				break;
			swap_bytes(base + i * size, base + j * size, size);
		}
		swap_bytes(base, base + j * size, size);
		u64 left = j, right = n - j - 1;
		if (left < right) {
			sort(base, left, size, cmp);
			base += (j + 1) * size;
			n = right;
		} else {
			sort(base + (j + 1) * size, right, size, cmp);
			n = left;
		}
	}
	insertion(base, n, size, cmp);
}

static void *search(const void *key, const void *v, u64 n, u64 size, cmp_fn cmp)
{
	const u8 *base = v;
	while (n > 0) {
		const u8 *mid = base + (n / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			base = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return 0;
}

static int cmp_s64(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;
	return (x > y) - (x < y);
}

static int cmp_u32_desc(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;
	return (x < y) - (x > y);
}

static int cmp_record(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	for (int i = 0; i < 10; i++)
		if (x->name[i] != y->name[i])
			return (u8)x->name[i] - (u8)y->name[i];
	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

u64 corpus_run(u64 iterations)
{
	u64 state = 0x71736f7274ull;
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		for (int i = 0; i < COUNT; i++) {
			u64 r = corpus_mix(&state);
			keys[i] = (s64)r >> (r & 31);
			words[i] = (u32)(r >> 13) % 5000;
			recs[i].id = (s32)(r >> 32);
			recs[i].tag = (u16)(r % 7);
			for (int k = 0; k < 10; k++)
				recs[i].name[k] = (char)('a' + ((r >> (3 * k)) % 4));
		}
		sort(keys, COUNT, sizeof keys[0], cmp_s64);
		sort(words, COUNT, sizeof words[0], cmp_u32_desc);
		sort(recs, COUNT, sizeof recs[0], cmp_record);
		u64 bad = 0;
		for (int i = 1; i < COUNT; i++) {
			bad += keys[i - 1] > keys[i];
			bad += words[i - 1] < words[i];
			bad += cmp_record(&recs[i - 1], &recs[i]) > 0;
		}
		sum = corpus_fold(sum, bad);
		for (int i = 0; i < COUNT; i += 7) {
			sum = corpus_fold(sum, (u64)keys[i] ^ words[i] ^ (u64)(u32)recs[i].id);
			sum = corpus_fold(sum, search(&keys[(i * 13) % COUNT], keys, COUNT, sizeof keys[0], cmp_s64) != 0);
			sum = corpus_fold(sum, search(&recs[(i * 17) % COUNT], recs, COUNT, sizeof recs[0], cmp_record) != 0);
		}
	}
	return sum;
}
