/**
 * Special-purpose registers the machine keeps per thread: every SPR named by the spec's register
 * lists (spec 5.4: Linux's pt_regs mapping and QEMU's 66-entry capture list) plus the SPRG and
 * hypervisor SPRs that firmware and GCC-built code touch. SPR numbers are from the Power ISA v3.0
 * and QEMU target/ppc/cpu.h, as the spec cites them.
 */

export interface SprInfo {
  readonly name: string;
  /** Architected SPR number (mtspr/mfspr encoding, and the HDAT register-entry `reg_num`). */
  readonly num: number;
  /** mtspr is ignored (PIR, PVR are read-only). */
  readonly readOnly?: boolean;
}

export const SPRS: readonly SprInfo[] = [
  { name: 'XER', num: 0x001 },
  { name: 'LR', num: 0x008 },
  { name: 'CTR', num: 0x009 },
  { name: 'DSCR', num: 0x011 },
  { name: 'DSISR', num: 0x012 },
  { name: 'DAR', num: 0x013 },
  { name: 'DEC', num: 0x016 },
  { name: 'SRR0', num: 0x01a },
  { name: 'SRR1', num: 0x01b },
  { name: 'CFAR', num: 0x01c },
  { name: 'AMR', num: 0x01d },
  { name: 'ACOP', num: 0x01f },
  { name: 'CTRL', num: 0x098 },
  { name: 'FSCR', num: 0x099 },
  { name: 'DPDES', num: 0x0b0 },
  { name: 'DAWR0', num: 0x0b4 },
  { name: 'DAWR1', num: 0x0b5 },
  { name: 'CIABR', num: 0x0bb },
  { name: 'DAWRX0', num: 0x0bc },
  { name: 'DAWRX1', num: 0x0bd },
  { name: 'SPRG0', num: 0x110 },
  { name: 'SPRG1', num: 0x111 },
  { name: 'SPRG2', num: 0x112 },
  { name: 'SPRG3', num: 0x113 },
  { name: 'PVR', num: 0x11f, readOnly: true },
  { name: 'HSPRG0', num: 0x130 },
  { name: 'HSPRG1', num: 0x131 },
  { name: 'HRMOR', num: 0x139 },
  { name: 'HSRR0', num: 0x13a },
  { name: 'HSRR1', num: 0x13b },
  { name: 'LPCR', num: 0x13e },
  { name: 'HMER', num: 0x150 },
  { name: 'HMEER', num: 0x151 },
  { name: 'EBBHR', num: 0x324 },
  { name: 'EBBRR', num: 0x325 },
  { name: 'BESCR', num: 0x326 },
  { name: 'TAR', num: 0x32f },
  { name: 'PPR', num: 0x380 },
  { name: 'DABR', num: 0x3f5 },
  { name: 'DABRX', num: 0x3f7 },
  { name: 'PIR', num: 0x3ff, readOnly: true },
];

/** mtspr 136 writes CTRL (0x098 is the read number); the ISA splits the two encodings. */
export const SPR_CTRL_WRITE = 0x088;

/** POWER9 DD2.2 PVR, as skiboot and QEMU's powernv9 report it. */
export const PVR_POWER9 = 0x004e1202n;
