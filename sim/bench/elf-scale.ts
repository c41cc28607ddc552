/**
 * Scale a bundled user workload for timing: the user ELFs run a fixed number of iterations
 * (`workload_user_iterations`, a const u64 in .rodata), about 2–3 M instructions, which qemu
 * finishes in a few milliseconds: its start-up would dominate. The bench patches that constant
 * in a copy of the ELF (found through .symtab) so both qemu and our interpreter run the same,
 * longer program.
 */
const SHT_SYMTAB = 2;
const ITERATIONS_SYMBOL = 'workload_user_iterations';

/** A copy of `elf` with its iteration count multiplied by `factor`, or undefined if the symbol is missing. */
export function scaleUserElf(elf: Uint8Array, factor: number): Uint8Array | undefined {
  const b = elf.slice();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[5] === 1;
  const u16 = (o: number): number => v.getUint16(o, le);
  const u32 = (o: number): number => v.getUint32(o, le);
  const u64 = (o: number): number => Number(v.getBigUint64(o, le));
  const shoff = u64(0x28);
  const shentsize = u16(0x3a);
  const shnum = u16(0x3c);
  const section = (i: number): { type: number; addr: number; offset: number; size: number; link: number } => {
    const o = shoff + i * shentsize;
    return { type: u32(o + 4), addr: u64(o + 16), offset: u64(o + 24), size: u64(o + 32), link: u32(o + 40) };
  };
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== SHT_SYMTAB) continue;
    const strtab = section(symtab.link);
    for (let s = 0; s < symtab.size / 24; s++) {
      const o = symtab.offset + s * 24;
      const nameAt = strtab.offset + u32(o);
      const end = b.indexOf(0, nameAt);
      if (new TextDecoder().decode(b.subarray(nameAt, end)) !== ITERATIONS_SYMBOL) continue;
      const target = section(u16(o + 6));
      const at = target.offset + (u64(o + 8) - target.addr);
      v.setBigUint64(at, v.getBigUint64(at, le) * BigInt(factor), le);
      return b;
    }
  }
  return undefined;
}
