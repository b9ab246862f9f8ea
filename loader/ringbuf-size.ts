// A ring buffer's size as libbpf gives it to the kernel: the kernel wants a power-of-2 multiple of
// the page size, and libbpf rounds any other declared size up to the next one, so that objects
// written with `max_entries = 5000` or sized from a tool's option still load.

import { MapType } from './map-types.js';
import { pageSize } from './sys/mmap.js';

const RINGBUF_TYPES = new Set<number>([MapType.RINGBUF, MapType.USER_RINGBUF]);

/** True for the map types whose max_entries is a byte size rounded to pages. */
export function isRingbufType(type: number): boolean {
  return RINGBUF_TYPES.has(type);
}

/**
 * The smallest page × 2^k above `size`, or `size` itself when it already is one, is 0 (left for the
 * kernel to refuse) or has no such product below 2^32.
 */
export function ringbufMaxEntries(size: number, page: number = pageSize()): number {
  if (size === 0) return 0;
  if (size % page === 0 && isPowerOfTwo(size / page)) return size;
  for (let bytes = page; bytes <= 0xffffffff; bytes *= 2) if (bytes > size) return bytes;
  return size;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}
