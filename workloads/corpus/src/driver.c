/*
 * Driver of the corpus programs: run, print "<name> iterations=0x... checksum=0x...\n" with one
 * write, exit with the checksum's low byte, so a differential run compares both channels.
 * Entry and system calls come from workloads/src/common/start-user.S (own stack, raw `sc`).
 */
#include "corpus.h"

#define STDOUT_FD 1

long sys_write(int fd, const void *buf, unsigned long len);
void sys_exit_group(int status) __attribute__((noreturn));
void user_main(void) __attribute__((noreturn));

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
	u64 sum = corpus_run(workload_user_iterations);
	char line[128];
	unsigned n = put_str(line, 0, workload_name);
	n = put_str(line, n, " iterations=");
	n = put_hex(line, n, workload_user_iterations);
	n = put_str(line, n, " checksum=");
	n = put_hex(line, n, sum);
	line[n++] = '\n';
	sys_write(STDOUT_FD, line, n);
	sys_exit_group((int)(sum & 0xff));
}
