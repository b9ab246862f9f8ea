// The bytes of a kernel BTF file (/sys/kernel/btf/*). Since Linux 6.15 the kernel lets these files be
// mapped read-only: the pages are the kernel's own copy of its BTF, so mapping them skips the 4 KiB
// read(2) calls that sysfs otherwise needs (about 1,400 for vmlinux) and the copy into a Buffer.
// Older kernels refuse the mapping; then, or when the native layer is unavailable, the file is read.

import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { mmap, nativeAvailable, Prot } from './sys/index.js';

const MAP_PRIVATE = 2;
// Fault every page in during mmap: one pass in the kernel instead of ~1,350 page faults on first touch.
const MAP_POPULATE = 0x8000;
const PAGE = 4096;

/** How the bytes were obtained, for tests and benchmarks. */
export type KernelBtfSource = 'mmap' | 'read';

export interface KernelBtfBytes {
  readonly bytes: Uint8Array;
  readonly source: KernelBtfSource;
}

/**
 * Reads a kernel BTF file, mapping it when the kernel allows. A mapping is never unmapped: callers
 * decode it once and keep the result (a decoded Btf reads its types from these bytes lazily).
 */
export function readKernelBtfBytes(path: string): KernelBtfBytes {
  const mapped = tryMap(path);
  if (mapped !== undefined) return { bytes: mapped, source: 'mmap' };
  return { bytes: readFileSync(path), source: 'read' };
}

function tryMap(path: string): Uint8Array | undefined {
  if (process.platform !== 'linux' || !nativeAvailable().available) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // readFileSync reports the error
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const m = mmap(Math.ceil(size / PAGE) * PAGE, Prot.READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    return new Uint8Array(m.buffer, 0, size);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
