/* SPDX-License-Identifier: Apache-2.0 */
/* Typed wrappers of the ABI services (mpipl-fw.h); one callthru each. */
#include "libfw.h"

#define P(x) ((u64)(unsigned long)(x))

void fw_abort(const char *msg)
{
	fw_callthru1(FW_SVC_ABORT, P(msg));
	/* The service never returns; if it did, attn stops the thread all the same. */
	fw_attn();
}

void fw_log(int level, const char *fmt, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	fw_callthru7(FW_SVC_LOG, (u64)level, P(fmt), a0, a1, a2, a3, a4);
}

size_t fw_console_write(const char *buf, size_t len)
{
	return fw_callthru2(FW_SVC_CONSOLE_WRITE, P(buf), len);
}

s64 fw_xscom_read(u32 chip, u64 addr, u64 *out)
{
	return (s64)fw_callthru3(FW_SVC_XSCOM_READ, chip, addr, P(out));
}

s64 fw_xscom_write(u32 chip, u64 addr, u64 value)
{
	return (s64)fw_callthru3(FW_SVC_XSCOM_WRITE, chip, addr, value);
}

s64 fw_dt_get(const char *path, const char *name, void *buf, size_t buflen)
{
	return (s64)fw_callthru4(FW_SVC_DT_GET, P(path), P(name), P(buf), buflen);
}

void fw_dt_set(const char *path, const char *name, const void *buf, size_t len)
{
	fw_callthru4(FW_SVC_DT_SET, P(path), P(name), P(buf), len);
}

s64 fw_dt_remove(const char *path, const char *name)
{
	return (s64)fw_callthru2(FW_SVC_DT_REMOVE, P(path), P(name));
}

bool fw_dt_has_node(const char *path)
{
	return fw_callthru1(FW_SVC_DT_HAS_NODE, P(path)) == 1;
}

u64 fw_machine_info(u32 key)
{
	return fw_callthru1(FW_SVC_MACHINE_INFO, key);
}

s64 fw_pir_at(u32 index)
{
	return (s64)fw_callthru1(FW_SVC_PIR_AT, index);
}

s64 fw_thread_regs(u32 pir, u64 buf, u32 max_entries)
{
	return (s64)fw_callthru3(FW_SVC_THREAD_REGS, pir, buf, max_entries);
}

s64 fw_copy(u64 dest, u64 src, u64 size)
{
	return (s64)fw_callthru3(FW_SVC_COPY, dest, src, size);
}

s64 fw_fill(u64 dest, u8 byte, u64 size)
{
	return (s64)fw_callthru3(FW_SVC_FILL, dest, byte, size);
}

void fw_delay(u64 cycles)
{
	fw_callthru1(FW_SVC_DELAY, cycles);
}

void fw_event4(const char *kind, u64 a0, u64 a1, u64 a2, u64 a3)
{
	fw_callthru7(FW_SVC_EVENT, P(kind), a0, a1, a2, a3, 0, 0);
}

void fw_load_images(void)
{
	fw_callthru0(FW_SVC_LOAD_IMAGES);
}

void fw_reboot(u32 kind, const char *reason)
{
	fw_callthru2(FW_SVC_REBOOT, kind, P(reason));
}
