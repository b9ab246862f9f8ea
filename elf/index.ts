// Public surface of tsbpf/elf: reading and writing relocatable eBPF ELF objects.

export * from './constants.js';
export * from './errors.js';
export { type ElfFile, type ElfRelocation, type ElfSectionHeader, type ElfSymbol, isElf, readElf } from './reader.js';
export {
  type ObjectRelocation, type ObjectSection, type ObjectSymbol, type RelocatableObject, type SymbolBinding, type SymbolType,
  symbolBindingName, symbolTypeName,
} from './object-model.js';
export { writeElf } from './writer.js';
export { assembleLlvm, parseInstructionLlvm, type AssembleOptions } from './asm/index.js';
export { toRelocatableObject } from './relocatable.js';
export * from './btf-ext/index.js';
export * from './btf/index.js';
export * from './object/index.js';
export * from './link/index.js';
export * from './core-text/index.js';
export * from './kernel/index.js';
