// The only module that makes native calls. koffi is loaded on first use, so importing tsbpf works
// on machines where it is missing or where bpf(2) does not exist; the first call then throws
// NativeUnavailableError saying why.

import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { bpfCommandName } from './commands.js';
import { NativeUnavailableError, SyscallError } from './errors.js';

/** Syscall numbers per architecture (arch/x86/entry/syscalls, include/uapi/asm-generic/unistd.h). */
const SYSCALLS: Readonly<Record<string, { bpf: number; perfEventOpen: number }>> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
};

interface Native {
  readonly nr: { bpf: number; perfEventOpen: number };
  readonly syscall: (...args: unknown[]) => number;
  readonly ioctl: (...args: unknown[]) => number;
  readonly close: (fd: number) => number;
  readonly mmap: (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => bigint;
  readonly munmap: (addr: bigint, len: number) => number;
  readonly errno: () => number;
  readonly address: (buf: Uint8Array) => bigint;
  readonly view: (ptr: bigint, len: number) => ArrayBuffer;
}

let native: Native | undefined;
let failure: string | undefined;

function load(): Native {
  if (native !== undefined) return native;
  if (failure !== undefined) throw new NativeUnavailableError(failure);
  try {
    if (process.platform !== 'linux') throw new Error(`bpf(2) needs Linux; this is ${process.platform}`);
    const nr = SYSCALLS[process.arch];
    if (nr === undefined) throw new Error(`the syscall shim does not know the syscall numbers of ${process.arch}`);
    if (endianness() !== 'LE') throw new Error('the syscall shim encodes bpf_attr little-endian; this host is big-endian');
    // createRequire keeps koffi (CommonJS, native) out of the static import graph.
    const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    let koffi: typeof import('koffi');
    try {
      koffi = req('koffi') as typeof import('koffi');
    } catch (e) {
      throw new Error(`cannot load koffi, which tsbpf uses for system calls: ${(e as Error).message.split('\n')[0]}`);
    }
    const libc = koffi.load('libc.so.6');
    native = {
      nr,
      syscall: libc.func('long syscall(long number, ...)') as (...args: unknown[]) => number,
      ioctl: libc.func('int ioctl(int fd, unsigned long request, ...)') as (...args: unknown[]) => number,
      close: libc.func('int close(int fd)') as (fd: number) => number,
      mmap: libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)') as Native['mmap'],
      munmap: libc.func('int munmap(void *addr, size_t length)') as Native['munmap'],
      errno: () => koffi.errno(),
      address: (buf) => koffi.address(buf),
      view: (ptr, len) => koffi.view(ptr, len),
    };
    return native;
  } catch (e) {
    failure = (e as Error).message;
    throw new NativeUnavailableError(failure);
  }
}

/** Whether the native layer loads here (does not say whether bpf(2) is permitted: see bpfAccess). */
export function nativeAvailable(): { available: true } | { available: false; reason: string } {
  try {
    load();
    return { available: true };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}

/** Address of a buffer's first byte, for pointer fields; valid while the buffer is referenced. */
export function address(buf: Uint8Array): bigint {
  return load().address(buf);
}

/** bpf(cmd, attr, attr.length). Returns the result (an fd for creating commands, else 0); throws SyscallError. */
export function bpf(cmd: number, attr: Uint8Array): number {
  const n = load();
  const r = n.syscall(n.nr.bpf, 'int', cmd, 'void *', attr, 'uint', attr.length);
  if (r < 0) throw new SyscallError('bpf', n.errno(), bpfCommandName(cmd));
  return r;
}

/** bpf() without throwing: the result or minus the errno (for probes and loops that expect failures). */
export function bpfRaw(cmd: number, attr: Uint8Array): number {
  const n = load();
  const r = n.syscall(n.nr.bpf, 'int', cmd, 'void *', attr, 'uint', attr.length);
  return r < 0 ? -n.errno() : r;
}

/** perf_event_open(attr, pid, cpu, group_fd, flags) → fd. */
export function perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number {
  const n = load();
  const r = n.syscall(n.nr.perfEventOpen, 'void *', attr, 'int', pid, 'int', cpu, 'int', groupFd, 'ulong', flags);
  if (r < 0) throw new SyscallError('perf_event_open', n.errno());
  return r;
}

/** ioctl(fd, request, arg) with an integer argument (PERF_EVENT_IOC_SET_BPF takes the prog fd). */
export function ioctl(fd: number, request: number, arg: number | bigint = 0): number {
  const n = load();
  const r = n.ioctl(fd, request, 'ulong', arg);
  if (r < 0) throw new SyscallError('ioctl', n.errno(), `ioctl 0x${request.toString(16)}`);
  return r;
}

/** ioctl(fd, request, pointer to buf). */
export function ioctlBuffer(fd: number, request: number, buf: Uint8Array): number {
  const n = load();
  const r = n.ioctl(fd, request, 'void *', buf);
  if (r < 0) throw new SyscallError('ioctl', n.errno(), `ioctl 0x${request.toString(16)}`);
  return r;
}

export function close(fd: number): void {
  const n = load();
  if (n.close(fd) < 0) throw new SyscallError('close', n.errno());
}

export const Prot = { READ: 1, WRITE: 2 } as const;
export const MapShared = 1;

/** A mapping: its address and an ArrayBuffer over it (invalid after munmap). */
export interface Mapping {
  readonly address: bigint;
  readonly length: number;
  readonly buffer: ArrayBuffer;
}

/** mmap(NULL, length, prot, flags, fd, offset). */
export function mmap(length: number, prot: number, flags: number, fd: number, offset = 0): Mapping {
  const n = load();
  const p = n.mmap(null, length, prot, flags, fd, offset);
  if (p === 0xffffffffffffffffn || p === -1n) throw new SyscallError('mmap', n.errno());
  return { address: p, length, buffer: n.view(p, length) };
}

export function munmap(m: Mapping): void {
  const n = load();
  if (n.munmap(m.address, m.length) < 0) throw new SyscallError('munmap', n.errno());
}

/** Current thread's errno as koffi saw it after the last native call. */
export function lastErrno(): number {
  return load().errno();
}
