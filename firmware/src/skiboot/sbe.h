/* SPDX-License-Identifier: Apache-2.0 */
/* The SBE over XSCOM (sbe.c): used by our skiboot and by the skiboot compat glue. */
#ifndef SKIBOOT_SBE_H
#define SKIBOOT_SBE_H

#include "libfw.h"

void p9_sbe_send_relocated_base(u64 reloc_base);
bool p9_sbe_send_s0(void);

#endif
