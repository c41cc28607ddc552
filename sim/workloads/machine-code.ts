/**
 * Machine-code workloads in MPIPL scenarios: at each kernel boot the harness loads one bundled
 * workload image (the kernel "starts a program") and every thread runs it in hypervisor real mode
 * on its own arena, through the Power ISA interpreter.
 *
 * Register contract (workloads/src/common/start-mpipl.S): r1 = stack top inside the arena,
 * r3 = arena base, r4 = arena bytes, r5 = seed, r6 = opal-entry-address, r7 = trap after N
 * iterations (0 = never). A branch to r6 is an OPAL call; `trap` enters the kernel's panic path.
 */
import { Interpreter } from '../cpu/interpreter.js';
import { MSR, Slot } from '../cpu/state.js';
import type { Executor } from '../cpu/executor.js';
import type { Machine } from '../machine/machine.js';
import { loadElf64, parseElf64, type ElfImage } from '../elf/elf64.js';
import type { WorkloadImage } from './bundled.js';

export interface MachineCodeWorkload {
  readonly image: WorkloadImage;
  /** Per PIR: trap after this many iterations (guest-initiated crash); absent = never. */
  readonly trapAfterIterations: ReadonlyMap<number, number>;
}

const parsed = new WeakMap<Uint8Array, ElfImage>();

function elfOf(image: WorkloadImage): ElfImage {
  let e = parsed.get(image.bytes);
  if (e === undefined) {
    e = parseElf64(image.bytes);
    parsed.set(image.bytes, e);
  }
  return e;
}

/** Load the workload image for this boot (idempotent per boot: the image is the same bytes). */
export function loadWorkloadImage(m: Machine, image: WorkloadImage): void {
  loadElf64(elfOf(image), m.mem);
}

/** Set up one thread to run the loaded image on `arena` and return its interpreter. */
export function startMachineCodeThread(m: Machine, pir: number, arena: { base: number; sizeBytes: number }, w: MachineCodeWorkload): Executor {
  const elf = elfOf(w.image);
  const t = m.thread(pir);
  const prng = m.prng(`workload/boot${m.bootCount}/pir${pir}`);
  // The IPL reset the thread; the kernel starting the program sets only what the contract names.
  t.set(Slot.MSR, MSR.SF | MSR.HV | MSR.ME | (elf.littleEndian ? MSR.LE : 0n));
  t.setGpr(1, BigInt(arena.base + arena.sizeBytes - 64));
  t.setGpr(3, BigInt(arena.base));
  t.setGpr(4, BigInt(arena.sizeBytes));
  t.setGpr(5, prng.u64());
  t.setGpr(6, m.opalEntryAddress());
  t.setGpr(7, BigInt(w.trapAfterIterations.get(pir) ?? 0));
  t.set(Slot.NIP, elf.entry);
  return new Interpreter({ opalEntryAddress: m.opalEntryAddress() });
}
