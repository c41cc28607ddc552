/*
 * Linked-structure builder: the arena is an array of nodes linked by real addresses; each
 * iteration inserts, unlinks or reverses a stretch of list and then walks it. A memory dump of
 * this arena is full of pointers into itself, as a kernel heap would be. Every pointer read
 * back is checked (inside the node array, on a node boundary) before it is followed.
 */
#include "workload.h"

const char workload_name[] = "list";
const u64 workload_user_iterations = 20000;

struct node {
	u64 next; /* address of the next node, 0 = end */
	u64 key;
	u64 value;
	u32 hits;
	u32 tag;
};

#define WALK_STEPS_MAX 24u
#define REVERSE_STEPS_MAX 16u

static inline struct node *checked(u64 addr, u64 base, u64 count)
{
	u64 off = addr - base;
	if (addr < base || off >= count * sizeof(struct node) || off % sizeof(struct node) != 0)
		return 0;
	return (struct node *)addr;
}

u64 work(u8 *arena, u64 arenaBytes, u64 seed, u64 iterations)
{
	u64 s = rng_seed(seed);
	u64 base = (u64)arena;
	u64 count = arenaBytes / sizeof(struct node);
	struct node *nodes = (struct node *)arena;
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		u64 r = rng_next(&s);
		struct node *a = &nodes[(r >> 3) % count];
		struct node *b = &nodes[(r >> 35) % count];
		switch (r & 3) {
		case 0:
		case 1:
			/* Insert b after a (it may already be linked elsewhere: cycles are fine, walks are bounded). */
			if (a != b) {
				b->next = checked(a->next, base, count) ? a->next : 0;
				b->key = rng_next(&s);
				b->tag = (u32)it;
				a->next = (u64)b;
			}
			break;
		case 2: {
			struct node *n = checked(a->next, base, count);
			if (n) {
				a->next = checked(n->next, base, count) ? n->next : 0;
				n->next = 0;
				sum += n->key;
			}
			break;
		}
		default: {
			/* Reverse up to REVERSE_STEPS_MAX nodes following a, then hang the reversed run back on a. */
			struct node *prev = 0, *cur = checked(a->next, base, count);
			struct node *first = cur;
			for (unsigned k = 0; cur && k < REVERSE_STEPS_MAX; k++) {
				struct node *nx = checked(cur->next, base, count);
				cur->next = (u64)prev;
				prev = cur;
				cur = nx;
			}
			if (first) {
				first->next = (u64)cur;
				a->next = (u64)prev;
			}
			break;
		}
		}
		struct node *w = a;
		for (unsigned k = 0; w && k < WALK_STEPS_MAX; k++) {
			sum = rotl64(sum, 5) + w->key * (w->hits | 1);
			w->hits++;
			w->value ^= sum;
			w = checked(w->next, base, count);
		}
	}
	return sum;
}
