/*
 * Pointer-chasing structures in the style of a container library: a treap (binary search tree
 * ordered by key, heap-ordered by a random priority, rotations on insert and delete) of nodes
 * from a pool with a free list, looked up, deleted and walked in order with an explicit stack;
 * and a chained hash map whose buckets are singly linked lists of the same nodes' second links.
 */
#include "corpus.h"

const char workload_name[] = "tree";
const u64 workload_user_iterations = 2;

#define NODES 1024
#define BUCKETS 251

struct node {
	u64 key, value;
	u32 prio;
	struct node *left, *right;
	struct node *chain; /* hash bucket list, or the pool's free list */
};

static struct node pool[NODES];
static struct node *free_list;
static struct node *buckets[BUCKETS];

static struct node *node_alloc(void)
{
	struct node *n = free_list;
	if (n)
		free_list = n->chain;
	return n;
}

static void node_free(struct node *n)
{
	n->chain = free_list;
	free_list = n;
}

static struct node *rotate_right(struct node *t)
{
	struct node *l = t->left;
	t->left = l->right;
	l->right = t;
	return l;
}

static struct node *rotate_left(struct node *t)
{
	struct node *r = t->right;
	t->right = r->left;
	r->left = t;
	return r;
}

static struct node *insert(struct node *t, struct node *n)
{
	if (!t)
		return n;
	if (n->key < t->key) {
		t->left = insert(t->left, n);
		if (t->left->prio > t->prio)
			t = rotate_right(t);
	} else {
		t->right = insert(t->right, n);
		if (t->right->prio > t->prio)
			t = rotate_left(t);
	}
	return t;
}

/* Removes the node with `key` (if any) and returns the new root; *gone receives it. */
static struct node *erase(struct node *t, u64 key, struct node **gone)
{
	if (!t)
		return 0;
	if (key < t->key) {
		t->left = erase(t->left, key, gone);
	} else if (key > t->key) {
		t->right = erase(t->right, key, gone);
	} else if (!t->left || !t->right) {
		*gone = t;
		return t->left ? t->left : t->right;
	} else if (t->left->prio > t->right->prio) {
		t = rotate_right(t);
		t->right = erase(t->right, key, gone);
	} else {
		t = rotate_left(t);
		t->left = erase(t->left, key, gone);
	}
	return t;
}

static struct node *find(struct node *t, u64 key)
{
	while (t && t->key != key)
		t = key < t->key ? t->left : t->right;
	return t;
}

static u64 walk(struct node *t, u64 *count)
{
	struct node *stack[NODES];
	int sp = 0;
	u64 h = 0, prev = 0;
	int ordered = 1;
	while (t || sp > 0) {
		while (t) {
			stack[sp++] = t;
			t = t->left;
		}
		t = stack[--sp];
		if (*count > 0 && t->key < prev)
			ordered = 0;
		prev = t->key;
		h = corpus_fold(h, t->key ^ t->value);
		(*count)++;
		t = t->right;
	}
	return h ^ (u64)ordered;
}

static u64 bucket_of(u64 key)
{
	return (key * 0x9E3779B97F4A7C15ull >> 20) % BUCKETS;
}

static void map_put(struct node *n)
{
	u64 b = bucket_of(n->key);
	n->chain = buckets[b];
	buckets[b] = n;
}

static void map_remove(struct node *n)
{
	struct node **p = &buckets[bucket_of(n->key)];
	while (*p && *p != n)
		p = &(*p)->chain;
	if (*p)
		*p = n->chain;
}

static struct node *map_get(u64 key)
{
	for (struct node *n = buckets[bucket_of(key)]; n; n = n->chain)
		if (n->key == key)
			return n;
	return 0;
}

u64 corpus_run(u64 iterations)
{
	u64 state = 0x74726565ull;
	u64 sum = 0;
	for (u64 it = 0; it < iterations; it++) {
		struct node *root = 0;
		free_list = 0;
		for (int i = NODES - 1; i >= 0; i--)
			node_free(&pool[i]);
		for (int b = 0; b < BUCKETS; b++)
			buckets[b] = 0;
		u64 live = 0;
		for (int op = 0; op < 6 * NODES; op++) {
			u64 r = corpus_mix(&state);
			u64 key = (r >> 16) % (3 * NODES);
			struct node *hit = map_get(key);
			if ((r & 3) != 0 && !hit) {
				struct node *n = node_alloc();
				if (!n)
					continue;
				n->key = key;
				n->value = r;
				n->prio = (u32)(r >> 40);
				n->left = n->right = 0;
				root = insert(root, n);
				map_put(n);
				live++;
			} else if (hit) {
				if (find(root, key) != hit)
					sum = corpus_fold(sum, 0xbad);
				if (r & 4) {
					struct node *gone = 0;
					root = erase(root, key, &gone);
					if (gone) {
						map_remove(gone);
						node_free(gone);
						live--;
					}
				} else {
					hit->value += r;
				}
			}
			if ((op & 1023) == 0) {
				u64 count = 0;
				sum = corpus_fold(sum, walk(root, &count));
				sum = corpus_fold(sum, count ^ live << 32);
			}
		}
		u64 count = 0;
		sum = corpus_fold(sum, walk(root, &count));
		sum = corpus_fold(sum, count);
	}
	return sum;
}
