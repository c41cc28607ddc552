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
 * base, and what survives from the S0 to the reset). `qemuMpiplState` is that state, kept in the
 * machine's participant state (Platform.participantState), which a fork copies with the machine.
 */
import type { Platform } from '../platform.js';
import { SBE_STASH_KEY_SKIBOOT_BASE } from '../layout.js';
import { SbeP9 } from './sbe-p9.js';
import { qemuMpiplState } from '../qemu-state.js';

/** The reference SBE's mailbox and doorbells, with QEMU's machine-wide stash (see above). */
export class QemuSbe extends SbeP9 {
  override attach(p: Platform): void {
    qemuMpiplState(p);
    super.attach(p);
  }

  /** One value per machine: the last chip to be told wins. */
  protected override storeStash(p: Platform, key: bigint, value: bigint): void {
    if (key === SBE_STASH_KEY_SKIBOOT_BASE) qemuMpiplState(p).skibootBase = value;
  }

  /** QEMU hands over whatever it holds, 0 if no stash ever arrived (it does not check, spec step 17). */
  protected override baseForIpl(p: Platform): bigint {
    return qemuMpiplState(p).skibootBase;
  }
}
