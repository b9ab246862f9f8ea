// The syscall shim: the only part of tsbpf that touches native calls (through koffi, loaded lazily).

export * from './attr.js';
export { type AttrValue, encodeAttr, Pointee, pointee, pointeeStruct, readAttr } from './attr-encode.js';
export * from './commands.js';
export { errnoMessage, errnoName, errnoNumber } from './errno.js';
export { AttrValueError, NativeUnavailableError, SyscallError } from './errors.js';
export { lastErrno, nativeAvailable } from './libc.js';
export { bpf, bpfRaw, close, ioctl, ioctlBuffer, perfEventOpen, type PreparedBpf, preparedBpf } from './syscalls.js';
export { MapFixedNoReplace, MapShared, type Mapping, mmap, munmap, pageSize, Prot } from './mmap.js';
export { epollAdd, epollCreate, epollWaitAsync } from './epoll.js';
export { ifNameToIndex, setsockopt } from './net.js';
export { linkFollow } from './link-follow.js';
