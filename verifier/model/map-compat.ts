// check_map_func_compatibility, the map's side: which helpers a map of each type may be given
// (the helper's side is the prototype's mapTypes). Sockmaps and sockhashes depend on the program
// type (sockmap.ts); queues, stacks and bloom filters are checked in queue-maps.ts. A map type missing here, or a helper the map allows but whose result the model
// does not know for that map (lookups in device maps), is 'not modelled'.

import { BPF_MAP_TYPE as M } from '../../elf/index.js';
import type { HelperPrototype } from '../tables/types.js';
import { BPF_F_RDONLY_PROG, type MapInfo } from './map-info.js';
import { notModelled, reject } from './outcome.js';

/** Map types any helper may take (the kernel's default case). */
const UNRESTRICTED: readonly number[] = [M.HASH, M.ARRAY, M.PERCPU_HASH, M.PERCPU_ARRAY, M.LRU_HASH, M.LRU_PERCPU_HASH, M.LPM_TRIE];

const storage = (kind: string): string[] => [`${kind}_storage_get`, `${kind}_storage_delete`, 'kptr_xchg'];

/** The helpers (names without bpf_) each restricted map type accepts. */
const MAP_SIDE: ReadonlyMap<number, readonly string[]> = new Map<number, readonly string[]>([
  [M.PROG_ARRAY, ['tail_call']],
  [M.PERF_EVENT_ARRAY, ['perf_event_read', 'perf_event_output', 'skb_output', 'perf_event_read_value', 'xdp_output']],
  [M.RINGBUF, ['ringbuf_output', 'ringbuf_reserve', 'ringbuf_query', 'ringbuf_reserve_dynptr', 'ringbuf_submit_dynptr', 'ringbuf_discard_dynptr']],
  [M.USER_RINGBUF, ['user_ringbuf_drain']],
  [M.STACK_TRACE, ['get_stackid']],
  [M.CGROUP_ARRAY, ['skb_under_cgroup', 'current_task_under_cgroup']],
  [M.CGROUP_STORAGE, ['get_local_storage']],
  [M.PERCPU_CGROUP_STORAGE, ['get_local_storage']],
  [M.DEVMAP, ['redirect_map', 'map_lookup_elem']],
  [M.DEVMAP_HASH, ['redirect_map', 'map_lookup_elem']],
  [M.CPUMAP, ['redirect_map']],
  [M.XSKMAP, ['redirect_map', 'map_lookup_elem']],
  [M.ARRAY_OF_MAPS, ['map_lookup_elem']],
  [M.HASH_OF_MAPS, ['map_lookup_elem']],
  [M.REUSEPORT_SOCKARRAY, ['sk_select_reuseport']],
  [M.SK_STORAGE, storage('sk')],
  [M.INODE_STORAGE, storage('inode')],
  [M.TASK_STORAGE, storage('task')],
  [M.CGRP_STORAGE, storage('cgrp')],
]);

/** Map types whose map_lookup_elem result the model does not track (devices). */
const UNTRACKED_LOOKUP: readonly number[] = [M.DEVMAP, M.DEVMAP_HASH];

const MAP_LOOKUP_ELEM = 1;
/**
 * Helpers the kernel checks against their map before this check (record_func_key for tail_call,
 * the callback set-up of for_each_map_elem), with other messages: not modelled for a map refused here.
 */
const CHECKED_EARLIER = [12, 164];

/** The map's side of check_map_func_compatibility for every map type but sockmaps/sockhashes. */
export function checkMapSide(fn: HelperPrototype, mapType: number): void {
  if (UNRESTRICTED.includes(mapType)) return;
  const allowed = MAP_SIDE.get(mapType);
  if (allowed === undefined) notModelled(`map type ${mapType} with helpers`);
  const ok = allowed.includes(fn.name.replace(/^bpf_/, ''));
  if (!ok && CHECKED_EARLIER.includes(fn.id)) notModelled(`map type ${mapType} with helper #${fn.id}`);
  if (!ok) reject('EINVAL', `cannot pass map_type ${mapType} into func ${fn.name}#${fn.id}`);
  if (fn.id === MAP_LOOKUP_ELEM && UNTRACKED_LOOKUP.includes(mapType)) notModelled(`map type ${mapType} with helpers`);
}

/** map_delete_elem, map_update_elem, map_push_elem, map_pop_elem: they change the map. */
const WRITES_MAP = [3, 2, 87, 88];

/**
 * record_func_map, after the arguments: a map the program may only read refuses the helpers that
 * change it. Device maps are always read-only to programs (the kernel sets BPF_F_RDONLY_PROG).
 */
export function checkReadOnlyMap(fn: HelperPrototype, map: MapInfo): void {
  const rdonly = ((map.flags ?? 0) & BPF_F_RDONLY_PROG) !== 0 || map.type === M.DEVMAP || map.type === M.DEVMAP_HASH;
  if (rdonly && WRITES_MAP.includes(fn.id)) reject('EACCES', 'write into map forbidden');
}
