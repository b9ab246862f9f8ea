// Prototypes of helpers that take the program's context, read from the 6.12 sources
// (net/core/filter.c, kernel/trace/bpf_trace.c, kernel/bpf/stackmap.c, kernel/bpf/cgroup.c) and
// checked live by the agreement run. A helper id has one bpf_func_proto per family of program
// types; each entry holds for the program types it lists only (elsewhere the model has no verdict).

import { KERNEL_HELPER_NAMES } from '../../isa/index.js';
import type { HelperArgType, HelperPrototype, HelperReturnType } from './types.js';

interface ScopedPrototype {
  readonly proto: HelperPrototype;
  /** Program types whose *_func_proto returns this prototype for the id. */
  readonly progTypes: readonly string[];
  /** Of those, the ones whose *_func_proto returns it whatever the attach type. */
  readonly anyAttach?: readonly string[];
}

function proto(id: number, ret: HelperReturnType, args: HelperArgType[], progTypes: readonly string[], extra: Partial<HelperPrototype> = {}, anyAttach?: readonly string[]): ScopedPrototype {
  return { proto: { id, name: KERNEL_HELPER_NAMES[id] ?? 'unknown', ret, args, ...extra }, progTypes, ...(anyAttach === undefined ? {} : { anyAttach }) };
}

/** sock_filter_func_proto and sock_addr_func_proto return the cookie helpers for every attach type. */
const cookieAnyAttach = ['cgroup_sock', 'cgroup_sock_addr'];

const skb = ['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'sk_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sk_reuseport', 'flow_dissector'];
const tc = ['sched_cls', 'sched_act'];
const tracing = ['kprobe', 'tracepoint', 'perf_event'];
const sockCtx = ['cgroup_sock', 'cgroup_sock_addr', 'sock_ops', 'sk_msg', 'cgroup_sockopt'];

const list: readonly ScopedPrototype[] = [
  // Helpers that change packet data (bpf_helper_changes_pkt_data): every packet pointer is invalidated.
  proto(9, 'integer', ['ctx', 'anything', 'mem', 'const_size', 'anything'], [...tc, 'sk_skb', 'lwt_xmit'], { changesPktData: true }),
  proto(18, 'integer', ['ctx', 'anything', 'anything'], tc, { changesPktData: true }),
  proto(43, 'integer', ['ctx', 'anything', 'anything'], [...tc, 'sk_skb', 'lwt_xmit'], { changesPktData: true }),
  proto(44, 'integer', ['ctx', 'anything'], ['xdp'], { changesPktData: true }),
  proto(54, 'integer', ['ctx', 'anything'], ['xdp'], { changesPktData: true }),
  proto(40, 'integer', ['ctx', 'anything'], [...tc, 'lwt_xmit']),
  proto(188, 'integer', ['ctx'], ['xdp']),
  proto(46, 'integer', ['ctx'], [...skb, 'cgroup_sock', 'cgroup_sock_addr', 'sock_ops'], {}, cookieAnyAttach),
  proto(122, 'integer', ['ctx_or_null'], sockCtx, {}, cookieAnyAttach),
  proto(57, 'integer', ['ctx', 'anything', 'anything', 'uninit_mem', 'const_size'], ['sock_ops', 'cgroup_sock_addr']),
  proto(174, 'integer', ['ctx'], ['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint']),
  // R0 is refined to [-MAX_ERRNO, size] (do_refine_retval_range).
  proto(67, 'integer', ['ctx', 'uninit_mem', 'const_size_or_zero', 'anything'], tracing, { gplOnly: true }),
  proto(114, 'integer', ['uninit_mem', 'const_size_or_zero', 'anything'], ['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint'], { gplOnly: true }),
  proto(115, 'integer', ['uninit_mem', 'const_size_or_zero', 'anything'], ['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint'], { gplOnly: true }),
  // bpf_tracing_func_proto's get_task_stack (sleepable programs get a prototype that might sleep: rcu.ts).
  // sk_lookup's bpf_sk_assign (bpf_sk_lookup_assign_proto): a full socket or NULL.
  proto(124, 'integer', ['ctx', 'socket_or_null', 'anything'], ['sk_lookup']),
  // Might sleep: sleepable programs only (check_helper_call).
  proto(191, 'integer', ['uninit_mem', 'const_size_or_zero', 'anything', 'btf_id:task_struct', 'anything'], [...tracing, 'raw_tracepoint', 'tracing'], { gplOnly: true }, ['tracing']),
  proto(141, 'integer', ['btf_id:task_struct', 'uninit_mem', 'const_size_or_zero', 'anything'], [...tracing, 'raw_tracepoint', 'tracing'], {}, ['tracing']),
];

const byId = new Map(list.map((p) => [p.proto.id, p]));

/** The prototype of `id` if this table has it (for the program types it scopes, see contextHelperScoped). */
export function contextHelperPrototype(id: number): HelperPrototype | undefined {
  return byId.get(id)?.proto;
}

/**
 * Whether this table's prototype for `id` is the one `progType` gets ('always' when it is
 * available to the type whatever the attach type); undefined when the table has no `id`.
 */
export function contextHelperScoped(id: number, progType: string): boolean | 'always' | undefined {
  const p = byId.get(id);
  if (p === undefined) return undefined;
  return p.anyAttach?.includes(progType) === true ? 'always' : p.progTypes.includes(progType);
}

/** Helpers whose integer result is refined to [-MAX_ERRNO, the size argument's maximum]. */
export const SIZE_BOUNDED_RESULT = new Set([45, 67, 114, 115, 141]);
