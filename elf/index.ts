// Public surface of tsbpf/elf: reading and writing relocatable eBPF ELF objects.

export * from './constants.js';
export * from './errors.js';
export { type ElfFile, type ElfRelocation, type ElfSectionHeader, type ElfSymbol, isElf, readElf } from './reader.js';
export { type ObjectRelocation, type ObjectSection, type ObjectSymbol, type RelocatableObject, writeElf } from './writer.js';
export { toRelocatableObject } from './relocatable.js';
export * from './btf-ext/index.js';
export * from './btf/index.js';
export * from './object/index.js';
export * from './link/index.js';
export * from './core-text/index.js';
