/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory-preserving copy (design section 5): MDST/MDDT pairs i < act_cnt, each copied iff
 * sizes equal and non-zero, regions equal, both ranges (bit 63 cleared) wholly in RAM, and the
 * destination overlaps no source, no preserved destination and no area the reboot rewrites.
 */
#include "hostboot.h"

/* Reboot-rewritten areas: 4 fixed ones plus the fw-load-area pairs from the device tree. */
#define FORBIDDEN_MAX 64

static const u64 default_fw_load_area[4] = {
	KERNEL_LOAD_BASE, KERNEL_LOAD_SIZE, INITRAMFS_LOAD_BASE, INITRAMFS_LOAD_SIZE,
};

/*
 * The pairs of the crashed boot's tables: the smaller of the two counts (a failed remove can
 * desync them), each capped at 64. False when an entry lies outside RAM (tables unreadable).
 */
bool read_pairs(u64 base, struct table_pair *pairs, u32 *count)
{
	u64 spirah = base + SPIRAH_OFF;
	u32 src_cnt = be16_at(spirah + SPIRAH_MDUMP_SRC + NTUPLE_ACT_CNT);
	u32 dst_cnt = be16_at(spirah + SPIRAH_MDUMP_DST + NTUPLE_ACT_CNT);
	u64 mdst_off = be64_at(spirah + SPIRAH_MDUMP_SRC + NTUPLE_ADDR);
	u64 mddt_off = be64_at(spirah + SPIRAH_MDUMP_DST + NTUPLE_ADDR);
	u64 ram = ram_bytes();

	if (src_cnt > MDST_MAX_ENTRIES)
		src_cnt = MDST_MAX_ENTRIES;
	if (dst_cnt > MDST_MAX_ENTRIES)
		dst_cnt = MDST_MAX_ENTRIES;
	u32 n = src_cnt < dst_cnt ? src_cnt : dst_cnt;
	*count = 0;
	if (n == 0)
		return true;
	/* The n entries of each table must be readable (the n-tuple addresses are offsets from base). */
	if (mdst_off > ram || !range_within(base + mdst_off, (u64)n * MDST_ENTRY_SIZE, ram))
		return false;
	if (mddt_off > ram || !range_within(base + mddt_off, (u64)n * MDST_ENTRY_SIZE, ram))
		return false;
	for (u32 i = 0; i < n; i++) {
		u64 s = base + mdst_off + (u64)i * MDST_ENTRY_SIZE;
		u64 d = base + mddt_off + (u64)i * MDST_ENTRY_SIZE;
		pairs[i].index = i;
		pairs[i].src_field = be64_at(s + MDST_ADDR);
		pairs[i].dest_field = be64_at(d + MDST_ADDR);
		pairs[i].src_region = be8_at(s + MDST_DATA_REGION);
		pairs[i].dest_region = be8_at(d + MDST_DATA_REGION);
		pairs[i].src_size = be32_at(s + MDST_SIZE);
		pairs[i].dest_size = be32_at(d + MDST_SIZE);
	}
	*count = n;
	return true;
}

static u32 reboot_writes(u64 base, struct range reg_capture, struct range *out)
{
	u32 n = 0;
	out[n++] = (struct range){ SKIBOOT_BASE, SKIBOOT_SIZE };
	out[n++] = (struct range){ base + MDRT_TABLE_OFF, MDRT_TABLE_SIZE };
	out[n++] = (struct range){ base + DUMP_METADATA_AREA_OFF, DUMP_METADATA_AREA_SIZE };
	out[n++] = reg_capture;

	u64 probe;
	const u64 *cells = default_fw_load_area;
	u64 ncells = 4;
	s64 len = fw_dt_get(DT_DUMP_NODE, "fw-load-area", &probe, 0);
	if (len >= 0) {
		u64 *buf = fw_alloc((size_t)len + 8, 8);
		fw_dt_get(DT_DUMP_NODE, "fw-load-area", buf, (size_t)len);
		for (u64 i = 0; i < (u64)len / 8; i++)
			buf[i] = fw_be64(buf[i]);
		cells = buf;
		ncells = (u64)len / 8;
	}
	for (u64 i = 0; i + 1 < ncells; i += 2) {
		if (n == FORBIDDEN_MAX)
			fw_abort("hostboot: too many fw-load-area ranges");
		out[n++] = (struct range){ cells[i], cells[i + 1] };
	}
	return n;
}

static const char *skip_reason(const struct table_pair *pair, const struct table_pair *pairs, u32 count,
			       const struct range *dests, u32 ndests, const struct range *forbidden,
			       u32 nforbidden)
{
	u64 ram = ram_bytes();
	u64 src = pair->src_field & ~HRMOR_BIT;
	u64 dest = pair->dest_field & ~HRMOR_BIT;
	u64 size = pair->src_size;

	if (pair->src_size != pair->dest_size)
		return "MDST and MDDT sizes differ";
	if (size == 0)
		return "size is zero";
	if (pair->src_region != pair->dest_region)
		return "MDST and MDDT regions differ";
	if (!range_within(src, size, ram))
		return "source outside RAM";
	if (!range_within(dest, size, ram))
		return "destination outside RAM";
	for (u32 i = 0; i < count; i++)
		if (ranges_overlap(dest, size, pairs[i].src_field & ~HRMOR_BIT, pairs[i].src_size))
			return "destination overlaps a source";
	for (u32 i = 0; i < ndests; i++)
		if (ranges_overlap(dest, size, dests[i].start, dests[i].size))
			return "destination overlaps a preserved destination";
	for (u32 i = 0; i < nforbidden; i++)
		if (ranges_overlap(dest, size, forbidden[i].start, forbidden[i].size))
			return "destination overlaps an area the reboot rewrites";
	return NULL;
}

/* The copies, in table order; `preserved` receives the pairs that were copied. */
u32 preserve(u64 base, const struct table_pair *pairs, u32 count, struct range reg_capture,
	     const struct table_pair **preserved)
{
	struct range forbidden[FORBIDDEN_MAX];
	struct range dests[MDST_MAX_ENTRIES];
	u32 nforbidden = reboot_writes(base, reg_capture, forbidden);
	u32 n = 0;

	for (u32 i = 0; i < count; i++) {
		const struct table_pair *pair = &pairs[i];
		u64 src = pair->src_field & ~HRMOR_BIT;
		u64 dest = pair->dest_field & ~HRMOR_BIT;
		const char *reason = skip_reason(pair, pairs, count, dests, n, forbidden, nforbidden);
		if (reason) {
			fw_event("copy", pair->index, src, dest, pair->src_size);
			fw_prlog(FW_LOG_INFO, "copy %u: 0x%llx -> 0x%llx size 0x%x: skipped: %s",
				 pair->index, src, dest, pair->src_size, reason);
			continue;
		}
#if defined(MUTANT_HOSTBOOT_COPY_SHORT_PAGE)
		s64 rc = fw_copy(dest, src, pair->src_size > PAGE_SIZE ? pair->src_size - PAGE_SIZE : 0);
#elif defined(MUTANT_HOSTBOOT_COPY_DIRECTION_SWAPPED)
		s64 rc = fw_copy(src, dest, pair->src_size);
#else
		s64 rc = fw_copy(dest, src, pair->src_size);
#endif
		assert(rc == 0);
		dests[n] = (struct range){ dest, pair->src_size };
		preserved[n++] = pair;
		fw_event("copy", pair->index, src, dest, pair->src_size);
		fw_prlog(FW_LOG_INFO, "copy %u: 0x%llx -> 0x%llx size 0x%x: preserved", pair->index, src, dest,
			 pair->src_size);
	}
	return n;
}
