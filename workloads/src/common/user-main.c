/*
 * User-mode driver: one work() call on a static arena, then a line on stdout and an exit status
 * derived from the checksum, so a differential run compares both channels.
 *
 * Output: "<name> iterations=0x... checksum=0x... arena=0x...\n" where `arena` folds every
 * byte of the arena afterwards, catching a wrong store that the returned checksum missed.
 */
#include "workload.h"

#define USER_ARENA_BYTES (256u * 1024u)
#define USER_SEED 0x6d7069706c2d7369ull /* "mpipl-si" */
#define STDOUT_FD 1

long sys_write(int fd, const void *buf, unsigned long len);
void sys_exit_group(int status) __attribute__((noreturn));
void user_main(void) __attribute__((noreturn));

static u8 user_arena[USER_ARENA_BYTES] __attribute__((aligned(4096)));

static u64 fold_arena(const u8 *arena, u64 bytes)
{
	const u64 *p = (const u64 *)arena;
	u64 h = 0xcbf29ce484222325ull;
	for (u64 i = 0; i < bytes / 8; i++)
		h = rotl64(h ^ p[i], 29) * 0x100000001b3ull;
	return h;
}

static unsigned put_str(char *out, unsigned at, const char *s)
{
	while (*s)
		out[at++] = *s++;
	return at;
}

static unsigned put_hex(char *out, unsigned at, u64 v)
{
	static const char digits[] = "0123456789abcdef";
	at = put_str(out, at, "0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		out[at++] = digits[(v >> shift) & 0xf];
	return at;
}

void user_main(void)
{
	u64 sum = work(user_arena, USER_ARENA_BYTES, USER_SEED, workload_user_iterations);
	u64 arenaFold = fold_arena(user_arena, USER_ARENA_BYTES);
	char line[160];
	unsigned n = put_str(line, 0, workload_name);
	n = put_str(line, n, " iterations=");
	n = put_hex(line, n, workload_user_iterations);
	n = put_str(line, n, " checksum=");
	n = put_hex(line, n, sum);
	n = put_str(line, n, " arena=");
	n = put_hex(line, n, arenaFold);
	line[n++] = '\n';
	sys_write(STDOUT_FD, line, n);
	sys_exit_group((int)(sum & 0xff));
}
