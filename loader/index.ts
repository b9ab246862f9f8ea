// Public surface of tsbpf/loader. For now: whether this process can use
// bpf(2), and why not. The syscall shim and object loader build on this.

export { assessBpfAccess, bpfAccess, type BpfAccess, Capability, effectiveCapabilities } from './capabilities.js';
export * from './core/index.js';
