/**
 * The pieces every built-in mutant is made of, exported for firmware plugins too
 * (docs/firmware-plugins.md): a platform or memory with one member replaced (the copy engine), a
 * reference profile with participants swapped, and the register-record rewriter.
 */
import type { FirmwareProfile } from '../participants/firmware.js';
import type { Platform } from '../participants/platform.js';
import type { PhysicalMemory } from '../mem/physical-memory.js';
import type { SkibootOptions } from '../participants/skiboot/skiboot.js';
import { HRMOR_BIT, ProcDumpArea, RegEntry, SkibootMap, ThreadHdr } from '../participants/layout.js';
import { digestText } from '../core/digest.js';
import type { ScenarioSpec } from '../scenario/scenario.js';
import { REFERENCE_MODEL_VERSION, referenceProfile } from './profiles.js';

export type MutantParticipant = 'sbe' | 'hostboot' | 'skiboot' | 'linux';

export interface Mutant {
  readonly name: string;
  /** The bug, in one line of the spec's vocabulary. */
  readonly description: string;
  readonly participant: MutantParticipant;
  make(spec: ScenarioSpec): FirmwareProfile;
}


/**
 * The platform as one participant sees it, with some members replaced. Every other member is the
 * machine's own, called on the machine (a Proxy, not a copy, so the clock and memory stay shared).
 */
export function platformWith(p: Platform, over: Partial<Platform>): Platform {
  return new Proxy(p, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(over, key)) return over[key as keyof Platform];
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Physical memory whose `copy` behaves differently (the hostboot copy engine). */
export function memWithCopy(mem: PhysicalMemory, copy: (to: number, from: number, sizeBytes: number) => void): PhysicalMemory {
  return new Proxy(mem, {
    get(target, key) {
      if (key === 'copy') return copy;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A reference profile with some participants replaced; the content hash names the mutant. */
export function mutantProfile(name: string, spec: ScenarioSpec, over: Partial<FirmwareProfile>): FirmwareProfile {
  return { ...referenceProfile(spec), ...over, name: `mutant:${name}`, contentHash: digestText(`${REFERENCE_MODEL_VERSION}+mutant:${name}`) };
}

export function skibootOptionsOf(spec: ScenarioSpec): SkibootOptions {
  return spec.faults.allocSizeBytes === undefined ? {} : { allocSizeBytes: spec.faults.allocSizeBytes };
}

export interface RegRecord {
  pir: number;
  coreState: number;
  offset: number;
  entries: { type: number; num: number; value: bigint }[];
}

/**
 * Rewrite the register records the reference hostboot just wrote (spec 4.4–4.6), thread by
 * thread, keeping the published stride (thread_size). Entries past the new count are zeroed.
 */
export function rewriteRecords(p: Platform, base: number, edit: (r: RegRecord, index: number) => void): void {
  const area = base + SkibootMap.PROC_DUMP_AREA_OFF;
  const dest = Number(p.mem.read64BE(area + ProcDumpArea.destAddr) & ~HRMOR_BIT);
  const actSize = p.mem.read32BE(area + ProcDumpArea.actSize);
  const threadSize = p.mem.read32BE(area + ProcDumpArea.threadSize);
  if (dest === 0 || actSize === 0 || threadSize === 0) return;
  for (let i = 0; i < actSize / threadSize; i++) {
    const at = dest + i * threadSize;
    const ecnt = p.mem.read32BE(at + ThreadHdr.ecnt);
    const first = at + 8 + p.mem.read32BE(at + ThreadHdr.offset);
    const r: RegRecord = {
      pir: p.mem.read32BE(at + ThreadHdr.pir),
      coreState: p.mem.read8(at + ThreadHdr.coreState),
      offset: p.mem.read32BE(at + ThreadHdr.offset),
      entries: Array.from({ length: ecnt }, (_, k) => {
        const e = first + k * RegEntry.SIZE;
        return { type: p.mem.read32BE(e + RegEntry.regType), num: p.mem.read32BE(e + RegEntry.regNum), value: p.mem.read64BE(e + RegEntry.regVal) };
      }),
    };
    edit(r, i);
    p.mem.fill(at + ThreadHdr.SIZE, threadSize - ThreadHdr.SIZE, 0);
    p.mem.write32BE(at + ThreadHdr.pir, r.pir);
    p.mem.write8(at + ThreadHdr.coreState, r.coreState);
    p.mem.write32BE(at + ThreadHdr.offset, r.offset);
    p.mem.write32BE(at + ThreadHdr.ecnt, r.entries.length);
    // Entries stay right after the header, whatever `offset` now claims.
    r.entries.forEach((e, k) => {
      const w = at + ThreadHdr.SIZE + k * RegEntry.SIZE;
      p.mem.write32BE(w + RegEntry.regType, e.type);
      p.mem.write32BE(w + RegEntry.regNum, e.num);
      p.mem.write64BE(w + RegEntry.regVal, e.value);
    });
  }
}

