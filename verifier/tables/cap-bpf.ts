// What a loader with CAP_BPF but without CAP_PERFMON or CAP_SYS_ADMIN, or one without CAP_BPF, may
// use, as the kernel gates it (kernel/bpf/syscall.c bpf_prog_load; bpf_base_func_proto and bpf_sk_base_func_proto).

import { KERNEL_HELPER_NAMES } from '../../isa/index.js';

const helperIds = (names: readonly string[]): ReadonlySet<number> =>
  new Set(names.map((n) => KERNEL_HELPER_NAMES.indexOf(`bpf_${n}`)).filter((id) => id > 0));

/** Program types whose load needs CAP_NET_ADMIN (is_net_admin_prog_type): refused with EPERM before the verifier. */
const NET_ADMIN_PROG_TYPES: ReadonlySet<string> = new Set([
  'sched_cls', 'sched_act', 'xdp', 'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local', 'sk_skb', 'sk_msg',
  'flow_dissector', 'cgroup_device', 'cgroup_sock', 'cgroup_sock_addr', 'cgroup_sockopt', 'cgroup_sysctl',
  'sock_ops', 'ext', 'netfilter',
]);

/** Program types whose load needs CAP_PERFMON (is_perfmon_prog_type): refused with EPERM before the verifier. */
const PERFMON_PROG_TYPES: ReadonlySet<string> = new Set([
  'kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint', 'raw_tracepoint_writable', 'tracing', 'lsm', 'struct_ops', 'ext',
]);

/** Whether a CAP_BPF-only loader is refused this program type outright (EPERM, no verifier log). */
export function progTypeNeedsMoreThanCapBpf(progType: string): boolean {
  return NET_ADMIN_PROG_TYPES.has(progType) || PERFMON_PROG_TYPES.has(progType);
}

/** Helpers the func_proto gives only to CAP_PERFMON: without it the call is `program of this type cannot use helper`. */
const PERFMON_HELPER_NAMES = [
  'trace_printk', 'get_current_task', 'get_current_task_btf', 'probe_read_user', 'probe_read_kernel',
  'probe_read_user_str', 'probe_read_kernel_str', 'snprintf_btf', 'snprintf', 'task_pt_regs', 'trace_vprintk',
  'skc_to_tcp6_sock', 'skc_to_tcp_sock', 'skc_to_tcp_timewait_sock', 'skc_to_tcp_request_sock', 'skc_to_udp6_sock',
  'skc_to_unix_sock', 'skc_to_mptcp_sock',
  // 6.18's bpf_base_func_proto also gives these only to CAP_PERFMON (probed against a CAP_BPF-only load).
  'get_current_comm', 'perf_event_read', 'perf_event_read_value', 'send_signal', 'send_signal_thread', 'get_task_stack',
  'copy_from_user', 'per_cpu_ptr', 'this_cpu_ptr', 'get_branch_snapshot', 'find_vma', 'copy_from_user_task',
];

const PERFMON_HELPER_IDS = helperIds(PERFMON_HELPER_NAMES);

export function helperNeedsPerfmon(id: number): boolean {
  return PERFMON_HELPER_IDS.has(id);
}

/** The only program types a loader without CAP_BPF may load (bpf_prog_load): others are EPERM before the verifier. */
export const UNPRIVILEGED_PROG_TYPES: ReadonlySet<string> = new Set(['socket_filter', 'cgroup_skb']);

/** Helpers of bpf_base_func_proto's first group: every loader has them (6.18). */
const BASE_HELPERS_FOR_ALL = [
  'map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'map_push_elem', 'map_pop_elem', 'map_peek_elem',
  'map_lookup_percpu_elem', 'get_prandom_u32', 'get_smp_processor_id', 'get_numa_node_id', 'tail_call', 'ktime_get_ns',
  'ktime_get_boot_ns', 'ktime_get_tai_ns', 'ringbuf_output', 'ringbuf_reserve', 'ringbuf_submit', 'ringbuf_discard',
  'ringbuf_query', 'strncmp', 'strtol', 'strtoul', 'get_current_pid_tgid', 'get_current_uid_gid', 'get_ns_current_pid_tgid',
];

/** sk_filter_func_proto's own helpers and bpf_sk_base_func_proto's one without a capability. */
const SOCKET_FILTER_HELPERS = [
  ...BASE_HELPERS_FOR_ALL, 'skb_load_bytes', 'skb_load_bytes_relative', 'get_socket_cookie', 'get_socket_uid',
  'perf_event_output', 'get_netns_cookie', 'ktime_get_coarse_ns',
];

/** cg_skb_func_proto's own on top (get_retval and set_retval are not for inet ingress or egress). */
const CGROUP_SKB_HELPERS = [
  ...SOCKET_FILTER_HELPERS, 'get_local_storage', 'sk_fullsock', 'sk_storage_get', 'sk_storage_delete', 'skb_cgroup_id',
  'skb_ancestor_cgroup_id', 'sk_cgroup_id', 'sk_ancestor_cgroup_id', 'sk_lookup_tcp', 'sk_lookup_udp', 'sk_release',
  'skc_lookup_tcp', 'tcp_sock', 'get_listener_sock', 'skb_ecn_set_ce',
];

const UNPRIVILEGED_HELPERS: Readonly<Record<string, ReadonlySet<number>>> = {
  socket_filter: helperIds(SOCKET_FILTER_HELPERS),
  cgroup_skb: helperIds(CGROUP_SKB_HELPERS),
};

/** Whether a loader without CAP_BPF may call helper `id` (otherwise `program of this type cannot use helper`). */
export function unprivilegedHelperAvailable(progType: string, id: number): boolean {
  return UNPRIVILEGED_HELPERS[progType]?.has(id) ?? false;
}
