// Prototypes of the socket helpers (net/core/filter.c on 6.18): the lookups
// acquire a reference that bpf_sk_release gives back; bpf_sk_fullsock and
// bpf_tcp_sock return a view of their argument that carries its reference.

import { BPF_MAP_TYPE } from '../../elf/index.js';
import { KERNEL_HELPER_NAMES } from '../../isa/index.js';
import type { HelperArgType, HelperPrototype, HelperReturnType } from './types.js';

function proto(id: number, ret: HelperReturnType, args: HelperArgType[], extra: Partial<HelperPrototype> = {}): HelperPrototype {
  return { id, name: KERNEL_HELPER_NAMES[id] ?? 'unknown', ret, args, ...extra };
}

const { SK_STORAGE, SOCKMAP, SOCKHASH } = BPF_MAP_TYPE;

const lookupArgs: HelperArgType[] = ['ctx', 'mem', 'const_size_or_zero', 'anything', 'anything'];

export const SOCKET_HELPERS: readonly HelperPrototype[] = [
  proto(84, 'socket_or_null', lookupArgs, { acquires: true, pktAccess: true }),
  proto(85, 'socket_or_null', lookupArgs, { acquires: true, pktAccess: true }),
  proto(86, 'integer', ['btf_id_sock_common'], { releasesArg: 0 }),
  proto(95, 'socket_or_null', ['sock_common'], { castsPointer: true }),
  proto(96, 'tcp_sock_or_null', ['sock_common'], { castsPointer: true }),
  proto(98, 'socket_or_null', ['sock_common']),
  proto(99, 'sock_common_or_null', lookupArgs, { acquires: true, pktAccess: true }),
  // The bpf_skc_to_* casts: a BTF pointer to a socket struct (all begin with struct sock_common).
  proto(136, 'btf_id_or_null:tcp6_sock', ['btf_id_sock_common'], { castsPointer: true }),
  proto(137, 'btf_id_or_null:tcp_sock', ['btf_id_sock_common'], { castsPointer: true }),
  proto(138, 'btf_id_or_null:tcp_timewait_sock', ['btf_id_sock_common'], { castsPointer: true }),
  proto(139, 'btf_id_or_null:tcp_request_sock', ['btf_id_sock_common'], { castsPointer: true }),
  proto(140, 'btf_id_or_null:udp6_sock', ['btf_id_sock_common'], { castsPointer: true }),
  // bpf_skc_to_unix_sock is no cast to the verifier (is_ptr_cast_function): its result holds no reference.
  proto(178, 'btf_id_or_null:unix_sock', ['btf_id_sock_common']),
  proto(107, 'map_value_or_null', ['const_map_ptr', 'btf_id_sock_common', 'map_value_or_null', 'anything'], { mapTypes: [SK_STORAGE] }),
  proto(108, 'integer', ['const_map_ptr', 'btf_id_sock_common'], { mapTypes: [SK_STORAGE] }),
  // Sockmap and sockhash helpers (net/core/sock_map.c, which the generated table does not read).
  proto(52, 'integer', ['ctx', 'const_map_ptr', 'anything', 'anything'], { mapTypes: [SOCKMAP] }),
  proto(53, 'integer', ['ctx', 'const_map_ptr', 'map_key', 'anything'], { mapTypes: [SOCKMAP], pktAccess: true }),
  proto(70, 'integer', ['ctx', 'const_map_ptr', 'map_key', 'anything'], { mapTypes: [SOCKHASH], pktAccess: true }),
  proto(60, 'integer', ['ctx', 'const_map_ptr', 'anything', 'anything'], { mapTypes: [SOCKMAP] }),
  proto(71, 'integer', ['ctx', 'const_map_ptr', 'map_key', 'anything'], { mapTypes: [SOCKHASH] }),
  proto(72, 'integer', ['ctx', 'const_map_ptr', 'map_key', 'anything'], { mapTypes: [SOCKHASH] }),
];

/**
 * Program types where a helper of this table has another prototype than the one above
 * (bpf_sk_storage_get_cg_sock_proto takes the ctx): the model has no verdict there.
 */
export function otherSocketHelperVariant(id: number, progType: string): boolean {
  return id === 107 && progType === 'cgroup_sock';
}
