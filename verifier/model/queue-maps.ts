// Queue, stack and bloom filter maps have no keys: only the push/pop/peek helpers take them
// (check_map_func_compatibility, the map's side; the helpers' side is their prototypes' mapTypes).

import type { HelperPrototype } from '../tables/types.js';
import { MapType } from './map-info.js';
import { reject } from './outcome.js';

export const KEYLESS_MAPS: readonly number[] = [MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER];

const PUSH = 87;
const POP = 88;
const PEEK = 89;

/** Rejects a helper other than push/pop/peek given a keyless map (a bloom filter has no pop). */
export function checkKeylessMapHelper(fn: HelperPrototype, mapType: number): void {
  const allowed = mapType === MapType.BLOOM_FILTER ? [PUSH, PEEK] : [PUSH, POP, PEEK];
  if (!allowed.includes(fn.id)) reject('EINVAL', `cannot pass map_type ${mapType} into func ${fn.name}#${fn.id}`);
}
