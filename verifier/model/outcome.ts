// How a check ends a path: the kernel's rejection (its log lines, the last
// one the message, and the errno), or the model's admission that it does not
// model what the program does. Both are thrown from deep inside a check and
// caught by the path walk; neither reaches a user as an exception.

import type { Errno } from '../verdict.js';

export type ModelErrno = Errno | 'E2BIG' | 'EFAULT' | 'ENOTSUPP' | 'EPERM';

export class Rejection {
  constructor(readonly errno: ModelErrno, readonly lines: readonly string[]) {}
}

export class NotModelled {
  constructor(readonly what: string) {}
}

export function reject(errno: ModelErrno, ...lines: string[]): never {
  throw new Rejection(errno, lines);
}

export function notModelled(what: string): never {
  throw new NotModelled(what);
}
