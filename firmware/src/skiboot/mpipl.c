/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiboot's MPIPL entry points (docs/firmware-elf.md): reserve-mem and init at boot (spec steps
 * 4, 5, 21), the OPAL calls of spec 6.1–6.2 behind one dispatcher, and terminate (spec 6.3).
 *
 * Where real skiboot and our TS model differ, this file follows the model (docs/modelling-choices.md):
 * enum and tag arguments are compared as full 64-bit values (skiboot's `enum` parameters see only
 * the low 32 bits), and QUERY_TAG answers OPAL_PARAMETER for a pointer whose 8 bytes do not fit in
 * RAM (skiboot would store and take a machine check).
 */
#include "skiboot.h"

bool mpipl_enabled = false;
u64 opal_mpipl_tags[MAX_OPAL_MPIPL_TAGS];
u64 opal_mpipl_max_tags = MAX_OPAL_MPIPL_TAGS;

static u64 opal_dump_addr, opal_dump_size;
static u64 arch_regs_dest, arch_regs_size;

/* ------------------------------------------------------------------ boot */

static void reserve(const char *name, u64 start, u64 size)
{
	u64 reg[2] = { fw_be64(start), fw_be64(size) };
	char path[64] = "/reserved-memory/";
	size_t n = strlen(path);

	memcpy(path + n, name, strlen(name) + 1);
	fw_dt_set(path, "reg", reg, sizeof(reg));
}

/* spec 3.2: where the OPAL dump and the register-capture area go, from the topology. */
static void compute_reservations(void)
{
	opal_dump_size = SKIBOOT_SIZE + (fw_machine_info(FW_INFO_CPU_MAX_PIR) + 1) * STACK_SIZE;
	opal_dump_addr = SKIBOOT_BASE + opal_dump_size;
	arch_regs_dest = opal_dump_addr + opal_dump_size;
	arch_regs_size = fw_machine_info(FW_INFO_NR_CHIPS) * ARCH_REGS_DATA_SIZE_PER_CHIP;
}

/* Spec step 4. */
void mpipl_fw_reserve_mem(void)
{
	compute_reservations();
	reserve("ibm,firmware-dump", opal_dump_addr, opal_dump_size);
	reserve("ibm,firmware-arch-registers", arch_regs_dest, arch_regs_size);
}

/*
 * The alloc_size written into the processor dump area. A scenario's fault knob (a too-small
 * register area, `faults.allocSizeBytes`) reaches the firmware as the simulator-only property
 * SIM_FAULT_ALLOC_SIZE_PROP of SIM_FAULT_NODE (a BE u32), present only for such a scenario and
 * only while init runs; the TS model takes the same knob as a constructor option.
 */
static u32 arch_regs_alloc_size(void)
{
	u8 prop[4];

	if (fw_dt_get(SIM_FAULT_NODE, SIM_FAULT_ALLOC_SIZE_PROP, prop, sizeof(prop)) != (s64)sizeof(prop))
		return (u32)arch_regs_size;
	return ((u32)prop[0] << 24) | ((u32)prop[1] << 16) | ((u32)prop[2] << 8) | prop[3];
}

/* 5.4: OPAL's own region, then the processor dump area allocation. */
static void opal_mpipl_register(void)
{
	mpipl_append_pair(SKIBOOT_BASE | HRMOR_BIT, opal_dump_addr | HRMOR_BIT, DUMP_REGION_OPAL_MEMORY,
			  (u32)opal_dump_size);
	if (be32_at(PROC_DUMP_BASE + PDA_THREAD_SIZE) != 0)
		fw_prlog(FW_LOG_INFO, "Processor dump area: available, but not supported");
	put_be64_at(PROC_DUMP_BASE + PDA_ALLOC_ADDR, arch_regs_dest | HRMOR_BIT);
	put_be32_at(PROC_DUMP_BASE + PDA_ALLOC_SIZE, arch_regs_alloc_size());
}

/* Spec step 5, and step 21 first on an MPIPL boot. */
void mpipl_fw_init(u64 mpipl_boot)
{
	compute_reservations();
#ifdef MUTANT_SKIBOOT_ZEROES_METADATA_BEFORE_READING_TAGS
	memset(phys(METADATA_BASE), 0, META_SIZE);
#endif
	if (mpipl_boot)
		opal_mpipl_process_preserved();
	/* 5.3: clear the metadata and both tables. */
	memset(phys(METADATA_BASE), 0, META_SIZE);
	memset(phys(MDST_BASE), 0, MDST_TABLE_SIZE);
	ntuple_set_act_cnt(SPIRAH_MDUMP_SRC, 0);
	memset(phys(MDDT_BASE), 0, MDDT_TABLE_SIZE);
	ntuple_set_act_cnt(SPIRAH_MDUMP_DST, 0);
	opal_mpipl_register();
	p9_sbe_send_relocated_base(SKIBOOT_BASE);
	mpipl_enabled = true;
}

/* ------------------------------------------------------------------ OPAL_MPIPL_UPDATE (spec 6.1) */

/* skiboot's opal_addr_valid: top nibble 0 or 0xC, the rest at most the end of RAM. */
static bool opal_addr_valid(u64 a)
{
	u64 nibble = a >> 60;
	if (nibble != 0 && nibble != 0xc)
		return false;
	return (a & 0x0fffffffffffffffull) <= ram_bytes();
}

static s64 opal_mpipl_add_range(u64 src, u64 dest, u64 size)
{
	if (!opal_addr_valid(src) || !opal_addr_valid(dest) || size == 0)
		return OPAL_PARAMETER;
	if (ntuple_act_cnt(SPIRAH_MDUMP_SRC) >= MDST_MAX_ENTRIES) {
		fw_prlog(FW_LOG_DEBUG, "MDST table is full");
		return OPAL_RESOURCE;
	}
	if (ntuple_act_cnt(SPIRAH_MDUMP_DST) >= MDST_MAX_ENTRIES) {
		fw_prlog(FW_LOG_DEBUG, "MDDT table is full");
		return OPAL_RESOURCE;
	}
	if (mpipl_table_has(MDST_BASE, SPIRAH_MDUMP_SRC, src | HRMOR_BIT))
		return OPAL_PARAMETER;
	if (mpipl_table_has(MDDT_BASE, SPIRAH_MDUMP_DST, dest | HRMOR_BIT))
		return OPAL_PARAMETER;
	/* The API passes 64 bits; the tables hold the low 32 (spec 6.1: silently truncated). */
	mpipl_append_pair(src | HRMOR_BIT, dest | HRMOR_BIT, DUMP_REGION_KERNEL, (u32)size);
	return OPAL_SUCCESS;
}

static s64 opal_mpipl_remove_range(u64 src, u64 dest)
{
	if (!mpipl_remove_entry(MDST_BASE, SPIRAH_MDUMP_SRC, DUMP_REGION_KERNEL, src | HRMOR_BIT))
		return OPAL_PARAMETER;
	/* The MDST entry is already gone if this fails: the tables now differ in length (spec 6.1). */
	if (!mpipl_remove_entry(MDDT_BASE, SPIRAH_MDUMP_DST, DUMP_REGION_KERNEL, dest | HRMOR_BIT))
		return OPAL_PARAMETER;
	return OPAL_SUCCESS;
}

/* Spec step 26: the tags are gone and MDRT is cleared, its count set to the full table. */
static void opal_mpipl_free_preserved_memory(void)
{
	memset(opal_mpipl_tags, 0, sizeof(opal_mpipl_tags));
	opal_mpipl_max_tags = 0;
	memset(phys(MDRT_BASE), 0, MDRT_TABLE_SIZE);
	ntuple_set_act_cnt(SPIRAH_MDUMP_RES, MDRT_MAX_ENTRIES);
}

static s64 opal_mpipl_update(u64 ops, u64 src, u64 dest, u64 size)
{
	switch (ops) {
	case OPAL_MPIPL_ADD_RANGE:
#ifdef MUTANT_SKIBOOT_ADD_RANGE_SWAPS_MDST_MDDT
		return opal_mpipl_add_range(dest, src, size);
#else
		return opal_mpipl_add_range(src, dest, size);
#endif
	case OPAL_MPIPL_REMOVE_RANGE:
		return opal_mpipl_remove_range(src, dest);
	case OPAL_MPIPL_REMOVE_ALL:
		mpipl_remove_region(MDST_BASE, SPIRAH_MDUMP_SRC, DUMP_REGION_KERNEL);
		mpipl_remove_region(MDDT_BASE, SPIRAH_MDUMP_DST, DUMP_REGION_KERNEL);
		return OPAL_SUCCESS;
	case OPAL_MPIPL_FREE_PRESERVED_MEMORY:
		opal_mpipl_free_preserved_memory();
		return OPAL_SUCCESS;
	default:
		return OPAL_PARAMETER;
	}
}

/* ------------------------------------------------------------------ tags (spec 6.2) */

static s64 opal_mpipl_register_tag(u64 tag, u64 value)
{
	if (tag == OPAL_MPIPL_TAG_BOOT_MEM) {
		if (value == 0 || value > ram_bytes())
			return OPAL_PARAMETER;
		put_be64_at(METADATA_BASE + META_BOOT_MEM_SIZE, value);
		return OPAL_SUCCESS;
	}
	if (tag == OPAL_MPIPL_TAG_KERNEL) {
		put_be64_at(METADATA_BASE + META_KERNEL_TAG, value);
		return OPAL_SUCCESS;
	}
	return OPAL_PARAMETER;
}

static s64 opal_mpipl_query_tag(u64 tag, u64 ptr)
{
	if (!opal_addr_valid(ptr))
		return OPAL_PARAMETER;
#ifdef MUTANT_SKIBOOT_QUERY_TAG_SWAPS_KERNEL_BOOT_MEM
	tag = tag == OPAL_MPIPL_TAG_KERNEL ? OPAL_MPIPL_TAG_BOOT_MEM : tag == OPAL_MPIPL_TAG_BOOT_MEM ? OPAL_MPIPL_TAG_KERNEL : tag;
#endif
	if (tag >= opal_mpipl_max_tags)
		return OPAL_PARAMETER;
	u64 at = ptr & 0x0fffffffffffffffull;
	/* The model's bus refuses a store that does not fit in RAM; ours must not fault. */
	if (!range_within(at, 8, ram_bytes()))
		return OPAL_PARAMETER;
#ifdef MUTANT_SKIBOOT_QUERY_TAG_NOT_BIG_ENDIAN
	put_be64_at(at, __builtin_bswap64(opal_mpipl_tags[tag]));
#else
	put_be64_at(at, opal_mpipl_tags[tag]);
#endif
	return OPAL_SUCCESS;
}

/* ------------------------------------------------------------------ dispatcher */

static bool token_registered(u64 token)
{
	switch (token) {
	case OPAL_CEC_REBOOT:
	case OPAL_CHECK_TOKEN:
	case OPAL_CEC_REBOOT2:
		return true;
	case OPAL_MPIPL_UPDATE:
	case OPAL_MPIPL_REGISTER_TAG:
	case OPAL_MPIPL_QUERY_TAG:
		return mpipl_enabled;
	default:
		return false;
	}
}

s64 mpipl_fw_opal_call(u64 token, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6)
{
	(void)a4;
	(void)a5;
	(void)a6;
	/*
	 * Reboots stay with the platform (their timeouts are the simulator's); so do unknown tokens.
	 * The model's per-call console line is not written: the in-memory console is the model's.
	 */
	if (token != OPAL_CHECK_TOKEN && token != OPAL_MPIPL_UPDATE && token != OPAL_MPIPL_REGISTER_TAG &&
	    token != OPAL_MPIPL_QUERY_TAG)
		return FW_OPAL_NOT_HANDLED;
	if (!token_registered(token))
		return OPAL_PARAMETER; /* opal_bad_token */
	switch (token) {
	case OPAL_CHECK_TOKEN:
		return token_registered(a0 & 0xffff) ? OPAL_TOKEN_PRESENT : OPAL_TOKEN_ABSENT;
	case OPAL_MPIPL_UPDATE:
		return opal_mpipl_update(a0, a1, a2, a3);
	case OPAL_MPIPL_REGISTER_TAG:
		return opal_mpipl_register_tag(a0, a1);
	default:
		return opal_mpipl_query_tag(a0, a1);
	}
}

/*
 * The MPIPL leg of OPAL_CEC_REBOOT2 (spec steps 14–15, 6.3), called by the platform after its
 * quiesce: 1 when S0 went out (the clocks are expected to stop), 0 when MPIPL is not possible
 * and the platform falls back to a normal reboot.
 */
u64 mpipl_fw_terminate(u64 crashing_pir)
{
	if (!mpipl_enabled)
		return 0;
	put_be32_at(METADATA_BASE + META_CRASHING_PIR, (u32)crashing_pir);
	return p9_sbe_send_s0() ? 1 : 0;
}
