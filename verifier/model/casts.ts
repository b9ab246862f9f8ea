// The cast kfuncs (special_kfunc_list of the kernel's verifier): bpf_cast_to_kern_ctx turns the
// program's context into a trusted pointer to the kernel struct behind it (the kern_ctx_type of
// include/linux/bpf_types.h), bpf_rdonly_cast turns anything into an untrusted pointer to the
// struct (or union) whose kernel BTF id its second argument holds as a constant.

import type { Btf } from '../../elf/index.js';
import { tnumIsConst } from '../scalar/tnum.js';
import type { Env } from './env.js';
import { btfPointer } from './btf-pointer.js';
import { checkPtrOffReg } from './memory.js';
import { notModelled, reject } from './outcome.js';
import { type RegState, regStr } from './reg.js';

/** The kernel struct behind each program type's context (BPF_PROG_TYPE's kern_ctx_type), where it is a struct. */
const KERN_CTX: Readonly<Record<string, string>> = {
  socket_filter: 'sk_buff', sched_cls: 'sk_buff', sched_act: 'sk_buff', cgroup_skb: 'sk_buff', lwt_in: 'sk_buff', lwt_out: 'sk_buff',
  lwt_xmit: 'sk_buff', lwt_seg6local: 'sk_buff', sk_skb: 'sk_buff', xdp: 'xdp_buff', cgroup_sock: 'sock', cgroup_sock_addr: 'bpf_sock_addr_kern',
  sock_ops: 'bpf_sock_ops_kern', sk_msg: 'sk_msg', flow_dissector: 'bpf_flow_dissector', cgroup_device: 'bpf_cgroup_dev_ctx',
  cgroup_sysctl: 'bpf_sysctl_kern', cgroup_sockopt: 'bpf_sockopt_kern', sk_reuseport: 'sk_reuseport_kern', sk_lookup: 'bpf_sk_lookup_kern',
  netfilter: 'bpf_nf_ctx',
};

export const isCastKfunc = (name: string): boolean => name === 'bpf_cast_to_kern_ctx' || name === 'bpf_rdonly_cast';

/** KF_ARG_PTR_TO_CTX of bpf_cast_to_kern_ctx: the unmodified context. */
export function checkKernCtxArg(reg: RegState, regno: number): void {
  if (reg.type !== 'ctx') notModelled(`bpf_cast_to_kern_ctx of ${regStr(reg)}`);
  checkPtrOffReg(reg, regno, false);
}

/** A `__k` argument: a scalar of known value (is_kfunc_arg_constant). */
export function constantArg(reg: RegState, regno: number): bigint {
  if (reg.type !== 'scalar') reject('EINVAL', `R${regno} is not a scalar`);
  if (!tnumIsConst(reg.s.varOff)) reject('EINVAL', `R${regno} must be a known constant`);
  return reg.s.varOff.value;
}

/** R0 of a cast kfunc; `constant` is the value of bpf_rdonly_cast's type id argument. */
export function castReturn(env: Env, btf: Btf, name: string, constant: bigint | undefined): RegState {
  if (name === 'bpf_cast_to_kern_ctx') {
    const kern = KERN_CTX[env.opts.progType];
    if (kern === undefined) notModelled(`bpf_cast_to_kern_ctx in program type ${env.opts.progType}`);
    return btfPointer(kern, { trusted: true });
  }
  // btf_type_by_id takes the constant as a u32; type id 0 (void) gives untrusted memory on newer kernels.
  const id = constant === undefined ? 0 : Number(constant & 0xffffffffn);
  if (id === 0) notModelled('bpf_rdonly_cast to void');
  const t = btf.type(id);
  // btf_type_is_struct: a struct or a union, not a typedef or a modified one.
  if (t?.kind !== 'STRUCT' && t?.kind !== 'UNION') reject('EINVAL', 'kfunc bpf_rdonly_cast type ID argument must be of a struct or void');
  if (t.name === '') notModelled('bpf_rdonly_cast to an anonymous struct');
  // A union keeps its kind in the name: the model walks only structs behind BTF pointers.
  return btfPointer(t.kind === 'UNION' ? `union ${t.name}` : t.name, { untrusted: true });
}
