/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_SKIBOOT_H
#define COMPAT_SKIBOOT_H

#include "compat-types.h"
#include "mem-map.h"

/* prlog levels (the numbers skiboot uses; FW_SVC_LOG takes them as they are). */
#define PR_EMERG   0
#define PR_ALERT   1
#define PR_CRIT    2
#define PR_ERR     3
#define PR_WARNING 4
#define PR_NOTICE  5
#define PR_PRINTF  PR_NOTICE
#define PR_INFO    6
#define PR_DEBUG   7
#define PR_TRACE   8
#define PR_INSANE  9

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
void _prlog(int log_level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define prlog(l, f, ...) do { _prlog(l, pr_fmt(f), ##__VA_ARGS__); } while (0)

#define HRMOR_BIT (1ul << 63)

void disable_fast_reboot(const char *reason);

/* assert ends in attn (a firmware fault), as skiboot's does. */
void compat_assert_failed(const char *what) __attribute__((noreturn));
#define compat_str_(x) #x
#define compat_str(x) compat_str_(x)
#define assert(cond) \
	do { if (!(cond)) compat_assert_failed(__FILE__ ":" compat_str(__LINE__) ": " #cond); } while (0)

#endif
