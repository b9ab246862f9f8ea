// BPF_MAP_TYPE_* numbers (enum bpf_map_type, stable UAPI) the Map API treats specially.

export const MapType = {
  HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6, STACK_TRACE: 7,
  CGROUP_ARRAY: 8, LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11, ARRAY_OF_MAPS: 12, HASH_OF_MAPS: 13, DEVMAP: 14,
  SOCKMAP: 15, CPUMAP: 16, XSKMAP: 17, SOCKHASH: 18, CGROUP_STORAGE: 19, REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE: 21, QUEUE: 22, STACK: 23, SK_STORAGE: 24, DEVMAP_HASH: 25, STRUCT_OPS: 26, RINGBUF: 27,
  INODE_STORAGE: 28, TASK_STORAGE: 29, BLOOM_FILTER: 30, USER_RINGBUF: 31, CGRP_STORAGE: 32, ARENA: 33,
} as const;

const NAMES = new Map<number, string>(Object.entries(MapType).map(([k, v]) => [v, k.toLowerCase()]));

/** bpftool's name for a map type ('lru_percpu_hash'). */
export function mapTypeName(type: number): string {
  return NAMES.get(type) ?? `type ${type}`;
}

export function isPerCpuMap(type: number): boolean {
  return type === MapType.PERCPU_HASH || type === MapType.PERCPU_ARRAY || type === MapType.LRU_PERCPU_HASH || type === MapType.PERCPU_CGROUP_STORAGE;
}

export function isMapOfMaps(type: number): boolean {
  return type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS;
}

/** Maps whose elements are read with lookup/get_next_key (not queues, ring buffers, storage …). */
export function isKeyedMap(type: number): boolean {
  return ![MapType.QUEUE, MapType.STACK, MapType.RINGBUF, MapType.USER_RINGBUF, MapType.BLOOM_FILTER, MapType.STRUCT_OPS, MapType.ARENA,
    MapType.SK_STORAGE, MapType.INODE_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE].includes(type as never);
}
