// The TypeScript-to-eBPF compiler (tsbpf/lang programs): see docs/dsl.md.

export { compileFile, compileSource, typeCheck, usesLanguage } from './compile.js';
export { CompileError } from './errors.js';
export { generateTracepointType, TracepointFormatError } from './tracepoint-format.js';
export { generateKernelDeclarations } from './kernel-declarations.js';
