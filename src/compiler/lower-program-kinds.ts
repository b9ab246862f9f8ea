// The contexts of raw tracepoints, cgroup_skb and cgroup sock_addr programs. A raw tracepoint's `ctx.arg(n)` is
// `ctx->args[n]` (struct bpf_raw_tracepoint_args: one u64 per argument). A cgroup_skb packet
// starts at the IP header: `pkt.ipv4()` checks skb->protocol (ETH_P_IP) and that 20 bytes are
// there, and gives the header at `data` itself; ip.udp()/tcp() are then as in xdp and tc. A
// sock_addr program's context is struct bpf_sock_addr, read and written as the SockAddr struct, a
// sock_ops program's struct bpf_sock_ops as SockOps.

import type TS from 'typescript';
import { kernelBtf } from '../../loader/index.js';
import type { SourceLocation } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { U64 } from './int-type.js';
import type { Operand } from './ir.js';
import type { Lowering } from './lower.js';
import type { Val } from './values.js';
import { sockAddrContextType, sockAddrLayout } from './lower-sock-addr.js';
import { sockOpsLayout } from './lower-sock-ops.js';

/** The verifier lets a raw tracepoint read args[0..11] (MAX_BPF_FUNC_ARGS); attach checks the tracepoint has them. */
const RAW_TP_MAX_ARGS = 12;
/** struct __sk_buff's protocol (the EtherType, network order, in a u32). */
const SKB_PROTOCOL = 16;
const ETH_P_IP_BE = 0x0008n;

/** The verifier refuses BPF_ST (a store of an immediate) into the context: a constant goes through a register. */
export function contextStoreOperand(L: Lowering, s: Operand): Operand {
  if (!('imm' in s)) return s;
  const d = L.newV();
  L.emit({ op: 'mov', d, s });
  return { reg: d };
}

const CONTEXT_TYPE: Partial<Record<string, string>> = { rawTracepoint: 'RawTracepointContext', cgroupSkb: 'SkbPacket', sockOps: 'SockOps' };

/** The context parameter of these kinds (undefined for the others). */
export function programContext(L: Lowering, p: TS.ParameterDeclaration): Val | undefined {
  const kind = L.prog.kind;
  const hook = L.prog.section.slice('cgroup/'.length);
  const want = kind === 'cgroupSockAddr' ? sockAddrContextType(hook) : CONTEXT_TYPE[kind];
  if (want === undefined) return undefined;
  const t = p.type;
  if (t !== undefined && !(L.ts.isTypeReferenceNode(t) && L.ts.isIdentifier(t.typeName) && L.m.imports.get(t.typeName.text) === want)) {
    L.fail(t, `a ${kind} program's parameter is its ${want} (leave the type out)`);
  }
  if (kind === 'cgroupSockAddr') return { k: 'mem', base: L.ctxV, off: 0, ty: sockAddrLayout(hook) };
  if (kind === 'sockOps') return { k: 'mem', base: L.ctxV, off: 0, ty: sockOpsLayout() };
  return kind === 'rawTracepoint' ? { k: 'ctx' } : { k: 'pkt' };
}

/**
 * How many arguments the running kernel's raw tracepoint NAME has (its `btf_trace_NAME` typedef:
 * a pointer to `void (void *, args…)`), or undefined when the kernel's BTF cannot be read; a name
 * the kernel does not have is a compile error at `at`.
 */
const rawTracepointArity = new Map<string, number>();
export function rawTracepointArgs(name: string, at: () => SourceLocation): number | undefined {
  const known = rawTracepointArity.get(name);
  if (known !== undefined) return known;
  let btf;
  try { btf = kernelBtf(); } catch { return undefined; }
  const [id] = btf.findByName(`btf_trace_${name}`, 'TYPEDEF');
  if (id === undefined) throw new CompileError(`no raw tracepoint ${name} in this kernel (its BTF has no btf_trace_${name})`, at());
  const def = btf.type(id);
  const ptr = def?.kind === 'TYPEDEF' ? btf.type(def.type) : undefined;
  const proto = ptr?.kind === 'PTR' ? btf.type(ptr.type) : undefined;
  if (proto?.kind !== 'FUNC_PROTO') return undefined;
  rawTracepointArity.set(name, proto.params.length - 1);
  return proto.params.length - 1;
}

/** `ctx.arg(n)` in a raw tracepoint (undefined in other kinds). */
export function rawTracepointMethod(L: Lowering, method: string, e: TS.CallExpression): Val | undefined {
  if (L.prog.kind !== 'rawTracepoint') return undefined;
  if (method !== 'arg') return L.fail(e.expression, `a raw tracepoint's context has arg(n) (not ${method})`);
  const a = e.arguments[0];
  const n = a === undefined || e.arguments.length !== 1 ? undefined : L.expr(a);
  if (n === undefined || n.k !== 'const' || n.c < 0n || n.c >= BigInt(RAW_TP_MAX_ARGS)) return L.fail(a ?? e, `arg(n) takes a constant n from 0 to ${RAW_TP_MAX_ARGS - 1}`);
  const name = L.prog.section.slice('raw_tp/'.length);
  const has = rawTracepointArgs(name, () => L.at(e));
  if (has !== undefined && n.c >= BigInt(has)) L.fail(a!, `raw tracepoint ${name} has ${has} argument${has === 1 ? '' : 's'} in this kernel: arg(0) to arg(${has - 1})`);
  const d = L.newV();
  L.emit({ op: 'ld', size: 8, d, base: L.ctxV, off: Number(n.c) * 8 });
  return { k: 'reg', v: d, type: U64, owned: true };
}

/** `pkt.ipv4()` in a cgroup_skb program (undefined in other kinds); the null path is placed as header() places it. */
export function skbHeader(L: Lowering, method: string, e: TS.CallExpression): Val | undefined {
  if (L.prog.kind !== 'cgroupSkb') return undefined;
  if (method !== 'ipv4') return L.fail(e.expression, `a cgroup_skb packet starts at the IP header: it has ipv4() (not ${method}())`);
  if (e.arguments.length > 0) L.fail(e, 'ipv4() takes no arguments');
  const d = L.newV();
  const none = L.label('short');
  const from = L.ops.length;
  const { data, end } = L.packetBounds();
  const proto = L.newV();
  L.emit({ op: 'ld', size: 4, d: proto, base: L.ctxV, off: SKB_PROTOCOL });
  L.emit({ op: 'br', cmp: 'jne', w: 64, a: proto, b: { imm: ETH_P_IP_BE }, target: none });
  const limit = L.newV();
  L.emit({ op: 'alu', code: 'add', w: 64, d: limit, a: data, b: { imm: 20n } });
  L.emit({ op: 'br', cmp: 'jgt', w: 64, a: limit, b: { reg: end }, target: none });
  L.emit({ op: 'mov', d, s: { reg: data } });
  L.pendingHeader = { v: d, none, from };
  return { k: 'hdr', v: d, hdr: 'ipv4' };
}
