/**
 * Shared pieces of the bisect tests: commands run in-process with the exit-code mapping of
 * sim/cli/main.ts (the lead wires the commands there), sabotaged firmware whose divergence or
 * failure cycle is known by construction, and temporary directories.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../../sim/cli/io.js';
import { CannotTestError, ExitCode, UsageError } from '../../sim/core/errors.js';
import type { FirmwareProfile } from '../../sim/participants/firmware.js';
import type { ProfileFactory } from '../../sim/firmware/profiles.js';
import { referenceProfile } from '../../sim/firmware/profiles.js';
import type { ScenarioSpec } from '../../sim/scenario/scenario.js';
import { TamperedLinux, type Tamper } from '../helpers/tampered-linux.js';
export { TamperedLinux };

export interface CmdRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command as main.ts does: UsageError → one line on stderr and 2, CannotTestError → 125. */
export async function runCmd(cmd: Command, argv: string[]): Promise<CmdRun> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s: string | Uint8Array) => void (stdout += typeof s === 'string' ? s : Buffer.from(s).toString('latin1')),
    stderr: (s: string) => void (stderr += s),
    isTty: false,
  };
  try {
    return { code: await cmd(argv, io), stdout, stderr };
  } catch (e) {
    if (e instanceof UsageError) return { code: ExitCode.usage, stdout, stderr: `${stderr}mpipl-sim: ${e.message}\n` };
    if (e instanceof CannotTestError) return { code: ExitCode.cannotTest, stdout, stderr: `${stderr}mpipl-sim: ${e.message}\n` };
    throw e;
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mpipl-bisect-'));
}


/** `perRun` is called once per profile, i.e. once per run, so a tamper can keep per-run state. */
function withLinux(name: string, perRun: () => Tamper): ProfileFactory {
  return (spec: ScenarioSpec): FirmwareProfile => {
    const base = referenceProfile(spec);
    const tamper = perRun();
    return { ...base, name, makeLinux: () => new TamperedLinux(base.makeLinux(), tamper) };
  };
}

/**
 * A first kernel that, `delayCycles` after it boots, silently flips one byte of memory and one
 * GPR of the boot thread — no event — so the state diverges at exactly bootCycle + delayCycles.
 */
export function silentFlip(delayCycles: number, address: number, pir: number): { factory: ProfileFactory; bootCycles: Set<number> } {
  const bootCycles = new Set<number>();
  const factory = withLinux('sabotaged:silent-flip', () => {
    let boots = 0;
    return {
      afterBoot: (p) => {
        if (boots++ > 0) return; // the first kernel only
        bootCycles.add(p.cycle());
        p.schedule(delayCycles, 'sabotage', () => {
          p.mem.write8(address, p.mem.read8(address) ^ 0x5a);
          const t = p.thread(pir);
          t.setGpr(20, t.gpr(20) ^ 0xdead_beefn);
        });
      },
    };
  });
  return { factory, bootCycles };
}

/** A kernel whose panic corrupts a saved register when `breaks(panicCycle)`: crash-info fails there. */
export function panicBreaksWhen(breaks: (cycle: number) => boolean): ProfileFactory {
  return withLinux('sabotaged:panic-breaks', () => ({
    beforePanic: (p, pir) => {
      if (breaks(p.cycle())) p.thread(pir).setGpr(7, 0xbadn);
    },
  }));
}
