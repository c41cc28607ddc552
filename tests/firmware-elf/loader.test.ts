/**
 * Loading firmware ELFs: what the loader accepts (either byte order, ELFv1 or ELFv2, a skiboot
 * ELF anywhere in the skiboot region clear of the fixed tables, a hostboot ELF in its window) and
 * the one-line rejections (exit 2 through the CLI): wrong machine, not ET_EXEC, segments outside
 * the participant's window or over a fixed table, no entry point, a stripped file.
 */
import { describe, expect, it } from 'vitest';
import { loadFirmwareElf } from '../../sim/firmware-elf/loader.js';
import { UsageError } from '../../sim/core/errors.js';
import { FW_HOSTBOOT_BASE } from '../../sim/firmware-elf/abi.js';
import { blr, li } from '../helpers/ppc-asm.js';
import { buildFwElf, type FwElfSpec } from './fw-elf.js';

const opal = { name: 'mpipl_fw_opal_call', words: [li(3, 0), blr()] };
const base: FwElfSpec = { textBase: 0x3002_0000n, functions: [opal] };

function reject(spec: FwElfSpec, participant: 'skiboot' | 'hostboot' = 'skiboot'): string {
  try {
    loadFirmwareElf(participant, buildFwElf(spec).bytes, 'x.elf');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('accepted');
}

describe('firmware ELF loader', () => {
  it.each([
    ['big-endian ELFv2', 'be', 2],
    ['little-endian ELFv2', 'le', 2],
    ['big-endian ELFv1', 'be', 1],
  ] as const)('accepts a %s skiboot ELF and finds its entry points by symbol', (_n, endian, abi) => {
    const built = buildFwElf({ ...base, endian, abi, functions: [{ name: 'helper', words: [blr()] }, opal, { name: 'mpipl_fw_init', words: [blr()] }] });
    const elf = loadFirmwareElf('skiboot', built.bytes, 'x.elf');
    expect([...elf.entries.keys()].sort()).toEqual(['mpipl_fw_init', 'mpipl_fw_opal_call']);
    expect(elf.entries.get('mpipl_fw_opal_call')!.code).toBe(built.code.get('mpipl_fw_opal_call'));
    expect(elf.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(elf.image.littleEndian).toBe(endian === 'le');
  });

  it('accepts a hostboot ELF in its private window', () => {
    const elf = loadFirmwareElf('hostboot', buildFwElf({ textBase: BigInt(FW_HOSTBOOT_BASE), functions: [{ name: 'mpipl_fw_normal_ipl', words: [blr()] }] }).bytes, 'hb.elf');
    expect([...elf.entries.keys()]).toEqual(['mpipl_fw_normal_ipl']);
  });

  it('rejects the wrong machine', () => {
    expect(reject({ ...base, machine: 62 })).toBe('--firmware-elf skiboot=x.elf: wrong machine: e_machine 62 (x86-64), expected 21 (PowerPC64)');
  });

  it('rejects what is not ET_EXEC', () => {
    expect(reject({ ...base, type: 3 })).toBe('--firmware-elf skiboot=x.elf: not a static executable: e_type 3, expected 2 (ET_EXEC)');
  });

  it('rejects segments outside the participant window', () => {
    expect(reject({ ...base, textBase: 0x0400_0000n })).toMatch(/^--firmware-elf skiboot=x\.elf: segment 0 at 0x4000000 \(0x8 bytes\) is outside the skiboot region \[0x30000000, 0x31c10000\)$/);
    expect(reject(base, 'hostboot')).toMatch(/segment 0 at 0x30020000 \(0x8 bytes\) is outside the hostboot window \[0x700000000000, 0x700004000000\)/);
    // The skiboot region's end is SKIBOOT_BASE + SKIBOOT_SIZE: the CPU stacks above are not for segments.
    expect(reject({ ...base, textBase: 0x31c1_0000n })).toMatch(/outside the skiboot region/);
  });

  it.each([
    ['SPIRA-H', 0x3001_0000n],
    ['MDST', 0x3001_0000n + 0xc00n],
    ['the in-memory consoles', 0x3100_0000n],
    ['MDRT', 0x31c0_0000n],
    ['the metadata area', 0x31c0_8000n],
  ])('rejects a skiboot segment over %s', (what, at) => {
    // Segments are page aligned: MDST's page also holds the processor dump area's tail, so either may be named.
    const msg = reject({ ...base, textBase: at & ~0xfffn });
    expect(msg).toMatch(/overlaps /);
    if (what !== 'MDST') expect(msg).toContain(`overlaps ${what}`);
  });

  it('rejects an ELF with no entry point, and says so for a stripped one', () => {
    expect(reject({ ...base, functions: [{ name: 'helper', words: [blr()] }] })).toBe(
      '--firmware-elf skiboot=x.elf: no entry point: none of mpipl_fw_reserve_mem, mpipl_fw_init, mpipl_fw_opal_call, mpipl_fw_terminate is in .symtab',
    );
    expect(reject({ ...base, stripped: true })).toMatch(/no entry point: .*the file has no symbol table; is it stripped\?\)$/);
    // hostboot entry points are hostboot's: a skiboot symbol does not count.
    expect(reject({ textBase: BigInt(FW_HOSTBOOT_BASE), functions: [opal] }, 'hostboot')).toMatch(/none of mpipl_fw_mpipl_ipl, mpipl_fw_normal_ipl/);
  });

  it('rejects truncated and non-ELF input', () => {
    const bytes = buildFwElf(base).bytes;
    expect(() => loadFirmwareElf('skiboot', bytes.subarray(0, 40), 't.elf')).toThrow(/^--firmware-elf skiboot=t\.elf: truncated ELF file/);
    expect(() => loadFirmwareElf('skiboot', new TextEncoder().encode('#!/bin/sh\necho not an ELF file at all\n'), 't.elf')).toThrow(/not an ELF file/);
  });
});
