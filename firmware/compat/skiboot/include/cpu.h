/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_CPU_H
#define COMPAT_CPU_H

#include "compat-types.h"

/*
 * This thread as the ABI describes it: r16 points at struct fw_cpu { pir, chip, core, thread }.
 * Only ->pir is used by opal-dump.c; the layout is the ABI's, not skiboot's struct cpu_thread.
 */
struct cpu_thread {
	u32 pir;
	u32 chip_id;
	u32 core;
	u32 thread;
};

static inline struct cpu_thread *this_cpu(void)
{
	struct cpu_thread *cpu;
	__asm__("mr %0,16" : "=r"(cpu));
	return cpu;
}

extern unsigned int cpu_max_pir;

#endif
