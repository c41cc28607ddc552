/**
 * The SBE as QEMU's PowerNV machine models it (spec step 6 and 17, 5.6; QEMU hw/ppc/pnv_sbe.c,
 * latest revision): the host→SBE mailbox and doorbells, the stash chip-op, and the S0 trigger.
 *
 * What differs from the reference SBE (sbe-p9.ts):
 * - the stashed skiboot base is ONE value per machine, not per chip (QEMU keeps it in
 *   `pnv->mpipl_state.skiboot_base`): whichever chip received the last stash wins;
 * - before any stash the base is 0 (QEMU latest), and that 0 is handed over at S0 like any
 *   other value — QEMU does not check that a base was ever stashed (spec step 17).
 *
 * QEMU plays SBE and hostboot as one program, so the two share machine-wide state (the stashed
 * base, and what survives from the S0 to the reset). `qemuMpiplState` is that state, keyed by
 * the machine the participants were attached to; nothing else reaches it.
 */
import type { Sbe } from '../firmware.js';
import type { Platform } from '../platform.js';
import { SbeBits, SbeCmd, SbeReg, SBE_STASH_KEY_SKIBOOT_BASE } from '../layout.js';
import { hex } from '../../core/u64.js';
import { SBE_HOST_RESPONSE_MASK, type SbeFaults } from './sbe-p9.js';

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

const states = new WeakMap<Platform, QemuMpiplState>();

/** The QEMU machine state of this machine (created on first use, as QEMU zero-initialises it). */
export function qemuMpiplState(p: Platform): QemuMpiplState {
  let s = states.get(p);
  if (s === undefined) {
    s = { skibootBase: 0n, isNextBootMpipl: false, mdrtImage: new Uint8Array(0), procArea: new Uint8Array(0x30), cpuStates: [] };
    states.set(p, s);
  }
  return s;
}

export class QemuSbe implements Sbe {
  readonly mbox = new Array<bigint>(SbeReg.MBOX_COUNT).fill(0n);
  sbeDoorbell = 0n;
  hostDoorbell = 0n;

  constructor(
    readonly chip: number,
    private readonly faults: SbeFaults = {},
  ) {}

  attach(p: Platform): void {
    qemuMpiplState(p);
    p.xscom.map(this.chip, SbeReg.MBOX0, SbeReg.MBOX_COUNT, {
      read: (_c, a) => this.mbox[a - SbeReg.MBOX0],
      write: (_c, a, v) => {
        this.mbox[a - SbeReg.MBOX0] = v;
        return true;
      },
    });
    p.xscom.map(this.chip, SbeReg.PSU_SBE_DOORBELL_REG_RW, 6, {
      read: (_c, a) => (a <= SbeReg.PSU_SBE_DOORBELL_REG_OR ? this.sbeDoorbell : this.hostDoorbell),
      write: (_c, a, v) => this.writeDoorbell(p, a, v),
    });
    p.xscom.map(this.chip, SbeReg.SBE_CONTROL_REG_RW, 1, {
      read: () => 0n,
      write: (_c, _a, v) => this.writeControl(p, v),
    });
  }

  private writeDoorbell(p: Platform, address: number, v: bigint): boolean {
    switch (address) {
      case SbeReg.PSU_SBE_DOORBELL_REG_RW: this.sbeDoorbell = v; break;
      case SbeReg.PSU_SBE_DOORBELL_REG_AND: this.sbeDoorbell &= v; break;
      case SbeReg.PSU_SBE_DOORBELL_REG_OR: this.sbeDoorbell |= v; break;
      case SbeReg.PSU_HOST_DOORBELL_REG_RW: this.hostDoorbell = v; break;
      case SbeReg.PSU_HOST_DOORBELL_REG_AND: this.hostDoorbell &= v; break;
      case SbeReg.PSU_HOST_DOORBELL_REG_OR: this.hostDoorbell |= v; break;
      default: return false;
    }
    if ((this.sbeDoorbell & SbeBits.HOST_SBE_MSG_WAITING) !== 0n) {
      this.sbeDoorbell &= ~SbeBits.HOST_SBE_MSG_WAITING;
      this.chipOp(p);
    }
    return true;
  }

  /** A chip-op in mailbox regs 0–3; only STASH_MPIPL_CONFIG key 3 is answered (spec step 6). */
  private chipOp(p: Platform): void {
    const reg0 = this.mbox[0]!;
    const command = Number(reg0 & 0xffffn);
    const key = this.mbox[1]!;
    const value = this.mbox[2]!;
    if (command !== SbeCmd.STASH_MPIPL_CONFIG) {
      p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: hex(command), result: 'unsupported command, no response' });
      return;
    }
    if (this.faults.dropStash === true) {
      p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: 'STASH_MPIPL_CONFIG', key: hex(key), value: hex(value), result: 'dropped (fault injection)' });
      return;
    }
    if (key !== SBE_STASH_KEY_SKIBOOT_BASE) {
      p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: 'STASH_MPIPL_CONFIG', key: hex(key), value: hex(value), result: 'unknown key, no response' });
      return;
    }
    // One value per machine: the last chip to be told wins.
    qemuMpiplState(p).skibootBase = value;
    this.mbox[4] = reg0;
    this.hostDoorbell |= SbeBits.SBE_HOST_RESPONSE_WAITING;
    p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: 'STASH_MPIPL_CONFIG', key: hex(key), value: hex(value), result: 'stashed (machine-wide)' });
  }

  /** S0 must equal SBE_CONTROL_REG_S0 exactly; S1 is only logged; anything else is ignored. */
  private writeControl(p: Platform, v: bigint): boolean {
    if (v === SbeBits.SBE_CONTROL_REG_S0) {
      this.hostDoorbell |= SBE_HOST_RESPONSE_MASK;
      const base = qemuMpiplState(p).skibootBase;
      p.emit('sbe', 's0', { chip: this.chip, skibootBase: hex(base) });
      // QEMU pauses every vCPU at once; our clock stop follows after the cost model's latency.
      p.requestMpipl({ chip: this.chip, skibootBase: base }, p.cost.s0ToClockStopCycles);
      return true;
    }
    const what = v === SbeBits.SBE_CONTROL_REG_S1 ? 'S1 (logged only)' : 'ignored';
    p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: 'control', value: hex(v), result: what });
    return true;
  }
}
