/**
 * Participant interfaces and the firmware profile that bundles them (design sections 3 and 4).
 * Built-in profiles, mutants and user plugins all implement these same interfaces.
 */
import type { IplHandoff, Platform } from './platform.js';
import type { BytePiece } from '../mem/byte-source.js';

/** One SBE per chip. It maps its registers on XSCOM at attach time and lives across IPLs. */
export interface Sbe {
  readonly chip: number;
  attach(p: Platform): void;
  /**
   * Called on the copy when the machine forks, before `attach(to)`: carry over state the SBE keeps
   * outside itself (keyed by platform). `original` is the SBE this one was copied from.
   */
  adoptFork?(from: Platform, to: Platform, original: Sbe): void;
}

export interface HostbootResult {
  /** Preservation ran (a readable MDST/MDDT through a valid stashed base). */
  readonly preserved: boolean;
  /** MDRT entries written. */
  readonly mdrtEntries: number;
  /** Whether this IPL hands skiboot an `mpipl-boot` device tree. */
  readonly mpiplBoot: boolean;
}

/**
 * The boot images in flash (PNOR): what every IPL loads. The skiboot image goes to SKIBOOT_BASE,
 * the kernel and initramfs into the two `fw-load-area` ranges (spec 3.1, 5.8).
 */
export interface FirmwareImages {
  readonly skiboot: Uint8Array;
  readonly kernel: Uint8Array;
  readonly initramfs: Uint8Array;
}

/**
 * Hostboot: the IPL. Stateless between IPLs: everything that survives is in memory or the SBE.
 * Both IPLs load the images and publish `/ibm,opal/dump` (the HDAT path of spec step 1).
 */
export interface Hostboot {
  /** Memory-preserving IPL after an S0 (spec phases D and E, design section 5). */
  mpiplIpl(p: Platform, handoff: IplHandoff, images: FirmwareImages): HostbootResult;
  /** A normal IPL: no preservation, no `mpipl-boot`. */
  normalIpl(p: Platform, images: FirmwareImages): void;
}

/** skiboot/OPAL, instantiated anew at every boot (its runtime state is the boot's). */
export interface Skiboot {
  /** Boot to the payload: image, reservations, `opal_mpipl_init`, stash chip-ops, OPAL calls. */
  boot(p: Platform): void;
  /** The OPAL entry point. Unknown tokens return OPAL_PARAMETER (opal_bad_token). */
  opalCall(p: Platform, callerPir: number, token: number, args: readonly bigint[]): bigint;
  /**
   * The fast-reboot path (skiboot core/fast-reboot.c): the same skiboot, still running, clears the
   * memory nobody reserved and boots the payload again (`load_and_boot_kernel(true)`: no
   * `opal_mpipl_init`, spec step 5). Only a skiboot that asked for a fast reboot is called here.
   */
  fastReboot?(p: Platform): void;
}

/** Where a crash comes from. */
export type CrashCause = 'injected' | 'guest-trap' | 'guest-fault';

/** The Linux kernel, instantiated anew at every boot: first kernel or capture kernel. */
export interface LinuxKernel {
  /** Boot on `bootPir`; a first kernel schedules its fadump registration, a capture kernel processes the dump. */
  boot(p: Platform, bootPir: number): void;
  /** A thread enters the panic path (crash_fadump → opal_fadump_trigger). */
  panic(p: Platform, pir: number, cause: CrashCause): void;
  /** User space releases the dump (release_mem) and re-registers (the `registered` sysfs file). */
  release(p: Platform): void;
  /** What the capture kernel exports, once `boot` has processed a dump. */
  readonly capture: CaptureOutput | undefined;
  /** True once the first kernel has registered fadump (dump_registered). */
  readonly dumpRegistered: boolean;
}

/** A file as user space reads it (/proc/vmcore, the OPAL core). */
export interface CoreFile {
  readonly sizeBytes: number;
  read(offset: number, sizeBytes: number): Uint8Array;
  /**
   * Optional: the same bytes as `read`, as host bytes and machine-memory ranges
   * (sim/mem/byte-source.ts), so a reader comparing the file with memory can skip page objects the
   * memory system shows to be shared. Readers fall back to `read` when it is absent.
   */
  pieces?(offset: number, sizeBytes: number): BytePiece[];
}

export interface CaptureOutput {
  /** Physical address and size of the ELF core header the capture kernel built (elfcorehdr_addr). */
  readonly elfcorehdrAddr: number | undefined;
  readonly elfcorehdrSize: number;
  /** Why no vmcore was exported, when elfcorehdrAddr is undefined. */
  readonly noDumpReason: string | undefined;
  /** The OPAL core at /sys/firmware/opal/mpipl/core, if exported. */
  readonly opalcore: CoreFile | undefined;
  /** The warnings and errors the kernel printed while processing the dump. */
  readonly messages: readonly string[];
}

export interface FirmwareProfile {
  readonly name: string;
  /** Content hash of the profile's implementation (recorded in traces). */
  readonly contentHash: string;
  makeSbe(chip: number): Sbe;
  makeHostboot(): Hostboot;
  makeSkiboot(): Skiboot;
  makeLinux(): LinuxKernel;
  /** The flash contents every IPL loads. */
  images(): FirmwareImages;
  /**
   * Memory this firmware's IPL rewrites besides the standard image locations (skiboot at
   * SKIBOOT_BASE, fw-load-area): declared firmware scratch for `no-collateral-writes`.
   */
  readonly firmwareScratch?: readonly { readonly start: number; readonly sizeBytes: number }[];
  /** Firmware ELFs this profile runs (sim/firmware-elf): recorded in trace headers; replay needs the same bytes. */
  readonly firmwareElfs?: readonly { readonly participant: 'skiboot' | 'hostboot'; readonly sha256: string; readonly abi: number }[];
}
