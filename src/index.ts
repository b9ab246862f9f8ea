// Public entry of tsbpf. Subsystems are also reachable as subpaths:
// tsbpf/isa (instructions, assembler, disassembler), tsbpf/elf (objects).

export * from '../isa/index.js';
export * from '../elf/index.js';
export { assembleSource, detectSyntax, type AsmOptions, type AsmOutputFormat, type AsmSyntax } from './commands/asm.js';
export { disassembleFile, disassembleFileBytes, type DisasmOptions } from './commands/disasm.js';
export { VERSION } from './version.js';
export * from './dsl/index.js';
export { BuildError, buildProgramFile, loadProgramModule } from './commands/build.js';
export { CompileError, compileFile, compileSource, typeCheck, usesLanguage } from './compiler/index.js';
