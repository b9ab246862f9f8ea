// The function prototype a BTF-typed context describes (the kernel's attach_func_proto): a tp_btf
// program's tracepoint (the btf_trace_<name> typedef, whose first `void *__data` argument the
// program does not see), an iterator's bpf_iter_<target> function, or the member of a struct_ops
// struct (attach_btf_id the struct, expected_attach_type the member's index). Resolved in the
// target kernel's BTF; undefined when the load names no such target.

import { BPF_ATTACH_TYPE, type Btf, type BtfType, skipModifiers } from '../../elf/index.js';

export type AttachKind = 'raw_tp' | 'iter' | 'struct_ops';

type FuncProto = Extract<BtfType, { kind: 'FUNC_PROTO' }>;

export interface AttachProto {
  readonly kind: AttachKind;
  /** attach_func_name as the kernel's log names it: the tracepoint, iterator function or struct_ops member. */
  readonly funcName: string;
  /** The argument types the program sees, in order (ctx slot by slot). */
  readonly params: FuncProto['params'];
  /** The prototype's return type (0: void). */
  readonly returnType: number;
  /** struct_ops: the struct the member belongs to (tcp_congestion_ops). */
  readonly structOps?: string;
}

const { TRACE_RAW_TP, TRACE_ITER } = BPF_ATTACH_TYPE;

const RAW_TP_PREFIX = 'btf_trace_';

function protoOf(btf: Btf, id: number): FuncProto | undefined {
  const t = btf.type(skipModifiers((x) => btf.type(x), id));
  if (t?.kind === 'FUNC_PROTO') return t;
  if (t?.kind !== 'PTR') return undefined;
  const p = btf.type(skipModifiers((x) => btf.type(x), t.type));
  return p?.kind === 'FUNC_PROTO' ? p : undefined;
}

/** The attach prototype of a load, or undefined when the model does not type this context by BTF. */
export function resolveAttachProto(btf: Btf, progType: string, attachType: number, attachBtfId: number): AttachProto | undefined {
  const t = btf.type(attachBtfId);
  if (progType === 'struct_ops') {
    if (t?.kind !== 'STRUCT') return undefined;
    const m = t.members[attachType];
    const proto = m === undefined ? undefined : protoOf(btf, m.type);
    if (m === undefined || proto === undefined) return undefined;
    return { kind: 'struct_ops', funcName: m.name, params: proto.params, returnType: proto.returnType, structOps: t.name };
  }
  if (progType !== 'tracing') return undefined;
  if (attachType === TRACE_RAW_TP && t?.kind === 'TYPEDEF' && t.name.startsWith(RAW_TP_PREFIX)) {
    const proto = protoOf(btf, t.type);
    if (proto === undefined || proto.params.length === 0) return undefined;
    return { kind: 'raw_tp', funcName: t.name.slice(RAW_TP_PREFIX.length), params: proto.params.slice(1), returnType: proto.returnType };
  }
  if (attachType === TRACE_ITER && t?.kind === 'FUNC') {
    const proto = protoOf(btf, t.type);
    if (proto === undefined) return undefined;
    return { kind: 'iter', funcName: t.name, params: proto.params, returnType: proto.returnType };
  }
  return undefined;
}
