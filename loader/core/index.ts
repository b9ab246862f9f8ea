// Public surface of the CO-RE resolver (re-exported from tsbpf/loader). Pure functions over a
// local BTF (the object's) and a target BTF; only loadKernelCoreTarget touches the file system.

export { CoreError, type CoreLocation } from './errors.js';
export { essentialName, essentialNameLength, essentialNamesEqual, flavorOf } from './names.js';
export { type CoreKindFamily, kindFamily, LIBBPF_KIND_NAMES } from './kinds.js';
export { resolveSize, skipModsAndTypedefs } from './type-queries.js';
export { fieldsAreCompatible, typesAreCompatible, typesMatch } from './compat.js';
export { CORE_SPEC_MAX_LEN, type CoreAccessor, type CoreSpec, matchSpec, parseSpec } from './field-spec.js';
export { calcRelocation, type CoreCandidate, type CoreResolution, resolveRelocation } from './calc.js';
export { CandidateCache, candidatesIn, type CoreTarget, findCandidates } from './candidates.js';
export { patchableValue, patchInstruction, type PatchOutcome, POISON_HELPER_ID } from './patch.js';
export { decodeBtfFile, KERNEL_BTF_DIR, type KernelCoreTargetOptions, loadKernelCoreTarget } from './target.js';
export { type CoreRelocationResult, describeType, relocateObjectCore } from './relocate.js';
