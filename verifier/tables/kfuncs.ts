// The kfuncs the model knows (Linux 6.18): the flags the kernel registers them with
// (BTF_ID_FLAGS in kernel/bpf/helpers.c and cpumask.c of Debian's linux-source-6.12, unchanged for
// these on 6.18) and the program types whose loads may call them, measured on the live kernel as
// root (test/verifier-kfuncs.test.ts probes every entry: a call the verifier refuses with
// "calling kernel function NAME is not allowed" is not available). A kfunc missing here, or a
// program type outside PROBED_PROG_TYPES, is 'not modelled'.

export type KfuncFlag = 'acquire' | 'release' | 'retNull' | 'trustedArgs' | 'rcu' | 'sleepable' | 'destructive';

export interface KfuncEntry {
  readonly flags: readonly KfuncFlag[];
  /** Program types (of PROBED_PROG_TYPES) whose loads may call it. */
  readonly progTypes: readonly string[];
}

/** The program types the availability of the table was measured for. */
export const PROBED_PROG_TYPES: readonly string[] = [
  'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event', 'cgroup_skb', 'cgroup_sock',
  'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device', 'sk_msg', 'raw_tracepoint', 'cgroup_sysctl',
  'sk_reuseport', 'flow_dissector', 'sk_lookup', 'syscall', 'netfilter',
  // Measured with a tp_btf load (sched_switch): these kfunc sets are registered for the whole program type.
  'tracing',
];

/** generic_kfunc_set (helpers.c): task and cgroup references. */
const GENERIC = ['sched_cls', 'tracepoint', 'xdp', 'perf_event', 'cgroup_skb', 'cgroup_sock', 'sock_ops', 'cgroup_device', 'cgroup_sysctl', 'sk_lookup', 'syscall', 'netfilter', 'tracing'];
/** cpumask_kfunc_set (cpumask.c). */
const CPUMASK = ['tracepoint', 'perf_event', 'sk_lookup', 'syscall', 'netfilter', 'tracing'];
/** common_kfunc_set: every program type. */
const COMMON = PROBED_PROG_TYPES;

const k = (progTypes: readonly string[], ...flags: KfuncFlag[]): KfuncEntry => ({ flags, progTypes });

export const KFUNCS: Readonly<Record<string, KfuncEntry>> = {
  bpf_task_acquire: k(GENERIC, 'acquire', 'rcu', 'retNull'),
  bpf_task_release: k(GENERIC, 'release'),
  bpf_task_from_pid: k(GENERIC, 'acquire', 'retNull'),
  bpf_cgroup_acquire: k(GENERIC, 'acquire', 'rcu', 'retNull'),
  bpf_cgroup_release: k(GENERIC, 'release'),
  bpf_cgroup_from_id: k(GENERIC, 'acquire', 'retNull'),
  bpf_cpumask_create: k(CPUMASK, 'acquire', 'retNull'),
  bpf_cpumask_release: k(CPUMASK, 'release'),
  bpf_cpumask_acquire: k(CPUMASK, 'acquire', 'trustedArgs'),
  bpf_cpumask_set_cpu: k(CPUMASK, 'rcu'),
  bpf_cpumask_clear_cpu: k(CPUMASK, 'rcu'),
  bpf_cpumask_test_cpu: k(CPUMASK, 'rcu'),
  bpf_rcu_read_lock: k(COMMON),
  bpf_rcu_read_unlock: k(COMMON),
};

/** Whether `name` is available to `progType`: undefined when the model does not know. */
export function kfuncAvailable(name: string, progType: string): boolean | undefined {
  const e = KFUNCS[name];
  if (e === undefined || !PROBED_PROG_TYPES.includes(progType)) return undefined;
  return e.progTypes.includes(progType);
}
