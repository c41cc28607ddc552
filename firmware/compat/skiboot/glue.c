/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The glue that runs skiboot's own core/opal-dump.c, unmodified, as an mpipl-sim skiboot ELF
 * (docs/firmware-elf.md, "skiboot recipe"). It implements what that file takes from the rest of
 * skiboot — 12 functions (__zalloc, __free, _prlog, dt_find_by_path, dt_find_property,
 * __opal_register, mem_reserve_fw, p9_sbe_send_relocated_base, disable_fast_reboot, nr_chips,
 * memcpy, memset) and 5 data symbols (dt_root, opal_node, cpu_max_pir, top_of_ram, spirah) — over
 * the ABI v1 services, and wires the ABI's entry points to opal-dump.c's functions and to the
 * OPAL handlers it registers. Written by us; no skiboot code.
 */
#include "libfw.h"
#include "sbe.h" /* p9_sbe_send_relocated_base, p9_sbe_send_s0 (firmware/src/skiboot/sbe.c) */
#undef assert
#include <skiboot.h>
#include <chip.h>
#include <cpu.h>
#include <device.h>
#include <mem_region.h>
#include <mem_region-malloc.h>
#include <opal-internal.h>
#include <opal-dump.h>

/* ------------------------------------------------------------------ data symbols */

/* Filled from FW_SVC_MACHINE_INFO at every entry. */
unsigned int cpu_max_pir;
unsigned long top_of_ram; /* the end of RAM: opal_addr_valid accepts addresses up to it */

static struct dt_node root_node = { "" };
static struct dt_node opal_node_storage = { "/ibm,opal" };
struct dt_node *dt_root = &root_node;
struct dt_node *opal_node = &opal_node_storage;
/* spirah itself is a linker symbol at SKIBOOT_BASE + SPIRAH_OFF (scripts/build-skiboot-opal-dump.sh). */

static void refresh_machine_facts(void)
{
	cpu_max_pir = (unsigned int)fw_machine_info(FW_INFO_CPU_MAX_PIR);
	top_of_ram = (unsigned long)fw_machine_info(FW_INFO_RAM_BYTES);
}

/* ------------------------------------------------------------------ device tree */

#define DT_NODES_MAX 16
static struct dt_node node_pool[DT_NODES_MAX];
static unsigned int nodes_used;

/* `path` relative to `root` (or absolute); NULL when the simulator's tree has no such node. */
struct dt_node *dt_find_by_path(struct dt_node *root, const char *path)
{
	char full[sizeof(root->path)];
	size_t n = 0;

	if (path[0] != '/') {
		size_t r = strlen(root->path);
		if (r + 1 >= sizeof(full))
			return NULL;
		memcpy(full, root->path, r);
		n = r;
		if (n == 0 || full[n - 1] != '/')
			full[n++] = '/';
	}
	size_t p = strlen(path);
	if (n + p >= sizeof(full))
		return NULL;
	memcpy(full + n, path, p + 1);
	if (!fw_dt_has_node(full))
		return NULL;
	for (unsigned int i = 0; i < nodes_used; i++)
		if (strlen(node_pool[i].path) == n + p && memcmp(node_pool[i].path, full, n + p) == 0)
			return &node_pool[i];
	if (nodes_used == DT_NODES_MAX)
		fw_abort("compat: too many device-tree nodes looked up");
	memcpy(node_pool[nodes_used].path, full, n + p + 1);
	return &node_pool[nodes_used++];
}

/* opal-dump.c only tests for presence, so one static property stands for any found one. */
static struct dt_property found_property;

const struct dt_property *dt_find_property(const struct dt_node *node, const char *name)
{
	u8 probe;
	if (fw_dt_get(node->path, name, &probe, 0) < 0)
		return NULL;
	found_property.name = name;
	return &found_property;
}

void mem_reserve_fw(const char *name, uint64_t start, uint64_t len)
{
	u64 reg[2] = { fw_be64(start), fw_be64(len) };
	char path[96] = "/reserved-memory/";
	size_t n = strlen(path), l = strlen(name);

	if (n + l >= sizeof(path))
		fw_abort("compat: reserved-memory name too long");
	memcpy(path + n, name, l + 1);
	fw_dt_set(path, "reg", reg, sizeof(reg));
}

/* ------------------------------------------------------------------ heap, log, misc */

/*
 * Blocks on 256-byte boundaries of skiboot's heap, only the requested bytes cleared: the TS model
 * allocates the same way, so tag addresses and heap bytes agree with it.
 */
void *__zalloc(size_t size, const char *location)
{
	(void)location;
	void *p = fw_alloc((size + 0xff) & ~(size_t)0xff, 0x100);
	return memset(p, 0, size);
}

void __free(void *ptr, const char *location)
{
	(void)ptr;
	(void)location;
}

/* The simulator formats; skiboot's trailing newline is dropped (a log event is one line). */
void _prlog(int log_level, const char *fmt, ...)
{
	char line[256];
	size_t n = strlen(fmt);
	va_list ap;
	u64 a[5];

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, fmt, n);
	if (n > 0 && line[n - 1] == '\n')
		n--;
	line[n] = 0;
	/* Every variadic argument of ppc64 occupies one doubleword; five always fit in r5..r9. */
	va_start(ap, fmt);
	for (int i = 0; i < 5; i++)
		a[i] = va_arg(ap, u64);
	va_end(ap);
	fw_log(log_level, line, a[0], a[1], a[2], a[3], a[4]);
}

void disable_fast_reboot(const char *reason)
{
	fw_prlog(FW_LOG_INFO, "fast reboot disabled: %s", reason);
}

int nr_chips(void)
{
	return (int)fw_machine_info(FW_INFO_NR_CHIPS);
}

void compat_assert_failed(const char *what)
{
	fw_abort(what);
}

/* ------------------------------------------------------------------ OPAL handlers */

#define OPAL_HANDLERS_MAX 16
typedef s64 (*opal_handler)(u64, u64, u64, u64, u64, u64, u64);
static struct {
	u64 token;
	opal_handler func;
} handlers[OPAL_HANDLERS_MAX];
static unsigned int handlers_used;

void __opal_register(uint64_t token, void *func, unsigned num_args)
{
	(void)num_args;
	for (unsigned int i = 0; i < handlers_used; i++)
		if (handlers[i].token == token) {
			handlers[i].func = (opal_handler)func;
			return;
		}
	if (handlers_used == OPAL_HANDLERS_MAX)
		fw_abort("compat: too many OPAL handlers");
	handlers[handlers_used].token = token;
	handlers[handlers_used++].func = (opal_handler)func;
}

static opal_handler handler_for(u64 token)
{
	for (unsigned int i = 0; i < handlers_used; i++)
		if (handlers[i].token == token)
			return handlers[i].func;
	return NULL;
}

/* ------------------------------------------------------------------ ABI v1 entry points */

void mpipl_fw_reserve_mem(void)
{
	refresh_machine_facts();
	opal_mpipl_reserve_mem();
}

/* opal_mpipl_init reads `mpipl-boot` from the device tree itself. */
void mpipl_fw_init(u64 mpipl_boot)
{
	(void)mpipl_boot;
	refresh_machine_facts();
	opal_mpipl_init();
}

/*
 * A registered handler is called with the raw 64-bit argument registers, as skiboot's opal_entry
 * calls it: an `enum` parameter sees whatever the compiled code makes of the upper 32 bits.
 * CHECK_TOKEN answers for what opal-dump.c registered; reboots and unknown tokens go back to the
 * platform (FW_OPAL_NOT_HANDLED).
 */
s64 mpipl_fw_opal_call(u64 token, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6)
{
	refresh_machine_facts();
	if (token == OPAL_CHECK_TOKEN) {
		u64 t = a0 & 0xffff;
		bool present = t == OPAL_CEC_REBOOT || t == OPAL_CHECK_TOKEN || t == OPAL_CEC_REBOOT2 ||
			       handler_for(t) != NULL;
		return present ? 1 : 0;
	}
	opal_handler h = handler_for(token);
	if (h != NULL)
		return h(a0, a1, a2, a3, a4, a5, a6);
	if (token == OPAL_MPIPL_UPDATE || token == OPAL_MPIPL_REGISTER_TAG || token == OPAL_MPIPL_QUERY_TAG)
		return OPAL_PARAMETER; /* not registered (no /ibm,opal/dump): opal_bad_token */
	return FW_OPAL_NOT_HANDLED;
}

/* skiboot's terminate path: opal_mpipl_save_crashing_pir (this_cpu(), r16), then S0 to every SBE. */
u64 mpipl_fw_terminate(u64 crashing_pir)
{
	(void)crashing_pir;
	refresh_machine_facts();
	if (!is_mpipl_enabled())
		return 0;
	opal_mpipl_save_crashing_pir();
	return p9_sbe_send_s0() ? 1 : 0;
}
