// The ELF64 file header and section header entries of a relocatable eBPF object, written field by
// field. Shared by the object writer and the static linker, which lay out their files differently
// but encode the headers alike.

import type { ByteWriter } from '../isa/index.js';
import { ELF_HEADER_SIZE, EM_BPF, ET_REL, SECTION_HEADER_SIZE } from './constants.js';
import type { ElfSectionHeader } from './reader.js';

/** What a section header entry holds: the reader's fields, with the name as its .strtab offset. */
export type SectionHeaderFields = Omit<ElfSectionHeader, 'index' | 'name' | 'data'> & { readonly nameOffset: number };

/** ELF header of an EM_BPF relocatable object whose section table starts at `shoff`, at byte 0 of `w`. */
export function writeElfHeader(w: ByteWriter, shoff: number, shnum: number, shstrndx: number): void {
  w.setBytes(0, Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, w.le ? 1 : 2, 1, 0));
  w.setU16(16, ET_REL).setU16(18, EM_BPF).setU32(20, 1).setU64(40, shoff)
    .setU16(52, ELF_HEADER_SIZE).setU16(58, SECTION_HEADER_SIZE).setU16(60, shnum).setU16(62, shstrndx);
}

export function writeSectionHeader(w: ByteWriter, at: number, h: SectionHeaderFields): void {
  w.setU32(at, h.nameOffset).setU32(at + 4, h.type).setU64(at + 8, h.flags).setU64(at + 24, h.offset)
    .setU64(at + 32, h.size).setU32(at + 40, h.link).setU32(at + 44, h.info).setU64(at + 48, h.addralign).setU64(at + 56, h.entsize);
}

/** What a symbol table entry holds, the name as its .strtab offset. */
export interface SymbolEntryFields {
  readonly nameOffset: number;
  /** st_info: binding << 4 | type. */
  readonly info: number;
  readonly other: number;
  readonly shndx: number;
  readonly value: number | bigint;
  readonly size: number | bigint;
}

export function writeSymbolEntry(w: ByteWriter, at: number, s: SymbolEntryFields): void {
  w.setU32(at, s.nameOffset).setU8(at + 4, s.info).setU8(at + 5, s.other).setU16(at + 6, s.shndx)
    .setU64(at + 8, s.value).setU64(at + 16, s.size);
}
