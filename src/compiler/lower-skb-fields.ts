// struct __sk_buff fields of a tc, cgroup_skb or socket filter packet (`pkt.mark`,
// `pkt.priority = 3`, `pkt.tcClassid`): 4-byte loads and stores at the field's offset in the
// context, as clang emits `skb->mark`. Which fields a kind reads and writes is the kernel's rule
// (net/core/filter.c: tc_cls_act_, cg_skb_, sk_filter_is_valid_access); anything else is a
// compile error at its line, never a verifier rejection. XDP's struct xdp_md has none of them.

import type TS from 'typescript';
import { U32 } from './int-type.js';
import { intLType } from './layout.js';
import type { Lowering } from './lower.js';
import { assignPlace, type IntPlace, load } from './lower-struct.js';
import type { Val } from './values.js';

/** struct __sk_buff's offsets (linux/bpf.h) of the fields the language names. */
const SKB_FIELDS: Readonly<Record<string, { readonly off: number; readonly c: string }>> = {
  mark: { off: 8, c: 'mark' }, priority: { off: 32, c: 'priority' }, ingressIfindex: { off: 36, c: 'ingress_ifindex' },
  ifindex: { off: 40, c: 'ifindex' }, tcIndex: { off: 44, c: 'tc_index' }, hash: { off: 68, c: 'hash' }, tcClassid: { off: 72, c: 'tc_classid' },
};
const READS_ALL = new Set(Object.keys(SKB_FIELDS));
const ACCESS: Partial<Record<string, { readonly read: ReadonlySet<string>; readonly write: ReadonlySet<string> }>> = {
  tc: { read: READS_ALL, write: new Set(['mark', 'priority', 'tcIndex', 'tcClassid']) },
  cgroupSkb: { read: new Set([...READS_ALL].filter((f) => f !== 'tcClassid')), write: new Set(['mark', 'priority']) },
  socketFilter: { read: new Set([...READS_ALL].filter((f) => f !== 'tcClassid')), write: new Set() },
};
const KIND_NAME: Record<string, string> = { tc: 'tc', cgroupSkb: 'cgroup_skb', socketFilter: 'socket filter', xdp: 'XDP' };
const INT = intLType(U32);

/** The place of `pkt.NAME`, or undefined when NAME is not a __sk_buff field of the language. */
function skbPlace(L: Lowering, name: string, n: TS.Node, write: boolean): IntPlace | undefined {
  const f = SKB_FIELDS[name];
  if (f === undefined) return undefined;
  const kind = L.prog.kind;
  const access = ACCESS[kind];
  if (access === undefined) return L.fail(n, `an ${KIND_NAME[kind] ?? kind} program's context (struct xdp_md) has no ${name} (skb->${f.c} is in tc, cgroup_skb and socket filter programs)`);
  if (!access.read.has(name)) return L.fail(n, `skb->${f.c} is not readable in ${KIND_NAME[kind]} programs`);
  if (write && !access.write.has(name)) {
    const can = [...access.write].join(', ');
    return L.fail(n, `skb->${f.c} is read-only in ${KIND_NAME[kind]} programs${can === '' ? ' (their context has no writable field the language names)' : ` (writable: ${can})`}`);
  }
  return { base: L.ctxV, off: f.off, t: INT };
}

/** `pkt.NAME` read (undefined when NAME is not a __sk_buff field). */
export function skbFieldRead(L: Lowering, name: string, n: TS.Node): Val | undefined {
  const p = skbPlace(L, name, n, false);
  return p === undefined ? undefined : load(L, p);
}

/** `pkt.NAME = …` (and `op=`, `++`): a store into the context (undefined when NAME is not a __sk_buff field). */
export function skbFieldAssign(L: Lowering, target: TS.PropertyAccessExpression, f: Parameters<typeof assignPlace>[3], old: boolean): Val | undefined {
  const p = skbPlace(L, target.name.text, target.name, true);
  return p === undefined ? undefined : assignPlace(L, p, target, f, old);
}
