// The LLVM-syntax assembler (`tsbpf asm`, llvm-mc's role): text → RelocatableObject.
// It lives with the object model because it builds sections, symbols and
// relocations; the instruction syntax it shares with the disassembler is isa's.

export { assembleLlvm, parseInstructionLlvm, type AssembleOptions } from './assembler.js';
