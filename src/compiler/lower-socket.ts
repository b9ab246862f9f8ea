// Socket lookups: skLookupTcp, skLookupUdp and skcLookupTcp (bpf_sk_lookup_tcp …) return a socket
// or null, a reference the program must give back with skRelease (bpf_sk_release) on every path
// (references.ts checks the paths). A socket's fields are loads at struct bpf_sock's offsets,
// which the verifier checks against its own table (bpf_sock_is_valid_access; a sock_common has
// no type, protocol, mark or priority).

import type TS from 'typescript';
import { INT_TYPES, type IntType, U32, U64 } from './int-type.js';
import type { Size } from './ir.js';
import type { Lowering } from './lower.js';
import { checkAllowed } from './lower-helper.js';
import { asMemory } from './lower-kernel-array.js';
import { address } from './lower-struct.js';
import { isContext } from './lower-tail-call.js';
import type { Val } from './values.js';

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

/** struct bpf_sock's fields (offsets of the UAPI struct); `full`: not in a sock_common. */
const FIELDS: Record<string, { readonly off: number; readonly type: IntType; readonly full?: true }> = {
  boundDevIf: { off: 0, type: U32 }, family: { off: 4, type: U32 }, type: { off: 8, type: U32, full: true },
  protocol: { off: 12, type: U32, full: true }, mark: { off: 16, type: U32, full: true }, priority: { off: 20, type: U32, full: true },
  srcIp4: { off: 24, type: U32 }, srcPort: { off: 44, type: U32 }, dstPort: { off: 48, type: INT_TYPES.u16! },
  dstIp4: { off: 52, type: U32 }, state: { off: 72, type: U32 },
};

/** A call of skLookupTcp/Udp, skcLookupTcp or skRelease, or undefined for another name. */
export function socketCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  if (name === 'skRelease') {
    checkAllowed(L, name, 'bpf_sk_release', e);
    const a = e.arguments[0];
    if (a === undefined || e.arguments.length !== 1) return L.fail(e, 'skRelease takes the socket');
    const v = L.expr(a);
    if (v.k !== 'sock') return L.fail(a, 'skRelease takes a socket a lookup returned (checked not null)');
    L.emit({ op: 'call', helper: SK_RELEASE, args: [{ reg: v.v }] });
    return { k: 'const', type: U64, c: 0n };
  }
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
  return { k: 'sock', v: d, full: l.full };
}

/** `sk.field`: a load at struct bpf_sock's offset. */
export function socketField(L: Lowering, v: Val & { k: 'sock' }, e: TS.PropertyAccessExpression): Val {
  const name = e.name.text;
  const f = FIELDS[name] ?? L.fail(e.name, `a socket has no field '${name}' (${Object.keys(FIELDS).join(', ')})`);
  if (f.full === true && !v.full) L.fail(e.name, `'${name}' is a full socket's field; skcLookupTcp may return a time-wait or request socket`);
  const d = L.newV();
  L.emit({ op: 'ld', size: (f.type.bits / 8) as Size, d, base: v.v, off: f.off });
  return { k: 'reg', v: d, type: f.type, owned: true };
}
