// Attaching programs: one module per attach kind, a Link per attachment.

export { AttachError, Link, type LinkKind, type ProgramHandle, programFd } from './link.js';
export { attachTracepoint, tracepointId, TRACEFS } from './tracepoint.js';
export { attachRawTracepoint } from './raw-tracepoint.js';
export { attachUprobe, type UprobeOptions } from './uprobe.js';
export { librarySearchPath, resolveBinaryPath } from './binary-path.js';
export { symbolFileOffset, SymbolNotFoundError } from './symbol-offset.js';
export { attachKprobe, type KprobeOptions } from './kprobe.js';
export { attachXdp, XdpMode, type XdpModeName } from './xdp.js';
export { attachTcx, type TcDirection } from './tc.js';
export { attachCgroup, cgroupAttachType } from './cgroup.js';
export { attachSocketFilter } from './socket-filter.js';
export { attachPerfEvent, type PerfEventSpec } from './perf-event.js';
export { type AttachContext, type AttachOptions, attachOptionsForSection, attachProgram } from './attach-program.js';
export { AttachType, Perf, ProgType } from './kernel-enums.js';
