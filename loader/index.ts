// Public surface of tsbpf/loader: whether this process can use bpf(2), and the object loader
// built on the syscall shim (loader/sys, the only native code; internal: src/internal.ts).

export {
  assessBpfAccess, bpfAccess, type BpfAccess, BpfAccessError, Capability, effectiveCapabilities, requireBpfAccess,
  unprivilegedBpfSetting,
} from './capabilities.js';
// Of the syscall shim, only what a caller checks or catches.
export { AttrValueError, NativeUnavailableError, nativeAvailable, SyscallError } from './sys/index.js';
export { ClosedError, OwnedFd } from './fd.js';
export { UndoLog, withUndone } from './undo.js';
export { BpfMap, kernelMapTypes, type MapInfo, type MapSpec, type MapTypes, MapError, mapInfo, pinFd, unpin, UpdateFlags } from './maps.js';
export { isKeyedMap, isMapOfMaps, isPerCpuMap, MapType, mapTypeName } from './map-types.js';
export { type BtfJsValue, BtfValueError, decodeBtfValue, type DecodeOptions as BtfDecodeOptions, encodeBtfValue } from './btf-values.js';
export { BtfLoadError, kernelReadyBtf, loadBtf } from './btf-load.js';
export { kernelBtfFeatures, probeBtfFeature, sanitizedForKernel } from './btf-features.js';
export { failingInsn, lastLogLine, LoadError, type LoadedProgram, loadProgram, type ProgramLoadSpec } from './program-load.js';
export { SubprogramLinkError, type LinkedProgram, linkProgram } from './link-subprograms.js';
export { RelocationError, relocateProgram, type RelocationTargets } from './relocate.js';
export { ExternError, kernelVersionCode, parseKconfig, readKernelConfig, resolveKconfig, resolveKsym } from './externs.js';
export { attachTypeNumber, KernelBtfError, kernelBtf, VMLINUX_BTF } from './kernel-btf.js';
export { type KernelBtfBytes, type KernelBtfSource, readKernelBtfBytes } from './kernel-btf-bytes.js';
export { parseCpuList, possibleCpus } from './possible-cpus.js';
export { loadObject, type LoadObjectOptions } from './object.js';
export { type LoaderLog, type LoaderLogLevel, setLoaderLog } from './log.js';
export { BpfCollection, type LoadedProgramHandle } from './collection.js';
export { ObjectInputError, PinMismatchError } from './object-errors.js';
export { objectNameOf } from './object-input.js';
export { internalMapName } from './internal-map-name.js';
export { type InnerMapSpec, type MapSizing, MapSizingError, sizeMaps } from './map-sizing.js';
export { planStructOps, STRUCT_OPS_LINK_FLAG, StructOpsError, type StructOpsPlan, type StructOpsSlot, structOpsValue } from './struct-ops.js';
export { Arena, ARENA_SECTION, mapArena } from './arena.js';
export {
  CoreError, type CoreLocation, type CoreRelocationResult, type CoreTarget, KERNEL_BTF_DIR, type KernelCoreTargetOptions,
  loadKernelCoreTarget, POISON_HELPER_ID, relocateObjectCore,
} from './core/index.js';
export * from './attach/index.js';
export { testRun, TestRunError, type TestRunOptions, type TestRunResult } from './test-run.js';
export * from './events/index.js';
export { ATTACH_PROBE_NAMES, type AttachProbeName, probeAttach } from './attach-probes.js';
export { type FeatureReport, MAP_TYPE_NAMES, probeHelper, probeKernel, probeMapType, probeProgramType, type ProbeResult, PROGRAM_TYPE_NAMES } from './probes.js';
export * from './skeleton/index.js';
export { type PreparedMap, type PreparedProgram, type PrepareOptions, prepareObjectPrograms, STAND_IN_FD } from './prepare.js';
export type { AttachTarget } from './attach-target.js';
export * from './usdt/index.js';
export { type KernelVerdict, type Preverifier, type PreverifyProgram, type PreverifyVerdict, setDefaultPreverifier } from './preverify.js';
