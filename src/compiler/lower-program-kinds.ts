// The contexts of raw tracepoints and cgroup_skb programs. A raw tracepoint's `ctx.arg(n)` is
// `ctx->args[n]` (struct bpf_raw_tracepoint_args: one u64 per argument). A cgroup_skb packet
// starts at the IP header: `pkt.ipv4()` checks skb->protocol (ETH_P_IP) and that 20 bytes are
// there, and gives the header at `data` itself; ip.udp()/tcp() are then as in xdp and tc.

import type TS from 'typescript';
import { U64 } from './int-type.js';
import type { Lowering } from './lower.js';
import type { Val } from './values.js';

/** The verifier lets a raw tracepoint read args[0..11] (MAX_BPF_FUNC_ARGS); attach checks the tracepoint has them. */
const RAW_TP_MAX_ARGS = 12;
/** struct __sk_buff's protocol (the EtherType, network order, in a u32). */
const SKB_PROTOCOL = 16;
const ETH_P_IP_BE = 0x0008n;

/** The context parameter of these kinds (undefined for the others). */
export function programContext(L: Lowering, p: TS.ParameterDeclaration): Val | undefined {
  const kind = L.prog.kind;
  if (kind !== 'rawTracepoint' && kind !== 'cgroupSkb') return undefined;
  const want = kind === 'rawTracepoint' ? 'RawTracepointContext' : 'SkbPacket';
  const t = p.type;
  if (t !== undefined && !(L.ts.isTypeReferenceNode(t) && L.ts.isIdentifier(t.typeName) && L.m.imports.get(t.typeName.text) === want)) {
    L.fail(t, `a ${kind} program's parameter is its ${want} (leave the type out)`);
  }
  return kind === 'rawTracepoint' ? { k: 'ctx' } : { k: 'pkt' };
}

/** `ctx.arg(n)` in a raw tracepoint (undefined in other kinds). */
export function rawTracepointMethod(L: Lowering, method: string, e: TS.CallExpression): Val | undefined {
  if (L.prog.kind !== 'rawTracepoint') return undefined;
  if (method !== 'arg') return L.fail(e.expression, `a raw tracepoint's context has arg(n) (not ${method})`);
  const a = e.arguments[0];
  const n = a === undefined || e.arguments.length !== 1 ? undefined : L.expr(a);
  if (n === undefined || n.k !== 'const' || n.c < 0n || n.c >= BigInt(RAW_TP_MAX_ARGS)) return L.fail(a ?? e, `arg(n) takes a constant n from 0 to ${RAW_TP_MAX_ARGS - 1}`);
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
