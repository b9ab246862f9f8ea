// The reading part of tsbpf/elf (a subset of index.ts): ELF reader, constants, errors and the
// CO-RE notes of a listing. For commands that only read an object (`tsbpf disasm`): importing
// index.ts would make the CLI bundle load and compile the writer, assembler, BTF writers and
// linker at start-up, since the bundler puts every module the barrel reaches in the command's chunk.

export * from './constants.js';
export * from './errors.js';
export { type ElfFile, type ElfRelocation, type ElfSectionHeader, type ElfSymbol, isElf, readElf } from './reader.js';
export { type CoreRelocationNote, type CoreRelocationNotes, coreRelocationNotes } from './core-text/notes.js';
