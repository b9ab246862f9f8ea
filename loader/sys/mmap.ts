// Memory mappings of bpf objects (mmapable array maps, arenas, ring and perf buffers).

import { SyscallError } from './errors.js';
import { libc, libcFunctions } from './libc.js';

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

interface Calls {
  readonly mmap: (addr: bigint, len: number, prot: number, flags: number, fd: number, off: number) => bigint;
  readonly munmap: (addr: bigint, len: number) => number;
  readonly sysconf: (name: number) => number;
}

const calls = libcFunctions<Calls>({
  // addr as an integer: arenas must be mapped at the address they were created for.
  mmap: 'void *mmap(unsigned long addr, size_t length, int prot, int flags, int fd, long offset)',
  munmap: 'int munmap(void *addr, size_t length)',
  sysconf: 'long sysconf(int name)',
});

/** mmap(addr, length, prot, flags, fd, offset); addr 0 (the default) lets the kernel choose. */
export function mmap(length: number, prot: number, flags: number, fd: number, offset = 0, addr: bigint = 0n): Mapping {
  const n = calls();
  const p = n.mmap(addr, length, prot, flags, fd, offset);
  const { koffi } = libc();
  if (p === 0xffffffffffffffffn || p === -1n) throw new SyscallError('mmap', koffi.errno());
  return { address: p, length, buffer: koffi.view(p, length) };
}

export function munmap(m: Mapping): void {
  if (calls().munmap(m.address, m.length) < 0) throw new SyscallError('munmap', libc().koffi.errno());
}

/** The page size (sysconf(_SC_PAGESIZE)). */
export function pageSize(): number {
  return calls().sysconf(30);
}
