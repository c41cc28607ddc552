/**
 * The Linux participant: one instance per boot, first kernel or capture kernel (spec section 1,
 * phases B, C, G, H). Everything that must outlive the boot is in machine memory (metadata 4.9,
 * crash-info header 4.10, the kernel's boot memory); the object holds only this boot's state, in
 * plain data fields so a snapshot can clone it. Scheduled actions capture `this` and nothing else.
 */
import type { Platform } from '../platform.js';
import type { CaptureOutput, CrashCause, LinuxKernel } from '../firmware.js';
import { MpiplOp, MpiplTag, OpalReboot, OpalRc, OpalToken, rcName } from '../opal-api.js';
import { Slot } from '../../cpu/state.js';
import { hex } from '../../core/u64.js';
import { CrashInfoHeader, FADUMP_CPU_UNKNOWN, PAGE_OFFSET, PT_REGS_SIZE, PT_REGS_WORDS, PtRegs, TRAP_PROGRAM } from './constants.js';
import { KernelMem, alignUp } from './bytes.js';
import { KERNEL_DATA_SIZE, KernelData, kernelLayout, type KernelLayout, type LinuxOptions } from './options.js';
import {
  ascii,
  bootMemoryPieces,
  initCrashInfoHeader,
  planFadump,
  stampCrashTime,
  writeCpuMask,
  writeKernelImage,
  writeMetadata,
  writePtRegs,
  writeRegisteredRegions,
  writeVmcoreinfo,
  type FadumpConf,
  type PlanResult,
  type VmcoreinfoNote,
} from './fadump-mem.js';
import { firmwareReservedRanges, scanDumpNode } from './dt-scan.js';
import { allocExport, buildCpuNotes, buildElfCoreHeader, checkCrashInfoHeader, invalidateAndCleanup, memoryAboveBootMem, readCpuMeta, scanCaptureTags, type DumpConf } from './capture.js';
import { buildOpalCore, type OpalCoreFile } from './opalcore.js';
import type { KernelCtx, LogLevel } from './context.js';

/** Where the registration program is (each OPAL call is one scheduled step, spec 6.5). */
export type RegStep = 'idle' | 'tag-kernel' | 'tag-boot-mem' | 'add-range' | 'remove-all' | 'header' | 'done';

/** A thread spinning in panic forever, in cycles (kept far below 2^53 once added to the clock). */
export const PANIC_SPIN_CYCLES = 2 ** 50;

/**
 * Offsets of the kernel functions the crash path runs, inside the kernel text at physical 0 (the
 * seeded image stands for their code); NIP and LR point there as the path runs.
 */
export const KernelText = { panic: 0x1000, crash_fadump: 0x2000, opal_fadump_trigger: 0x3000, opal_cec_reboot2: 0x4000 } as const;

export class LinuxKernelModel implements LinuxKernel {
  readonly layout: KernelLayout;

  // ---- this boot's state (plain data)
  bootPir = -1;
  role: 'unbooted' | 'first' | 'capture' = 'unbooted';
  fadumpSupported = false;
  fadumpEnabled = false;
  /** The capture kernel holds a dump that has not been released (fw_dump.dump_active). */
  dumpActive = false;
  protected registered = false;
  /** The registration plan and progress of this kernel (fw_dump of a registering kernel). */
  conf: FadumpConf | undefined = undefined;
  registeredRegions = 0;
  regStep: RegStep = 'idle';
  regIndex = 0;
  vmcoreinfo: VmcoreinfoNote | undefined = undefined;
  /** The CPU that won crash_fadump's compare-and-swap (its PIR), once the kernel panics. */
  crashingPir: number | undefined = undefined;
  panicking = false;
  /** The dump the capture kernel found (fw_dump after opal_fadump_get_config). */
  dump: DumpConf | undefined = undefined;
  protected captureOut: CaptureOutput | undefined = undefined;
  /** Messages printed while the capture kernel processes the dump (collected into capture.messages). */
  protected collected: string[] | undefined = undefined;

  constructor(readonly options: LinuxOptions) {
    this.layout = kernelLayout(options);
  }

  get capture(): CaptureOutput | undefined {
    return this.captureOut;
  }

  get dumpRegistered(): boolean {
    return this.registered;
  }

  protected ctx(p: Platform): KernelCtx {
    return { p, km: new KernelMem(p.mem, p.config.kernelEndian), o: this.options, layout: this.layout, pir: this.bootPir, log: (level, msg) => this.log(p, level, msg) };
  }

  protected log(p: Platform, level: LogLevel, msg: string): void {
    p.emit('linux', 'linux-log', { level, msg });
    this.collected?.push(msg);
  }

  // ================================================================== boot

  boot(p: Platform, bootPir: number): void {
    this.bootPir = bootPir;
    p.advance(p.cost.linuxBootCycles);
    const ctx = this.ctx(p);
    // The kernel occupies boot memory: its text at 0, then its data (vmcoreinfo, buffers).
    writeKernelImage(p, this.layout, this.options.kernelImageSizeBytes, 'linux/image');
    p.mem.fill(this.layout.dataBase, KERNEL_DATA_SIZE, 0);
    const bootId = p.prng(`linux/boot-id@${p.cycle()}`).u64().toString(16).padStart(16, '0');
    this.vmcoreinfo = writeVmcoreinfo(ctx.km, this.options, this.layout, bootId);

    const scan = scanDumpNode(p.dt);
    const mpiplBoot = scan.supported && scan.mpiplBoot;
    this.role = mpiplBoot ? 'capture' : 'first';
    p.emit('linux', 'boot', { kind: this.role === 'capture' ? 'capture kernel' : 'first kernel', pir: bootPir, endian: p.config.kernelEndian, bootId });
    if (!scan.supported) {
      if (scan.message !== undefined) this.log(p, 'err', scan.message);
      this.log(p, 'info', `Firmware-assisted dump is not supported on this hardware (${scan.reason})`);
      return;
    }
    this.fadumpSupported = true;
    this.fadumpEnabled = true;
    if (mpiplBoot) this.captureBoot(p);
    else this.startRegistration(p, 0);
  }

  // ================================================================== first kernel: registration (phase B)

  /**
   * opal_fadump_init_mem_struct + the registration program: REGISTER_TAG(KERNEL),
   * REGISTER_TAG(BOOT_MEM), ADD_RANGE per region, then the crash-info header (spec steps 8–11),
   * one scheduled step per OPAL call on the boot thread.
   */
  protected startRegistration(p: Platform, delayCycles: number): void {
    const ctx = this.ctx(p);
    const plan = this.planDumpArea(p);
    if (!plan.ok) {
      this.log(p, 'err', plan.message);
      this.fadumpEnabled = false;
      return;
    }
    this.conf = plan.conf;
    this.registeredRegions = 0;
    this.registered = false;
    writeMetadata(ctx.km, this.options, plan.conf);
    this.log(p, 'info', `Reserved ${hex(plan.conf.reserveDumpAreaSize)} bytes at ${hex(plan.conf.reserveDumpAreaStart)} (boot_mem_top ${hex(plan.conf.bootMemTop)}) for firmware-assisted dump`);
    this.regStep = 'tag-kernel';
    this.regIndex = 0;
    p.scheduleCall(delayCycles, 'linux: fadump registration', this, 'registrationStep', p);
  }

  /**
   * fadump_reserve_mem / opal_fadump_init_mem_struct: boot-memory regions, the dump area above
   * boot_mem_top clear of every firmware-reserved range, destinations, header and metadata addresses.
   */
  protected planDumpArea(p: Platform): PlanResult {
    return planFadump(this.options, p.mem.sizeBytes, firmwareReservedRanges(p.dt));
  }

  /** One step of fadump registration (queued with scheduleCall, so it is called by name). */
  registrationStep(p: Platform): void {
    const conf = this.conf;
    if (this.panicking || conf === undefined) return; // the kernel crashed: its work stops here
    const pir = this.bootPir;
    // Coupled time: the boot CPU is inside an OPAL call another driver made; this step waits for it.
    if (p.inOpal(pir)) return p.scheduleCall(1, 'linux: fadump registration (waiting for OPAL)', this, 'registrationStep', p);
    const ctx = this.ctx(p);
    switch (this.regStep) {
      case 'tag-kernel': {
        const rc = p.opalCall(pir, OpalToken.MPIPL_REGISTER_TAG, [MpiplTag.KERNEL, BigInt(conf.metadataAddr)]);
        // -EPERM, but registration continues (spec 6.5).
        if (rc !== OpalRc.SUCCESS) this.log(p, 'err', `Failed to set kernel metadata tag! (${rcName(rc)})`);
        this.regStep = 'tag-boot-mem';
        break;
      }
      case 'tag-boot-mem': {
        const rc = p.opalCall(pir, OpalToken.MPIPL_REGISTER_TAG, [MpiplTag.BOOT_MEM, BigInt(conf.bootMemTop)]);
        if (rc !== OpalRc.SUCCESS) this.log(p, 'err', `Failed to set boot memory tag! (${rcName(rc)})`);
        this.regStep = 'add-range';
        this.regIndex = 0;
        break;
      }
      case 'add-range': {
        const r = conf.regions[this.regIndex]!;
        const rc = p.opalCall(pir, OpalToken.MPIPL_UPDATE, [MpiplOp.ADD_RANGE, BigInt(r.src), BigInt(r.dest), BigInt(r.size)]);
        if (rc === OpalRc.SUCCESS) {
          this.registeredRegions++;
          writeRegisteredRegions(ctx.km, conf, this.registeredRegions);
          this.regIndex++;
          if (this.regIndex < conf.regions.length) break;
        }
        this.afterAddRanges(p, rc);
        break;
      }
      case 'remove-all': {
        // Unregister (spec 6.5): REMOVE_ALL, non-zero → -EIO; registered_regions = 0 either way.
        const rc = p.opalCall(pir, OpalToken.MPIPL_UPDATE, [MpiplOp.REMOVE_ALL, 0n, 0n, 0n]);
        if (rc !== OpalRc.SUCCESS) this.log(p, 'err', `Failed to un-register - unexpected Error(${rcName(rc)}).`);
        this.registeredRegions = 0;
        writeRegisteredRegions(ctx.km, conf, 0);
        this.regStep = 'done';
        break;
      }
      case 'header': {
        const vmci = this.vmcoreinfo!;
        initCrashInfoHeader(ctx.km, this.options, conf, vmci.addr, vmci.sizeBytes, p.topology.threads.length);
        this.registered = true;
        this.regStep = 'done';
        p.emit('linux', 'linux-log', { level: 'info', msg: `fadump registered: ${this.registeredRegions}/${conf.regions.length} regions, fadumphdr_addr ${hex(conf.fadumphdrAddr)}` });
        break;
      }
      default:
        return;
    }
    if (this.regStep !== 'done') p.scheduleCall(p.cost.opalCallCycles, 'linux: fadump registration', this, 'registrationStep', p);
  }

  /** The table of spec 6.5: what Linux does with the last ADD_RANGE return code. */
  protected afterAddRanges(p: Platform, rc: bigint): void {
    const conf = this.conf!;
    const anyRegistered = this.registeredRegions > 0;
    if (rc === OpalRc.SUCCESS) {
      this.log(p, 'info', 'Registration is successful!');
      this.regStep = 'header';
    } else if (rc === OpalRc.RESOURCE) {
      this.log(p, 'warn', `${conf.regions.length - this.registeredRegions} regions could not be registered for MPIPL as MAX limit is reached!`);
      this.regStep = 'header';
    } else if (rc === OpalRc.PARAMETER) {
      this.log(p, 'err', `Failed to register. Parameter Error(${rcName(rc)}).`);
      this.regStep = anyRegistered ? 'remove-all' : 'done';
    } else if (rc === OpalRc.HARDWARE) {
      this.log(p, 'err', 'Support not available.');
      this.fadumpSupported = false;
      this.fadumpEnabled = false;
      this.regStep = anyRegistered ? 'remove-all' : 'done';
    } else {
      this.log(p, 'err', `Failed to register. Unknown Error(${rcName(rc)}).`);
      this.regStep = anyRegistered ? 'remove-all' : 'done';
    }
  }

  // ================================================================== crash (phase C)

  panic(p: Platform, pir: number, cause: CrashCause): void {
    const t = p.thread(pir);
    if (!this.registered || this.conf === undefined) {
      this.panicking = true;
      this.log(p, 'emerg', `Kernel panic - not syncing: ${cause} on CPU ${hex(pir)}`);
      p.requestNormalReboot('panic without fadump');
      p.occupy(pir, PANIC_SPIN_CYCLES);
      return;
    }
    if (this.crashingPir !== undefined) {
      // crash_fadump: another CPU already won; this one spins while fadump is registered.
      p.occupy(pir, PANIC_SPIN_CYCLES);
      return;
    }
    this.crashingPir = pir;
    this.panicking = true;
    const km = new KernelMem(p.mem, p.config.kernelEndian);
    const conf = this.conf;
    const h = conf.fadumphdrAddr;
    // The panic-cycle registers, as exception entry (0x700) or ppc_save_regs (injected) saves them.
    const regs = ptRegsFromThread(p, pir, cause);
    km.w32(h + CrashInfoHeader.crashingCpu, logicalCpuId(p, pir));
    stampCrashTime(km, this.vmcoreinfo!, p.cycle());
    writePtRegs(km, h + CrashInfoHeader.regs, regs);
    writeCpuMask(km, h + CrashInfoHeader.regs + PT_REGS_SIZE, this.options, p.topology.threads.length);
    this.log(p, 'emerg', `Kernel panic - not syncing: ${cause} on CPU ${hex(pir)}; triggering firmware-assisted dump`);
    // From here the thread runs kernel code: panic → crash_fadump.
    t.set(Slot.LR, kernelText(KernelText.panic + 0x40));
    t.set(Slot.NIP, kernelText(KernelText.crash_fadump));
    p.mem.writeBytes(this.layout.panicStringAddr, ascii(`fadump: ${cause} on PIR ${hex(pir)}\0`.slice(0, KernelData.PANIC_STRING_MAX)));
    p.occupy(pir, p.cost.linuxCrashPathCycles);
    p.scheduleCall(p.cost.linuxCrashPathCycles, 'linux: opal_fadump_trigger', this, 'trigger', p);
  }

  /** opal_fadump_trigger (spec step 13): crashing_cpu = PIR, then OPAL_CEC_REBOOT2(MPIPL). Queued by name. */
  trigger(p: Platform): void {
    const pir = this.crashingPir!;
    const t = p.thread(pir);
    const km = new KernelMem(p.mem, p.config.kernelEndian);
    km.w32(this.conf!.fadumphdrAddr + CrashInfoHeader.crashingCpu, Number(t.spr('PIR') & 0xffff_ffffn));
    const msg = BigInt(this.layout.panicStringAddr);
    t.setGpr(0, BigInt(OpalToken.CEC_REBOOT2));
    t.setGpr(3, OpalReboot.MPIPL);
    t.setGpr(4, msg);
    t.set(Slot.LR, kernelText(KernelText.opal_fadump_trigger + 0x20));
    t.set(Slot.NIP, kernelText(KernelText.opal_cec_reboot2));
    const rc = p.opalCall(pir, OpalToken.CEC_REBOOT2, [OpalReboot.MPIPL, msg]);
    // The real call never returns once the MPIPL (or a fallback reboot) is under way: the thread
    // stays as it entered OPAL (r0 = 116, r3 = OPAL_REBOOT_MPIPL) until its clock stops.
    if (p.goingDown()) return;
    // Back in the kernel: OPAL could not start the MPIPL (spec step 13); the panic continues.
    t.setGpr(3, rc);
    t.set(Slot.NIP, kernelText(KernelText.opal_fadump_trigger + 0x24));
    if (rc === OpalRc.UNSUPPORTED) this.log(p, 'emerg', `Reboot type ${OpalReboot.MPIPL} not supported.`);
    else if (rc === OpalRc.HARDWARE) this.log(p, 'emerg', 'No backend support for MPIPL!');
    else this.log(p, 'emerg', `OPAL_CEC_REBOOT2(MPIPL) returned ${rcName(rc)}`);
    p.requestNormalReboot(`panic: OPAL_CEC_REBOOT2(MPIPL) returned ${rcName(rc)}`);
    p.occupy(pir, PANIC_SPIN_CYCLES);
  }

  // ================================================================== capture kernel (phase G)

  protected captureBoot(p: Platform): void {
    const ctx = this.ctx(p);
    this.collected = [];
    p.advance(p.cost.captureKernelCycles);
    const scan = scanCaptureTags(ctx);
    let noDumpReason: string | undefined;
    let elfcorehdrAddr: number | undefined;
    let elfcorehdrSize = 0;
    let kernelInitiated = false;
    if (!scan.active) {
      noDumpReason = scan.reason;
    } else {
      this.dumpActive = true;
      this.dump = scan.dump;
      const r = this.fadumpProcess(ctx, scan.dump);
      kernelInitiated = r.kernelInitiated;
      if (r.ok) {
        elfcorehdrAddr = r.addr;
        elfcorehdrSize = r.size;
        p.emit('linux', 'vmcore', { elfcorehdr: hex(r.addr), size: r.size, phnum: r.phnum, loads: r.loads, cpuNotes: r.notes });
      } else {
        noDumpReason = r.reason;
        // fadump_invalidate_release_mem: the dump is dropped; user space re-registers later.
        invalidateAndCleanup(ctx);
        this.dumpActive = false;
        this.dump = undefined;
      }
    }
    if (noDumpReason !== undefined) p.emit('linux', 'vmcore', { exported: false, reason: noDumpReason });
    let opalcore: OpalCoreFile | undefined;
    if (this.options.opalCore) {
      const oc = buildOpalCore(ctx, kernelInitiated);
      if (oc.ok) {
        opalcore = oc.core;
        p.emit('linux', 'opalcore', { exported: true, size: oc.core.sizeBytes, loads: oc.core.segments.length });
      } else {
        p.emit('linux', 'opalcore', { exported: false, reason: oc.reason });
      }
    }
    this.scribble(p);
    this.captureOut = { elfcorehdrAddr, elfcorehdrSize, noDumpReason, opalcore, messages: this.collected };
    this.collected = undefined;
    // No dump was found: this kernel is a production kernel and registers at boot like any other.
    if (!scan.active) this.startRegistration(p, 0);
  }

  /** fadump_process (spec step 23): header checks, ELF core header, CPU notes, elfcorehdr_addr. */
  protected fadumpProcess(ctx: KernelCtx, dump: DumpConf): { ok: true; addr: number; size: number; phnum: number; loads: number; notes: number; kernelInitiated: boolean } | { ok: false; reason: string; kernelInitiated: boolean } {
    const hc = checkCrashInfoHeader(ctx, dump);
    if (!hc.ok) return { ok: false, reason: hc.reason, kernelInitiated: false };
    const kernelInitiated = hc.info.crashingCpu !== FADUMP_CPU_UNKNOWN;
    const phnum = 2 + dump.savedRegions + memoryAboveBootMem(ctx, dump).length;
    const hdrAlloc = allocExport(ctx, this.layout.exportBase, 64 + phnum * 56);
    if (hdrAlloc === undefined) {
      ctx.log('err', 'Failed to allocate memory for elfcorehdr (-ENOMEM)');
      return { ok: false, reason: 'elfcorehdr allocation failed', kernelInitiated };
    }
    const notes = buildCpuNotes(ctx, hc.info, readCpuMeta(ctx, dump.cpuMetaAddr), this.layout.exportEnd - hdrAlloc.next);
    if (!notes.ok) return { ok: false, reason: notes.reason, kernelInitiated };
    const notesAlloc = allocExport(ctx, hdrAlloc.next, notes.bytes.length)!;
    ctx.p.mem.writeBytes(notesAlloc.addr, notes.bytes);
    const ehdr = buildElfCoreHeader(ctx, dump, hc.info, notesAlloc.addr, notes.usedBytes);
    ctx.p.mem.writeBytes(hdrAlloc.addr, ehdr.bytes);
    return { ok: true, addr: hdrAlloc.addr, size: ehdr.bytes.length, phnum: ehdr.phnum, loads: ehdr.loads, notes: notes.notes, kernelInitiated };
  }

  /**
   * The capture kernel runs in its boot memory and dirties some of it (page cache, slab). Only
   * memory past the export area is touched, so the buffers it exports stay intact.
   */
  protected scribble(p: Platform): void {
    const pages = this.options.captureScribblePages;
    if (pages === 0) return;
    const PAGE = 4096;
    const own = bootMemoryPieces(this.options, firmwareReservedRanges(p.dt));
    if (!own.ok) return;
    const spans = own.pieces
      .map((r) => ({ start: Math.max(r.startBytes, alignUp(this.layout.exportEnd, PAGE)), end: Math.min(r.startBytes + r.sizeBytes, p.mem.sizeBytes) }))
      .filter((s) => s.end - s.start >= PAGE);
    const total = spans.reduce((n, s) => n + Math.floor((s.end - s.start) / PAGE), 0);
    if (total === 0) return;
    const rng = p.prng(`linux/scribble@${p.cycle()}`);
    const buf = new Uint8Array(PAGE);
    for (let i = 0; i < pages; i++) {
      let k = rng.int(0, total - 1);
      for (const s of spans) {
        const n = Math.floor((s.end - s.start) / PAGE);
        if (k < n) {
          rng.fill(buf);
          p.mem.writeBytes(s.start + k * PAGE, buf);
          break;
        }
        k -= n;
      }
    }
  }

  // ================================================================== release (phase H)

  release(p: Platform): void {
    if (this.panicking) return;
    const ctx = this.ctx(p);
    p.emit('linux', 'release', { dumpActive: this.dumpActive, registered: this.registered });
    if (this.dumpActive) {
      // fadump_invalidate_release_mem → opal_fadump_invalidate (FREE_PRESERVED_MEMORY) → cleanup
      // (REGISTER_TAG(KERNEL, 0)); the ELF buffers and the OPAL core go away (steps 25–26).
      invalidateAndCleanup(ctx);
      this.dumpActive = false;
      this.dump = undefined;
    }
    this.captureOut = undefined;
    if (!this.fadumpSupported || !this.fadumpEnabled) {
      this.log(p, 'warn', 'Firmware-assisted dump is not supported or disabled; not registering');
      return;
    }
    // The `registered` sysfs write (step 27): fresh metadata, then the same program as a first kernel.
    if (this.registered || (this.regStep !== 'idle' && this.regStep !== 'done')) return;
    this.startRegistration(p, p.cost.opalCallCycles);
  }
}

function kernelText(offset: number): bigint {
  return PAGE_OFFSET | BigInt(offset);
}

/** Linux logical CPU ids follow PIR order (the boot CPU, the first thread, is CPU 0). */
export function logicalCpuId(p: Platform, pir: number): number {
  const i = p.topology.threads.findIndex((t) => t.pir === pir);
  return i < 0 ? FADUMP_CPU_UNKNOWN : i;
}

/**
 * The crashing thread's pt_regs at the panic cycle (spec 4.10 words). gpr, nip, msr, ctr, link,
 * xer, ccr come from the architected state; orig_gpr3 = r3 as exception entry saves it; trap is
 * 0x700 for a program interrupt (guest trap or fault) and 0 for an injected crash (ppc_save_regs);
 * softe, dar, dsisr, result and the config-dependent tail are 0.
 */
export function ptRegsFromThread(p: Platform, pir: number, cause: CrashCause): bigint[] {
  const t = p.thread(pir);
  const w = new Array<bigint>(PT_REGS_WORDS).fill(0n);
  for (let i = 0; i < 32; i++) w[PtRegs.GPR0 + i] = t.gpr(i);
  w[PtRegs.NIP] = t.get(Slot.NIP);
  w[PtRegs.MSR] = t.get(Slot.MSR);
  w[PtRegs.ORIG_GPR3] = t.gpr(3);
  w[PtRegs.CTR] = t.get(Slot.CTR);
  w[PtRegs.LINK] = t.get(Slot.LR);
  w[PtRegs.XER] = t.get(Slot.XER);
  w[PtRegs.CCR] = BigInt(t.cr >>> 0);
  w[PtRegs.TRAP] = cause === 'injected' ? 0n : TRAP_PROGRAM;
  return w;
}
