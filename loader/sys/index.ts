// The syscall shim: the only part of tsbpf that touches native calls (through koffi, loaded lazily).

export * from './attr.js';
export * from './commands.js';
export { errnoMessage, errnoName, errnoNumber } from './errno.js';
export { NativeUnavailableError, SyscallError } from './errors.js';
export {
  address, bpf, bpfRaw, close, ioctl, ioctlBuffer, lastErrno, MapFixedNoReplace, MapShared, type Mapping, mmap, munmap, nativeAvailable,
  perfEventOpen, Prot,
} from './native.js';
export { epollAdd, epollCreate, epollWaitAsync, ifNameToIndex, linkFollow, pageSize, setsockopt } from './native.js';
