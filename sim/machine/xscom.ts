/**
 * The XSCOM address space of each chip. Devices (the SBE) register ranges of 64-bit registers;
 * an access nobody answers is an XSCOM error, which firmware sees as a failed access (skiboot's
 * xscom_write returns an error and p9_sbe_terminate gives up), never a simulator crash.
 */

export interface XscomDevice {
  read(chip: number, address: number): bigint | undefined;
  /** Returns false when the write is refused (the firmware sees an XSCOM error). */
  write(chip: number, address: number, value: bigint): boolean;
}

interface Mapping {
  readonly chip: number;
  readonly first: number;
  readonly last: number;
  readonly device: XscomDevice;
}

/** Sees every access (the machine turns them into xscom-read / xscom-write trace events). */
export type XscomObserver = (chip: number, address: number, write: boolean, value: bigint | undefined, ok: boolean) => void;

export class XscomBus {
  private readonly maps: Mapping[] = [];
  observer: XscomObserver = () => {};

  map(chip: number, first: number, count: number, device: XscomDevice): void {
    const last = first + count - 1;
    for (const m of this.maps) {
      if (m.chip === chip && first <= m.last && m.first <= last) {
        throw new Error(`xscom: chip ${chip} range 0x${first.toString(16)} overlaps an existing mapping`);
      }
    }
    this.maps.push({ chip, first, last, device });
  }

  private find(chip: number, address: number): Mapping | undefined {
    return this.maps.find((m) => m.chip === chip && address >= m.first && address <= m.last);
  }

  /** undefined = XSCOM error. */
  read(chip: number, address: number): bigint | undefined {
    const v = this.find(chip, address)?.device.read(chip, address);
    this.observer(chip, address, false, v, v !== undefined);
    return v;
  }

  write(chip: number, address: number, value: bigint): boolean {
    const m = this.find(chip, address);
    const ok = m === undefined ? false : m.device.write(chip, address, value);
    this.observer(chip, address, true, value, ok);
    return ok;
  }
}
