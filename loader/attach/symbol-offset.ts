// Uprobes are placed at a file offset. This resolves a function symbol of an executable or shared
// library (from .symtab, else .dynsym) to that offset: the symbol's virtual address minus the
// address of the section that holds it, plus that section's file offset.

import { readFileSync } from 'node:fs';
import { readElf } from '../../elf/index.js';
import { ByteReader, TsbpfError } from '../../isa/index.js';

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHT_NOBITS = 8;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

export class SymbolNotFoundError extends TsbpfError {
  override readonly name = 'SymbolNotFoundError';
}

interface RawSymbol {
  readonly name: string;
  readonly value: bigint;
  readonly type: number;
  readonly shndx: number;
}

function cString(data: Uint8Array, at: number): string {
  let end = at;
  while (end < data.length && data[end] !== 0) end++;
  return Buffer.from(data.subarray(at, end)).toString('utf8');
}

/** Section virtual addresses (sh_addr), which the shared ELF reader does not keep. */
export function sectionAddresses(bytes: Uint8Array): bigint[] {
  const v = new ByteReader(bytes);
  const shoff = v.u64n(0x28, 'e_shoff');
  const shnum = v.u16(0x3c);
  const out: bigint[] = [];
  for (let i = 0; i < shnum; i++) out.push(v.u64(shoff + i * 64 + 16));
  return out;
}

/** The file offset of function SYMBOL in the ELF file at PATH (plus `extra` bytes into it). */
export function symbolFileOffset(path: string, symbol: string): number {
  const bytes = readFileSync(path);
  const elf = readElf(bytes);
  if (elf.byteOrder !== 'le') throw new SymbolNotFoundError(`${path}: big-endian binaries are not supported`);
  const addrs = sectionAddresses(bytes);
  for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
    for (const table of elf.sections.filter((s) => s.type === type)) {
      const strtab = elf.sections[table.link];
      if (strtab === undefined) continue;
      const v = new ByteReader(table.data);
      for (let p = 0; p + 24 <= table.data.length; p += 24) {
        const info = v.u8(p + 4);
        const sym: RawSymbol = { name: cString(strtab.data, v.u32(p)), type: info & 0xf, shndx: v.u16(p + 6), value: v.u64(p + 8) };
        if (sym.name !== symbol || (sym.type !== STT_FUNC && sym.type !== STT_GNU_IFUNC) || sym.shndx === 0) continue;
        const sec = elf.sections[sym.shndx];
        const base = addrs[sym.shndx];
        if (sec === undefined || base === undefined || sec.type === SHT_NOBITS) continue;
        return Number(sym.value - base) + sec.offset;
      }
    }
  }
  throw new SymbolNotFoundError(`${path}: no function symbol ${symbol}`);
}
