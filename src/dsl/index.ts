// Public surface of the TypeScript DSL: write eBPF programs in TypeScript, get a loadable object.
// Two layers: `asm` (one typed builder per instruction, registers R0–R10/W0–W10, labels) and the
// structured ProgramBuilder (stack slots, helper calls by name, lookups with their null check,
// if/else, loops, bpf_printk, byte order), plus maps, globals and defineObject.

export * as asm from './asm/index.js';
export { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, FP, type Reg, type Reg32, type Reg64 } from './asm/registers.js';
export type { AsmItem, AsmInsn, AsmLabel, AsmReference } from './asm/items.js';
export { HELPERS, HELPER_TABLE_KERNEL, HELPER_TABLE_SOURCE } from './helpers/table.js';
export type { HelperArgs, HelperArgTypes, HelperFunctions, HelperName } from './helpers/signatures.js';
export { ProgramBuilder, type Value } from './program/builder.js';
export type { CompareOp } from './program/conditions.js';
export { fn, FunctionDef, type FunctionSignature, program, type Body, type ProgramDef } from './program/definitions.js';
export type { FunctionRef, GlobalRef, MapRef, PtrArg, ScalarArg, StackSlot } from './program/refs.js';
export {
  arrayMap, bloomFilterMap, hashMap, keyValueMap, lpmTrieMap, lruHashMap, lruPercpuHashMap, MAP_FLAGS, MAP_TYPES, MapDef,
  type MapKind, type MapOptions, mapOfMaps, percpuArrayMap, percpuHashMap, perfEventArrayMap, progArrayMap, queueMap,
  ringBufMap, stackTraceMap,
} from './maps.js';
export {
  isStructOpsDef, structOps, StructOpsDef, type StructOpsInit, type StructOpsOptions, type StructOpsProgram, type StructOpsProgramSection,
  type StructOpsSlot,
} from './struct-ops.js';
export { constVar, GlobalDef, type GlobalDecl, globalVar, type GlobalSection } from './globals.js';
export { buildBpfObject, type BuildOptions, defineObject, DSL_OBJECT, type DslObject, isDslObject, type ObjectSpec } from './object.js';
export { DslError } from './errors.js';
export { type ExternOptions, type ExternRef, isExternRef, isKfuncRef, kconfig, kfunc, type KfuncRef, ksym, tristate } from './externs.js';
export type { SourceLocation } from './line-info.js';
export * from './types/index.js';
export { htonl, htons, ntohl, ntohs } from './byte-order.js';
