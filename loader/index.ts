// Public surface of tsbpf/loader: whether this process can use bpf(2), the syscall shim
// (loader/sys, the only native code), and the object loader built on it.

export { assessBpfAccess, bpfAccess, type BpfAccess, Capability, effectiveCapabilities } from './capabilities.js';
export * from './sys/index.js';
export { ClosedError, OwnedFd } from './fd.js';
export * from './attach/index.js';
export { testRun, TestRunError, type TestRunOptions, type TestRunResult } from './test-run.js';
export * from './events/index.js';
