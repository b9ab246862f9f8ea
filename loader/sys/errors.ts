// Errors raised by the syscall shim.

import { errnoMessage, errnoName } from './errno.js';
import { TsbpfError } from '../../isa/index.js';

/** A system call returned -1: which call (and bpf command), the errno and its name. */
export class SyscallError extends TsbpfError {
  override readonly name = 'SyscallError';
  /** errno name, e.g. 'EPERM'. */
  readonly code: string;
  constructor(
    /** 'bpf', 'perf_event_open', 'ioctl', 'close', 'mmap', 'munmap'. */
    readonly syscall: string,
    readonly errno: number,
    /** bpf command name (BPF_MAP_CREATE …) or ioctl request, when there is one. */
    readonly command?: string,
  ) {
    const code = errnoName(errno);
    super(`${command ?? syscall}: ${code} (${errnoMessage(errno)})`);
    this.code = code;
  }
}

/** The native layer cannot be used here: not Linux, koffi missing, or an unsupported architecture. */
export class NativeUnavailableError extends TsbpfError {
  override readonly name = 'NativeUnavailableError';
}
