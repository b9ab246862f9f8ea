// Public entry of tsbpf: what a user writing eBPF programs in TypeScript needs — the DSL
// (programs, maps, globals, C types, defineObject) and buildProgramFile, the library call
// behind `tsbpf build`. Each subsystem is its own subpath: tsbpf/isa (instructions),
// tsbpf/elf (objects, BTF, linking), tsbpf/loader (the kernel), tsbpf/verifier.

import { setDefaultPreverifier } from '../loader/index.js';
import { modelPreverifier } from './preverify.js';

export * from './dsl/index.js';
export { BuildError, buildProgramFile } from './commands/build.js';
export { CompileError, compileFile, generateTracepointType, TracepointFormatError, usesLanguage } from './compiler/index.js';
export { VERSION } from './version.js';
export {
  type ObjectProgramVerdict, type SourceLocation, type VerifyCaps, VerifyInputError, verifyObject, type VerifyObjectOptions,
} from './verify-object.js';
export { modelPreverifier } from './preverify.js';

// loadObject preverifies with the model by default once the tsbpf entry is loaded (the loader
// itself cannot import the model: it is a sibling layer).
setDefaultPreverifier(modelPreverifier);
