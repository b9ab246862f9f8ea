// What the verifier knows of a map that a program references: the fields of
// BPF_MAP_CREATE that its checks read.

export interface MapInfo {
  /** uapi enum bpf_map_type number (1 hash, 2 array, 27 ringbuf, ...). */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  /** Name for messages (optional). */
  readonly name?: string;
  /** The map has BTF for its value, so the special fields below are known (absent: none). */
  readonly valueFieldsKnown?: boolean;
  /** Offsets in the value of the special fields its BTF declares (the kernel's btf_record). */
  readonly spinLockOff?: number;
  readonly timerOff?: number;
}

/** uapi map type numbers the checks name. */
export const MapType = {
  HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6, STACK_TRACE: 7,
  CGROUP_ARRAY: 8, LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11, ARRAY_OF_MAPS: 12, HASH_OF_MAPS: 13,
  QUEUE: 22, STACK: 23, SK_STORAGE: 24, RINGBUF: 27,
} as const;

/** BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG map flags. */
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;

/** Kernel's kernel-side name of a map type, as printed in `only read from bpf_array is supported`-style messages. */
export function mapKernelTypeName(type: number): string | undefined {
  switch (type) {
    case MapType.HASH: case MapType.PERCPU_HASH: case MapType.LRU_HASH: case MapType.LRU_PERCPU_HASH: return 'bpf_htab';
    case MapType.ARRAY: case MapType.PERCPU_ARRAY: case MapType.PROG_ARRAY: case MapType.PERF_EVENT_ARRAY: return 'bpf_array';
    default: return undefined;
  }
}
