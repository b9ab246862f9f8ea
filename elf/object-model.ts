// The content of a relocatable object independent of its ELF layout: sections
// of bytes, symbols and relocations. The assembler (elf/asm) produces it,
// writeElf lays it out, toRelocatableObject reads it back from an ELF file.

import { type RelocationTypeName, STB, STT } from './constants.js';

/** ELF symbol binding (STB_*). */
export type SymbolBinding = keyof typeof STB;
/** ELF symbol type (STT_*). */
export type SymbolType = keyof typeof STT;

/** The binding named by an st_info binding number, or undefined for one the model does not hold. */
export const symbolBindingName = (n: number): SymbolBinding | undefined =>
  (Object.keys(STB) as SymbolBinding[]).find((k) => STB[k] === n);
/** The type named by an st_info type number, or undefined for one the model does not hold. */
export const symbolTypeName = (n: number): SymbolType | undefined =>
  (Object.keys(STT) as SymbolType[]).find((k) => STT[k] === n);

export interface ObjectRelocation {
  /** Byte offset in the section of the instruction or datum to patch. */
  readonly offset: number;
  readonly type: RelocationTypeName;
  /** Name of the referenced symbol (a section symbol is named by its section). */
  readonly symbol: string;
}

export interface ObjectSection {
  readonly name: string;
  /** SHT_PROGBITS for code and data, SHT_NOBITS for .bss-like sections. */
  readonly type: 'progbits' | 'nobits';
  readonly flags: { readonly alloc: boolean; readonly write: boolean; readonly exec: boolean };
  readonly align: number;
  /** Encoded content (for nobits: empty, with `size` giving the length). */
  readonly data: Uint8Array;
  readonly size: number;
  readonly relocations: readonly ObjectRelocation[];
}

export interface ObjectSymbol {
  readonly name: string;
  /** Defining section name, or null for an undefined (extern) symbol. */
  readonly section: string | null;
  readonly value: number;
  readonly size: number;
  readonly binding: SymbolBinding;
  readonly type: SymbolType;
  /** st_other's visibility (STV_*), when not default: 1 internal, 2 hidden, 3 protected. */
  readonly visibility?: number;
}

/** The content of a relocatable object, independent of ELF layout. */
export interface RelocatableObject {
  readonly byteOrder: 'le' | 'be';
  /** Sections in order of first appearance in the source. */
  readonly sections: readonly ObjectSection[];
  readonly symbols: readonly ObjectSymbol[];
}
