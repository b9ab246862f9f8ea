// What a loader with CAP_BPF but without CAP_PERFMON or CAP_SYS_ADMIN may not use, as the kernel
// gates it (kernel/bpf/syscall.c bpf_prog_load; bpf_base_func_proto and bpf_sk_base_func_proto).

import { KERNEL_HELPER_NAMES } from '../../isa/index.js';

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

const PERFMON_HELPER_IDS: ReadonlySet<number> = new Set(
  PERFMON_HELPER_NAMES.map((n) => KERNEL_HELPER_NAMES.indexOf(`bpf_${n}`)).filter((id) => id > 0),
);

export function helperNeedsPerfmon(id: number): boolean {
  return PERFMON_HELPER_IDS.has(id);
}
