/**
 * Tiny firmware ELFs for the tests: functions as hand-encoded words (tests/helpers/ppc-asm.ts),
 * laid out in one text segment, with a `.symtab` so the loader finds the entry points by name.
 * ELFv2 (symbols are code addresses) or ELFv1 (symbols are `.opd` descriptors in a data segment).
 *
 * The program headers come from tests/helpers/elf64.ts; this appends `.symtab`, `.strtab`,
 * `.shstrtab` and the section headers, independently of sim/elf (a shared bug cannot hide).
 */
import { writeElf64, PF_R, PF_W, PF_X, type Endian, type Segment } from '../helpers/elf64.js';
import { wordsToBytes } from '../helpers/ppc-asm.js';

export const CALLTHRU = 0x000e_aeb0;
export const ATTN = 0x0000_0200;

export interface FwFunction {
  readonly name: string;
  readonly words: readonly number[];
}

export interface FwElfSpec {
  readonly endian?: Endian;
  readonly abi?: 1 | 2;
  /** Where the text segment goes (page aligned). */
  readonly textBase: bigint;
  readonly functions: readonly FwFunction[];
  /** Extra data segments (e.g. strings), with symbols naming their starts. */
  readonly data?: readonly { readonly vaddr: bigint; readonly bytes: Uint8Array; readonly name?: string; readonly memBytes?: number }[];
  /** Extra absolute-address symbols (e.g. __fw_stack_top). */
  readonly symbols?: readonly { readonly name: string; readonly value: bigint }[];
  /** Omit the section headers (a stripped file). */
  readonly stripped?: boolean;
  /** Override e_machine / e_type after writing (rejection tests). */
  readonly machine?: number;
  readonly type?: number;
}

export interface BuiltFw {
  readonly bytes: Uint8Array;
  /** Code address of each function. */
  readonly code: ReadonlyMap<string, bigint>;
}

const STT_OBJECT = 1;
const STT_FUNC = 2;
const STB_GLOBAL = 1;

export function buildFwElf(spec: FwElfSpec): BuiltFw {
  const endian = spec.endian ?? 'be';
  const le = endian === 'le';
  const abi = spec.abi ?? 2;
  const code = new Map<string, bigint>();
  const words: number[] = [];
  const sizes = new Map<string, number>();
  for (const f of spec.functions) {
    code.set(f.name, spec.textBase + BigInt(4 * words.length));
    sizes.set(f.name, 4 * f.words.length);
    words.push(...f.words);
  }
  const segments: Segment[] = [{ vaddr: spec.textBase, data: wordsToBytes(words, le), flags: PF_R | PF_X }];
  const syms: { name: string; value: bigint; size: number; type: number; shndx: number }[] = [];
  if (abi === 1) {
    // Descriptors {code, toc, env} one page above the text.
    const opdBase = spec.textBase + BigInt(Math.ceil((4 * words.length) / 0x1000 + 1) * 0x1000);
    const opd = new Uint8Array(24 * spec.functions.length);
    const dv = new DataView(opd.buffer);
    spec.functions.forEach((f, i) => {
      dv.setBigUint64(24 * i, code.get(f.name)!, le);
      syms.push({ name: f.name, value: opdBase + BigInt(24 * i), size: sizes.get(f.name)!, type: STT_FUNC, shndx: 1 });
    });
    segments.push({ vaddr: opdBase, data: opd, flags: PF_R | PF_W });
  } else {
    for (const f of spec.functions) syms.push({ name: f.name, value: code.get(f.name)!, size: sizes.get(f.name)!, type: STT_FUNC, shndx: 1 });
  }
  for (const d of spec.data ?? []) {
    segments.push({ vaddr: d.vaddr, data: d.bytes, flags: PF_R | PF_W, ...(d.memBytes === undefined ? {} : { memBytes: d.memBytes }) });
    if (d.name !== undefined) syms.push({ name: d.name, value: d.vaddr, size: d.bytes.length, type: STT_OBJECT, shndx: 1 });
  }
  for (const s of spec.symbols ?? []) syms.push({ name: s.name, value: s.value, size: 0, type: 0, shndx: 1 });
  let bytes = writeElf64({ endian, entry: spec.textBase, segments, flags: abi === 2 ? 2 : 1 });
  if (!spec.stripped) bytes = appendSymtab(bytes, le, syms);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (spec.machine !== undefined) dv.setUint16(18, spec.machine, le);
  if (spec.type !== undefined) dv.setUint16(16, spec.type, le);
  return { bytes, code };
}

function appendSymtab(elf: Uint8Array, le: boolean, syms: readonly { name: string; value: bigint; size: number; type: number; shndx: number }[]): Uint8Array {
  const enc = new TextEncoder();
  const strParts: number[] = [0];
  const nameOff = syms.map((s) => {
    const off = strParts.length;
    strParts.push(...enc.encode(s.name), 0);
    return off;
  });
  const strtab = new Uint8Array(strParts);
  const symtab = new Uint8Array(24 * (syms.length + 1));
  const sv = new DataView(symtab.buffer);
  syms.forEach((s, i) => {
    const at = 24 * (i + 1);
    sv.setUint32(at, nameOff[i]!, le);
    symtab[at + 4] = (STB_GLOBAL << 4) | s.type;
    sv.setUint16(at + 6, s.shndx, le);
    sv.setBigUint64(at + 8, s.value, le);
    sv.setBigUint64(at + 16, BigInt(s.size), le);
  });
  const shstr = enc.encode('\0.symtab\0.strtab\0.shstrtab\0');
  const align = (n: number): number => Math.ceil(n / 8) * 8;
  const symOff = align(elf.length);
  const strOff = symOff + symtab.length;
  const shstrOff = strOff + strtab.length;
  const shOff = align(shstrOff + shstr.length);
  const out = new Uint8Array(shOff + 4 * 64);
  out.set(elf);
  out.set(symtab, symOff);
  out.set(strtab, strOff);
  out.set(shstr, shstrOff);
  const dv = new DataView(out.buffer);
  const sh = (i: number, name: number, type: number, off: number, size: number, link: number, entsize: number): void => {
    const at = shOff + 64 * i;
    dv.setUint32(at, name, le);
    dv.setUint32(at + 4, type, le);
    dv.setBigUint64(at + 24, BigInt(off), le);
    dv.setBigUint64(at + 32, BigInt(size), le);
    dv.setUint32(at + 40, link, le);
    dv.setBigUint64(at + 56, BigInt(entsize), le);
  };
  sh(1, 1, 2, symOff, symtab.length, 2, 24); // .symtab → .strtab
  sh(2, 9, 3, strOff, strtab.length, 0, 0); // .strtab
  sh(3, 17, 3, shstrOff, shstr.length, 0, 0); // .shstrtab
  dv.setBigUint64(40, BigInt(shOff), le);
  dv.setUint16(58, 64, le);
  dv.setUint16(60, 4, le);
  dv.setUint16(62, 3, le);
  return out;
}
