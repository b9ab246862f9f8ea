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

/**
 * A value that does not fit the attr field it was given for: not an integer (NaN, 1.5, Infinity),
 * negative for an unsigned field, or beyond the field's width. Raised before anything reaches the
 * kernel, instead of writing NaN as 0 or 1.5 as 1.
 */
export class AttrValueError extends TsbpfError {
  override readonly name = 'AttrValueError';
  constructor(
    /** The layout (bpf_attr arm or struct), e.g. 'map_create'. */
    readonly attr: string,
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`${attr}.${field}: ${reason}`);
  }
}

/** The native layer cannot be used here: not Linux, koffi missing, or an unsupported architecture. */
export class NativeUnavailableError extends TsbpfError {
  override readonly name = 'NativeUnavailableError';
}
