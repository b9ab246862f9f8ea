// epoll, for waiting on ring and perf buffers without blocking the event loop.

import { SyscallError } from './errors.js';
import { lastErrno, libcFunctions } from './libc.js';

interface Calls {
  readonly epollCreate1: (flags: number) => number;
  readonly epollCtl: (epfd: number, op: number, fd: number, event: Uint8Array) => number;
  readonly epollWait: ((epfd: number, events: Uint8Array, max: number, timeout: number) => number) & {
    async: (epfd: number, events: Uint8Array, max: number, timeout: number, cb: (err: unknown, r: number) => void) => void;
  };
}

const calls = libcFunctions<Calls>({
  epollCreate1: 'int epoll_create1(int flags)',
  epollCtl: 'int epoll_ctl(int epfd, int op, int fd, void *event)',
  epollWait: 'int epoll_wait(int epfd, void *events, int maxevents, int timeout)',
});

/** epoll_create1(EPOLL_CLOEXEC) → fd. */
export function epollCreate(): number {
  const r = calls().epollCreate1(0o2000000);
  if (r < 0) throw new SyscallError('epoll_create1', lastErrno());
  return r;
}

/** epoll_ctl(EPOLL_CTL_ADD, fd) for EPOLLIN, with `data` as the event's user data (u64). */
export function epollAdd(epfd: number, fd: number, data: number): void {
  const ev = Buffer.alloc(12); // struct epoll_event is packed on x86-64 (12 bytes); arm64 pads to 16
  ev.writeUInt32LE(1, 0); // EPOLLIN
  ev.writeBigUInt64LE(BigInt(data), 4);
  const arg = process.arch === 'x64' ? ev : Buffer.concat([ev.subarray(0, 4), Buffer.alloc(4), ev.subarray(4)]);
  if (calls().epollCtl(epfd, 1, fd, arg) < 0) throw new SyscallError('epoll_ctl', lastErrno());
}

/**
 * epoll_wait on one of koffi's worker threads, so that waiting does not block the event loop.
 * Resolves with the number of ready descriptors (0 on timeout, -1 on failure).
 */
export function epollWaitAsync(epfd: number, timeoutMs: number): Promise<number> {
  const n = calls();
  const events = Buffer.alloc(16 * 16);
  return new Promise((resolve) => {
    n.epollWait.async(epfd, events, 16, timeoutMs, (err, r) => {
      void events; // keeps the buffer alive until the worker is done with it
      resolve(err !== null && err !== undefined ? -1 : r);
    });
  });
}
