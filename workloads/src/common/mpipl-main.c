/*
 * MPIPL driver: runs work() one iteration at a time, forever, on the arena the harness gave
 * this thread; every OPAL_CALL_PERIOD iterations it makes a harmless OPAL call, and at
 * iteration `trapAfter` it executes `trap` so the crash comes from the guest.
 *
 * The image has no writable data: all state lives in registers, on the stack and in the arena,
 * so every thread of a scenario can run the same loaded copy.
 */
#include "workload.h"

/* The top of the arena is the stack; work() gets what lies below it. */
#define MPIPL_STACK_BYTES 16384u
#define OPAL_CHECK_TOKEN 80u
#define OPAL_MPIPL_UPDATE 173u
/* A power of two, so the test is a mask rather than a divide on every iteration. */
#define OPAL_CALL_PERIOD 64u
/* Where the running accumulator is mirrored, so a memory dump shows how far the thread got. */
#define PROGRESS_SLOT_BYTES 16u

s64 opal_call(u64 entry, u64 token, u64 a0, u64 a1, u64 a2);
void mpipl_main(u8 *arena, u64 arenaBytes, u64 seed, u64 opalEntry, u64 trapAfter, u64 stackTop)
	__attribute__((noreturn));

static inline void guest_trap(void)
{
	__asm__ volatile("trap" ::: "memory");
}

void mpipl_main(u8 *arena, u64 arenaBytes, u64 seed, u64 opalEntry, u64 trapAfter, u64 stackTop)
{
	u64 base = (u64)arena;
	u64 end = base + arenaBytes;
	if (stackTop < end)
		end = stackTop;
	/* Contract violation (stack outside or arena too small): crash at once rather than scribble. */
	if (end < base + MPIPL_STACK_BYTES + PROGRESS_SLOT_BYTES + WORK_ARENA_BYTES_MIN)
		for (;;)
			guest_trap();
	u64 dataBytes = (end - MPIPL_STACK_BYTES - base - PROGRESS_SLOT_BYTES) & ~7ull;
	volatile u64 *progress = (volatile u64 *)arena;
	u8 *data = arena + PROGRESS_SLOT_BYTES;

	u64 acc = seed;
	for (u64 n = 1;; n++) {
		acc = rotl64(acc, 7) * 0x9E3779B97F4A7C15ull + work(data, dataBytes, seed + n, 1);
		progress[0] = n;
		progress[1] = acc;
		if (opalEntry != 0 && (n & (OPAL_CALL_PERIOD - 1)) == 0)
			acc ^= (u64)opal_call(opalEntry, OPAL_CHECK_TOKEN, OPAL_MPIPL_UPDATE, 0, 0);
		if (n == trapAfter)
			guest_trap();
	}
}
