// Where a problem of an object lies, for ObjectError: the field of a symbol's .symtab entry, of a
// REL entry, or a .BTF type record; the lying value itself may point anywhere.

import type { Btf } from '../btf/index.js';
import { SHT } from '../constants.js';
import type { ElfFile, ElfSectionHeader, ElfSymbol } from '../reader.js';
import { ObjectError } from './errors.js';

/** Error locations: a symbol's entry in .symtab, a relocation's entry in its REL section, a .BTF record. */
export class Where {
  private readonly symtab: string;
  constructor(private readonly elf: ElfFile, private readonly btf: Btf | undefined) {
    this.symtab = elf.sections.find((s) => s.type === SHT.SYMTAB)?.name ?? '.symtab';
  }

  /** An error in field `field` (0 name, 4 info, 6 shndx, 8 value, 16 size) of a symbol's entry. */
  symbol(reason: string, sym: ElfSymbol, field: number): ObjectError {
    return new ObjectError(`symbol ${sym.name || sym.index}: ${reason}`, this.symtab, sym.index * 24 + field);
  }

  /** An error in the k-th relocation applying to section `target` (field 0 offset, 8 type, 12 symbol). */
  relocation(reason: string, target: ElfSectionHeader, k: number, field: number, insnIndex?: number): ObjectError {
    const rel = this.elf.sections.filter((s) => s.type === SHT.REL && s.info === target.index).at(-1);
    return new ObjectError(`relocation of ${target.name}: ${reason}`, rel?.name ?? target.name, k * 16 + field, insnIndex);
  }

  /** An error in the .BTF record of type `id`. */
  btfType(reason: string, id: number): ObjectError {
    const raw = this.btf?.raw;
    const i = id - (this.btf?.firstId ?? 1);
    const off = raw !== undefined && i >= 0 && i < raw.offsets.length ? raw.typeOffset + 4 * raw.offsets[i]! : 0;
    return new ObjectError(reason, '.BTF', off);
  }
}

