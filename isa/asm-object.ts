// What the assembler produces: sections of encoded bytes, symbols and
// relocations — the content of a relocatable object before it is laid out as
// ELF (src/ turns it into an ELF file through tsbpf/elf).

/** BPF relocation types, named as in LLVM's ELF tables. */
export type BpfRelocationType =
  | 'R_BPF_NONE'
  | 'R_BPF_64_64'
  | 'R_BPF_64_ABS64'
  | 'R_BPF_64_ABS32'
  | 'R_BPF_64_NODYLD32'
  | 'R_BPF_64_32';

export interface AsmRelocation {
  /** Byte offset in the section of the instruction or datum to patch. */
  readonly offset: number;
  readonly type: BpfRelocationType;
  /** Name of the referenced symbol (a section symbol is named by its section). */
  readonly symbol: string;
}

export interface AsmSection {
  readonly name: string;
  /** SHT_PROGBITS for code and data, SHT_NOBITS for .bss-like sections. */
  readonly type: 'progbits' | 'nobits';
  readonly flags: { readonly alloc: boolean; readonly write: boolean; readonly exec: boolean };
  readonly align: number;
  /** Encoded content (for nobits: empty, with `size` giving the length). */
  readonly data: Uint8Array;
  readonly size: number;
  readonly relocations: readonly AsmRelocation[];
}

export interface AsmSymbol {
  readonly name: string;
  /** Defining section name, or null for an undefined (extern) symbol. */
  readonly section: string | null;
  readonly value: number;
  readonly size: number;
  readonly binding: 'local' | 'global' | 'weak';
  readonly type: 'notype' | 'func' | 'object' | 'section' | 'file';
}

export interface AsmObject {
  readonly byteOrder: 'le' | 'be';
  /** Sections in order of first appearance in the source. */
  readonly sections: readonly AsmSection[];
  readonly symbols: readonly AsmSymbol[];
}
