/**
 * Linux-private constants and byte layouts of the fadump model (spec 3.5, 4.9, 4.10, 7.1–7.3).
 * Firmware-defined layouts (thread headers, opal_mpipl_fadump, …) live in ../layout.ts; only what
 * is Linux's own is here. Everything in this file is written in the kernel's native byte order,
 * except the OPAL core, which is big-endian by definition (spec 7.3).
 */

/** spec 3.5: boot memory must reach at least this address; fw-load-area may not end above it. */
export const OPAL_FADUMP_MIN_BOOT_MEM = 0x3000_0000;
/** spec 3.5: version of opal_fadump_mem_struct. */
export const OPAL_FADUMP_VERSION = 0x1;
/** spec 3.5: the CPU data version Linux understands. */
export const HDAT_FADUMP_CPU_DATA_VER = 1;
/** spec 3.5: most boot-memory regions one metadata structure can describe. */
export const FADUMP_MAX_MEM_REGS = 128;
/** spec 3.5: crashing_cpu when no kernel-initiated crash happened. */
export const FADUMP_CPU_UNKNOWN = 0xffff_ffff;
/** spec 3.5: "FADMPSIG" and the pre-2024 "FADMPINF", as native u64 values. */
export const FADUMP_CRASH_INFO_MAGIC = 0x4641_444d_5053_4947n;
export const FADUMP_CRASH_INFO_MAGIC_OLD = 0x4641_444d_5049_4e46n;
export const FADUMP_HEADER_VERSION = 1;
/** spec 3.5: the OPAL core has at most this many PT_LOAD segments. */
export const MAX_PT_LOAD_CNT = 8;

/** spec 4.9: struct opal_fadump_mem_struct (native byte order). */
export const FadumpMemStruct = {
  version: 0x000,
  regionCnt: 0x004,
  registeredRegions: 0x006,
  fadumphdrAddr: 0x008,
  rgn: 0x010,
  RGN_SIZE: 24,
  rgnSrc: 0x00,
  rgnDest: 0x08,
  rgnSize: 0x10,
  /** 16 + 24 × 128 = 3088 (spec 4.9, derived). */
  SIZE: 0x010 + 24 * FADUMP_MAX_MEM_REGS,
} as const;

/** spec 4.10: struct fadump_crash_info_header, 2024 layout (native byte order). */
export const CrashInfoHeader = {
  magicNumber: 0x00,
  version: 0x08,
  crashingCpu: 0x0c,
  vmcoreinfoRaddr: 0x10,
  vmcoreinfoSize: 0x18,
  ptRegsSz: 0x20,
  cpuMaskSz: 0x24,
  regs: 0x28,
} as const;

/** spec 4.10: ppc64 Book3S struct pt_regs is 48 u64 words (384 bytes). */
export const PT_REGS_WORDS = 48;
export const PT_REGS_SIZE = PT_REGS_WORDS * 8;

/** spec 4.10: word index of each pt_regs field. */
export const PtRegs = {
  GPR0: 0,
  NIP: 32,
  MSR: 33,
  ORIG_GPR3: 34,
  CTR: 35,
  LINK: 36,
  XER: 37,
  CCR: 38,
  SOFTE: 39,
  TRAP: 40,
  DAR: 41,
  DSISR: 42,
  RESULT: 43,
} as const;

/** Trap value of a program interrupt (0x700), as exception entry stores it in pt_regs.trap. */
export const TRAP_PROGRAM = 0x700n;

/** SPR numbers Linux maps from the firmware register entries (spec 5.4). */
export const SprNum = { XER: 1, LR: 8, CTR: 9, DSISR: 18, DAR: 19 } as const;

// ------------------------------------------------------------------ ELF (spec 7.1–7.3)

export const Elf = {
  EHDR_SIZE: 64,
  PHDR_SIZE: 56,
  ELFCLASS64: 2,
  ELFDATA2LSB: 1,
  ELFDATA2MSB: 2,
  EV_CURRENT: 1,
  ET_CORE: 4,
  EM_PPC64: 21,
  PT_LOAD: 1,
  PT_NOTE: 4,
  PF_X: 1,
  PF_W: 2,
  PF_R: 4,
  NT_PRSTATUS: 1,
  NT_AUXV: 6,
  AT_NULL: 0n,
  AT_ENTRY: 9n,
} as const;

/** Note header: namesz, descsz, type (3 × u32). */
export const NOTE_HDR_SIZE = 12;
/** "CORE\0" padded to 4 bytes (spec 7.2: namesz 5, padded to 8). */
export const CORE_NOTE_NAME = 'CORE';
/** spec 7.2 (derived): ppc64 struct elf_prstatus is 504 bytes with pr_reg at 112. */
export const ElfPrstatus = {
  SIZE: 504,
  prCursig: 12,
  prPid: 32,
  prPpid: 36,
  prReg: 112,
} as const;
/** One NT_PRSTATUS note: 12 + 8 + 504 = 524 bytes (spec 7.2, derived). */
export const PRSTATUS_NOTE_SIZE = NOTE_HDR_SIZE + 8 + ElfPrstatus.SIZE;
/** NT_AUXV note of the OPAL core: 12 + 8 + 24 (spec 7.3). */
export const AUXV_NOTE_SIZE = NOTE_HDR_SIZE + 8 + 24;

/** Signals of the OPAL core's crashing-CPU note (spec 7.3; Linux asm-generic numbers). */
export const SIGUSR1 = 10;
export const SIGTERM = 15;

/** Linux ppc64 linear map: __va(pa) = pa | PAGE_OFFSET (used for p_vaddr and kernel text addresses). */
export const PAGE_OFFSET = 0xc000_0000_0000_0000n;

/** VMCOREINFO note name (an ELF note named "VMCOREINFO", type 0 as the kernel writes it). */
export const VMCOREINFO_NOTE_NAME = 'VMCOREINFO';
