// Writes a relocatable ELF64 eBPF object from sections, symbols and
// relocations, with the section order llvm-mc uses (.strtab first, each
// section followed by its .rel section, .symtab last).

import {
  ELF_HEADER_SIZE, R_BPF, REL_SIZE, SECTION_HEADER_SIZE, SHF, SHN_UNDEF, SHT, STB,
  STT, SYMBOL_SIZE,
} from './constants.js';
import { ElfError } from './errors.js';
import { ByteWriter } from '../isa/index.js';
import { writeElfHeader, writeSectionHeader, writeSymbolEntry } from './headers.js';
import type { ObjectRelocation, ObjectSection, ObjectSymbol, RelocatableObject } from './object-model.js';

/**
 * A string table laid out like LLVM's StringTableBuilder with tail merging:
 * a string that ends another one shares its bytes (".text" inside ".rel.text").
 * Offsets are known only after finalize().
 */
class StringTable {
  private readonly strings = new Set<string>();
  private readonly offsets = new Map<string, number>();
  private data = new Uint8Array(1);

  add(s: string): void {
    if (s !== '') this.strings.add(s);
  }

  finalize(): void {
    const encoder = new TextEncoder();
    const reversed = (s: string): string => [...s].reverse().join('');
    // Longest-first among strings sharing a suffix, so each suffix meets its host first.
    const order = [...this.strings].map((s) => ({ s, r: reversed(s) })).sort((a, b) => (a.r < b.r ? 1 : a.r > b.r ? -1 : 0));
    const parts: Uint8Array[] = [];
    let length = 1;
    let previous = '';
    let previousOffset = 0;
    for (const { s } of order) {
      if (previous.endsWith(s)) {
        this.offsets.set(s, previousOffset + encoder.encode(previous).length - encoder.encode(s).length);
        continue;
      }
      const bytes = encoder.encode(s);
      this.offsets.set(s, length);
      parts.push(bytes);
      previous = s;
      previousOffset = length;
      length += bytes.length + 1;
    }
    this.data = new Uint8Array(length);
    let p = 1;
    for (const part of parts) { this.data.set(part, p); p += part.length + 1; }
  }

  offset(s: string): number {
    if (s === '') return 0;
    const off = this.offsets.get(s);
    if (off === undefined) throw new Error(`string table: ${s} was not added before finalize`);
    return off;
  }

  bytes(): Uint8Array {
    return this.data;
  }
}

interface Header {
  name: string; type: number; flags: number; offset: number; size: number;
  link: number; info: number; addralign: number; entsize: number;
}

const align = (n: number, a: number): number => (a > 1 ? Math.ceil(n / a) * a : n);

/** Orders symbols as ELF requires (locals first) and as llvm-mc does within that. */
function orderSymbols(obj: RelocatableObject): ObjectSymbol[] {
  const explicit = new Set(obj.symbols.map((s) => s.name));
  const sectionNames = new Set(obj.sections.map((s) => s.name));
  const sectionSymbols: ObjectSymbol[] = [];
  const seen = new Set<string>();
  for (const sec of obj.sections) {
    for (const r of sec.relocations) {
      if (!explicit.has(r.symbol) && sectionNames.has(r.symbol) && !seen.has(r.symbol)) {
        seen.add(r.symbol);
      }
    }
  }
  // Section symbols in section order, for the sections relocations name.
  for (const sec of obj.sections) {
    if (seen.has(sec.name)) {
      sectionSymbols.push({ name: sec.name, section: sec.name, value: 0, size: 0, binding: 'local', type: 'section' });
    }
  }
  // llvm-mc's order: file symbols, then per section its section symbol and its
  // other locals, then every global and weak symbol in source order.
  const sectionOrder = new Map(obj.sections.map((s, i) => [s.name, i]));
  const locals = [...obj.symbols, ...sectionSymbols].filter((s) => s.binding === 'local');
  const key = (s: ObjectSymbol): number => {
    if (s.type === 'file') return -1;
    const sec = s.section === null ? obj.sections.length : sectionOrder.get(s.section) ?? obj.sections.length;
    return sec * 2 + (s.type === 'section' ? 0 : 1);
  };
  const sortedLocals = locals.map((s, i) => ({ s, i })).sort((a, b) => key(a.s) - key(b.s) || a.i - b.i).map((x) => x.s);
  return [...sortedLocals, ...obj.symbols.filter((s) => s.binding !== 'local')];
}

export function writeElf(obj: RelocatableObject): Uint8Array {
  const strtab = new StringTable();
  const headers: Header[] = [{ name: '', type: SHT.NULL, flags: 0, offset: 0, size: 0, link: 0, info: 0, addralign: 0, entsize: 0 }];
  const strtabIndex = headers.push({ name: '.strtab', type: SHT.STRTAB, flags: 0, offset: 0, size: 0, link: 0, info: 0, addralign: 1, entsize: 0 }) - 1;

  const sectionIndex = new Map<string, number>();
  const relHeaders: { header: Header; section: ObjectSection }[] = [];
  const contentHeaders: { header: Header; section: ObjectSection }[] = [];
  for (const sec of obj.sections) {
    if (sectionIndex.has(sec.name)) throw new ElfError(`section ${sec.name} appears twice`, 0);
    const flags = (sec.flags.alloc ? SHF.ALLOC : 0) | (sec.flags.write ? SHF.WRITE : 0) | (sec.flags.exec ? SHF.EXECINSTR : 0);
    const header: Header = {
      name: sec.name, type: sec.type === 'nobits' ? SHT.NOBITS : SHT.PROGBITS, flags, offset: 0,
      size: sec.type === 'nobits' ? sec.size : sec.data.length, link: 0, info: 0, addralign: Math.max(1, sec.align), entsize: 0,
    };
    sectionIndex.set(sec.name, headers.push(header) - 1);
    contentHeaders.push({ header, section: sec });
    if (sec.relocations.length > 0) {
      const rel: Header = {
        name: `.rel${sec.name}`, type: SHT.REL, flags: SHF.INFO_LINK, offset: 0,
        size: sec.relocations.length * REL_SIZE, link: 0, info: sectionIndex.get(sec.name)!, addralign: 8, entsize: REL_SIZE,
      };
      headers.push(rel);
      relHeaders.push({ header: rel, section: sec });
    }
  }

  const symbols = orderSymbols(obj);
  const symbolIndex = new Map<string, number>();
  const firstGlobal = 1 + symbols.findIndex((s) => s.binding !== 'local');
  const symtabHeader: Header = {
    name: '.symtab', type: SHT.SYMTAB, flags: 0, offset: 0, size: (symbols.length + 1) * SYMBOL_SIZE,
    link: strtabIndex, info: firstGlobal === 0 ? symbols.length + 1 : firstGlobal, addralign: 8, entsize: SYMBOL_SIZE,
  };
  const symtabIndex = headers.push(symtabHeader) - 1;
  for (const r of relHeaders) r.header.link = symtabIndex;

  const symNames = symbols.map((s) => (s.type === 'section' ? '' : s.name));
  for (const h of headers) strtab.add(h.name);
  for (const n of symNames) strtab.add(n);
  strtab.finalize();
  symbols.forEach((s, i) => {
    // A section symbol is found by its section's name unless a real symbol has that name.
    if (!symbolIndex.has(s.name) || s.type !== 'section') symbolIndex.set(s.name, i + 1);
  });

  // Layout: header, section contents, symtab, rel sections, strtab, section headers.
  let pos = ELF_HEADER_SIZE;
  for (const { header, section } of contentHeaders) {
    pos = align(pos, header.addralign);
    header.offset = pos;
    if (section.type !== 'nobits') pos += section.data.length;
  }
  pos = align(pos, 8); symtabHeader.offset = pos; pos += symtabHeader.size;
  for (const { header } of relHeaders) { pos = align(pos, 8); header.offset = pos; pos += header.size; }
  const strBytes = strtab.bytes();
  headers[strtabIndex]!.offset = pos; headers[strtabIndex]!.size = strBytes.length; pos += strBytes.length;
  const shoff = align(pos, 8);
  const total = shoff + headers.length * SECTION_HEADER_SIZE;

  const out = new Uint8Array(total);
  const w = ByteWriter.over(out, obj.byteOrder);
  writeElfHeader(w, shoff, headers.length, strtabIndex);

  for (const { header, section } of contentHeaders) if (section.type !== 'nobits') w.setBytes(header.offset, section.data);
  symbols.forEach((s, i) => {
    const p = symtabHeader.offset + (i + 1) * SYMBOL_SIZE;
    let shndx = SHN_UNDEF;
    if (s.section !== null) {
      const idx = sectionIndex.get(s.section);
      if (idx === undefined) throw new ElfError(`symbol ${s.name} names missing section ${s.section}`, 0);
      shndx = idx;
    }
    writeSymbolEntry(w, p, {
      nameOffset: strtab.offset(symNames[i]!), info: (STB[s.binding] << 4) | STT[s.type], other: (s.visibility ?? 0) & 3,
      shndx, value: s.value, size: s.size,
    });
  });
  for (const { header, section } of relHeaders) {
    section.relocations.forEach((r, i) => {
      const sym = symbolIndex.get(r.symbol);
      if (sym === undefined) throw new ElfError(`relocation in ${section.name} names unknown symbol ${r.symbol}`, 0);
      const p = header.offset + i * REL_SIZE;
      w.setU64(p, r.offset).setU64(p + 8, (BigInt(sym) << 32n) | BigInt(R_BPF[r.type]));
    });
  }
  w.setBytes(headers[strtabIndex]!.offset, strBytes);
  headers.forEach((h, i) => {
    writeSectionHeader(w, shoff + i * SECTION_HEADER_SIZE, { ...h, nameOffset: strtab.offset(h.name) });
  });
  return out;
}
