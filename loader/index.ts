// Public surface of tsbpf/loader: whether this process can use bpf(2), the syscall shim
// (loader/sys, the only native code), and the object loader built on it.

export { assessBpfAccess, bpfAccess, type BpfAccess, Capability, effectiveCapabilities } from './capabilities.js';
// The syscall shim stays reachable for advanced use, under a namespace (`sys.bpf`, `sys.close` …);
// only the errors a caller catches are top-level.
export * as sys from './sys/index.js';
export { NativeUnavailableError, nativeAvailable, SyscallError } from './sys/index.js';
export { ClosedError, OwnedFd } from './fd.js';
export { UndoLog, withUndone } from './undo.js';
export { BpfMap, kernelMapTypes, type MapInfo, type MapSpec, type MapTypes, MapError, mapInfo, pinFd, unpin, UpdateFlags } from './maps.js';
export { isKeyedMap, isMapOfMaps, isPerCpuMap, MapType, mapTypeName } from './map-types.js';
export { type BtfJsValue, BtfValueError, decodeValue, encodeValue } from './btf-values.js';
export { BtfLoadError, kernelReadyBtf, loadBtf } from './btf-load.js';
export { failingInsn, lastLogLine, LoadError, type LoadedProgram, loadProgram, type ProgramLoadSpec } from './program-load.js';
export { LinkError, type LinkedProgram, linkProgram } from './link-subprograms.js';
export { RelocationError, relocateProgram, type RelocationTargets } from './relocate.js';
export { ExternError, kernelVersionCode, parseKconfig, readKernelConfig, resolveKconfig, resolveKsym } from './externs.js';
export { KernelBtfError, kernelBtf, VMLINUX_BTF } from './kernel-btf.js';
export { type KernelBtfBytes, type KernelBtfSource, readKernelBtfBytes } from './kernel-btf-bytes.js';
export { parseCpuList, possibleCpus } from './possible-cpus.js';
export {
  BpfAccessError, BpfCollection, internalMapName, type LoadedProgramHandle, loadObject, type LoadObjectOptions, objectNameOf,
  ObjectInputError, PinMismatchError, requireBpfAccess,
} from './object.js';
export { type InnerMapSpec, type MapSizing, MapSizingError, sizeMaps } from './map-sizing.js';
export { planStructOps, STRUCT_OPS_LINK_FLAG, StructOpsError, type StructOpsPlan, type StructOpsSlot, structOpsValue } from './struct-ops.js';
export { Arena, ARENA_SECTION, mapArena } from './arena.js';
export * from './core/index.js';
export * from './attach/index.js';
export { testRun, TestRunError, type TestRunOptions, type TestRunResult } from './test-run.js';
export * from './events/index.js';
export { type FeatureReport, MAP_TYPE_NAMES, probeHelper, probeKernel, probeMapType, probeProgramType, type ProbeResult, PROGRAM_TYPE_NAMES } from './probes.js';
export * from './skeleton/index.js';
export * from './usdt/index.js';
