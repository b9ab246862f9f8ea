// The context of programs typed by their attach target's BTF prototype (tp_btf and iterator
// tracing programs, struct_ops members): an array of u64 arguments, read only, each typed by the
// prototype (btf_ctx_access). Scalars, void and int pointers read as scalars; pointers to
// structs become PTR_TO_BTF_ID, trusted for these program kinds, NULL-able where the kernel
// says so (iterator registrations, tracepoints known to pass NULL). A tcp_congestion_ops
// member's `struct sock *` is promoted to `struct tcp_sock` (bpf_tcp_ca_is_valid_access).

import type { Btf } from '../../elf/index.js';
import { ITER_CTX_ARGS, RAW_TP_NULL_ARGS } from '../tables/attach-args.js';
import type { AccessKind } from '../tables/types.js';
import type { AttachProto } from './attach-proto.js';
import { btfPointer } from './btf-pointer.js';
import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { type RegState, unknownReg } from './reg.js';
import { isIntOrEnum, skipTypeModifiers } from './btf-types.js';

/** MAX_BPF_FUNC_ARGS u64 slots. */
const CTX_SIZE = 8 * 12;

const resolve = skipTypeModifiers;

/** get_ctx_arg_idx: the argument a slot offset falls in (pointers take 8 bytes, others their size rounded up to 8). */
function argIndex(btf: Btf, proto: AttachProto, off: number): number {
  let end = 0;
  for (let i = 0; i < proto.params.length; i++) {
    end += slotSize(btf, proto.params[i]!.type);
    if (off < end) return i;
  }
  end += slotSize(btf, proto.returnType);
  return off < end ? proto.params.length : proto.params.length + 1;
}

function slotSize(btf: Btf, id: number): number {
  const t = btf.type(resolve(btf, id));
  if (t === undefined || t.kind === 'PTR') return 8;
  const size = 'size' in t ? t.size : 0;
  return Math.ceil(size / 8) * 8;
}


/** A read of the context through R1 (check_ctx_access on a BTF-typed context). */
export function btfCtxAccess(env: Env, btf: Btf, proto: AttachProto, off: number, size: number, kind: AccessKind): RegState {
  // Each struct_ops type has an is_valid_access of its own: only tcp_congestion_ops is modelled.
  if (proto.kind === 'struct_ops' && proto.structOps !== 'tcp_congestion_ops') notModelled(`the context of struct_ops ${proto.structOps ?? ''}`);
  const refuse = (...lines: string[]): never => reject('EACCES', ...lines, `invalid bpf_context access off=${off} size=${size}`);
  // bpf_tracing_ctx_access: the u64 slots, read only, naturally aligned.
  if (off < 0 || off >= CTX_SIZE || kind !== 'read' || off % size !== 0) refuse();
  const name = proto.funcName;
  if (off % 8 !== 0) refuse(`func '${name}' offset ${off} is not multiple of 8`);
  const arg = argIndex(btf, proto, off);
  // The return value slot (fexit, LSM) belongs to attach types the model does not type here.
  if (arg >= proto.params.length) refuse(`func '${name}' doesn't have ${arg + 1}-th argument`);
  const tid = resolve(btf, proto.params[arg]!.type);
  const t = btf.type(tid);
  if (t === undefined) notModelled(`a void argument of ${name}`);
  if (isIntOrEnum(t) || t.kind === 'STRUCT' || t.kind === 'UNION') {
    if (t.kind === 'INT' && t.size > 8) notModelled(`argument ${arg} of ${name}: an integer wider than 8 bytes`);
    return unknownReg();
  }
  if (t.kind !== 'PTR') notModelled(`argument ${arg} of ${name} of kind ${t.kind}`);
  if (size !== 8) refuse(`func '${name}' size ${size} must be 8`);
  if (t.type === 0) return unknownReg();
  const pointee = btf.type(resolve(btf, t.type));
  // is_int_ptr: pointers to integers (not enums) read as scalars.
  if (pointee?.kind === 'INT') return unknownReg();
  // An iterator's registered arguments: NULL-able, trusted as registered, no log line.
  if (proto.kind === 'iter') {
    const registered = ITER_CTX_ARGS[name];
    if (registered === undefined) notModelled(`the context of iterator ${name}`);
    const r = registered[arg];
    if (r !== undefined) {
      if (pointee?.kind !== 'STRUCT') notModelled(`iterator argument ${arg} of ${name} that is not a struct`);
      return { ...btfPointer(pointee.name, { maybeNull: true, trusted: r.trusted }), id: env.nextId() };
    }
  }
  let maybeNull = proto.params[arg]!.name.endsWith('__nullable');
  let errPointer = false;
  if (proto.kind === 'raw_tp') {
    const mask = RAW_TP_NULL_ARGS[name] ?? 0;
    if ((mask & (1 << (arg * 4))) !== 0) maybeNull = true;
    if ((mask & (2 << (arg * 4))) !== 0) errPointer = true;
  }
  // Type tags on the pointee (__user, __percpu) change what the pointer may do.
  if (btf.type(t.type)?.kind === 'TYPE_TAG') notModelled(`a type-tagged pointer argument of ${name}`);
  const structId = resolve(btf, t.type);
  if (pointee?.kind !== 'STRUCT' && pointee?.kind !== 'UNION') notModelled(`argument ${arg} of ${name}: a pointer to ${pointee?.kind ?? 'void'}`);
  env.note(`func '${name}' arg${arg} has btf_id ${structId} type ${pointee.kind} '${pointee.name}'`);
  if (errPointer) {
    env.note(`marking pointer arg${arg} as scalar as it may encode error`);
    return unknownReg();
  }
  if (pointee.kind !== 'STRUCT') notModelled(`a pointer to union ${pointee.name} in the context`);
  // bpf_tcp_ca_is_valid_access promotes a safe `struct sock *` to the tcp_sock it is.
  const struct = proto.structOps === 'tcp_congestion_ops' && pointee.name === 'sock' && !maybeNull ? 'tcp_sock' : pointee.name;
  const reg = btfPointer(struct, { trusted: true, maybeNull });
  if (maybeNull) reg.id = env.nextId();
  return reg;
}
