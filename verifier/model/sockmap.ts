// Sockmaps and sockhashes: a lookup acquires a reference to the socket it
// finds (is_acquire_function; on 6.18 R0 is sock_or_null at once); the value
// an update stores is a socket
// (resolve_map_arg_type); and only some helpers, and updates only in some
// program types, may use these maps (check_map_func_compatibility,
// may_update_sockmap).

import { BPF_MAP_TYPE } from '../../elf/index.js';
import type { HelperArgType, HelperPrototype } from '../tables/types.js';
import type { Env } from './env.js';
import type { MapInfo } from './map-info.js';
import { reject } from './outcome.js';

const { SOCKMAP, SOCKHASH } = BPF_MAP_TYPE;
const LOOKUP = 1;
const UPDATE = 2;
const DELETE = 3;

export const isSockmap = (map: MapInfo | undefined): boolean => map?.type === SOCKMAP || map?.type === SOCKHASH;

/** A map_lookup_elem of a sockmap acquires the socket it returns. */
export const acquiresFromMap = (fn: HelperPrototype, map: MapInfo | undefined): boolean => fn.id === LOOKUP && isSockmap(map);

/** resolve_map_arg_type: a sockmap's value argument is a socket; other value kinds are refused. */
export function sockmapValueArg(arg: HelperArgType): HelperArgType {
  if (arg === 'map_value') return 'btf_id_sock_common';
  reject('EINVAL', 'invalid arg_type for sockmap/sockhash');
}

/** may_update_sockmap, for the program types the model knows. */
function mayUpdate(env: Env, id: number): boolean {
  if (id !== UPDATE && id !== DELETE) return false;
  switch (env.opts.progType) {
    case 'sock_ops': if (id === DELETE) return true; break;
    case 'socket_filter': case 'sched_cls': case 'sched_act': case 'xdp': case 'sk_reuseport': case 'flow_dissector': case 'sk_lookup':
      return true;
    default: break;
  }
  env.note('cannot update sockmap in this context');
  return false;
}

/** The sockmap (or sockhash) helpers: sk_redirect_*, sock_*_update, msg_redirect_*, and sk_select_reuseport for both. */
const SOCKMAP_HELPERS = [52, 53, 60, 82];
const SOCKHASH_HELPERS = [72, 70, 71, 82];

/** check_map_func_compatibility, the map's side, for a sockmap or sockhash. */
export function checkSockmapCompat(env: Env, fn: HelperPrototype, map: MapInfo): void {
  if (fn.id === LOOKUP || (map.type === SOCKMAP ? SOCKMAP_HELPERS : SOCKHASH_HELPERS).includes(fn.id) || mayUpdate(env, fn.id)) return;
  reject('EINVAL', `cannot pass map_type ${map.type} into func ${fn.name}#${fn.id}`);
}
