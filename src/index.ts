// Public entry of tsbpf: what a user writing eBPF programs in TypeScript needs — the DSL
// (programs, maps, globals, C types, defineObject) and buildProgramFile, the library call
// behind `tsbpf build`. Each subsystem is its own subpath: tsbpf/isa (instructions),
// tsbpf/elf (objects, BTF, linking), tsbpf/loader (the kernel), tsbpf/verifier.

export * from './dsl/index.js';
export { BuildError, buildProgramFile } from './commands/build.js';
export { CompileError, compileFile, generateTracepointType, TracepointFormatError, usesLanguage } from './compiler/index.js';
export { VERSION } from './version.js';
