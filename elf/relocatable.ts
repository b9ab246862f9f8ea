// ElfFile → RelocatableObject: the inverse of writeElf for the content it models
// (sections with their relocations, symbols), so an object can be rewritten.

import { relocationTypeName, SHF, SHT, STT } from './constants.js';
import { ElfError } from './errors.js';
import type { ElfFile } from './reader.js';
import { type ObjectSection, type ObjectSymbol, type RelocatableObject, symbolBindingName, symbolTypeName } from './object-model.js';

export function toRelocatableObject(elf: ElfFile): RelocatableObject {
  const kept = elf.sections.filter((s) => s.type === SHT.PROGBITS || s.type === SHT.NOBITS);
  const symbols: ObjectSymbol[] = [];
  for (const sym of elf.symbols.slice(1)) {
    const binding = symbolBindingName(sym.binding);
    const type = symbolTypeName(sym.type);
    if (binding === undefined || type === undefined) throw new ElfError(`symbol ${sym.name} has unsupported binding or type`, 0);
    const section = sym.shndx === 0 ? null : elf.sections[sym.shndx]?.name ?? null;
    // Section symbols are re-created by the writer from the relocations that need them.
    if (sym.type === STT.section) continue;
    symbols.push({ name: sym.name, section, value: sym.value, size: sym.size, binding, type });
  }
  const sections: ObjectSection[] = kept.map((s) => ({
    name: s.name,
    type: s.type === SHT.NOBITS ? 'nobits' : 'progbits',
    flags: { alloc: (s.flags & SHF.ALLOC) !== 0, write: (s.flags & SHF.WRITE) !== 0, exec: (s.flags & SHF.EXECINSTR) !== 0 },
    align: s.addralign,
    data: s.data,
    size: s.size,
    relocations: (elf.relocations.get(s.index) ?? []).map((r) => {
      const sym = elf.symbols[r.symbol]!;
      const type = relocationTypeName(r.type);
      if (type === undefined) throw new ElfError(`unknown BPF relocation type ${r.type} in .rel${s.name}`, 0);
      const name = sym.type === STT.section ? elf.sections[sym.shndx]?.name ?? '' : sym.name;
      return { offset: r.offset, type, symbol: name };
    }),
  }));
  return { byteOrder: elf.byteOrder, sections, symbols };
}
