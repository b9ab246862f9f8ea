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
  readonly bpf: (nr: number, cmd: number, attr: Uint8Array, size: number) => number;
  readonly ioctl: (...args: unknown[]) => number;
  readonly close: (fd: number) => number;
  readonly mmap: (addr: bigint, len: number, prot: number, flags: number, fd: number, off: number) => bigint;
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
      // bpf(2) through a fixed prototype of syscall(): a third cheaper per call than the variadic
      // one. Sound on Linux x86-64 and arm64, where variadic integer and pointer arguments travel in
      // the same registers as fixed ones (and glibc's syscall() only moves registers).
      bpf: libc.func('long syscall(long number, int cmd, void *attr, unsigned int size)') as Native['bpf'],
      ioctl: libc.func('int ioctl(int fd, unsigned long request, ...)') as (...args: unknown[]) => number,
      close: libc.func('int close(int fd)') as (fd: number) => number,
      // addr as an integer: arenas must be mapped at the address they were created for.
      mmap: libc.func('void *mmap(unsigned long addr, size_t length, int prot, int flags, int fd, long offset)') as Native['mmap'],
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

/**
 * Address of a buffer's first byte, for pointer fields. An address is a number the garbage
 * collector does not see, so a buffer reachable only through it could be freed before the system
 * call that uses it, and a kernel writing into freed memory corrupts the heap. Every buffer given
 * here is therefore held until the next system call through this module has returned (the usual
 * address → encodeAttr → bpf() sequence). An attr kept for many calls must keep its buffers
 * referenced itself, or pass them as the `keep` argument of bpf(), bpfRaw() or perfEventOpen().
 */
export function address(buf: Uint8Array): bigint {
  addressed.push(buf);
  return load().address(buf);
}

/** Buffers given to address() since the last system call returned. */
let addressed: Uint8Array[] = [];

/**
 * What the current system call's attr points to (`keep`), held here during the call: a module
 * variable written before and cleared after the native call, which an optimizer cannot drop.
 */
let heldForCall: unknown;

/** After a system call: what address() and `keep` held for it may be collected again. */
function released(): void {
  heldForCall = undefined;
  if (addressed.length !== 0) addressed = [];
}

/**
 * bpf(cmd, attr, attr.length). Returns the result (an fd for creating commands, else 0); throws
 * SyscallError. `keep`: the buffers whose addresses the attr holds (see address()).
 */
export function bpf(cmd: number, attr: Uint8Array, keep?: unknown): number {
  const n = load();
  heldForCall = keep;
  const r = n.bpf(n.nr.bpf, cmd, attr, attr.length);
  released();
  if (r < 0) throw new SyscallError('bpf', n.errno(), bpfCommandName(cmd));
  return r;
}

/** bpf() without throwing: the result or minus the errno (for probes and loops that expect failures). */
export function bpfRaw(cmd: number, attr: Uint8Array, keep?: unknown): number {
  const n = load();
  heldForCall = keep;
  const r = n.bpf(n.nr.bpf, cmd, attr, attr.length);
  released();
  return r < 0 ? -n.errno() : r;
}

/** perf_event_open(attr, pid, cpu, group_fd, flags) → fd. `keep` as for bpf(). */
export function perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number, keep?: unknown): number {
  const n = load();
  heldForCall = keep;
  const r = n.syscall(n.nr.perfEventOpen, 'void *', attr, 'int', pid, 'int', cpu, 'int', groupFd, 'ulong', flags);
  released();
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
/** MAP_FIXED_NOREPLACE: map exactly at the address given, failing (EEXIST) rather than replacing a mapping. */
export const MapFixedNoReplace = 0x100000;

/** A mapping: its address and an ArrayBuffer over it (invalid after munmap). */
export interface Mapping {
  readonly address: bigint;
  readonly length: number;
  readonly buffer: ArrayBuffer;
}

/** mmap(addr, length, prot, flags, fd, offset); addr 0 (the default) lets the kernel choose. */
export function mmap(length: number, prot: number, flags: number, fd: number, offset = 0, addr: bigint = 0n): Mapping {
  const n = load();
  const p = n.mmap(addr, length, prot, flags, fd, offset);
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

// ---- Attach and event-stream calls (added by the attach work: sockets, epoll, interfaces) ----
// Kept in one block so that it merges cleanly with the rest of the shim.

interface AttachNative {
  readonly setsockopt: (fd: number, level: number, name: number, value: Uint8Array, len: number) => number;
  readonly epollCreate1: (flags: number) => number;
  readonly epollCtl: (epfd: number, op: number, fd: number, event: Uint8Array) => number;
  readonly epollWait: ((epfd: number, events: Uint8Array, max: number, timeout: number) => number) & {
    async: (epfd: number, events: Uint8Array, max: number, timeout: number, cb: (err: unknown, r: number) => void) => void;
  };
  readonly ifNametoindex: (name: string) => number;
  readonly sysconf: (name: number) => number;
}

let attachNative: AttachNative | undefined;

function loadAttach(): AttachNative {
  if (attachNative !== undefined) return attachNative;
  load(); // the platform checks and koffi itself
  const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
  const koffi = req('koffi') as typeof import('koffi');
  const libc = koffi.load('libc.so.6');
  attachNative = {
    setsockopt: libc.func('int setsockopt(int fd, int level, int optname, void *optval, uint32_t optlen)') as AttachNative['setsockopt'],
    epollCreate1: libc.func('int epoll_create1(int flags)') as AttachNative['epollCreate1'],
    epollCtl: libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)') as AttachNative['epollCtl'],
    epollWait: libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)') as unknown as AttachNative['epollWait'],
    ifNametoindex: libc.func('unsigned int if_nametoindex(const char *name)') as AttachNative['ifNametoindex'],
    sysconf: libc.func('long sysconf(int name)') as AttachNative['sysconf'],
  };
  return attachNative;
}

/** setsockopt(fd, level, name, value, value.length) (SO_ATTACH_BPF takes the prog fd as an int). */
export function setsockopt(fd: number, level: number, name: number, value: Uint8Array): void {
  const n = loadAttach();
  if (n.setsockopt(fd, level, name, value, value.length) < 0) throw new SyscallError('setsockopt', lastErrno());
}

/** epoll_create1(EPOLL_CLOEXEC) → fd. */
export function epollCreate(): number {
  const r = loadAttach().epollCreate1(0o2000000);
  if (r < 0) throw new SyscallError('epoll_create1', lastErrno());
  return r;
}

/** epoll_ctl(EPOLL_CTL_ADD, fd) for EPOLLIN, with `data` as the event's user data (u64). */
export function epollAdd(epfd: number, fd: number, data: number): void {
  const ev = Buffer.alloc(12); // struct epoll_event is packed on x86-64 (12 bytes); arm64 pads to 16
  ev.writeUInt32LE(1, 0); // EPOLLIN
  ev.writeBigUInt64LE(BigInt(data), 4);
  const arg = process.arch === 'x64' ? ev : Buffer.concat([ev.subarray(0, 4), Buffer.alloc(4), ev.subarray(4)]);
  if (loadAttach().epollCtl(epfd, 1, fd, arg) < 0) throw new SyscallError('epoll_ctl', lastErrno());
}

/**
 * epoll_wait on one of koffi's worker threads, so that waiting does not block the event loop.
 * Resolves with the number of ready descriptors (0 on timeout, -1 on failure).
 */
export function epollWaitAsync(epfd: number, timeoutMs: number): Promise<number> {
  const n = loadAttach();
  const events = Buffer.alloc(16 * 16);
  return new Promise((resolve) => {
    n.epollWait.async(epfd, events, 16, timeoutMs, (err, r) => {
      void events; // keeps the buffer alive until the worker is done with it
      resolve(err !== null && err !== undefined ? -1 : r);
    });
  });
}

/** if_nametoindex(name); throws ENODEV-style SyscallError when there is no such interface. */
export function ifNameToIndex(name: string): number {
  const r = loadAttach().ifNametoindex(name);
  if (r === 0) throw new SyscallError('if_nametoindex', lastErrno() || 19, name);
  return r;
}

/** The page size (sysconf(_SC_PAGESIZE)). */
export function pageSize(): number {
  return loadAttach().sysconf(30);
}
// ---- end of attach block ----

// ---- File calls Node has no binding for (the CLI's output writer) ----

type Linkat = (oldDir: number, oldPath: string, newDir: number, newPath: string, flags: number) => number;
let linkatFn: Linkat | undefined;

/**
 * linkat(AT_FDCWD, oldPath, AT_FDCWD, newPath, AT_SYMLINK_FOLLOW): gives a name to an O_TMPFILE
 * file through its /proc/self/fd link. Node's fs.link is link(2), which does not follow that link.
 */
export function linkFollow(oldPath: string, newPath: string): void {
  load(); // the platform checks and koffi itself
  if (linkatFn === undefined) {
    const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const koffi = req('koffi') as typeof import('koffi');
    linkatFn = koffi.load('libc.so.6').func('int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)') as Linkat;
  }
  const AT_FDCWD = -100;
  const AT_SYMLINK_FOLLOW = 0x400;
  if (linkatFn!(AT_FDCWD, oldPath, AT_FDCWD, newPath, AT_SYMLINK_FOLLOW) < 0) throw new SyscallError('linkat', lastErrno(), newPath);
}
