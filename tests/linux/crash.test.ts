import { describe, expect, it } from 'vitest';
import { FakePlatform, setupDeviceTree } from './fake-platform.js';
import { bootKernel, setThreadRegs } from './scenario.js';
import { OpalRc, OpalToken } from '../../sim/participants/opal-api.js';
import { Slot } from '../../sim/cpu/state.js';
import { PANIC_SPIN_CYCLES } from '../../sim/participants/linux/kernel.js';

function registered(endian: 'little' | 'big' = 'little') {
  const p = new FakePlatform({ kernelEndian: endian, chips: 2 });
  setupDeviceTree(p.dt);
  const k = bootKernel(p);
  p.runAll();
  expect(k.dumpRegistered).toBe(true);
  p.opal.calls = [];
  return { p, k };
}

describe('crash path (spec phase C)', () => {
  it('without fadump registered: a normal panic and reboot', () => {
    const p = new FakePlatform();
    setupDeviceTree(p.dt);
    const k = bootKernel(p);
    k.panic(p, 1, 'injected'); // before any registration step ran
    p.runAll();
    expect(p.normalReboots).toEqual(['panic without fadump']);
    expect(p.opal.calls).toHaveLength(0); // registration stops once the kernel panicked
  });

  for (const endian of ['little', 'big'] as const) {
    it(`saves the panic-cycle registers, then PIR, then calls OPAL_CEC_REBOOT2(MPIPL) (${endian})`, () => {
      const { p, k } = registered(endian);
      const le = endian === 'little';
      const pir = 0x101; // chip 1, core 0, thread 1: logical CPU 9
      const words = setThreadRegs(p, pir);
      words[40] = 0x700n;
      const h = k.conf!.fadumphdrAddr;
      const t0 = p.cycle();
      k.panic(p, pir, 'guest-trap');
      const hdr = (): DataView => new DataView(p.mem.readBytes(h, 0x28 + 384 + 256).buffer);
      expect(hdr().getUint32(0xc, le)).toBe(9); // logical id first (step 12)
      for (let w = 0; w < 48; w++) expect(hdr().getBigUint64(0x28 + 8 * w, le), `word ${w}`).toBe(words[w]);
      expect(hdr().getBigUint64(0x28 + 384, le)).toBe(0xffffn); // online mask, 16 CPUs
      expect(p.occupied).toContainEqual({ pir, cycles: p.cost.linuxCrashPathCycles });
      expect(p.opal.calls).toHaveLength(0);
      // The kernel code now runs on the thread: its registers move away from the panic values.
      expect(p.thread(pir).get(Slot.NIP)).not.toBe(words[32]);
      p.runAll();
      expect(p.cycle()).toBe(t0 + p.cost.linuxCrashPathCycles);
      expect(hdr().getUint32(0xc, le)).toBe(0x101); // PIR (step 13)
      const cec = p.opal.of(OpalToken.CEC_REBOOT2);
      expect(cec).toHaveLength(1);
      expect(cec[0]!.args[0]).toBe(3n);
      expect(cec[0]!.pir).toBe(pir);
      const t = p.thread(pir);
      expect(t.gpr(0)).toBe(116n);
      expect(t.gpr(3)).toBe(3n); // OPAL did not return: still the call's arguments
      expect(p.normalReboots).toHaveLength(0);
      expect(t.get(Slot.NIP) >> 60n).toBe(0xcn);
      expect(t.get(Slot.LR)).not.toBe(words[36]);
      // The CRASHTIME of the vmcoreinfo note was stamped at the panic cycle.
      const vmci = new TextDecoder().decode(p.mem.readBytes(k.vmcoreinfo!.addr, k.vmcoreinfo!.sizeBytes));
      expect(vmci).toContain(`CRASHTIME=${String(t0).padStart(20, '0')}`);
    });
  }

  it('injected crashes save trap 0; a second panicking CPU only spins', () => {
    const { p, k } = registered();
    setThreadRegs(p, 4);
    k.panic(p, 4, 'injected');
    k.panic(p, 7, 'guest-fault');
    p.runAll();
    expect(p.mem.read64LE(k.conf!.fadumphdrAddr + 0x28 + 8 * 40)).toBe(0n);
    expect(p.mem.read32LE(k.conf!.fadumphdrAddr + 0xc)).toBe(4);
    expect(p.opal.of(OpalToken.CEC_REBOOT2)).toHaveLength(1);
    expect(p.occupied).toContainEqual({ pir: 7, cycles: PANIC_SPIN_CYCLES });
  });

  const returns: [bigint, string][] = [
    [OpalRc.UNSUPPORTED, 'Reboot type 3 not supported.'],
    [OpalRc.HARDWARE, 'No backend support for MPIPL!'],
    [OpalRc.PARAMETER, 'OPAL_CEC_REBOOT2(MPIPL) returned OPAL_PARAMETER'],
  ];
  it('OPAL_CEC_REBOOT2 returning without the machine going down: the panic continues to a normal reboot', () => {
    const { p, k } = registered();
    p.opal.cecStartsMpipl = false;
    k.panic(p, 1, 'guest-trap');
    p.runAll();
    expect(p.hasLog('OPAL_CEC_REBOOT2(MPIPL) returned OPAL_SUCCESS')).toBe(true);
    expect(p.normalReboots).toHaveLength(1);
    expect(p.thread(1).gpr(3)).toBe(0n);
  });

  for (const [rc, msg] of returns) {
    it(`OPAL_CEC_REBOOT2 returning ${rc}: "${msg}" and a normal reboot`, () => {
      const { p, k } = registered();
      p.opal.cecRc = rc;
      k.panic(p, 1, 'guest-trap');
      p.runAll();
      expect(p.hasLog(msg)).toBe(true);
      expect(p.normalReboots).toHaveLength(1);
      expect(p.thread(1).gpr(3)).toBe(BigInt.asUintN(64, rc));
    });
  }
});
