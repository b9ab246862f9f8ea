// The ELF64 file header and section header entries of a relocatable eBPF object, written field by
// field. Shared by the object writer and the static linker, which lay out their files differently
// but encode the headers alike.

import { ELF_HEADER_SIZE, EM_BPF, ET_REL, SECTION_HEADER_SIZE } from './constants.js';
import type { ElfSectionHeader } from './reader.js';

/** What a section header entry holds: the reader's fields, with the name as its .strtab offset. */
export type SectionHeaderFields = Omit<ElfSectionHeader, 'index' | 'name' | 'data'> & { readonly nameOffset: number };

/** ELF header of an EM_BPF relocatable object whose section table starts at `shoff`. */
export function writeElfHeader(out: Uint8Array, v: DataView, shoff: number, shnum: number, shstrndx: number, le: boolean): void {
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0]);
  v.setUint16(16, ET_REL, le);
  v.setUint16(18, EM_BPF, le);
  v.setUint32(20, 1, le);
  v.setBigUint64(40, BigInt(shoff), le);
  v.setUint16(52, ELF_HEADER_SIZE, le);
  v.setUint16(58, SECTION_HEADER_SIZE, le);
  v.setUint16(60, shnum, le);
  v.setUint16(62, shstrndx, le);
}

export function writeSectionHeader(v: DataView, at: number, h: SectionHeaderFields, le: boolean): void {
  v.setUint32(at, h.nameOffset, le);
  v.setUint32(at + 4, h.type, le);
  v.setBigUint64(at + 8, BigInt(h.flags), le);
  v.setBigUint64(at + 24, BigInt(h.offset), le);
  v.setBigUint64(at + 32, BigInt(h.size), le);
  v.setUint32(at + 40, h.link, le);
  v.setUint32(at + 44, h.info, le);
  v.setBigUint64(at + 48, BigInt(h.addralign), le);
  v.setBigUint64(at + 56, BigInt(h.entsize), le);
}
