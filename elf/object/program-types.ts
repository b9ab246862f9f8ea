// SEC name → program type, expected attach type and attach target, following the section table
// libbpf 1.1 applies (as observed with `bpftool prog loadall` / `prog show`), plus the entries of
// libbpf's current table (libbpf/libbpf src/libbpf.c `section_defs`, 2026) marked newer. Type
// names are the ones bpftool prints. Matching rules: an entry `p` with mode 'exact' matches only
// `p`; mode 'plus' matches `p` and `p/…`; mode 'slash' needs `p/…` with a non-empty suffix. A
// leading `?` (libbpf ≥ 0.8, 1.1 included) is not part of the name: the program starts with
// autoload off — libbpf opens it but loads it only when asked to.

export interface ProgramTypeInfo {
  /** The table entry that matched, e.g. 'tp+' or 'cgroup/connect4'. */
  readonly entry: string;
  /** Program type as bpftool names it (BPF_PROG_TYPE_* lower-cased without prefix). */
  readonly type: string;
  /** Expected attach type (BPF_* attach type lower-cased), when libbpf sets one. */
  readonly attachType?: string;
  /** What follows the prefix (tracepoint category/name, kernel function, uprobe binary:function, …). */
  readonly target?: string;
  /** BPF_F_SLEEPABLE (`.s` variants). */
  readonly sleepable: boolean;
  /** XDP frags (BPF_F_XDP_HAS_FRAGS). */
  readonly frags: boolean;
  /** Only in libbpf releases newer than 1.1 (matched here for completeness; libbpf 1.1 rejects it). */
  readonly newerThanLibbpf11?: boolean;
  /** False for a `?` section: loaded only when asked for by name (libbpf's autoload off). */
  readonly autoload: boolean;
}

type Mode = 'exact' | 'plus' | 'slash';
interface Entry { prefix: string; mode: Mode; type: string; attach?: string; sleepable?: boolean; frags?: boolean; newer?: boolean }

const e = (prefix: string, mode: Mode, type: string, attach?: string, extra: Partial<Entry> = {}): Entry =>
  ({ prefix, mode, type, ...(attach === undefined ? {} : { attach }), ...extra });

const TABLE: readonly Entry[] = [
  e('socket', 'plus', 'socket_filter'),
  e('sk_reuseport/migrate', 'exact', 'sk_reuseport', 'sk_reuseport_select_or_migrate'),
  e('sk_reuseport', 'exact', 'sk_reuseport', 'sk_reuseport_select'),
  e('kprobe', 'plus', 'kprobe'),
  e('uprobe', 'plus', 'kprobe'),
  e('uprobe.s', 'plus', 'kprobe', undefined, { sleepable: true }),
  e('kretprobe', 'plus', 'kprobe'),
  e('uretprobe', 'plus', 'kprobe'),
  e('uretprobe.s', 'plus', 'kprobe', undefined, { sleepable: true }),
  e('kprobe.multi', 'plus', 'kprobe', 'trace_kprobe_multi'),
  e('kretprobe.multi', 'plus', 'kprobe', 'trace_kprobe_multi'),
  e('kprobe.session', 'plus', 'kprobe', 'trace_kprobe_session', { newer: true }),
  e('uprobe.multi', 'plus', 'kprobe', 'trace_uprobe_multi', { newer: true }),
  e('uretprobe.multi', 'plus', 'kprobe', 'trace_uprobe_multi', { newer: true }),
  e('uprobe.session', 'plus', 'kprobe', 'trace_uprobe_session', { newer: true }),
  e('uprobe.multi.s', 'plus', 'kprobe', 'trace_uprobe_multi', { sleepable: true, newer: true }),
  e('uretprobe.multi.s', 'plus', 'kprobe', 'trace_uprobe_multi', { sleepable: true, newer: true }),
  e('uprobe.session.s', 'plus', 'kprobe', 'trace_uprobe_session', { sleepable: true, newer: true }),
  e('ksyscall', 'plus', 'kprobe'),
  e('kretsyscall', 'plus', 'kprobe'),
  e('usdt', 'plus', 'kprobe'),
  e('usdt.s', 'plus', 'kprobe', undefined, { sleepable: true, newer: true }),
  // tc/ingress and tc/egress are libbpf's aliases of the tcx attach points.
  e('tc/ingress', 'exact', 'sched_cls', 'tcx_ingress', { newer: true }),
  e('tc/egress', 'exact', 'sched_cls', 'tcx_egress', { newer: true }),
  e('tc', 'exact', 'sched_cls'),
  e('classifier', 'exact', 'sched_cls'),
  e('action', 'exact', 'sched_act'),
  e('tcx/ingress', 'exact', 'sched_cls', 'tcx_ingress', { newer: true }),
  e('tcx/egress', 'exact', 'sched_cls', 'tcx_egress', { newer: true }),
  e('netkit/primary', 'exact', 'sched_cls', 'netkit_primary', { newer: true }),
  e('netkit/peer', 'exact', 'sched_cls', 'netkit_peer', { newer: true }),
  e('tracepoint', 'plus', 'tracepoint'),
  e('tp', 'plus', 'tracepoint'),
  e('tracepoint.s', 'plus', 'tracepoint', undefined, { sleepable: true, newer: true }),
  e('tp.s', 'plus', 'tracepoint', undefined, { sleepable: true, newer: true }),
  e('raw_tracepoint', 'plus', 'raw_tracepoint'),
  e('raw_tp', 'plus', 'raw_tracepoint'),
  e('raw_tracepoint.s', 'plus', 'raw_tracepoint', undefined, { sleepable: true, newer: true }),
  e('raw_tp.s', 'plus', 'raw_tracepoint', undefined, { sleepable: true, newer: true }),
  e('raw_tracepoint.w', 'plus', 'raw_tracepoint_writable'),
  e('raw_tp.w', 'plus', 'raw_tracepoint_writable'),
  e('tp_btf', 'plus', 'tracing', 'trace_raw_tp'),
  e('tp_btf.s', 'plus', 'tracing', 'trace_raw_tp', { sleepable: true, newer: true }),
  e('fentry', 'plus', 'tracing', 'trace_fentry'),
  e('fmod_ret', 'plus', 'tracing', 'modify_return'),
  e('fexit', 'plus', 'tracing', 'trace_fexit'),
  e('fentry.s', 'plus', 'tracing', 'trace_fentry', { sleepable: true }),
  e('fmod_ret.s', 'plus', 'tracing', 'modify_return', { sleepable: true }),
  e('fexit.s', 'plus', 'tracing', 'trace_fexit', { sleepable: true }),
  e('freplace', 'plus', 'ext'),
  e('lsm', 'plus', 'lsm', 'lsm_mac'),
  e('lsm.s', 'plus', 'lsm', 'lsm_mac', { sleepable: true }),
  e('lsm_cgroup', 'plus', 'lsm', 'lsm_cgroup'),
  e('iter', 'plus', 'tracing', 'trace_iter'),
  e('iter.s', 'plus', 'tracing', 'trace_iter', { sleepable: true }),
  e('syscall', 'exact', 'syscall', undefined, { sleepable: true }),
  e('xdp.frags/devmap', 'exact', 'xdp', 'xdp_devmap', { frags: true }),
  e('xdp/devmap', 'exact', 'xdp', 'xdp_devmap'),
  e('xdp.frags/cpumap', 'exact', 'xdp', 'xdp_cpumap', { frags: true }),
  e('xdp/cpumap', 'exact', 'xdp', 'xdp_cpumap'),
  e('xdp.frags', 'exact', 'xdp', 'xdp', { frags: true }),
  e('xdp', 'plus', 'xdp', 'xdp'),
  e('perf_event', 'exact', 'perf_event'),
  e('lwt_in', 'exact', 'lwt_in'),
  e('lwt_out', 'exact', 'lwt_out'),
  e('lwt_xmit', 'exact', 'lwt_xmit'),
  e('lwt_seg6local', 'exact', 'lwt_seg6local'),
  e('sockops', 'exact', 'sock_ops', 'cgroup_sock_ops'),
  e('sk_skb/stream_parser', 'exact', 'sk_skb', 'sk_skb_stream_parser'),
  e('sk_skb/stream_verdict', 'exact', 'sk_skb', 'sk_skb_stream_verdict'),
  e('sk_skb/verdict', 'exact', 'sk_skb', 'sk_skb_verdict', { newer: true }),
  e('sk_skb', 'plus', 'sk_skb'),
  e('sk_msg', 'exact', 'sk_msg', 'sk_msg_verdict'),
  e('lirc_mode2', 'exact', 'lirc_mode2', 'lirc_mode2'),
  e('flow_dissector', 'exact', 'flow_dissector', 'flow_dissector'),
  e('cgroup_skb/ingress', 'exact', 'cgroup_skb', 'cgroup_inet_ingress'),
  e('cgroup_skb/egress', 'exact', 'cgroup_skb', 'cgroup_inet_egress'),
  e('cgroup/skb', 'exact', 'cgroup_skb'),
  e('cgroup/sock_create', 'exact', 'cgroup_sock', 'cgroup_inet_sock_create'),
  e('cgroup/sock_release', 'exact', 'cgroup_sock', 'cgroup_inet_sock_release'),
  e('cgroup/sock', 'exact', 'cgroup_sock', 'cgroup_inet_sock_create'),
  e('cgroup/post_bind4', 'exact', 'cgroup_sock', 'cgroup_inet4_post_bind'),
  e('cgroup/post_bind6', 'exact', 'cgroup_sock', 'cgroup_inet6_post_bind'),
  e('cgroup/bind4', 'exact', 'cgroup_sock_addr', 'cgroup_inet4_bind'),
  e('cgroup/bind6', 'exact', 'cgroup_sock_addr', 'cgroup_inet6_bind'),
  e('cgroup/connect4', 'exact', 'cgroup_sock_addr', 'cgroup_inet4_connect'),
  e('cgroup/connect6', 'exact', 'cgroup_sock_addr', 'cgroup_inet6_connect'),
  e('cgroup/connect_unix', 'exact', 'cgroup_sock_addr', 'cgroup_unix_connect', { newer: true }),
  e('cgroup/sendmsg4', 'exact', 'cgroup_sock_addr', 'cgroup_udp4_sendmsg'),
  e('cgroup/sendmsg6', 'exact', 'cgroup_sock_addr', 'cgroup_udp6_sendmsg'),
  e('cgroup/sendmsg_unix', 'exact', 'cgroup_sock_addr', 'cgroup_unix_sendmsg', { newer: true }),
  e('cgroup/recvmsg4', 'exact', 'cgroup_sock_addr', 'cgroup_udp4_recvmsg'),
  e('cgroup/recvmsg6', 'exact', 'cgroup_sock_addr', 'cgroup_udp6_recvmsg'),
  e('cgroup/recvmsg_unix', 'exact', 'cgroup_sock_addr', 'cgroup_unix_recvmsg', { newer: true }),
  e('cgroup/getpeername4', 'exact', 'cgroup_sock_addr', 'cgroup_inet4_getpeername'),
  e('cgroup/getpeername6', 'exact', 'cgroup_sock_addr', 'cgroup_inet6_getpeername'),
  e('cgroup/getpeername_unix', 'exact', 'cgroup_sock_addr', 'cgroup_unix_getpeername', { newer: true }),
  e('cgroup/getsockname4', 'exact', 'cgroup_sock_addr', 'cgroup_inet4_getsockname'),
  e('cgroup/getsockname6', 'exact', 'cgroup_sock_addr', 'cgroup_inet6_getsockname'),
  e('cgroup/getsockname_unix', 'exact', 'cgroup_sock_addr', 'cgroup_unix_getsockname', { newer: true }),
  e('cgroup/sysctl', 'exact', 'cgroup_sysctl', 'cgroup_sysctl'),
  e('cgroup/getsockopt', 'exact', 'cgroup_sockopt', 'cgroup_getsockopt'),
  e('cgroup/setsockopt', 'exact', 'cgroup_sockopt', 'cgroup_setsockopt'),
  e('cgroup/dev', 'exact', 'cgroup_device', 'cgroup_device'),
  e('struct_ops', 'plus', 'struct_ops'),
  e('struct_ops.s', 'plus', 'struct_ops', undefined, { sleepable: true, newer: true }),
  e('sk_lookup', 'exact', 'sk_lookup', 'sk_lookup'),
  e('netfilter', 'exact', 'netfilter', 'netfilter', { newer: true }),
];

/** The program type libbpf derives from a section name; undefined when no entry matches (libbpf skips it). */
export function programTypeOf(section: string): ProgramTypeInfo | undefined {
  const autoload = !section.startsWith('?');
  const name = autoload ? section : section.slice(1);
  for (const t of TABLE) {
    let target: string | undefined;
    if (t.mode === 'exact') {
      if (name !== t.prefix) continue;
    } else if (name === t.prefix) {
      if (t.mode === 'slash') continue;
    } else if (name.startsWith(`${t.prefix}/`)) {
      target = name.slice(t.prefix.length + 1);
      if (t.mode === 'slash' && target === '') continue;
    } else continue;
    return {
      entry: t.mode === 'exact' ? t.prefix : `${t.prefix}${t.mode === 'plus' ? '+' : '/'}`,
      type: t.type,
      ...(t.attach === undefined ? {} : { attachType: t.attach }),
      ...(target === undefined || target === '' ? {} : { target }),
      sleepable: t.sleepable ?? false,
      frags: t.frags ?? false,
      ...(t.newer ? { newerThanLibbpf11: true } : {}),
      autoload,
    };
  }
  return undefined;
}

/** The table's entries in match order, e.g. 'tp+', 'cgroup/connect4'. */
export function programSectionEntries(): string[] {
  return TABLE.map((t) => (t.mode === 'exact' ? t.prefix : `${t.prefix}${t.mode === 'plus' ? '+' : '/'}`));
}
