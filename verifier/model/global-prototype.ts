// What a global function's BTF prototype says about its arguments (btf_prepare_func_args): a
// scalar, the program's context, sized memory (maybe NULL unless tagged `arg:nonnull`) or a
// trusted kernel object (`arg:trusted`, with `arg:nullable`). The kernel verifies the function
// once with these arguments and checks every call against them. Prototypes the model does not
// follow (dynptrs, arenas, sizes of void or incomplete types, unknown tags) are not modelled.

import { BPF_ATTACH_TYPE, type Btf, type BtfType, QUALIFIER_KINDS, resolveTypeSize, skipModifiers } from '../../elf/index.js';
import type { FunctionInfo } from '../options.js';
import { notModelled } from './outcome.js';
import { isIntOrEnum, skipTypeModifiers } from './btf-types.js';

export type GlobalArg =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'ctx' }
  | { readonly kind: 'mem'; readonly size: number; readonly nullable: boolean }
  | { readonly kind: 'trusted'; readonly btfName: string; readonly nullable: boolean };

/** The arguments, or the kernel's refusal of the prototype (log lines, errno EINVAL). */
export type GlobalPrototype = { readonly args: readonly GlobalArg[] } | { readonly refusal: readonly string[] };

/** The attach types that change which context types `arg:ctx` accepts. */
const { TRACE_RAW_TP, TRACE_FENTRY, TRACE_FEXIT, MODIFY_RETURN, TRACE_ITER } = BPF_ATTACH_TYPE;

/** The kernel's btf_type_str names, by kind. */
const kindStr = (t: BtfType | undefined): string => (t === undefined ? 'UNKN' : t.kind === 'UNKNOWN' ? 'UNKN' : t.kind);

const skip = skipTypeModifiers;
/** Past const, volatile, restrict and type tags, not past a typedef. */
const unqualified = (btf: Btf, id: number): BtfType | undefined => btf.type(skipModifiers((x) => btf.type(x), id, QUALIFIER_KINDS));
const isStruct = (t: BtfType | undefined): boolean => t?.kind === 'STRUCT' || t?.kind === 'UNION';

/** The `arg:` decl tags of each parameter of the FUNC `fnId`, in BTF order. */
function argTags(btf: Btf, fnId: number): Map<number, string[]> {
  const tags = new Map<number, string[]>();
  for (let id = 1; id <= btf.lastId; id++) {
    const t = btf.type(id);
    if (t?.kind !== 'DECL_TAG' || t.type !== fnId || !t.name.startsWith('arg:')) continue;
    tags.set(t.componentIdx, [...(tags.get(t.componentIdx) ?? []), t.name.slice(4)]);
  }
  return tags;
}

/** The context struct the kernel names for a program type (bpf_ctx_convert's `<TYPE>_prog` member), through typedefs. */
function canonicalCtx(kernel: Btf, progType: string): { typedef: string | undefined; struct: BtfType | undefined } {
  const conv = kernel.findOne('bpf_ctx_convert', 'STRUCT');
  const t = conv === undefined ? undefined : kernel.type(conv);
  if (t?.kind !== 'STRUCT') notModelled('a kernel BTF without bpf_ctx_convert');
  const member = t.members.find((m) => m.name === `BPF_PROG_TYPE_${progType.toUpperCase()}_prog`);
  if (member === undefined) notModelled(`the context type of program type ${progType}`);
  const first = kernel.type(member.type);
  return { typedef: first?.kind === 'TYPEDEF' ? first.name : undefined, struct: kernel.type(skip(kernel, member.type)) };
}

/** btf_is_prog_ctx_type: an untagged pointer argument that names the program type's context struct. */
function isProgCtxType(btf: Btf, kernel: Btf, pointee: number, progType: string): boolean {
  if (progType === 'kprobe') {
    const q = unqualified(btf, pointee);
    if (q?.kind === 'TYPEDEF' && q.name === 'bpf_user_pt_regs_t') return true;
  }
  const t = btf.type(skip(btf, pointee));
  if (!isStruct(t) || t === undefined) return false;
  // An anonymous struct matches no context name.
  const name = (t as { name: string }).name;
  const ctx = canonicalCtx(kernel, progType);
  const names = [ctx.typedef, (ctx.struct as { name?: string } | undefined)?.name].filter((n): n is string => n !== undefined && n !== '');
  if (names.length === 0) return false;
  const projection = (names[0] === '__sk_buff' && name === 'sk_buff') || (names[0] === 'xdp_md' && name === 'xdp_buff');
  return projection || names.includes(name);
}

/** btf_validate_prog_ctx_type: the refusal lines for an `arg:ctx` pointer, or undefined when it is accepted. */
function validateTaggedCtx(btf: Btf, kernel: Btf, pointee: number, i: number, progType: string, attach: number): string[] | undefined {
  if (progType === 'kprobe' || progType === 'perf_event') {
    const q = unqualified(btf, pointee);
    if (q?.kind === 'TYPEDEF' && q.name === 'bpf_user_pt_regs_t') return undefined;
  }
  const t = btf.type(skip(btf, pointee));
  if (t === undefined) return undefined; // void *
  const name = (t as { name?: string }).name ?? '';
  if (name === '') return [`arg#${i} type doesn't have a name`];
  const u64 = t.kind === 'INT' && t.size === 8;
  switch (progType) {
    case 'kprobe': if (isStruct(t) && name === 'pt_regs') return undefined; break;
    case 'perf_event': if (t.kind === 'STRUCT' && name === 'pt_regs') return undefined; break; // x86-64: bpf_user_pt_regs_t is struct pt_regs
    case 'raw_tracepoint': case 'raw_tracepoint_writable': case 'lsm': case 'struct_ops': if (u64) return undefined; break;
    case 'tracing':
      if (attach === TRACE_RAW_TP && ((t.kind === 'STRUCT' && name === 'bpf_raw_tracepoint_args') || u64)) return undefined;
      if (attach === TRACE_ITER && t.kind === 'STRUCT' && name.startsWith('bpf_iter__')) return undefined;
      if ((attach === TRACE_FENTRY || attach === TRACE_FEXIT || attach === MODIFY_RETURN) && u64) return undefined;
      break;
    case 'tracepoint': case 'syscall': case 'ext': return undefined;
    default: break;
  }
  const ctx = canonicalCtx(kernel, progType).struct;
  if (ctx?.kind !== 'STRUCT') return [`arg#${i} should be void pointer`];
  if (t.kind !== 'STRUCT' || ctx.name !== name) return [`arg#${i} should be \`struct ${ctx.name} *\``];
  return undefined;
}

/** btf_get_ptr_to_btf_id for `arg:trusted`: the kernel struct the pointer names, its `___flavor` suffix dropped. */
function trustedTarget(btf: Btf, kernel: Btf, pointee: number): string {
  const t = btf.type(skip(btf, pointee));
  if (t?.kind !== 'STRUCT' || t.name === '') notModelled('an arg:trusted argument that is not a named struct');
  const name = t.name.replace(/___.*$/, '');
  if (kernel.findOne(name, 'STRUCT') === undefined) notModelled(`an arg:trusted struct ${name} the kernel does not have`);
  return name;
}

const cache = new WeakMap<Btf, Map<string, GlobalPrototype>>();
/** A number per kernel BTF seen: the prototype depends on it (context names, trusted targets). */
const kernelIds = new WeakMap<Btf, number>();
let kernelsSeen = 0;

/** btf_prepare_func_args for a global function, for a program of `progType`. */
export function globalPrototype(fn: FunctionInfo, progType: string, attach: number, kernel: Btf | undefined): GlobalPrototype {
  const proto = fn.prototype;
  if (proto === undefined) notModelled('a global function without its BTF prototype');
  let kernelId = kernel === undefined ? 0 : kernelIds.get(kernel);
  if (kernelId === undefined) kernelIds.set(kernel!, (kernelId = ++kernelsSeen));
  const key = `${proto.typeId}/${progType}/${attach}/${kernelId}`;
  let byKey = cache.get(proto.btf);
  const hit = byKey?.get(key);
  if (hit !== undefined) return hit;
  const p = prepare(proto.btf, proto.typeId, progType, attach, kernel);
  if (byKey === undefined) { byKey = new Map(); cache.set(proto.btf, byKey); }
  byKey.set(key, p);
  return p;
}

function prepare(btf: Btf, fnId: number, progType: string, attach: number, kernel: Btf | undefined): GlobalPrototype {
  const fnT = btf.type(fnId);
  if (fnT?.kind !== 'FUNC') notModelled('func_info naming a type that is not a FUNC');
  const protoT = btf.type(fnT.type);
  if (protoT?.kind !== 'FUNC_PROTO') notModelled('a FUNC whose type is not a FUNC_PROTO');
  if (protoT.params.length > 5) return { refusal: [`Global function ${fnT.name}() with ${protoT.params.length} > 5 args. Buggy compiler.`] };
  if (!isIntOrEnum(btf.type(skip(btf, protoT.returnType)))) {
    return { refusal: [`Global function ${fnT.name}() doesn't return scalar. Only those are supported.`] };
  }
  const tags = argTags(btf, fnId);
  const args: GlobalArg[] = [];
  for (let i = 0; i < protoT.params.length; i++) {
    const set = new Set<string>();
    for (const tag of tags.get(i) ?? []) {
      if (!['ctx', 'trusted', 'nonnull', 'nullable', 'arena'].includes(tag)) notModelled(`the argument tag arg:${tag}`);
      set.add(tag);
    }
    const t = btf.type(skip(btf, protoT.params[i]!.type));
    if (t?.kind === 'PTR') {
      if (kernel === undefined) notModelled('pointer arguments of global functions without the kernel BTF');
      if (set.has('ctx') || isProgCtxType(btf, kernel, t.type, progType)) {
        if ([...set].some((x) => x !== 'ctx')) return { refusal: [`arg#${i} has invalid combination of tags`] };
        if (set.has('ctx')) {
          const bad = validateTaggedCtx(btf, kernel, t.type, i, progType, attach);
          if (bad !== undefined) return { refusal: bad };
        }
        args.push({ kind: 'ctx' });
        continue;
      }
      const pointee = btf.type(skip(btf, t.type));
      if (pointee?.kind === 'STRUCT' && pointee.name === 'bpf_dynptr') notModelled('dynptr arguments of global functions');
      if (set.has('trusted')) {
        if (set.has('nonnull')) return { refusal: [`arg#${i} has invalid combination of tags`] };
        args.push({ kind: 'trusted', btfName: trustedTarget(btf, kernel, t.type), nullable: set.has('nullable') });
        continue;
      }
      if (set.has('arena')) notModelled('arena arguments of global functions');
      if (set.has('nullable')) return { refusal: [`arg#${i} has invalid combination of tags`] };
      const size = resolveTypeSize((x) => btf.type(x), skip(btf, t.type));
      if (size === undefined || skip(btf, t.type) === 0) notModelled('a global function argument pointing to a type without a size');
      args.push({ kind: 'mem', size, nullable: !set.has('nonnull') });
      continue;
    }
    if (set.size > 0) return { refusal: [`arg#${i} has pointer tag, but is not a pointer type`] };
    if (isIntOrEnum(t)) { args.push({ kind: 'scalar' }); continue; }
    return { refusal: [`Arg#${i} type ${kindStr(t)} in ${fnT.name}() is not supported yet.`] };
  }
  return { args };
}
