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
export { type ContextInput, VM_PROGRAM_TYPES, type VmProgramType, SK_BUFF_SIZE, XDP_MD_SIZE, XDP_HEADROOM } from './context.js';
export { BPF_ANY, BPF_EXIST, BPF_NOEXIST, VmMap, VmMapType, type VmMapSpec, type VmRecord } from './maps.js';
export { type EngineName, Vm, type VmOptions, type VmRunInput, type VmRunResult } from './vm.js';
