// The map types the Map API treats specially. The numbers are the kernel's (enum bpf_map_type,
// generated into elf/kernel/map-type.generated.ts).

import { BPF_MAP_TYPE } from '../elf/index.js';

/** BPF_MAP_TYPE_* numbers by name (the generated enum under the loader's name). */
export const MapType = BPF_MAP_TYPE;

const NAMES = new Map<number, string>(Object.entries(MapType).filter(([, v]) => v !== 0).map(([k, v]) => [v, k.toLowerCase()]));

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
