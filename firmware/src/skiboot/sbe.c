/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBE over XSCOM (spec 5.5, 5.6, 6.3): STASH_MPIPL_CONFIG with the relocated base at init,
 * S0 at terminate. The register sequence is exactly the TS model's (skiboot.ts). Shared by our
 * skiboot and the compat glue that runs skiboot's own core/opal-dump.c.
 */
#include "sbe.h"
#include "mpipl-layout.h"

/* Cycles the SBE takes for a chip-op: the cost model's sbeChipOpCycles (sim/machine/cost-model.ts). */
#define SBE_CHIP_OP_CYCLES 500
#define MAX_CHIPS 8

/* Per-chip PSU sequence numbers of this boot (1, 2, … wrapping at 0xffff back to 1). */
static u16 sbe_seq[MAX_CHIPS];

static u16 next_sbe_seq(u32 chip)
{
	u16 cur = chip < MAX_CHIPS ? sbe_seq[chip] : 0;
	u16 next = cur >= 0xffff ? 1 : (u16)(cur + 1);
	if (chip < MAX_CHIPS)
		sbe_seq[chip] = next;
	return next;
}

static bool xscom_write_ok(u32 chip, u64 addr, u64 value)
{
	return fw_xscom_write(chip, addr, value) == 0;
}

/* A failed read reads as 0, as the model's `?? 0n`. */
static u64 xscom_read_or_zero(u32 chip, u64 addr)
{
	u64 v = 0;
	if (fw_xscom_read(chip, addr, &v) != 0)
		return 0;
	return v;
}

/* 5.5: key 3 = the relocated base to the SBE of every chip; a missing answer is only logged (spec 6.3). */
void p9_sbe_send_relocated_base(u64 reloc_base)
{
	u32 chips = (u32)fw_machine_info(FW_INFO_NR_CHIPS);

	for (u32 chip = 0; chip < chips; chip++) {
		u64 seq = next_sbe_seq(chip);
		u64 reg0 = (0x0300ull << 32) | (seq << 16) | SBE_CMD_STASH_MPIPL_CONFIG;
		bool ok = xscom_write_ok(chip, SBE_MBOX0, reg0) &&
			  xscom_write_ok(chip, SBE_MBOX0 + 1, SBE_STASH_KEY_SKIBOOT_BASE) &&
			  xscom_write_ok(chip, SBE_MBOX0 + 2, reloc_base) &&
			  xscom_write_ok(chip, SBE_MBOX0 + 3, 0) &&
			  xscom_write_ok(chip, PSU_SBE_DOORBELL_REG_OR, HOST_SBE_MSG_WAITING);
		fw_delay(SBE_CHIP_OP_CYCLES);
		u64 doorbell = xscom_read_or_zero(chip, PSU_HOST_DOORBELL_REG_RW);
		u64 response = xscom_read_or_zero(chip, SBE_MBOX0 + 4);
		u32 primary_status = (u32)((response >> 48) & 0xffff);
		if (!ok || (doorbell & SBE_HOST_RESPONSE_WAITING) == 0 || primary_status != 0)
			fw_prlog(FW_LOG_ERR, "SBE: chip %u: failed to send relocated base (no response)", chip);
		else
			fw_xscom_write(chip, PSU_HOST_DOORBELL_REG_AND, ~SBE_HOST_RESPONSE_WAITING);
	}
}

/* Spec 6.3: S0 to every SBE, secondaries first and the primary (chip 0) last. True when all took it. */
bool p9_sbe_send_s0(void)
{
	u32 chips = (u32)fw_machine_info(FW_INFO_NR_CHIPS);

	for (u32 i = 1; i <= chips; i++) {
		u32 chip = i % chips; /* 1, 2, …, chips - 1, then 0 */
		if (!xscom_write_ok(chip, SBE_CONTROL_REG_RW, SBE_CONTROL_REG_S0)) {
			fw_prlog(FW_LOG_ERR, "SBE: failed to send S0 to chip %u", chip);
			return false;
		}
	}
	return true;
}
