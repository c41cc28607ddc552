/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two IPL entry points. Order follows what hostboot must do: read the crashed boot's tables
 * and processor dump area, copy, reload the payload images, then write the results (MDRT, the
 * register data, the processor dump area fields, mdump_res act_cnt) into the fresh image.
 */
#include "hostboot.h"

/* The skiboot tables we expect at a usable base: 64-entry MDST and MDDT (spec 3.3). */
static bool valid_base(const struct fw_ipl_handoff *h, u64 *base)
{
	if (!h->has_base)
		return false;
	u64 b = h->skiboot_base & ~HRMOR_BIT;
	if (b % PAGE_SIZE != 0 || !range_within(b, SKIBOOT_SIZE, ram_bytes()))
		return false;
	u64 spirah = b + SPIRAH_OFF;
	if (be16_at(spirah + SPIRAH_MDUMP_SRC + NTUPLE_ALLOC_CNT) != MDST_MAX_ENTRIES ||
	    be16_at(spirah + SPIRAH_MDUMP_DST + NTUPLE_ALLOC_CNT) != MDST_MAX_ENTRIES)
		return false;
	*base = b;
	return true;
}

/* `/ibm,opal/dump` as the HDAT path creates it (spec step 1, 5.8), `mpipl-boot` iff asked. */
static void publish_dump_node(bool mpipl_boot)
{
	static const char compatible[] = "ibm,opal-dump";
	u64 fw_load_area[4] = {
		fw_be64(KERNEL_LOAD_BASE), fw_be64(KERNEL_LOAD_SIZE),
		fw_be64(INITRAMFS_LOAD_BASE), fw_be64(INITRAMFS_LOAD_SIZE),
	};

	fw_dt_set(DT_DUMP_NODE, "compatible", compatible, sizeof(compatible));
	fw_dt_set(DT_DUMP_NODE, "fw-load-area", fw_load_area, sizeof(fw_load_area));
	if (mpipl_boot)
		fw_dt_set(DT_DUMP_NODE, "mpipl-boot", fw_load_area, 0);
	else
		fw_dt_remove(DT_DUMP_NODE, "mpipl-boot");
}

/* The normal IPL's own work: reload the payload and publish the dump node without mpipl-boot. */
static void normal_ipl_steps(void)
{
	fw_load_images();
	publish_dump_node(false);
}

/*
 * The platform emits the `ipl` event and charges hostbootIplStartCycles around this entry, as the
 * TS ReferenceHostboot does around its normal IPL.
 */
void mpipl_fw_normal_ipl(void)
{
	fw_heap_reset();
	normal_ipl_steps();
}

/* The fallback from an MPIPL to a normal IPL: the whole normal IPL, its start cost included. */
static void fallback_normal_ipl(void)
{
	fw_event("ipl-normal", 0);
	normal_ipl_steps();
	fw_delay(HOSTBOOT_IPL_START_CYCLES);
}

/* The platform has emitted the `ipl` event and charged hostbootIplStartCycles before this entry. */
void mpipl_fw_mpipl_ipl(const struct fw_ipl_handoff *h, struct fw_ipl_result *r)
{
	static struct table_pair pairs[MDST_MAX_ENTRIES];
	static const struct table_pair *preserved[MDST_MAX_ENTRIES];
	u64 base;
	u32 count;

	fw_heap_reset();
	r->preserved = r->mdrt_entries = r->mpipl_boot = r->pad = 0;
	if (!valid_base(h, &base)) {
		/* Design section 5: no valid stashed base ⇒ normal reboot. */
		fw_prlog(FW_LOG_NOTICE, "no valid stashed base: normal reboot, nothing preserved");
		fallback_normal_ipl();
		return;
	}
	if (!read_pairs(base, pairs, &count)) {
		fw_prlog(FW_LOG_NOTICE, "tables unreadable: normal reboot");
		fallback_normal_ipl();
		return;
	}
	u64 alloc_addr_field = be64_at(base + PROC_DUMP_AREA_OFF + PDA_ALLOC_ADDR);
	u32 alloc_size = be32_at(base + PROC_DUMP_AREA_OFF + PDA_ALLOC_SIZE);
	struct range reg_capture = { alloc_addr_field & ~HRMOR_BIT, alloc_size };

	u32 npreserved = preserve(base, pairs, count, reg_capture, preserved);
#ifdef MUTANT_HOSTBOOT_PROC_DUMP_BEFORE_RELOAD
	capture_registers(base, alloc_addr_field, alloc_size);
#endif
	fw_load_images();
	write_mdrt(base, preserved, npreserved);
#ifndef MUTANT_HOSTBOOT_PROC_DUMP_BEFORE_RELOAD
	capture_registers(base, alloc_addr_field, alloc_size);
#endif
	bool mpipl_boot = npreserved > 0;
	publish_dump_node(mpipl_boot);
	r->preserved = 1;
	r->mdrt_entries = npreserved;
	r->mpipl_boot = mpipl_boot;
}
