/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpipl-sim skiboot compat (docs/firmware-elf.md, "skiboot recipe"): written by us, declaring
 * only what skiboot's core/opal-dump.c uses, from the documented layouts and prototypes. Not a
 * copy of skiboot's header of the same name; the glue (../glue.c) implements it over ABI v1.
 */
#ifndef COMPAT_CCAN_ENDIAN_H
#define COMPAT_CCAN_ENDIAN_H

#include "../../compat-types.h"

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define compat_be(bits, x) ((u##bits)(x))
#else
#define compat_be(bits, x) __builtin_bswap##bits(x)
#endif
static inline u16 be16_to_cpu(__be16 v) { return compat_be(16, v); }
static inline u32 be32_to_cpu(__be32 v) { return compat_be(32, v); }
static inline u64 be64_to_cpu(__be64 v) { return compat_be(64, v); }
static inline __be16 cpu_to_be16(u16 v) { return compat_be(16, v); }
static inline __be32 cpu_to_be32(u32 v) { return compat_be(32, v); }
static inline __be64 cpu_to_be64(u64 v) { return compat_be(64, v); }

#endif
