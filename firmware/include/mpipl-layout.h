/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory map and table layouts of the MPIPL protocol (docs/protocol.md sections 3 and 4),
 * as offsets and constants: the C twin of sim/participants/layout.ts and opal-api.ts. Every
 * table in guest memory is big-endian whatever the ELF's byte order, so the firmware reads and
 * writes fields through the be*_at/put_be*_at accessors of libfw.h, never through C structs.
 */
#ifndef MPIPL_LAYOUT_H
#define MPIPL_LAYOUT_H

/* spec 3.1: bit 63, ORed by skiboot into firmware-table addresses. */
#define HRMOR_BIT (1ull << 63)

/* spec 3.1 (offsets from SKIBOOT_BASE). */
#define SKIBOOT_BASE            0x30000000ull
#define SPIRAH_OFF              0x10000ull
#define PROC_DUMP_AREA_OFF      0x10300ull
#define MDST_TABLE_OFF          0x10c00ull
#define MDST_TABLE_SIZE         0x400ull
#define MDDT_TABLE_OFF          0x11000ull
#define MDDT_TABLE_SIZE         0x400ull
#define INMEM_CON_OFF           0x1000000ull
#define MDRT_TABLE_OFF          0x1c00000ull
#define MDRT_TABLE_SIZE         0x8000ull
#define DUMP_METADATA_AREA_OFF  0x1c08000ull
#define DUMP_METADATA_AREA_SIZE 0x8000ull
#define SKIBOOT_SIZE            0x1c10000ull
#define STACK_SIZE              0x8000ull
#define KERNEL_LOAD_BASE        0x20000000ull
#define KERNEL_LOAD_SIZE        0x08000000ull
#define INITRAMFS_LOAD_BASE     0x28000000ull
#define INITRAMFS_LOAD_SIZE     0x08000000ull
/* skiboot core/opal-dump.c: register-capture memory reserved per chip. */
#define ARCH_REGS_DATA_SIZE_PER_CHIP 0x80000ull

/* spec 4.1: MDST/MDDT entry. */
#define MDST_ENTRY_SIZE      16u
#define MDST_MAX_ENTRIES     (MDST_TABLE_SIZE / MDST_ENTRY_SIZE) /* 64 */
#define MDST_ADDR            0x0u
#define MDST_DATA_REGION     0x8u
#define MDST_DUMP_TYPE       0x9u
#define MDST_SIZE            0xcu

/* spec 4.2: MDRT entry. */
#define MDRT_ENTRY_SIZE      32u
#define MDRT_MAX_ENTRIES     (MDRT_TABLE_SIZE / MDRT_ENTRY_SIZE) /* 1024 */
#define MDRT_SRC_ADDR        0x00u
#define MDRT_DEST_ADDR       0x08u
#define MDRT_DATA_REGION     0x10u
#define MDRT_SIZE            0x14u

/* spec 3.3 / 4.3: SPIRA-H n-tuples and their fields. */
#define SPIRAH_MDUMP_SRC     0x0a0u
#define SPIRAH_MDUMP_DST     0x0c0u
#define SPIRAH_MDUMP_RES     0x0e0u
#define NTUPLE_ADDR          0x00u
#define NTUPLE_ALLOC_CNT     0x08u
#define NTUPLE_ACT_CNT       0x0au

/* spec 4.4: processor dump area. */
#define PDA_THREAD_SIZE      0x00u
#define PDA_VERSION          0x04u
#define PDA_ALLOC_ADDR       0x10u
#define PDA_ALLOC_SIZE       0x1cu
#define PDA_DEST_ADDR        0x20u
#define PDA_ACT_SIZE         0x2cu
#define PDA_FORMAT_P9        0x1u

/* spec 4.5 / 4.6: thread register header and register entry. */
#define THDR_PIR             0x00u
#define THDR_CORE_STATE      0x04u
#define THDR_OFFSET          0x08u
#define THDR_ECNT            0x0cu
#define THDR_ESIZE           0x10u
#define THDR_EACTSZ          0x14u
#define THDR_SIZE            24u
#define REG_ENTRY_SIZE       16u

/* spec 4.7: struct mpipl_metadata (packed, big-endian). */
#define META_CRASHING_PIR    0x00u
#define META_KERNEL_TAG      0x04u
#define META_BOOT_MEM_SIZE   0x0cu
#define META_SIZE            20u

/* spec 4.8: struct opal_mpipl_fadump. */
#define FADUMP_VERSION          0x00u
#define FADUMP_CRASHING_PIR     0x08u
#define FADUMP_CPU_DATA_VERSION 0x0cu
#define FADUMP_CPU_DATA_SIZE    0x10u
#define FADUMP_REGION_CNT       0x14u
#define FADUMP_REGIONS          0x18u
#define FADUMP_REGION_SIZE      24u
#define OPAL_MPIPL_VERSION      0x01u

/* spec 5.6: SBE XSCOM registers and bits. */
#define SBE_MBOX0                     0x000d0050u
#define PSU_SBE_DOORBELL_REG_OR       0x000d0062u
#define PSU_HOST_DOORBELL_REG_RW      0x000d0063u
#define PSU_HOST_DOORBELL_REG_AND     0x000d0064u
#define SBE_CONTROL_REG_RW            0x00050008u
#define HOST_SBE_MSG_WAITING          (1ull << 63)
#define SBE_HOST_RESPONSE_WAITING     (1ull << 63)
#define SBE_CONTROL_REG_S0            (1ull << 49)
#define SBE_CMD_STASH_MPIPL_CONFIG    0xd707u
#define SBE_STASH_KEY_SKIBOOT_BASE    0x03ull

/* spec 5.1 / 5.2: OPAL tokens, return codes and enums. */
#define OPAL_CEC_REBOOT          6
#define OPAL_CHECK_TOKEN         80
#define OPAL_CEC_REBOOT2         116
#define OPAL_MPIPL_UPDATE        173
#define OPAL_MPIPL_REGISTER_TAG  174
#define OPAL_MPIPL_QUERY_TAG     175

#define OPAL_SUCCESS    0
#define OPAL_PARAMETER  (-1)
#define OPAL_RESOURCE   (-10)

#define OPAL_TOKEN_ABSENT  0
#define OPAL_TOKEN_PRESENT 1

#define OPAL_MPIPL_ADD_RANGE             0ull
#define OPAL_MPIPL_REMOVE_RANGE          1ull
#define OPAL_MPIPL_REMOVE_ALL            2ull
#define OPAL_MPIPL_FREE_PRESERVED_MEMORY 3ull

#define OPAL_MPIPL_TAG_CPU      0ull
#define OPAL_MPIPL_TAG_OPAL     1ull
#define OPAL_MPIPL_TAG_KERNEL   2ull
#define OPAL_MPIPL_TAG_BOOT_MEM 3ull
#define MAX_OPAL_MPIPL_TAGS     4

#define DUMP_REGION_CONSOLE     0x01u
#define DUMP_REGION_HBRT_LOG    0x02u
#define DUMP_REGION_OPAL_MEMORY 0x03u
#define DUMP_REGION_KERNEL      0x80u

#define DT_DUMP_NODE "/ibm,opal/dump"

#endif /* MPIPL_LAYOUT_H */
