/**
 * The POWER9 Self Boot Engine as the MPIPL flow sees it (spec 2 step 6 and 16, 5.6; QEMU
 * hw/ppc/pnv_sbe.c for the register behaviour): host→SBE mailbox and doorbells, the stash
 * chip-op, and the S0 interrupt through the control register, which stops the clocks and starts
 * the memory-preserving IPL with the stashed skiboot base.
 *
 * The SBE lives across IPLs (its stash is what survives for hostboot), so it is made once per chip.
 */
import type { Sbe } from '../firmware.js';
import type { Platform } from '../platform.js';
import { SbeBits, SbeCmd, SbeReg, SBE_STASH_KEY_SKIBOOT_BASE } from '../layout.js';
import { hex, ppcBitmask, ppcBit } from '../../core/u64.js';

/** SBE_HOST_RESPONSE_MASK = PPC_BITMASK(0,4) | PPC_BIT(14) (spec 5.6, derived 0xF802000000000000). */
export const SBE_HOST_RESPONSE_MASK = ppcBitmask(0, 4) | ppcBit(14);

/** Fault injections a scenario may ask of an SBE (named deviations for fault cases, not bugs). */
export interface SbeFaults {
  /** The SBE drops every stash chip-op: hostboot gets no base ("never-stashed base"). */
  readonly dropStash?: boolean;
}

export class SbeP9 implements Sbe {
  /** Mailbox registers 0–3 (host→SBE) and 4–7 (SBE→host). */
  readonly mbox = new Array<bigint>(SbeReg.MBOX_COUNT).fill(0n);
  sbeDoorbell = 0n;
  hostDoorbell = 0n;
  /** STASH_MPIPL_CONFIG values by key; key 3 is the relocated skiboot base. */
  readonly stash = new Map<bigint, bigint>();

  constructor(
    readonly chip: number,
    protected readonly faults: SbeFaults = {},
  ) {}

  attach(p: Platform): void {
    p.xscom.map(this.chip, SbeReg.MBOX0, SbeReg.MBOX_COUNT, {
      read: (_c, a) => this.mbox[a - SbeReg.MBOX0],
      write: (_c, a, v) => {
        this.mbox[a - SbeReg.MBOX0] = v;
        return true;
      },
    });
    p.xscom.map(this.chip, SbeReg.PSU_SBE_DOORBELL_REG_RW, 6, {
      read: (_c, a) => this.readDoorbell(a),
      write: (_c, a, v) => this.writeDoorbell(p, a, v),
    });
    p.xscom.map(this.chip, SbeReg.SBE_CONTROL_REG_RW, 1, {
      read: () => 0n,
      write: (_c, _a, v) => this.writeControl(p, v),
    });
  }

  /** The value hostboot receives under key 3 (undefined if no stash arrived). */
  skibootBase(): bigint | undefined {
    return this.stash.get(SBE_STASH_KEY_SKIBOOT_BASE);
  }

  private readDoorbell(address: number): bigint {
    switch (address) {
      case SbeReg.PSU_SBE_DOORBELL_REG_RW:
      case SbeReg.PSU_SBE_DOORBELL_REG_AND:
      case SbeReg.PSU_SBE_DOORBELL_REG_OR:
        return this.sbeDoorbell;
      default:
        return this.hostDoorbell;
    }
  }

  private writeDoorbell(p: Platform, address: number, v: bigint): boolean {
    switch (address) {
      case SbeReg.PSU_SBE_DOORBELL_REG_RW:
        this.sbeDoorbell = v;
        break;
      case SbeReg.PSU_SBE_DOORBELL_REG_AND:
        this.sbeDoorbell &= v;
        break;
      case SbeReg.PSU_SBE_DOORBELL_REG_OR:
        this.sbeDoorbell |= v;
        break;
      case SbeReg.PSU_HOST_DOORBELL_REG_RW:
        this.hostDoorbell = v;
        break;
      case SbeReg.PSU_HOST_DOORBELL_REG_AND:
        this.hostDoorbell &= v;
        break;
      case SbeReg.PSU_HOST_DOORBELL_REG_OR:
        this.hostDoorbell |= v;
        break;
      default:
        return false;
    }
    if ((this.sbeDoorbell & SbeBits.HOST_SBE_MSG_WAITING) !== 0n) {
      this.sbeDoorbell &= ~SbeBits.HOST_SBE_MSG_WAITING;
      this.handleChipOp(p);
    }
    return true;
  }

  /** A chip-op from mailbox regs 0–3: reg0 = (ctrl << 32) | (seq << 16) | command. */
  protected handleChipOp(p: Platform): void {
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
      // QEMU logs other keys and sends no response (spec step 6).
      p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: 'STASH_MPIPL_CONFIG', key: hex(key), value: hex(value), result: 'unknown key, no response' });
      return;
    }
    this.storeStash(p, key, value);
    // Response: request reg0 echoed into response reg4 (primary status bits 48–63 = 0: success).
    this.mbox[4] = reg0;
    this.hostDoorbell |= SbeBits.SBE_HOST_RESPONSE_WAITING;
    p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: 'STASH_MPIPL_CONFIG', key: hex(key), value: hex(value), result: 'stashed' });
  }

  /** Where a stashed value is kept: per chip on real hardware. */
  protected storeStash(_p: Platform, key: bigint, value: bigint): void {
    this.stash.set(key, value);
  }

  /** The skiboot base this SBE hands hostboot at S0. */
  protected baseForIpl(_p: Platform): bigint | undefined {
    return this.skibootBase();
  }

  protected writeControl(p: Platform, v: bigint): boolean {
    if (v === SbeBits.SBE_CONTROL_REG_S0) {
      this.hostDoorbell |= SBE_HOST_RESPONSE_MASK;
      const base = this.baseForIpl(p);
      p.emit('sbe', 's0', { chip: this.chip, skibootBase: base === undefined ? 'none' : hex(base) });
      p.requestMpipl({ chip: this.chip, skibootBase: base }, p.cost.s0ToClockStopCycles);
      return true;
    }
    // S1 and anything else: accepted and ignored (QEMU logs S1 only).
    p.emit('sbe', 'sbe-chipop', { chip: this.chip, command: 'control', value: hex(v), result: v === SbeBits.SBE_CONTROL_REG_S1 ? 'S1 (logged only)' : 'ignored' });
    return true;
  }
}
