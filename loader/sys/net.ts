// Socket and network-interface calls the attach code needs.

import { SyscallError } from './errors.js';
import { lastErrno, libcFunctions } from './libc.js';

interface Calls {
  readonly setsockopt: (fd: number, level: number, name: number, value: Uint8Array, len: number) => number;
  readonly ifNametoindex: (name: string) => number;
}

const calls = libcFunctions<Calls>({
  setsockopt: 'int setsockopt(int fd, int level, int optname, void *optval, uint32_t optlen)',
  ifNametoindex: 'unsigned int if_nametoindex(const char *name)',
});

/** setsockopt(fd, level, name, value, value.length) (SO_ATTACH_BPF takes the prog fd as an int). */
export function setsockopt(fd: number, level: number, name: number, value: Uint8Array): void {
  if (calls().setsockopt(fd, level, name, value, value.length) < 0) throw new SyscallError('setsockopt', lastErrno());
}

/** if_nametoindex(name); throws ENODEV-style SyscallError when there is no such interface. */
export function ifNameToIndex(name: string): number {
  const r = calls().ifNametoindex(name);
  if (r === 0) throw new SyscallError('if_nametoindex', lastErrno() || 19, name);
  return r;
}
