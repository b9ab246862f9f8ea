// The bpf_conformance / uBPF assembly syntax (`mov32 %r0, 1`, `ldxdw %r0, [%r1+8]`)
// and the conformance suite's `.data` file format.

export { assembleUbpf, type UbpfAssembleOptions } from './assemble.js';
export { formatUbpf, formatUbpfProgram, ubpfUnsupportedReason } from './format.js';
export { type ConformanceData, parseConformanceData } from './data-file.js';
