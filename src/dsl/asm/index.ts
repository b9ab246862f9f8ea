// The instruction layer of the DSL (tsbpf's counterpart of cilium/ebpf's asm package).

export * from './registers.js';
export * from './builders.js';
export * from './items.js';
export { resolveLabels } from './labels.js';
