// Skeletons: code generation (`tsbpf gen skeleton`) and the runtime generated code uses.

export { generateSkeleton, type SkeletonOptions, tsTypeOf } from './generate.js';
export { SkeletonError, SkeletonRuntime } from './runtime.js';
