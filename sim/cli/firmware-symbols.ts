/**
 * Which instructions of a trace are firmware, and where in the firmware they are: `inspect` (its
 * `fw PIR` lane) and `report` (its firmware lanes and call table) both ask this of a trace's
 * `full`-level instruction records, and must agree.
 *
 * Coupled time records firmware instructions exactly as guest ones (same record, the thread's
 * PIR), so the only way to tell them apart is the address: an instruction is firmware when its
 * NIP (real address) lies in a loaded segment of one of the ELFs the header names. Those ELFs are
 * known by their SHA-256 only, so this works when this build has the very bytes (the header's
 * firmware profile, e.g. `reference-elf`, loads and registers them); otherwise nothing is firmware
 * and the tools show the instructions as plain CPU ones.
 */
import type { TraceHeader } from '../../traces/format.js';
import type { FirmwareElf } from '../firmware-elf/loader.js';
import { resolveProfile } from '../firmware/profiles.js';
import { registeredElf } from '../firmware-elf/participants.js';
import { scenarioFromHeader } from './recording.js';

export interface FirmwareSymbol {
  /** The ELF's participant (`skiboot`, `hostboot`). */
  readonly participant: string;
  /** The function (symbol) holding the instruction; the hex address when no symbol covers it. */
  readonly func: string;
  /** `participant:symbol+0xoff`, as inspect prints it. */
  readonly text: string;
}

/** The firmware symbol of an instruction address, or undefined (guest code, unknown firmware). */
export type FirmwareSymbolizer = (nip: bigint) => FirmwareSymbol | undefined;

/** Real address: the top bits of an effective address (HRMOR and friends) are not part of it. */
const REAL = 0x0fff_ffff_ffff_ffffn;

/**
 * The trace's firmware ELFs, when this build has the very bytes the header names: a symboliser
 * for instructions inside their segments.
 */
export function firmwareSymbolizer(h: TraceHeader): FirmwareSymbolizer {
  const recorded = h.firmwareElfs ?? [];
  if (recorded.length === 0) return () => undefined;
  const elfs: FirmwareElf[] = [];
  try {
    resolveProfile(h.firmware.name)(scenarioFromHeader(h));
    for (const r of recorded) {
      const elf = registeredElf(r.participant, r.sha256);
      if (elf !== undefined) elfs.push(elf);
    }
  } catch {
    return () => undefined; // another build's firmware: instructions are shown without symbols
  }
  if (elfs.length === 0) return () => undefined;
  return (nip) => {
    const real = Number(nip & REAL);
    const elf = elfs.find((e) => e.loads.some((l) => real >= l.start && real < l.start + l.memSizeBytes));
    if (elf === undefined) return undefined;
    const symbol = elf.symbols.symbolize(nip);
    // symbolize says `name` or `name+0xoff`; the function is the part before the offset.
    const plus = symbol.lastIndexOf('+0x');
    return { participant: elf.participant, func: plus < 0 ? symbol : symbol.slice(0, plus), text: `${elf.participant}:${symbol}` };
  };
}
