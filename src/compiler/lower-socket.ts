// Sockets: the lookups skLookupTcp, skLookupUdp and skcLookupTcp (bpf_sk_lookup_tcp …) return a
// socket or null, a reference the program must give back with skRelease (bpf_sk_release) on every
// path; the packet's own socket (`pkt.sk`, skb->sk) and a listener (getListenerSock) are not
// references. skFullsock, tcpSock and the skcTo… casts derive a pointer from a socket: the
// verifier ties it to the socket's reference, so it dies with skRelease (references.ts checks
// both on the IR). Fields of struct bpf_sock and bpf_tcp_sock are loads at their UAPI offsets,
// which the verifier checks against its own tables (bpf_sock_is_valid_access: a sock_common has no
// type, protocol, mark or priority); the casts give BTF pointers to kernel structs, read directly.

import type TS from 'typescript';
import { type CType, type Member, resolve } from '../dsl/index.js';
import { isGplCompatible } from '../../verifier/index.js';
import { INT_TYPES, type IntType, U32, U64 } from './int-type.js';
import type { Operand, Size, VReg } from './ir.js';
import type { KernelComposite } from './kernel-types.js';
import { kernelTypeOf } from './kernel-types.js';
import type { Lowering } from './lower.js';
import { kernelAddress } from './lower-core.js';
import { checkAllowed } from './lower-helper.js';
import { asMemory } from './lower-kernel-array.js';
import { address } from './lower-struct.js';
import { isContext } from './lower-tail-call.js';
import type { SockShape, Val } from './values.js';

/** The lookups: helper id, and whether the result is a full socket. */
const LOOKUPS: Record<string, { readonly id: number; readonly c: string; readonly full: boolean }> = {
  skLookupTcp: { id: 84, c: 'bpf_sk_lookup_tcp', full: true },
  skLookupUdp: { id: 85, c: 'bpf_sk_lookup_udp', full: true },
  skcLookupTcp: { id: 99, c: 'bpf_skc_lookup_tcp', full: false },
};
export const SK_RELEASE = 86;
export const SOCKET_LOOKUP_IDS: ReadonlySet<number> = new Set(Object.values(LOOKUPS).map((l) => l.id));
/** struct bpf_sock_tuple's sizes: its ipv4 and ipv6 members. */
const TUPLE_SIZES = [12, 36];
const GET_SOCKET_COOKIE = 46;
const SK_CGROUP_ID = 128;
const SK_ANCESTOR_CGROUP_ID = 129;

/** Calls from a socket to a socket: `derived` results keep the argument's reference (the verifier's ptr-cast helpers). */
const SOCKET_TO_SOCKET: Record<string, { readonly id: number; readonly c: string; readonly shape: SockShape; readonly derived: boolean }> = {
  skFullsock: { id: 95, c: 'bpf_sk_fullsock', shape: 'full', derived: true },
  tcpSock: { id: 96, c: 'bpf_tcp_sock', shape: 'tcp', derived: true },
  getListenerSock: { id: 98, c: 'bpf_get_listener_sock', shape: 'full', derived: false },
};
/** The casts to kernel structs (RET_PTR_TO_BTF_ID_OR_NULL) and the struct each gives. */
const CASTS: Record<string, { readonly id: number; readonly c: string; readonly struct: string }> = {
  skcToTcp6Sock: { id: 136, c: 'bpf_skc_to_tcp6_sock', struct: 'tcp6_sock' },
  skcToTcpSock: { id: 137, c: 'bpf_skc_to_tcp_sock', struct: 'tcp_sock' },
  skcToTcpTimewaitSock: { id: 138, c: 'bpf_skc_to_tcp_timewait_sock', struct: 'tcp_timewait_sock' },
  skcToTcpRequestSock: { id: 139, c: 'bpf_skc_to_tcp_request_sock', struct: 'tcp_request_sock' },
  skcToUdp6Sock: { id: 140, c: 'bpf_skc_to_udp6_sock', struct: 'udp6_sock' },
  skcToUnixSock: { id: 178, c: 'bpf_skc_to_unix_sock', struct: 'unix_sock' },
};
/**
 * Helpers whose result points into their socket argument: the verifier gives it the argument's
 * reference (is_ptr_cast_function; bpf_skc_to_unix_sock is not one of them).
 */
export const SOCKET_CAST_IDS: ReadonlySet<number> = new Set([95, 96, 136, 137, 138, 139, 140]);

type Field = { readonly off: number; readonly type: IntType };
/** struct bpf_sock's fields (offsets of the UAPI struct); `full`: not in a sock_common. */
const SOCK_FIELDS: Record<string, Field & { readonly full?: true }> = {
  boundDevIf: { off: 0, type: U32 }, family: { off: 4, type: U32 }, type: { off: 8, type: U32, full: true },
  protocol: { off: 12, type: U32, full: true }, mark: { off: 16, type: U32, full: true }, priority: { off: 20, type: U32, full: true },
  srcIp4: { off: 24, type: U32 }, srcPort: { off: 44, type: U32 }, dstPort: { off: 48, type: INT_TYPES.u16! },
  dstIp4: { off: 52, type: U32 }, state: { off: 72, type: U32 },
};
/** struct bpf_tcp_sock's fields: u32 counters in order, the two u64 byte counts at 80 and 88. */
const TCP_FIELDS: Record<string, Field> = Object.fromEntries([
  ...['sndCwnd', 'srttUs', 'rttMin', 'sndSsthresh', 'rcvNxt', 'sndNxt', 'sndUna', 'mssCache', 'ecnFlags', 'rateDelivered', 'rateIntervalUs',
    'packetsOut', 'retransOut', 'totalRetrans', 'segsIn', 'dataSegsIn', 'segsOut', 'dataSegsOut', 'lostOut', 'sackedOut'].map((n, i) => [n, { off: i * 4, type: U32 }]),
  ['bytesReceived', { off: 80, type: U64 }], ['bytesAcked', { off: 88, type: U64 }],
  ...['dsackDups', 'delivered', 'deliveredCe', 'icskRetransmits'].map((n, i) => [n, { off: 96 + i * 4, type: U32 }]),
]);

/** A call of the socket functions, or undefined for another name. */
export function socketCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  if (name === 'skRelease') return release(L, e);
  if (name === 'getSocketCookie') return cookie(L, e);
  if (name === 'skCgroupId' || name === 'skAncestorCgroupId') return cgroupId(L, name, e);
  const s = SOCKET_TO_SOCKET[name];
  if (s !== undefined) {
    checkAllowed(L, name, s.c, e);
    const v = socketArg(L, name, e);
    if (v.shape === 'tcp') L.fail(e.arguments[0]!, `${name} takes a socket, not its TCP counters`);
    const d = L.newV();
    L.emit({ op: 'call', helper: s.id, args: [{ reg: v.v }], d });
    return { k: 'sock', v: d, shape: s.shape, ref: s.derived && v.ref };
  }
  const c = CASTS[name];
  if (c !== undefined) return cast(L, name, c, e);
  const l = LOOKUPS[name];
  if (l === undefined) return undefined;
  checkAllowed(L, name, l.c, e);
  const [ctx, tuple, netns, flags] = e.arguments;
  if (e.arguments.length !== 4) return L.fail(e, `${name} takes the context, the tuple, the network namespace and flags`);
  if (!isContext(L, L.expr(ctx!))) L.fail(ctx!, `argument 1 of ${name} is the program's context parameter`);
  const t = asMemory(L, L.expr(tuple!), tuple!);
  if (t.k !== 'mem') return L.fail(tuple!, `the tuple is a struct (saddr, daddr: u32; sport, dport: u16 for IPv4)`);
  if (!TUPLE_SIZES.includes(t.ty.size)) L.fail(tuple!, `the tuple is 12 bytes (IPv4) or 36 (IPv6), not ${t.ty.size}: the kernel finds no socket for another size`);
  const int = (a: TS.Expression, ty: IntType) => L.convert(L.intVal(L.expr(a), a), ty, a);
  const d = L.newV();
  L.emit({ op: 'call', helper: l.id, args: [{ reg: L.ctxV }, { reg: address(L, t) }, { imm: BigInt(t.ty.size) }, L.operand(int(netns!, U64)), L.operand(int(flags!, U64))], d });
  return { k: 'sock', v: d, shape: l.full ? 'full' : 'common', ref: true };
}

/** The one socket argument of `name` (checked not null by tsc). */
function socketArg(L: Lowering, name: string, e: TS.CallExpression): Val & { k: 'sock' } {
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length !== 1) return L.fail(e, `${name} takes one socket`);
  const v = L.expr(a);
  return v.k === 'sock' ? v : L.fail(a, `${name} takes a socket (a lookup's, pkt.sk, or one derived from them)`);
}

function release(L: Lowering, e: TS.CallExpression): Val {
  checkAllowed(L, 'skRelease', 'bpf_sk_release', e);
  const v = socketArg(L, 'skRelease', e);
  // The verifier: "must be referenced when passed to release function".
  if (!v.ref) L.fail(e.arguments[0]!, 'skRelease takes a socket a lookup returned: the packet\'s socket (pkt.sk) and a listener (getListenerSock) are not the program\'s to give back');
  if (v.shape === 'tcp') L.fail(e.arguments[0]!, 'skRelease takes the socket, not its TCP counters');
  L.emit({ op: 'call', helper: SK_RELEASE, args: [{ reg: v.v }] });
  return { k: 'const', type: U64, c: 0n };
}

function cookie(L: Lowering, e: TS.CallExpression): Val {
  checkAllowed(L, 'getSocketCookie', 'bpf_get_socket_cookie', e);
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length !== 1 || !isContext(L, L.expr(a))) return L.fail(a ?? e, "getSocketCookie takes the program's context parameter");
  const d = L.newV();
  L.emit({ op: 'call', helper: GET_SOCKET_COOKIE, args: [{ reg: L.ctxV }], d });
  return { k: 'reg', v: d, type: U64, owned: true };
}

/** skCgroupId(sk), skAncestorCgroupId(sk, level): the socket's cgroup v2 id, or its ancestor's. */
function cgroupId(L: Lowering, name: string, e: TS.CallExpression): Val {
  const ancestor = name === 'skAncestorCgroupId';
  checkAllowed(L, name, ancestor ? 'bpf_sk_ancestor_cgroup_id' : 'bpf_sk_cgroup_id', e);
  const [sk, level] = e.arguments;
  if (sk === undefined || e.arguments.length !== (ancestor ? 2 : 1)) return L.fail(e, ancestor ? `${name} takes the socket and the level` : `${name} takes the socket`);
  const args: Operand[] = [{ reg: socketPointer(L, sk, `the socket of ${name}`) }];
  if (ancestor) args.push(L.operand(L.convert(L.intVal(L.expr(level!), level!), INT_TYPES.s32!, level!)));
  const d = L.newV();
  L.emit({ op: 'call', helper: ancestor ? SK_ANCESTOR_CGROUP_ID : SK_CGROUP_ID, args, d });
  return { k: 'reg', v: d, type: U64, owned: true };
}

/** Whether a kernel struct is a struct sock_common or begins with one (struct sock, inet_sock, tcp_sock …): what ARG_PTR_TO_BTF_ID_SOCK_COMMON takes. */
function startsWithSockCommon(t: KernelComposite): boolean {
  for (let s: KernelComposite | undefined = t; s !== undefined;) {
    if (s.name === 'sock_common') return true;
    const first: Member | undefined = s.members[0];
    const ft: CType | undefined = first === undefined || first.bitOffset !== 0 ? undefined : resolve(first.type);
    s = ft !== undefined && (ft.kind === 'struct' || ft.kind === 'union') ? ft : undefined;
  }
  return false;
}

/**
 * What ARG_PTR_TO_BTF_ID_SOCK_COMMON takes: any socket of the language, or a BTF pointer to a
 * kernel struct beginning with struct sock_common; its register.
 */
export function socketPointer(L: Lowering, a: TS.Expression, what: string): VReg {
  const v = L.expr(a);
  if (v.k === 'sock') return v.v;
  if (v.k !== 'kernel' || v.direct !== true || !startsWithSockCommon(v.ty)) {
    return L.fail(a, `${what} is a socket (a lookup's, pkt.sk, one derived from them) or a BTF pointer to a kernel struct starting with struct sock_common${v.k === 'kernel' ? ` (not ${v.ty.kind} ${v.ty.name})` : ''}`);
  }
  return kernelAddress(L, v, a).v;
}

/** skcTo…<S>(sk): a BTF pointer to the kernel struct S, or null; derived from sk's reference (not skcToUnixSock: the kernel does not tie it). */
function cast(L: Lowering, name: string, c: (typeof CASTS)[string], e: TS.CallExpression): Val {
  checkAllowed(L, name, c.c, e);
  const t = e.typeArguments?.[0];
  const ty = kernelTypeOf(L.m, t) ?? L.fail(t ?? e, `${name} takes the kernel struct as its type argument: ${name}<${c.struct}>(sk) (an interface from tsbpf btf gen-ts --lang)`);
  if (ty.name !== c.struct) L.fail(t!, `${name} gives a struct ${c.struct}, not ${ty.kind} ${ty.name}`);
  // The verifier refuses loads through a kernel BTF pointer in a program that is not GPL-compatible.
  if (!isGplCompatible(L.m.license)) L.fail(e, `${name}'s struct ${c.struct} is read through a BTF pointer: the kernel allows that to GPL-compatible programs only (this module's license is '${L.m.license}')`);
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length !== 1) return L.fail(e, `${name} takes one socket`);
  const p = socketPointer(L, a, name);
  const d = L.newV();
  L.emit({ op: 'call', helper: c.id, args: [{ reg: p }], d });
  return { k: 'kernel', base: d, root: ty, path: [], ty, direct: true, anyProgram: true };
}

/** `sk.field`: a load at struct bpf_sock's (bpf_tcp_sock's) offset. */
export function socketField(L: Lowering, v: Val & { k: 'sock' }, e: TS.PropertyAccessExpression): Val {
  const name = e.name.text;
  let f: Field;
  if (v.shape === 'tcp') f = TCP_FIELDS[name] ?? L.fail(e.name, `a TcpSock has no field '${name}' (${Object.keys(TCP_FIELDS).join(', ')})`);
  else {
    const s = SOCK_FIELDS[name] ?? L.fail(e.name, `a socket has no field '${name}' (${Object.keys(SOCK_FIELDS).join(', ')})`);
    if (s.full === true && v.shape !== 'full') L.fail(e.name, `'${name}' is a full socket's field; a SockCommon may be a time-wait or request socket (skFullsock gives the full socket)`);
    f = s;
  }
  const d = L.newV();
  L.emit({ op: 'ld', size: (f.type.bits / 8) as Size, d, base: v.v, off: f.off });
  return { k: 'reg', v: d, type: f.type, owned: true };
}

/** struct __sk_buff's sk: the packet's socket (PTR_TO_SOCK_COMMON_OR_NULL), in tc and cgroup_skb programs. */
export const SKB_SK_OFFSET = 168;
export function packetSocket(L: Lowering, n: TS.Node): Val {
  if (L.prog.kind !== 'tc' && L.prog.kind !== 'cgroupSkb') L.fail(n, `pkt.sk is in tc and cgroup_skb programs (not ${L.prog.kind})`);
  const d = L.newV();
  L.emit({ op: 'ld', size: 8, d, base: L.ctxV, off: SKB_SK_OFFSET });
  return { k: 'sock', v: d, shape: 'common', ref: false };
}
