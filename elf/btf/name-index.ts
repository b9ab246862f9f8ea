// The name index of a decoded BTF graph: own types by name offset, built by the walks over the
// type section while they have each record's name word in hand.

/**
 * Own types by name, without decoding a string: a chained hash over the name's string offset
 * (Fibonacci hashing, bucket = (offset × NAME_HASH) >>> shift). heads[bucket] is the first type
 * index + 1 (0: empty), next[index] the following one; a lookup compares the name words on its chain.
 */
export interface NameIndex {
  readonly heads: Int32Array;
  readonly next: Int32Array;
  readonly shift: number;
}

export const NAME_HASH = 0x9e3779b1;

/**
 * An empty index for up to `count` types: one bucket per 32 (an upper bound; vmlinux fills about
 * half of it), so the bucket heads of vmlinux (8192, 32 KiB) stay in the L1 cache while the decoder
 * writes them in id order; a lookup walks a chain of about ten, far less than its search of the strings.
 */
export function emptyNameIndex(count: number): NameIndex {
  let bits = 4;
  while (bits < 30 && 2 ** bits * 32 < count) bits++;
  return { heads: new Int32Array(2 ** bits), next: new Int32Array(Math.max(count, 1)), shift: 32 - bits };
}
