/**
 * QEMU's machine-wide MPIPL state (`MpiplPreservedState`, spec 4.11). In QEMU one program plays
 * SBE and hostboot, so the QEMU SBE (sbe/qemu-sbe.ts) and the QEMU hostboot (hostboot/qemu.ts)
 * share this; neither imports the other. It lives in the machine's participant state
 * (Platform.participantState), so a forked machine (sweep, bisect) continues with a copy of it.
 */
import type { Platform } from './platform.js';

/** QEMU `MpiplPreservedState` (spec 4.11), our model of it. */
export interface QemuMpiplState {
  /** `skiboot_base`: 0 until a stash arrives, then the last value stashed on any chip. */
  skibootBase: bigint;
  /** `is_next_boot_mpipl`: set at S0, cleared only when the reset wrote MDRT and CPU state. */
  isNextBootMpipl: boolean;
  /** The MDRT image built at S0 (`count × 32` bytes), written to the guest at the reset. */
  mdrtImage: Uint8Array;
  /** `proc_area`: the 48-byte processor dump area as read at S0 (then updated by the write). */
  procArea: Uint8Array;
  /** One record per vCPU (header + register entries), captured at S0. */
  cpuStates: Uint8Array[];
}

/** The participant-state key of QEMU's machine state. */
export const QEMU_MPIPL_STATE_KEY = 'qemu/mpipl-preserved-state';

/** The QEMU machine state of this machine (created on first use, as QEMU zero-initialises it). */
export function qemuMpiplState(p: Platform): QemuMpiplState {
  return p.participantState<QemuMpiplState>(QEMU_MPIPL_STATE_KEY, () => ({ skibootBase: 0n, isNextBootMpipl: false, mdrtImage: new Uint8Array(0), procArea: new Uint8Array(0x30), cpuStates: [] }));
}
