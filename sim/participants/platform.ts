/**
 * The narrow interface through which every participant touches the machine (design section 3):
 * the memory bus, XSCOM, device-tree properties, documented thread-state accessors, the OPAL entry
 * point, the clock and the event stream. Participants never reach into each other; that is what
 * makes a firmware model replaceable by a plugin.
 */
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { XscomBus } from '../machine/xscom.js';
import type { DeviceTree } from '../machine/device-tree.js';
import type { CostModel } from '../machine/cost-model.js';
import type { MachineConfig } from '../machine/config.js';
import type { Topology } from '../machine/topology.js';
import type { ThreadState } from '../cpu/state.js';
import type { EventData, EventKind, Participant } from '../trace/events.js';
import type { Prng } from '../core/prng.js';

/** What the SBE hands to hostboot when it starts a memory-preserving IPL (spec step 16). */
export interface IplHandoff {
  /** Chip whose SBE took the S0 interrupt. */
  readonly chip: number;
  /** Value stashed under key 0x03 (SBE_STASH_KEY_SKIBOOT_BASE), or undefined if none arrived. */
  readonly skibootBase: bigint | undefined;
}

export interface Platform {
  readonly config: MachineConfig;
  readonly topology: Topology;
  readonly mem: PhysicalMemory;
  readonly xscom: XscomBus;
  readonly dt: DeviceTree;
  readonly cost: CostModel;

  /** Current cycle. */
  cycle(): number;
  /** Architected state of the thread with this PIR (documented accessors of sim/cpu/state.ts). */
  thread(pir: number): ThreadState;
  /** A named, seeded random stream (all randomness flows from the run's seed). */
  prng(name: string): Prng;
  emit(who: Participant, kind: EventKind, data: EventData): void;

  /**
   * Enter OPAL through `opal-entry-address` with the OPAL calling convention (token in r0,
   * arguments in r3–r10, result in r3). The calling thread is busy for the call's cost.
   */
  opalCall(callerPir: number, token: number, args: readonly bigint[]): bigint;

  /**
   * Run `action` `delayCycles` from now (events at one cycle run in scheduling order). A pending
   * closure makes the machine unforkable; prefer `scheduleCall`.
   */
  schedule(delayCycles: number, label: string, action: () => void): void;
  /**
   * Call `owner[method](...args)` `delayCycles` from now, unless the machine has rebooted since.
   * Described as data, so a fork of the machine calls its own copy of `owner` (snapshot forking).
   */
  scheduleCall(delayCycles: number, label: string, owner: object, method: string, ...args: unknown[]): void;
  /** Firmware work while no thread runs (IPL phases): move the clock forward. */
  advance(cycles: number): void;
  /** Keep a thread from retiring instructions for this many cycles (it is inside firmware or the kernel). */
  occupy(pir: number, cycles: number): void;
  /**
   * Coupled time: `pir`'s hardware thread is inside an OPAL call, retiring firmware instructions.
   * The kernel code of that CPU does not run until the call returns (it cannot make another call).
   */
  inOpal(pir: number): boolean;

  /**
   * The SBE hardware action on S0: after `delayCycles`, stop every core clock and start the
   * memory-preserving IPL with this handoff. Later requests while one is pending are ignored.
   */
  requestMpipl(handoff: IplHandoff, delayCycles: number): void;
  /** A normal (non memory-preserving) reboot, e.g. OPAL_CEC_REBOOT or a failed MPIPL. */
  requestNormalReboot(reason: string): void;
  /**
   * skiboot's fast reboot (OPAL_CEC_REBOOT2(FAST)): the threads are reset and the running skiboot's
   * `fastReboot` boots the payload again, without hostboot. False when there is no fast-reboot
   * path (the running skiboot has no `fastReboot`); optional: a platform without it has none
   * either. skiboot then answers the request as unsupported.
   */
  requestFastReboot?(reason: string): boolean;
  /**
   * True once an MPIPL or a reboot is under way. A call that started it (OPAL_CEC_REBOOT2) never
   * returns to its caller in reality, so a caller seeing this after the call treats it as not returned.
   */
  goingDown(): boolean;

  /**
   * Machine-wide state a participant keeps across IPLs outside guest memory (QEMU's
   * `MpiplPreservedState`: one program plays SBE and hostboot), under `key`, created by `create` on
   * first use. It belongs to the machine, so a fork (sweep, bisect) carries a deep copy; it must be
   * plain data (numbers, bigints, strings, arrays, typed arrays, Maps, plain objects), no closures.
   * Participants are instantiated anew at every boot: this is the documented place for what a real
   * platform keeps in its own memory across resets (docs/firmware-plugins.md).
   */
  participantState<T>(key: string, create: () => T): T;
}
