// The LLVM-syntax assembler (`tsbpf asm`): text → AsmObject.

export { assembleLlvm, parseInstructionLlvm, type AssembleOptions } from './assembler.js';
export { formatAsmLlvm, llvmExpressible } from './format.js';
