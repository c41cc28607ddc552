/**
 * OPAL API constants (spec 5.1, 5.2; skiboot include/opal-api.h). Shared vocabulary between the
 * skiboot model, Linux, workloads and the oracle; no behaviour lives here.
 */

export const OpalToken = {
  CEC_REBOOT: 6,
  CHECK_TOKEN: 80,
  CEC_REBOOT2: 116,
  MPIPL_UPDATE: 173,
  MPIPL_REGISTER_TAG: 174,
  MPIPL_QUERY_TAG: 175,
} as const;

export const OPAL_LAST = 180;

export const OpalRc = {
  SUCCESS: 0n,
  PARAMETER: -1n,
  BUSY: -2n,
  PARTIAL: -3n,
  CONSTRAINED: -4n,
  CLOSED: -5n,
  HARDWARE: -6n,
  UNSUPPORTED: -7n,
  PERMISSION: -8n,
  NO_MEM: -9n,
  RESOURCE: -10n,
  INTERNAL_ERROR: -11n,
  BUSY_EVENT: -12n,
  WRONG_STATE: -14n,
} as const;

const RC_NAMES = new Map<bigint, string>(Object.entries(OpalRc).map(([k, v]) => [v, `OPAL_${k}`]));

/** OPAL return codes travel in r3 as 64-bit two's complement; this reads one back. */
export function rcName(rc: bigint): string {
  const signed = BigInt.asIntN(64, rc);
  return RC_NAMES.get(signed) ?? `rc ${signed}`;
}

export const OpalReboot = { NORMAL: 0n, PLATFORM_ERROR: 1n, FULL_IPL: 2n, MPIPL: 3n, FAST: 4n } as const;

export const MpiplOp = { ADD_RANGE: 0n, REMOVE_RANGE: 1n, REMOVE_ALL: 2n, FREE_PRESERVED_MEMORY: 3n } as const;

export const MpiplTag = { CPU: 0n, OPAL: 1n, KERNEL: 2n, BOOT_MEM: 3n } as const;

export const OPAL_MPIPL_VERSION = 0x01;

export const DumpRegion = { CONSOLE: 0x01, HBRT_LOG: 0x02, OPAL_MEMORY: 0x03, KERNEL: 0x80 } as const;
export const DumpType = { MPIPL: 0x00, SYSDUMP: 0xf5 } as const;

export const OPAL_TOKEN_NAMES: Readonly<Record<number, string>> = {
  6: 'OPAL_CEC_REBOOT',
  80: 'OPAL_CHECK_TOKEN',
  116: 'OPAL_CEC_REBOOT2',
  173: 'OPAL_MPIPL_UPDATE',
  174: 'OPAL_MPIPL_REGISTER_TAG',
  175: 'OPAL_MPIPL_QUERY_TAG',
};

export const MPIPL_OP_NAMES = ['ADD_RANGE', 'REMOVE_RANGE', 'REMOVE_ALL', 'FREE_PRESERVED_MEMORY'] as const;
export const MPIPL_TAG_NAMES = ['CPU', 'OPAL', 'KERNEL', 'BOOT_MEM'] as const;
