// Public surface of tsbpf/vm: run eBPF programs in user space with the kernel's semantics.

export { type FaultKind, type VmFault, VmError, VmFaultError } from './fault.js';
export { Memory, type Region } from './memory.js';
export { type PreparedProgram, prepareProgram, type PseudoResolver } from './program.js';
export { DEFAULT_ENVIRONMENT, FRAME_SIZE, type HelperImpl, Machine, MAX_FRAMES, MAY_GOTO_BUDGET, type VmEnvironment } from './machine.js';
export { type EngineResult, interpret } from './interpreter.js';
export { compiledEngine, compiledSource } from './compile.js';
export { type Engine, execute, type ExecuteResult, MAX_TAIL_CALLS } from './execute.js';
export { DEFAULT_HELPERS, helperId, helperName, supportedHelpers } from './helpers/index.js';
export { DEFAULT_MAX_INSTRUCTIONS, type RawRunOptions, runRaw } from './raw.js';
