// Public surface of tsbpf/verifier: a userspace model of the Linux 6.18
// verifier. This first stage covers the structural checks that run before
// abstract interpretation.

export { checkStructure, instructionFaultOf, MAX_PROGRAM_SLOTS, MAX_UNPRIVILEGED_PROGRAM_SLOTS } from './check.js';
export { isKnownOpcode, knownOpcodes } from './opcode-table.js';
export { type FuncInfoRecord, functionsFromBtf } from './function-info.js';
export { type FdKind, type FunctionInfo, type LoadEnvironment, type StructureOptions } from './options.js';
export { type ProgramInput, toRawSlots } from './slots.js';
export { MAX_SUBPROGRAMS } from './subprogs.js';
export * from './verdict.js';
export { verifyProgram, type VerifyOptions, type VerifyResult } from './verify.js';
export { type ProgramVerdict, verify, type VerifierStats } from './program-verdict.js';
export { isGplCompatible } from './gpl-license.js';
export { type MapInfo, mapsWithoutBtf, MapType } from './model/map-info.js';
export type * from './tables/types.js';
export { helperPrototype } from './tables/helpers.js';
export { HELPER_TABLE, type HelperTableEntry } from './tables/helpers.generated.js';
export { ctxTable } from './tables/ctx.js';
