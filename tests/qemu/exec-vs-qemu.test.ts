/**
 * `mpipl-sim exec` against qemu-user on whole programs: every committed user workload ELF
 * (stdout and exit status must be equal), plus small hand-made programs for behaviours the
 * random sequences cannot reach (straight-line code running across a page boundary).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as asm from '../helpers/ppc-asm.js';
import { PF_R, PF_X, writeElf64, type Endian } from '../helpers/elf64.js';
import { loadExecCommand, QEMU_FOR, runExec, runQemu, tempDir, writeTemp } from '../helpers/runners.js';
import { requireTool } from '../helpers/tools.js';
import { readManifest, workloadPath } from '../helpers/workloads.js';

const exec = await loadExecCommand();
if (exec === undefined) process.stderr.write('exec-vs-qemu: sim/cli/commands/exec.ts not present yet; exec comparisons skipped\n');
const manifest = readManifest();
const SYS_EXIT_GROUP = 234;
const PAGE_BYTES = 4096;
const CODE_VADDR = 0x1000_0000n;

describe('committed workload ELFs match the manifest', () => {
  it.each(manifest.elfs.map((e) => [e.file, e] as const))('%s', (_name, e) => {
    const sha = createHash('sha256').update(readFileSync(workloadPath(e))).digest('hex');
    expect(sha).toBe(e.sha256);
  });
});

for (const endian of ['le', 'be'] as Endian[]) {
  const qemu = requireTool(QEMU_FOR[endian]);
  describe.skipIf(!qemu.available)(`user workloads, ${endian}`, () => {
    const users = manifest.elfs.filter((e) => e.kind === 'user' && e.endian === endian);

    it.each(users.map((e) => [e.workload, e] as const))('%s under qemu prints its checksum line and exits with checksum & 0xff', (name, e) => {
      const r = runQemu(qemu.path, workloadPath(e));
      const line = Buffer.from(r.stdout).toString('latin1');
      const m = /^(\w+) iterations=0x[0-9a-f]{16} checksum=0x([0-9a-f]{16}) arena=0x[0-9a-f]{16}\n$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe(name);
      expect(r.status).toBe(Number(BigInt(`0x${m![2]}`) & 0xffn));
    });

    it.skipIf(exec === undefined).each(users.map((e) => [e.workload, e] as const))('%s: exec output and status equal qemu', async (_n, e) => {
      const ref = runQemu(qemu.path, workloadPath(e));
      const ours = await runExec(exec!, workloadPath(e));
      expect(ours.stderr).toBe('');
      expect(Buffer.from(ours.stdout).toString('latin1')).toBe(Buffer.from(ref.stdout).toString('latin1'));
      expect(ours.status).toBe(ref.status);
    });
  });

  describe.skipIf(!qemu.available || exec === undefined)(`hand-made programs, ${endian}`, () => {
    const tmp = tempDir('mpipl-exec-vs-qemu-');
    afterAll(() => tmp.cleanup());

    it('straight-line code falling through from one 4 KiB page into the next', async () => {
      // li r3,1 at the start of page 0, nops to its end, then addi r3,r3,41 as the first word of
      // page 1: exit status 42 only if page 1's first instruction is the one executed there.
      const words = [asm.li(3, 1)];
      while (words.length < PAGE_BYTES / 4) words.push(asm.nop());
      words.push(asm.addi(3, 3, 41), asm.li(0, SYS_EXIT_GROUP), asm.sc());
      const elf = writeElf64({
        endian,
        entry: CODE_VADDR,
        segments: [{ vaddr: CODE_VADDR, data: asm.wordsToBytes(words, endian === 'le'), flags: PF_R | PF_X }],
      });
      const path = writeTemp(tmp.dir, `page-cross-${endian}.elf`, elf);
      const ref = runQemu(qemu.path, path);
      expect(ref.status).toBe(42);
      const ours = await runExec(exec!, path);
      expect({ status: ours.status, stderr: ours.stderr }).toEqual({ status: 42, stderr: '' });
    });
  });
}
