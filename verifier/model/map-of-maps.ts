// Maps of maps (array_of_maps, hash_of_maps): a lookup gives a pointer to the inner map, which is
// the kernel's inner_map_meta, not a value. On 6.18 R0 is map_ptr_or_null at once (6.12 turned a
// map_value_or_null into it at the null check); once checked it is a map argument like any other.

import type { Env } from './env.js';
import { type MapInfo, MapType } from './map-info.js';
import { notModelled } from './outcome.js';
import { pointerReg, type RegState } from './reg.js';

export const isMapOfMaps = (map: MapInfo): boolean => map.type === MapType.ARRAY_OF_MAPS || map.type === MapType.HASH_OF_MAPS;

/** R0 of map_lookup_elem on a map of maps. */
export function innerMapPointer(env: Env, map: MapInfo): RegState {
  const inner = map.inner;
  if (inner === undefined) notModelled('a map of maps whose inner map is not known');
  // An inner map with a timer or workqueue gets a map_uid from the lookup's id (not modelled).
  if (inner.timerOff !== undefined || (inner.otherFields?.length ?? 0) > 0) notModelled('inner maps with timers or other special fields');
  const r = pointerReg('map_ptr', { map: inner, flags: { maybeNull: true, rdonly: false, ringbuf: false } });
  r.id = env.nextId();
  return r;
}
