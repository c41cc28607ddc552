/**
 * The MPIPL workload images, run in user mode through tests/helpers/mpipl-wrapper.ts: the
 * register contract is honoured (OPAL called every 64 iterations with token 80, progress slot
 * counting iterations, `trap` at iteration r7), and `mpipl-sim exec` produces the same arena
 * bytes and the same trap as qemu-user.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readElf64, type Endian } from '../helpers/elf64.js';
import { buildMpiplWrapperElf, OPAL_CALL_PERIOD } from '../helpers/mpipl-wrapper.js';
import { loadExecCommand, QEMU_FOR, runExec, runQemu, tempDir, writeTemp } from '../helpers/runners.js';
import { requireTool } from '../helpers/tools.js';
import { MPIPL_LOAD_ADDRESS, readManifest, workloadPath } from '../helpers/workloads.js';
import { readFileSync } from 'node:fs';

const exec = await loadExecCommand();
const manifest = readManifest();
const SEED = 0x1234_5678_9abc_def0n;
const OPAL_CALLS = 4;
const TRAP_AFTER_ITERATIONS = 100n;
/** Linux's signal number for SIGTRAP; exec reports 128 + signal like a shell. */
const SIGTRAP = 5;

for (const endian of ['le', 'be'] as Endian[]) {
  const qemu = requireTool(QEMU_FOR[endian]);
  describe.skipIf(!qemu.available)(`MPIPL workloads in user mode, ${endian}`, () => {
    const tmp = tempDir('mpipl-wl-');
    afterAll(() => tmp.cleanup());
    const images = manifest.elfs.filter((e) => e.kind === 'mpipl' && e.endian === endian);

    it.each(images.map((e) => [e.workload, e] as const))('%s is one R+X segment at the fixed load address', (_n, e) => {
      const img = readElf64(readFileSync(workloadPath(e)));
      expect(img.endian).toBe(endian);
      expect(img.entry).toBe(MPIPL_LOAD_ADDRESS);
      expect(img.segments.map((s) => ({ vaddr: s.vaddr, paddr: s.paddr, flags: s.flags }))).toEqual([
        { vaddr: MPIPL_LOAD_ADDRESS, paddr: MPIPL_LOAD_ADDRESS, flags: 5 },
      ]);
    });

    it.each(images.map((e) => [e.workload, e] as const))('%s: OPAL calls every 64 iterations; exec arena equals qemu', async (_n, e) => {
      const elf = buildMpiplWrapperElf(readFileSync(workloadPath(e)), { seed: SEED, opalCallsBeforeDump: OPAL_CALLS, trapAfter: 0n });
      const path = writeTemp(tmp.dir, `opal-${e.workload}-${endian}.elf`, elf);
      const ref = runQemu(qemu.path, path, tmp.dir);
      expect(ref.status, ref.stderr).toBe(0);
      // Progress slot: iterations completed when the OPAL_CALLS-th call was made.
      const dv = new DataView(ref.stdout.buffer, ref.stdout.byteOffset, ref.stdout.byteLength);
      expect(dv.getBigUint64(0, endian === 'le')).toBe(BigInt(OPAL_CALLS * OPAL_CALL_PERIOD));
      if (exec === undefined) return;
      const ours = await runExec(exec, path);
      expect(ours.stderr).toBe('');
      expect(ours.status).toBe(0);
      expect(Buffer.from(ours.stdout).equals(Buffer.from(ref.stdout)), 'arena bytes differ').toBe(true);
    });

    it.each(images.map((e) => [e.workload, e] as const))('%s: traps at iteration r7, under qemu and exec', async (_n, e) => {
      const elf = buildMpiplWrapperElf(readFileSync(workloadPath(e)), { seed: SEED, trapAfter: TRAP_AFTER_ITERATIONS });
      const path = writeTemp(tmp.dir, `trap-${e.workload}-${endian}.elf`, elf);
      const ref = runQemu(qemu.path, path, tmp.dir);
      expect(ref.signal).toBe('SIGTRAP');
      if (exec === undefined) return;
      const ours = await runExec(exec, path);
      expect(ours.status).toBe(128 + SIGTRAP);
    });
  });
}
