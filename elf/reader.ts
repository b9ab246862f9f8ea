// Reads a relocatable ELF64 object: sections, symbols and REL relocations.
// Every size and offset read from the file is checked against the file length
// before use, so a lying header gives an ElfError, never a huge allocation.

import {
  ELF_HEADER_SIZE, REL_SIZE, type RelocationTypeName, relocationTypeName, SECTION_HEADER_SIZE, SHT, SYMBOL_SIZE,
} from './constants.js';
import { ElfError } from './errors.js';

import { type ByteOrder, ByteRangeError, ByteReader } from '../isa/index.js';

export interface ElfSectionHeader {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** Section content (empty for SHT_NOBITS); a view into the file bytes. */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* */
  readonly type: number;
  /** STB_* */
  readonly binding: number;
  readonly other: number;
  readonly shndx: number;
}

export interface ElfRelocation {
  readonly offset: number;
  readonly type: number;
  /** Name of the BPF relocation type, undefined for a type BPF does not define. */
  readonly typeName: RelocationTypeName | undefined;
  readonly symbol: number;
}

export interface ElfFile {
  readonly byteOrder: ByteOrder;
  readonly type: number;
  readonly machine: number;
  readonly flags: number;
  readonly sections: readonly ElfSectionHeader[];
  readonly symbols: readonly ElfSymbol[];
  /** REL sections keyed by the index of the section they apply to. */
  readonly relocations: ReadonlyMap<number, readonly ElfRelocation[]>;
}

/** True when the bytes start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** The file's reader, with the checks that name the ELF header field an error comes from. */
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

class Cursor extends ByteReader {
  /** Checks that `len` bytes at `pos` lie in the file; the error names the header field that said so. */
  within(pos: number, len: number, what: string, field: number): void {
    if (!this.fits(pos, len)) throw new ElfError(`${what} (${len} bytes at ${pos}) lies outside the file of ${this.length} bytes`, field);
  }

  /** 64-bit field as a number; values beyond 2^53 cannot be valid offsets in a file we can hold. */
  u64Safe(p: number, what: string): number {
    // As two 32-bit halves: a bigint per field costs more than the rest of reading a relocation.
    const hi = this.high32(p);
    if (hi > 0x1fffff) throw new ElfError(`${what} ${this.u64(p)} is too large`, p);
    return hi * 0x1_0000_0000 + this.low32(p);
  }

  /** The high and low halves of the 64-bit field at p, unsigned. */
  high32(p: number): number { return this.u32(this.le ? p + 4 : p); }
  low32(p: number): number { return this.u32(this.le ? p : p + 4); }

  /** The NUL-terminated string at `start`, before `end`; `field` is where its offset was read (for the error). */
  string(start: number, end: number, what: string, field: number): string {
    if (start >= end) throw new ElfError(`${what}: string offset outside its string table`, field);
    try {
      return this.cstring(start, end);
    } catch (e) {
      if (e instanceof ByteRangeError) throw new ElfError(`${what}: string is not NUL-terminated`, start);
      throw e;
    }
  }
}

export function readElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < ELF_HEADER_SIZE) throw new ElfError(`file of ${bytes.length} bytes is shorter than an ELF header`, 0);
  if (!isElf(bytes)) throw new ElfError('not an ELF file (bad magic)', 0);
  if (bytes[4] !== 2) throw new ElfError(`ELF class ${bytes[4]} is not ELFCLASS64`, 4);
  if (bytes[5] !== 1 && bytes[5] !== 2) throw new ElfError(`bad ELF data encoding ${bytes[5]}`, 5);
  const c = new Cursor(bytes, bytes[5] === 1 ? 'le' : 'be');
  const type = c.u16(16);
  const machine = c.u16(18);
  const flags = c.u32(48);
  const shoff = c.u64Safe(40, 'section header offset');
  const shentsize = c.u16(58);
  let shnum = c.u16(60);
  let shstrndx = c.u16(62);
  if (shoff === 0) {
    return { byteOrder: c.le ? 'le' : 'be', type, machine, flags, sections: [], symbols: [], relocations: new Map() };
  }
  if (shentsize !== SECTION_HEADER_SIZE) throw new ElfError(`section header size ${shentsize} is not 64`, 58);
  c.within(shoff, SECTION_HEADER_SIZE, 'section header table', 40);
  // Extended numbering: counts too large for the header live in section 0.
  let shnumField = 60;
  if (shnum === 0) { shnum = c.u64Safe(shoff + 32, 'section count'); shnumField = shoff + 32; }
  if (shstrndx === 0xffff) shstrndx = c.u32(shoff + 40);
  // Checked against the bytes after the table start before the loop (no allocation follows a lying count).
  if (shnum > (bytes.length - shoff) / SECTION_HEADER_SIZE) {
    throw new ElfError(`${shnum} section headers at ${shoff} do not fit in the file of ${bytes.length} bytes`, shnumField);
  }

  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const p = shoff + i * SECTION_HEADER_SIZE;
    const shType = c.u32(p + 4);
    const offset = c.u64Safe(p + 24, 'section offset');
    const size = c.u64Safe(p + 32, 'section size');
    if (shType !== SHT.NOBITS && shType !== SHT.NULL) c.within(offset, size, `section ${i} content`, offset > bytes.length ? p + 24 : p + 32);
    raw.push({
      nameOff: c.u32(p), type: shType, flags: c.u64Safe(p + 8, 'section flags'), offset, size,
      link: c.u32(p + 40), info: c.u32(p + 44), addralign: c.u64Safe(p + 48, 'section alignment'),
      entsize: c.u64Safe(p + 56, 'section entry size'), headerPos: p,
    });
  }
  const shstr = raw[shstrndx];
  if (shnum > 0 && (shstr === undefined || shstr.type !== SHT.STRTAB)) {
    throw new ElfError(`section name table index ${shstrndx} is not a string table`, 62);
  }
  const sections: ElfSectionHeader[] = raw.map((s, index) => ({
    index,
    name: index === 0 ? '' : c.string(shstr!.offset + s.nameOff, shstr!.offset + shstr!.size, `name of section ${index}`, s.headerPos),
    type: s.type, flags: s.flags, offset: s.offset, size: s.size, link: s.link, info: s.info,
    addralign: s.addralign, entsize: s.entsize,
    data: s.type === SHT.NOBITS || s.type === SHT.NULL ? new Uint8Array(0) : bytes.subarray(s.offset, s.offset + s.size),
  }));

  // Errors about a section's header name the header field (e.g. sh_size at +32, sh_info at +44).
  const header = (s: ElfSectionHeader, field: number): number => shoff + s.index * SECTION_HEADER_SIZE + field;
  const symbols = readSymbols(c, sections, header);
  // Every relocation is checked now (a bad one is an error whatever the caller reads), but the
  // objects are made on first use: `tsbpf disasm` without -r never reads them, and a large
  // program has one per map or call reference.
  const relSections = sections.filter((s) => s.type === SHT.REL);
  for (const s of relSections) checkRelocations(c, s, sections.length, symbols.length, header);
  let relocations: Map<number, ElfRelocation[]> | undefined;
  return {
    byteOrder: c.le ? 'le' : 'be', type, machine, flags, sections, symbols,
    get relocations() { return (relocations ??= readRelocations(c, relSections)); },
  };
}

/** The checks of one REL section that readRelocations relies on. */
function checkRelocations(
  c: Cursor, s: ElfSectionHeader, sectionCount: number, symbolCount: number, header: (s: ElfSectionHeader, field: number) => number,
): void {
  if (s.size % REL_SIZE !== 0) throw new ElfError(`relocation section ${s.name} size ${s.size} is not a multiple of 16`, header(s, 32));
  if (s.info >= sectionCount) throw new ElfError(`relocation section ${s.name} applies to missing section ${s.info}`, header(s, 44));
  // The section's bytes were checked to lie in the file. When its byte order is the host's and it
  // is 4-byte aligned, the two fields checked are read as words (a large object has thousands of
  // relocations, and this loop runs before the JIT has compiled it).
  const bytes = c.bytes;
  const at = bytes.byteOffset + s.offset;
  if (c.le === HOST_LITTLE_ENDIAN && at % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, at, s.size / 4);
    const symbolWord = c.le ? 3 : 2;
    const offsetHighWord = c.le ? 1 : 0;
    for (let i = 0; i < words.length; i += 4) {
      if (words[i + symbolWord]! >= symbolCount || words[i + offsetHighWord]! > 0x1fffff) {
        checkRelocation(c, s.offset + i * 4, symbolCount);
      }
    }
    return;
  }
  for (let p = s.offset; p < s.offset + s.size; p += REL_SIZE) checkRelocation(c, p, symbolCount);
}

/** One relocation's symbol index and offset (throws on a bad one). */
function checkRelocation(c: Cursor, p: number, symbolCount: number): void {
  const symbol = c.high32(p + 8);
  if (symbol >= symbolCount) throw new ElfError(`relocation names symbol ${symbol} of ${symbolCount}`, p + 8);
  if (c.high32(p) > 0x1fffff) c.u64Safe(p, 'relocation offset');
}

/** The relocations of checked REL sections, keyed by the section they apply to. */
function readRelocations(c: Cursor, relSections: readonly ElfSectionHeader[]): Map<number, ElfRelocation[]> {
  const relocations = new Map<number, ElfRelocation[]>();
  const view = c.view;
  const le = c.le;
  const lo = le ? 0 : 4;
  const hi = le ? 4 : 0;
  for (const s of relSections) {
    const list: ElfRelocation[] = [];
    for (let p = s.offset; p < s.offset + s.size; p += REL_SIZE) {
      const relType = view.getUint32(p + 8 + lo, le);
      const offset = view.getUint32(p + hi, le) * 0x1_0000_0000 + view.getUint32(p + lo, le);
      list.push({ offset, type: relType, typeName: relocationTypeName(relType), symbol: view.getUint32(p + 8 + hi, le) });
    }
    relocations.set(s.info, list);
  }
  return relocations;
}

function readSymbols(c: Cursor, sections: ElfSectionHeader[], header: (s: ElfSectionHeader, field: number) => number): ElfSymbol[] {
  const symtab = sections.find((s) => s.type === SHT.SYMTAB);
  if (symtab === undefined) return [];
  if (symtab.size % SYMBOL_SIZE !== 0) throw new ElfError(`symbol table size ${symtab.size} is not a multiple of 24`, header(symtab, 32));
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SHT.STRTAB) {
    throw new ElfError(`symbol table links to section ${symtab.link}, not a string table`, header(symtab, 40));
  }
  const out: ElfSymbol[] = [];
  for (let p = symtab.offset, i = 0; p < symtab.offset + symtab.size; p += SYMBOL_SIZE, i++) {
    const info = c.u8(p + 4);
    out.push({
      index: i,
      name: c.string(strtab.offset + c.u32(p), strtab.offset + strtab.size, `name of symbol ${i}`, p),
      type: info & 0xf, binding: info >> 4, other: c.u8(p + 5), shndx: c.u16(p + 6),
      value: c.u64Safe(p + 8, 'symbol value'), size: c.u64Safe(p + 16, 'symbol size'),
    });
  }
  return out;
}
