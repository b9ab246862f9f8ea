// BPF_EXIT of the main program: no reference may be held, R0 must be set,
// and some program types bound the value R0 may hold (check_return_code).

import { BPF_ATTACH_TYPE } from '../../elf/index.js';
import { markPrecise } from './precision.js';
import { S64_MAX, S64_MIN } from '../scalar/scalar.js';
import { type Env, readReg } from './env.js';
import { notModelled, reject } from './outcome.js';
import { type RegState, regStr } from './reg.js';
import { checkResourceLeak } from './references.js';

/** Attach types (enum bpf_attach_type) that change a program type's return range. */
const CGROUP_INET_EGRESS = 1;
const SOCK_ADDR_BIND = new Set([8, 9]); // inet4/6 bind
const SOCK_ADDR_RETURN_ONE = new Set([19, 20, 51, 29, 30, 52, 31, 32, 53]); // recvmsg, getpeername, getsockname (inet4, inet6, unix)
const { TRACE_FENTRY, TRACE_FEXIT, TRACE_RAW_TP, MODIFY_RETURN, TRACE_ITER, TRACE_KPROBE_SESSION } = BPF_ATTACH_TYPE;

/** The range R0 must lie in at exit, or null when any value (even a pointer, for root) is accepted. */
function returnRange(progType: string, attach: number): [number, number] | null | undefined {
  switch (progType) {
    case 'socket_filter': case 'sched_cls': case 'sched_act': case 'xdp': case 'tracepoint': case 'kprobe': case 'perf_event':
    case 'raw_tracepoint': case 'lwt_in': case 'lwt_out': case 'lwt_xmit': case 'sk_skb': case 'sk_msg': case 'flow_dissector':
      return null;
    case 'sk_reuseport': case 'lwt_seg6local': case 'raw_tracepoint_writable': case 'syscall': case 'ext':
      return null;
    case 'kprobe_session': return [0, 1];
    case 'cgroup_skb': return attach === CGROUP_INET_EGRESS ? [0, 3] : [0, 1];
    case 'cgroup_sock_addr': return SOCK_ADDR_RETURN_ONE.has(attach) ? [1, 1] : SOCK_ADDR_BIND.has(attach) ? [0, 3] : [0, 1];
    case 'netfilter': return [0, 1]; // NF_DROP, NF_ACCEPT
    case 'struct_ops': return null;
    case 'tracing':
      if (attach === TRACE_FENTRY || attach === TRACE_FEXIT) return [0, 0];
      if (attach === TRACE_RAW_TP || attach === MODIFY_RETURN) return null;
      return attach === TRACE_ITER ? [0, 1] : undefined;
    case 'cgroup_sock': case 'sock_ops': case 'cgroup_device': case 'cgroup_sysctl': case 'cgroup_sockopt': case 'sk_lookup':
      return [0, 1];
    default: return undefined;
  }
}

/** check_reference_leak and check_return_code at the main program's exit. */
export function checkMainExit(env: Env): void {
  checkResourceLeak(env, 'BPF_EXIT instruction in main prog', true);
  // A struct_ops member's return type decides: void members do not read R0, others return anything.
  if (env.opts.progType === 'struct_ops') {
    if (env.opts.attach === undefined) notModelled('the return code of a struct_ops program without its attach prototype');
    if (env.opts.attach.returnType === 0) return;
  }
  const r0 = readReg(env, 0);
  if (r0.type !== 'scalar' && !env.opts.privileged) reject('EACCES', 'R0 leaks addr as return value');
  const session = env.opts.progType === 'kprobe' && env.opts.expectedAttachType === TRACE_KPROBE_SESSION;
  const range = returnRange(session ? 'kprobe_session' : env.opts.progType, env.opts.expectedAttachType);
  if (range === undefined) notModelled(`the return code of program type ${env.opts.progType}`);
  if (range === null) return;
  if (r0.type !== 'scalar') reject('EINVAL', `At program exit the register R0 is not a known value (${regStr(r0)})`);
  const [lo, hi] = range;
  markPrecise(env, 0);
  if (BigInt(lo) <= r0.s.smin && r0.s.smax <= BigInt(hi)) return;
  reject('EINVAL', invalidScalar('At program exit', 'R0', r0, lo, hi));
}

/** The kernel's verbose_invalid_scalar: a register outside the range it must return in. */
export function invalidScalar(where: string, name: string, r: RegState, lo: number, hi: number): string {
  const parts = [`${where} the register ${name} has`];
  if (r.s.smin > S64_MIN) parts.push(` smin=${r.s.smin}`);
  if (r.s.smax < S64_MAX) parts.push(` smax=${r.s.smax}`);
  if (parts.length === 1) parts.push(' unknown scalar value');
  return `${parts.join('')} should have been in [${lo}, ${hi}]`;
}
