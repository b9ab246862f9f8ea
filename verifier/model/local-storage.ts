// bpf_get_local_storage (helper 81): the cgroup storage of the running program's cgroup. It
// cannot fail, so its flags must be the constant 0, and R0 is a map value that is never NULL.

import type { Env } from './env.js';
import type { MapInfo } from './map-info.js';
import { reject } from './outcome.js';
import { isNullScalar, pointerReg, type RegState } from './reg.js';

export const GET_LOCAL_STORAGE = 81;

/** check_helper_call: get_local_storage(map, flags) with flags other than a known 0. */
export function checkLocalStorageFlags(flags: RegState): void {
  if (!isNullScalar(flags)) reject('EINVAL', "get_local_storage() doesn't support non-zero flags");
}

/** RET_PTR_TO_MAP_VALUE: the storage's value; a value that may hold a spin lock gets an id. */
export function localStorageValue(env: Env, map: MapInfo): RegState {
  const r = pointerReg('map_value', { map, flags: { maybeNull: false, rdonly: false, ringbuf: false } });
  if (map.spinLockOff !== undefined) r.id = env.nextId();
  return r;
}
