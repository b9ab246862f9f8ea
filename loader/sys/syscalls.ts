// bpf(2), perf_event_open(2), ioctl(2) and close(2): each returns its result or throws SyscallError.

import { attrPointers } from './attr-encode.js';
import { bpfCommandName } from './commands.js';
import { SyscallError } from './errors.js';
import { type Libc, libc, libcFunction } from './libc.js';

interface Calls {
  readonly libc: Libc;
  readonly syscall: (...args: unknown[]) => number;
  readonly bpf: (nr: number, cmd: number, attr: Uint8Array, size: number) => number;
  readonly bpfAt: (nr: number, cmd: number, attr: number, size: number) => number;
  readonly ioctl: (...args: unknown[]) => number;
  readonly close: (fd: number) => number;
}

let bound: Calls | undefined;

/**
 * Writes the addresses of an attr's pointees (encodeAttr placed them in the attr's own buffer)
 * into its pointer fields. The buffer never moves, so this is done once per attr.
 */
function writePointers(n: Calls, attr: Uint8Array): void {
  const p = attrPointers(attr);
  if (p === undefined || p.written) return;
  const base = n.libc.koffi.address(attr);
  const view = new DataView(attr.buffer, attr.byteOffset);
  for (let i = 0; i < p.offsets.length; i += 2) view.setBigUint64(p.offsets[i]!, base + BigInt(p.offsets[i + 1]!), true);
  p.written = true;
}

function calls(): Calls {
  return bound ??= {
    libc: libc(),
    syscall: libcFunction('long syscall(long number, ...)'),
    // bpf(2) through a fixed prototype of syscall(): a third cheaper per call than the variadic
    // one. Sound on Linux x86-64 and arm64, where variadic integer and pointer arguments travel in
    // the same registers as fixed ones (and glibc's syscall() only moves registers).
    bpf: libcFunction('long syscall(long number, int cmd, void *attr, unsigned int size)'),
    // The same with the attr's address as a number: koffi converts no Buffer (about 0.1 µs a call).
    bpfAt: libcFunction('long syscall(long number, long cmd, long attr, long size)'),
    ioctl: libcFunction('int ioctl(int fd, unsigned long request, ...)'),
    close: libcFunction('int close(int fd)'),
  };
}

/**
 * bpf(cmd, attr, attr.length), the attr from encodeAttr (its pointees in its own buffer). Returns
 * the result (an fd for creating commands, else 0); throws SyscallError.
 */
export function bpf(cmd: number, attr: Uint8Array): number {
  const n = calls();
  writePointers(n, attr);
  const r = n.bpf(n.libc.nr.bpf, cmd, attr, attr.length);
  if (r < 0) throw new SyscallError('bpf', n.libc.koffi.errno(), bpfCommandName(cmd));
  return r;
}

/** bpf() without throwing: the result or minus the errno (for probes and loops that expect failures). */
export function bpfRaw(cmd: number, attr: Uint8Array): number {
  const n = calls();
  writePointers(n, attr);
  const r = n.bpf(n.libc.nr.bpf, cmd, attr, attr.length);
  return r < 0 ? -n.libc.koffi.errno() : r;
}

/** A bpf() call bound to one attr whose pointers are written now: `(cmd) => result or -errno`. */
export type PreparedBpf = (cmd: number) => number;

/**
 * bpfRaw for an attr called many times (a map's element calls): the pointers are written once,
 * here, and each call is the koffi call alone — no pointer lookup, no property chain. The attr
 * must not be re-encoded while the returned function is used.
 */
export function preparedBpf(attr: Uint8Array): PreparedBpf {
  const n = calls();
  writePointers(n, attr);
  const call = n.bpf;
  const nr = n.libc.nr.bpf;
  const size = attr.length;
  const { koffi } = n.libc;
  // encodeAttr's buffer is off the V8 heap (its .buffer was taken) and never moves, and this
  // closure keeps it alive, so its address can stand for it.
  const at = koffi.address(attr);
  if (at <= BigInt(Number.MAX_SAFE_INTEGER)) {
    const callAt = n.bpfAt;
    const address = Number(at);
    return (cmd) => {
      const r = callAt(nr, cmd, address, size);
      return r < 0 ? -koffi.errno() : r;
    };
  }
  return (cmd) => {
    const r = call(nr, cmd, attr, size);
    return r < 0 ? -koffi.errno() : r;
  };
}

/** perf_event_open(attr, pid, cpu, group_fd, flags) → fd; the attr from encodeAttr, as for bpf(). */
export function perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number {
  const n = calls();
  writePointers(n, attr);
  const r = n.syscall(n.libc.nr.perfEventOpen, 'void *', attr, 'int', pid, 'int', cpu, 'int', groupFd, 'ulong', flags);
  if (r < 0) throw new SyscallError('perf_event_open', n.libc.koffi.errno());
  return r;
}

/** ioctl(fd, request, arg) with an integer argument (PERF_EVENT_IOC_SET_BPF takes the prog fd). */
export function ioctl(fd: number, request: number, arg: number | bigint = 0): number {
  const n = calls();
  const r = n.ioctl(fd, request, 'ulong', arg);
  if (r < 0) throw new SyscallError('ioctl', n.libc.koffi.errno(), `ioctl 0x${request.toString(16)}`);
  return r;
}

/** ioctl(fd, request, pointer to buf). */
export function ioctlBuffer(fd: number, request: number, buf: Uint8Array): number {
  const n = calls();
  const r = n.ioctl(fd, request, 'void *', buf);
  if (r < 0) throw new SyscallError('ioctl', n.libc.koffi.errno(), `ioctl 0x${request.toString(16)}`);
  return r;
}

export function close(fd: number): void {
  const n = calls();
  if (n.close(fd) < 0) throw new SyscallError('close', n.libc.koffi.errno());
}
