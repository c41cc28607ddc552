/**
 * A checkstop: the machine stops dead where it is — every thread, every queued action — and no
 * dump is taken from that point (there is no MPIPL out of a checkstop). A participant raises it
 * by throwing MachineCheckstop from inside whatever call it is in (a firmware ELF's fault,
 * sim/firmware-elf/runner.ts); the machine catches it at its two entry points (power-on and the
 * scheduler loop), records the reason and tells its hooks, so the oracle can name it.
 */
export class MachineCheckstop extends Error {
  override readonly name = 'MachineCheckstop';
  constructor(readonly reason: string) {
    super(`checkstop: ${reason}`);
  }
}
