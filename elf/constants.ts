// ELF64 constants used by eBPF relocatable objects.

export const EM_BPF = 247;
export const ET_REL = 1;
export const ELF_HEADER_SIZE = 64;
export const SECTION_HEADER_SIZE = 64;
export const SYMBOL_SIZE = 24;
export const REL_SIZE = 16;

export const SHT = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7, NOBITS: 8, REL: 9,
  LLVM_ADDRSIG: 0x6fff4c03,
} as const;

export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4, MERGE: 0x10, STRINGS: 0x20, INFO_LINK: 0x40, EXCLUDE: 0x80000000 } as const;

export const STB = { local: 0, global: 1, weak: 2 } as const;
export const STT = { notype: 0, object: 1, func: 2, section: 3, file: 4 } as const;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;

/** BPF relocation type numbers (LLVM's ELFRelocs/BPF.def). */
export const R_BPF = {
  R_BPF_NONE: 0,
  R_BPF_64_64: 1,
  R_BPF_64_ABS64: 2,
  R_BPF_64_ABS32: 3,
  R_BPF_64_NODYLD32: 4,
  R_BPF_64_32: 10,
} as const;

export type RelocationTypeName = keyof typeof R_BPF;

const relocNames = new Map<number, RelocationTypeName>(
  Object.entries(R_BPF).map(([k, v]) => [v, k as RelocationTypeName]),
);

export function relocationTypeName(type: number): RelocationTypeName | undefined {
  return relocNames.get(type);
}
