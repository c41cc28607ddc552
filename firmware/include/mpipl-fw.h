/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-fw.h — the mpipl-sim firmware ABI, version 1 (docs/firmware-elf.md).
 *
 * Firmware built against this header runs as POWER machine code on the simulated CPUs of
 * mpipl-sim in place of the TypeScript skiboot and hostboot models. It is the C rendering of the
 * contract; the simulator keeps the same numbers in sim/firmware-elf/abi.ts. Written from the
 * design, not from any other project's headers, and licensed permissively so that any firmware
 * (Apache-2.0, GPL or proprietary) can include it.
 *
 * Environment at every entry point: hypervisor real mode (MSR = SF|HV|ME), pointers are physical
 * addresses (bit 63 and the 0xC... alias are ignored by the memory bus, as in P9 real mode),
 * r1 = a firmware stack of this PIR, r2 = TOC, r13 = 0, r16 = this thread's struct fw_cpu,
 * r3..r10 = arguments, LR = FW_RETURN_TRAMPOLINE. Build with -ffixed-r13 -ffixed-r16.
 */
#ifndef MPIPL_FW_H
#define MPIPL_FW_H

#define MPIPL_FW_ABI_VERSION 1

/* ------------------------------------------------------------------ instructions */

/* Service call: Mambo's callthru word (primary opcode 0, extended opcode 856). */
#define FW_CALLTHRU_WORD 0x000EAEB0u
/* attn: a firmware abort (fault kind `attn`). */
#define FW_ATTN_WORD 0x00000200u

/* LR at every entry: never mapped; reaching it means the entry returned (r3 = the result). */
#define FW_RETURN_TRAMPOLINE 0x00007ffffffff000ull

/* ------------------------------------------------------------------ services (r3 = number) */

#define FW_SVC_CONSOLE_WRITE 0x00  /* buf, len -> len */
#define FW_SVC_EXIT          0x1F  /* status: ends the entry with r3 = status */
#define FW_SVC_LOG           0x100 /* level, fmt, a0..a4 -> 0 */
#define FW_SVC_ABORT         0x101 /* msg: firmware fault `abort` */
#define FW_SVC_XSCOM_READ    0x110 /* chip, addr, u64 *out -> 0 / -1 */
#define FW_SVC_XSCOM_WRITE   0x111 /* chip, addr, value -> 0 / -1 */
#define FW_SVC_DT_GET        0x120 /* path, name, buf, buflen -> length / -1 */
#define FW_SVC_DT_SET        0x121 /* path, name, buf, len -> 0 */
#define FW_SVC_DT_REMOVE     0x122 /* path, name (0 = the node) -> 0 / -1 */
#define FW_SVC_DT_HAS_NODE   0x123 /* path -> 1 / 0 */
#define FW_SVC_MACHINE_INFO  0x130 /* key (FW_INFO_*) -> value */
#define FW_SVC_PIR_AT        0x131 /* index -> PIR / -1 */
#define FW_SVC_THREAD_REGS   0x140 /* pir, buf, max_entries -> entries / -1 */
#define FW_SVC_COPY          0x150 /* dest, src, size -> 0 / -1 */
#define FW_SVC_FILL          0x151 /* dest, byte, size -> 0 / -1 */
#define FW_SVC_DELAY         0x160 /* cycles -> 0 */
#define FW_SVC_EVENT         0x170 /* kind, a0..a3 -> 0 */
#define FW_SVC_LOAD_IMAGES   0x180 /* -> 0 */
#define FW_SVC_REBOOT        0x181 /* kind (0 normal), reason */

/* FW_SVC_MACHINE_INFO keys. */
#define FW_INFO_NR_CHIPS         0
#define FW_INFO_CORES_PER_CHIP   1
#define FW_INFO_THREADS_PER_CORE 2
#define FW_INFO_CPU_MAX_PIR      3
#define FW_INFO_RAM_BYTES        4
#define FW_INFO_BOOT_PIR         5
#define FW_INFO_SKIBOOT_BASE     6
#define FW_INFO_TB_HZ            7
#define FW_INFO_ABI_VERSION      8
#define FW_INFO_NR_THREADS       9

/* FW_SVC_LOG levels (the PR_* numbering skiboot's prlog uses). */
#define FW_LOG_EMERG   0
#define FW_LOG_ALERT   1
#define FW_LOG_CRIT    2
#define FW_LOG_ERR     3
#define FW_LOG_WARNING 4
#define FW_LOG_NOTICE  5
#define FW_LOG_INFO    6
#define FW_LOG_DEBUG   7
#define FW_LOG_TRACE   8
#define FW_LOG_INSANE  9

/* FW_SVC_REBOOT kinds. */
#define FW_REBOOT_NORMAL 0

/* ------------------------------------------------------------------ memory windows */

#define FW_SKIBOOT_BASE      0x30000000ull
#define FW_SKIBOOT_SIZE      0x01c10000ull
#define FW_SKIBOOT_LINK_ADDR 0x30020000ull
#define FW_SKIBOOT_HEAP      0x30600000ull
#define FW_SKIBOOT_HEAP_SIZE 0x00a00000ull
#define FW_STACK_SIZE        0x8000ull
/* The CPU stacks skiboot reserves: [FW_SKIBOOT_BASE + FW_SKIBOOT_SIZE + pir * FW_STACK_SIZE, +FW_STACK_SIZE). */
#define FW_SKIBOOT_STACKS    (FW_SKIBOOT_BASE + FW_SKIBOOT_SIZE)

/* hostboot: a private window outside RAM, invisible to the payload and to the oracle. */
#define FW_HOSTBOOT_BASE 0x0000700000000000ull
#define FW_HOSTBOOT_SIZE 0x04000000ull

/* The dispatcher's answer for a token this ELF does not implement ("NOTHANDL"). */
#define FW_OPAL_NOT_HANDLED 0x4E4F5448414E444Cll

#ifndef __ASSEMBLER__

typedef unsigned char fw_u8;
typedef unsigned short fw_u16;
typedef unsigned int fw_u32;
typedef unsigned long long fw_u64;
typedef long long fw_s64;

/* r16 at every entry points here; ELF byte order. */
struct fw_cpu {
	fw_u32 pir;
	fw_u32 chip;
	fw_u32 core;
	fw_u32 thread;
};

/* Register entry as FW_SVC_THREAD_REGS writes it (spec 4.6; big-endian whatever the ELF). */
struct fw_reg_entry {
	fw_u32 reg_type;
	fw_u32 reg_num;
	fw_u64 reg_val;
};

/* hostboot mpipl_fw_mpipl_ipl arguments (ELF byte order, in the hostboot window). */
struct fw_ipl_handoff {
	fw_u32 chip;         /* the chip whose SBE answered */
	fw_u32 has_base;     /* 1 when the SBE handed over a stashed skiboot base */
	fw_u64 skiboot_base; /* the stashed base (valid iff has_base) */
};

struct fw_ipl_result {
	fw_u32 preserved;    /* 1 when the memory-preserving path ran (tables readable, base valid) */
	fw_u32 mdrt_entries; /* MDRT entries written */
	fw_u32 mpipl_boot;   /* 1 when /ibm,opal/dump/mpipl-boot was published */
	fw_u32 pad;
};

/* This thread's struct fw_cpu (r16, reserved with -ffixed-r16). */
static inline struct fw_cpu *fw_this_cpu(void)
{
	struct fw_cpu *cpu;
	__asm__("mr %0,16" : "=r"(cpu));
	return cpu;
}

/*
 * The service call. Only r3 changes; memory is clobbered because services read and write
 * guest memory through the pointers they are given.
 */
static inline fw_u64 fw_callthru7(fw_u64 svc, fw_u64 a0, fw_u64 a1, fw_u64 a2, fw_u64 a3,
				  fw_u64 a4, fw_u64 a5, fw_u64 a6)
{
	register fw_u64 r3 __asm__("r3") = svc;
	register fw_u64 r4 __asm__("r4") = a0;
	register fw_u64 r5 __asm__("r5") = a1;
	register fw_u64 r6 __asm__("r6") = a2;
	register fw_u64 r7 __asm__("r7") = a3;
	register fw_u64 r8 __asm__("r8") = a4;
	register fw_u64 r9 __asm__("r9") = a5;
	register fw_u64 r10 __asm__("r10") = a6;
	__asm__ __volatile__(".long 0x000EAEB0"
			     : "+r"(r3)
			     : "r"(r4), "r"(r5), "r"(r6), "r"(r7), "r"(r8), "r"(r9), "r"(r10)
			     : "memory");
	return r3;
}

static inline fw_u64 fw_callthru0(fw_u64 svc)
{
	register fw_u64 r3 __asm__("r3") = svc;
	__asm__ __volatile__(".long 0x000EAEB0" : "+r"(r3) : : "memory");
	return r3;
}

static inline fw_u64 fw_callthru1(fw_u64 svc, fw_u64 a0)
{
	register fw_u64 r3 __asm__("r3") = svc;
	register fw_u64 r4 __asm__("r4") = a0;
	__asm__ __volatile__(".long 0x000EAEB0" : "+r"(r3) : "r"(r4) : "memory");
	return r3;
}

static inline fw_u64 fw_callthru2(fw_u64 svc, fw_u64 a0, fw_u64 a1)
{
	register fw_u64 r3 __asm__("r3") = svc;
	register fw_u64 r4 __asm__("r4") = a0;
	register fw_u64 r5 __asm__("r5") = a1;
	__asm__ __volatile__(".long 0x000EAEB0" : "+r"(r3) : "r"(r4), "r"(r5) : "memory");
	return r3;
}

static inline fw_u64 fw_callthru3(fw_u64 svc, fw_u64 a0, fw_u64 a1, fw_u64 a2)
{
	register fw_u64 r3 __asm__("r3") = svc;
	register fw_u64 r4 __asm__("r4") = a0;
	register fw_u64 r5 __asm__("r5") = a1;
	register fw_u64 r6 __asm__("r6") = a2;
	__asm__ __volatile__(".long 0x000EAEB0" : "+r"(r3) : "r"(r4), "r"(r5), "r"(r6) : "memory");
	return r3;
}

static inline fw_u64 fw_callthru4(fw_u64 svc, fw_u64 a0, fw_u64 a1, fw_u64 a2, fw_u64 a3)
{
	register fw_u64 r3 __asm__("r3") = svc;
	register fw_u64 r4 __asm__("r4") = a0;
	register fw_u64 r5 __asm__("r5") = a1;
	register fw_u64 r6 __asm__("r6") = a2;
	register fw_u64 r7 __asm__("r7") = a3;
	__asm__ __volatile__(".long 0x000EAEB0"
			     : "+r"(r3)
			     : "r"(r4), "r"(r5), "r"(r6), "r"(r7)
			     : "memory");
	return r3;
}

/* Stops this thread in firmware: fault kind `attn`. */
static inline __attribute__((noreturn)) void fw_attn(void)
{
	__asm__ __volatile__(".long 0x00000200" : : : "memory");
	__builtin_unreachable();
}

/* ------------------------------------------------------------------ entry points (all optional) */

/* skiboot */
void mpipl_fw_reserve_mem(void);
void mpipl_fw_init(fw_u64 mpipl_boot);
fw_s64 mpipl_fw_opal_call(fw_u64 token, fw_u64 a0, fw_u64 a1, fw_u64 a2, fw_u64 a3, fw_u64 a4,
			  fw_u64 a5, fw_u64 a6);
/*
 * The MPIPL leg of OPAL_CEC_REBOOT2 after the platform's quiesce: crashing PIR into the metadata,
 * S0 to every SBE. Returns 1 when S0 went out (the clocks are expected to stop), 0 when MPIPL is
 * not possible (not enabled, or an SBE refused S0): the platform then reboots normally.
 */
fw_u64 mpipl_fw_terminate(fw_u64 crashing_pir);

/* hostboot */
void mpipl_fw_mpipl_ipl(const struct fw_ipl_handoff *h, struct fw_ipl_result *r);
void mpipl_fw_normal_ipl(void);

#endif /* __ASSEMBLER__ */
#endif /* MPIPL_FW_H */
