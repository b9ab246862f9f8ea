// Helper prototypes read from helpers.generated.ts (the 6.12 sources' bpf_func_proto definitions)
// for the helpers the hand tables do not list. A generated prototype is used only where it is
// unambiguous and where the verifier does nothing for the helper beyond its prototype:
// - every prototype the kernel's *_func_proto switches return for the id has the same signature
//   (so whichever program type calls it, the same arguments are checked);
// - the prototype has no might_sleep, no .allowed callback and no BTF-typed arguments;
// - kernel/bpf/verifier.c names the helper nowhere but in check_map_func_compatibility,
//   record_func_map and the post-verification fixups (SPECIAL_IN_VERIFIER lists the others).
// Argument and return kinds the model does not check map to 'unmodelled': a call that reaches
// them has no model verdict.

import { BPF_MAP_TYPE as M } from '../../elf/index.js';
import { KERNEL_HELPER_NAMES } from '../../isa/index.js';
import { HELPER_TABLE, type HelperProto } from './helpers.generated.js';
import type { HelperArgType, HelperPrototype, HelperReturnType } from './types.js';

/**
 * Helpers kernel/bpf/verifier.c (6.12) checks by id outside the map/helper compatibility switch
 * (acquire/release, callbacks, dynptrs, return refinements, storage, timers, flags, …).
 * get_stackid is not here: its only other mention marks the program as calling get_stack;
 * nor get_local_storage, whose flags check is model/local-storage.ts.
 */
const SPECIAL_IN_VERIFIER = new Set([
  'cgrp_storage_get', 'dynptr_data', 'dynptr_from_mem', 'dynptr_write', 'find_vma', 'for_each_map_elem', 'get_func_ip',
  'get_smp_processor_id', 'get_stack', 'get_task_stack', 'inode_storage_get', 'kptr_xchg', 'loop',
  'map_delete_elem', 'map_lookup_elem', 'map_peek_elem', 'map_update_elem', 'per_cpu_ptr', 'probe_read_kernel_str',
  'probe_read_str', 'probe_read_user_str', 'ringbuf_reserve', 'set_retval', 'sk_fullsock', 'sk_lookup_tcp',
  'sk_lookup_udp', 'sk_release', 'sk_storage_get', 'skc_lookup_tcp', 'skc_to_mptcp_sock', 'skc_to_tcp6_sock',
  'skc_to_tcp_request_sock', 'skc_to_tcp_sock', 'skc_to_tcp_timewait_sock', 'skc_to_udp6_sock', 'snprintf', 'spin_lock',
  'spin_unlock', 'tail_call', 'task_storage_get', 'tcp_sock', 'this_cpu_ptr', 'timer_set_callback', 'user_ringbuf_drain',
]);

/** bpf_helper_changes_pkt_data (net/core/filter.c): these calls invalidate every packet pointer. */
const CHANGES_PKT_DATA = new Set([
  'clone_redirect', 'l3_csum_replace', 'l4_csum_replace', 'lwt_push_encap', 'lwt_seg6_action', 'lwt_seg6_adjust_srh',
  'lwt_seg6_store_bytes', 'msg_pop_data', 'msg_pull_data', 'msg_push_data', 'skb_adjust_room', 'skb_change_head',
  'skb_change_proto', 'skb_change_tail', 'skb_pull_data', 'skb_store_bytes', 'skb_vlan_pop', 'skb_vlan_push',
  'store_hdr_opt', 'xdp_adjust_head', 'xdp_adjust_meta', 'xdp_adjust_tail', 'tail_call',
]);

/**
 * The helper side of check_map_func_compatibility: the map types a helper's map argument may be.
 * A helper with a map argument that is not listed takes any map (the map side still restricts).
 */
export const HELPER_MAP_TYPES: Readonly<Record<string, readonly number[]>> = {
  tail_call: [M.PROG_ARRAY], perf_event_read: [M.PERF_EVENT_ARRAY], perf_event_output: [M.PERF_EVENT_ARRAY],
  perf_event_read_value: [M.PERF_EVENT_ARRAY], skb_output: [M.PERF_EVENT_ARRAY], xdp_output: [M.PERF_EVENT_ARRAY],
  ringbuf_output: [M.RINGBUF], ringbuf_reserve: [M.RINGBUF], ringbuf_query: [M.RINGBUF], ringbuf_reserve_dynptr: [M.RINGBUF],
  ringbuf_submit_dynptr: [M.RINGBUF], ringbuf_discard_dynptr: [M.RINGBUF], user_ringbuf_drain: [M.USER_RINGBUF],
  get_stackid: [M.STACK_TRACE], current_task_under_cgroup: [M.CGROUP_ARRAY], skb_under_cgroup: [M.CGROUP_ARRAY],
  redirect_map: [M.DEVMAP, M.DEVMAP_HASH, M.CPUMAP, M.XSKMAP],
  sk_redirect_map: [M.SOCKMAP], msg_redirect_map: [M.SOCKMAP], sock_map_update: [M.SOCKMAP],
  sk_redirect_hash: [M.SOCKHASH], msg_redirect_hash: [M.SOCKHASH], sock_hash_update: [M.SOCKHASH],
  get_local_storage: [M.CGROUP_STORAGE, M.PERCPU_CGROUP_STORAGE],
  sk_select_reuseport: [M.REUSEPORT_SOCKARRAY, M.SOCKMAP, M.SOCKHASH],
  map_pop_elem: [M.QUEUE, M.STACK], map_peek_elem: [M.QUEUE, M.STACK, M.BLOOM_FILTER],
  map_push_elem: [M.QUEUE, M.STACK, M.BLOOM_FILTER],
  map_lookup_percpu_elem: [M.PERCPU_ARRAY, M.PERCPU_HASH, M.LRU_PERCPU_HASH],
  sk_storage_get: [M.SK_STORAGE], sk_storage_delete: [M.SK_STORAGE],
  inode_storage_get: [M.INODE_STORAGE], inode_storage_delete: [M.INODE_STORAGE],
  task_storage_get: [M.TASK_STORAGE], task_storage_delete: [M.TASK_STORAGE],
  cgrp_storage_get: [M.CGRP_STORAGE], cgrp_storage_delete: [M.CGRP_STORAGE],
};

const ARG_KINDS: Readonly<Record<string, HelperArgType>> = {
  ARG_ANYTHING: 'anything',
  ARG_CONST_MAP_PTR: 'const_map_ptr',
  ARG_PTR_TO_MAP_KEY: 'map_key',
  ARG_PTR_TO_MAP_VALUE: 'map_value',
  ARG_PTR_TO_MAP_VALUE_OR_NULL: 'map_value_or_null',
  'ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE': 'uninit_map_value',
  'ARG_PTR_TO_MEM | MEM_RDONLY': 'mem',
  'ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY': 'mem_or_null',
  ARG_PTR_TO_UNINIT_MEM: 'uninit_mem',
  ARG_CONST_SIZE: 'const_size',
  ARG_CONST_SIZE_OR_ZERO: 'const_size_or_zero',
  ARG_PTR_TO_CTX: 'ctx',
  ARG_PTR_TO_CTX_OR_NULL: 'ctx_or_null',
  ARG_PTR_TO_SOCK_COMMON: 'sock_common',
  ARG_PTR_TO_BTF_ID_SOCK_COMMON: 'btf_id_sock_common',
};

function argKind(type: string, size: number | undefined): HelperArgType {
  // Fixed-size memory: 8 aligned bytes the helper writes, or 4 aligned bytes it reads and writes.
  if (type === 'ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED' && size === 8) return 'long';
  if (type === 'ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED' && size === 4) return 'int';
  return ARG_KINDS[type] ?? 'unmodelled';
}

function retKind(type: string): HelperReturnType {
  switch (type) {
    case 'RET_INTEGER': return 'integer';
    case 'RET_VOID': return 'void';
    case 'RET_PTR_TO_MAP_VALUE_OR_NULL': return 'map_value_or_null';
    case 'RET_PTR_TO_MAP_VALUE': return 'map_value';
    default: return 'unmodelled';
  }
}

const signature = (p: HelperProto): string => JSON.stringify([p.ret, p.args, p.argSizes ?? {}, p.mightSleep, p.pktAccess, p.allowedCheck, p.btfIdArgs]);

/**
 * The one prototype every program type gets for `name` (gplVaries: the variants differ only in
 * gpl_only), or undefined when they differ otherwise or are not all known.
 */
function uniquePrototype(name: string): { proto: HelperProto; gplVaries: boolean } | undefined {
  const entry = HELPER_TABLE[name];
  if (entry === undefined || entry.returned.length === 0) return undefined;
  const protos = entry.returned.map((r) => entry.protos.find((p) => p.proto === r));
  const first = protos[0];
  if (first === undefined || protos.some((p) => p === undefined || signature(p) !== signature(first))) return undefined;
  return { proto: first, gplVaries: protos.some((p) => p!.gplOnly !== first.gplOnly) };
}

function build(name: string, id: number): HelperPrototype | undefined {
  if (SPECIAL_IN_VERIFIER.has(name)) return undefined;
  const unique = uniquePrototype(name);
  if (unique === undefined) return undefined;
  const p = unique.proto;
  if (p.mightSleep || p.allowedCheck === true || p.btfIdArgs === true) return undefined;
  const args = p.args.map((a, i) => argKind(a, p.argSizes?.[i]));
  const mapTypes = HELPER_MAP_TYPES[name];
  return {
    id, name: KERNEL_HELPER_NAMES[id] ?? name, ret: retKind(p.ret), args,
    ...(p.gplOnly && !unique.gplVaries ? { gplOnly: true } : {}),
    ...(unique.gplVaries ? { gplVaries: true } : {}),
    ...(p.pktAccess === true ? { pktAccess: true } : {}),
    ...(CHANGES_PKT_DATA.has(name) ? { changesPktData: true } : {}),
    ...(mapTypes === undefined ? {} : { mapTypes }),
  };
}

const byId = new Map<number, HelperPrototype>();
for (const [name, entry] of Object.entries(HELPER_TABLE)) {
  const p = build(name, entry.id);
  if (p !== undefined) byId.set(entry.id, p);
}

/** The generated prototype of helper `id`, when it is unambiguous and needs no more than its prototype. */
export function generatedPrototype(id: number): HelperPrototype | undefined {
  return byId.get(id);
}
