// The context of a sock_ops program: struct bpf_sock_ops (linux/bpf.h) as the SockOps struct of
// lang.ts. The kernel lets a program read every integer field at its own size (the u64 counters
// as u64, the others as u32) and write only reply and sk_txhash (net/core/filter.c,
// sock_ops_is_valid_access); lang.ts marks the others readonly, so a write is a tsc error, and a
// write the build still sees is an error at its line. The pointers (sk, skb_data) are not
// fields of SockOps.

import type TS from 'typescript';
import { array, struct, u32, u64 } from '../dsl/index.js';
import { U32, U64 } from './int-type.js';
import { type Aggregate, intLType, type LType } from './layout.js';
import type { Lowering } from './lower.js';
import type { Val } from './values.js';

const ctype = struct('bpf_sock_ops', {
  op: u32, args: array(u32, 4), family: u32, remote_ip4: u32, local_ip4: u32, remote_ip6: array(u32, 4), local_ip6: array(u32, 4),
  remote_port: u32, local_port: u32, is_fullsock: u32, snd_cwnd: u32, srtt_us: u32, bpf_sock_ops_cb_flags: u32, state: u32,
  rtt_min: u32, snd_ssthresh: u32, rcv_nxt: u32, snd_nxt: u32, snd_una: u32, mss_cache: u32, ecn_flags: u32, rate_delivered: u32,
  rate_interval_us: u32, packets_out: u32, retrans_out: u32, total_retrans: u32, segs_in: u32, data_segs_in: u32, segs_out: u32,
  data_segs_out: u32, lost_out: u32, sacked_out: u32, sk_txhash: u32, bytes_received: u64, bytes_acked: u64,
  sk: u64, skb_data: u64, skb_data_end: u64, skb_len: u32, skb_tcp_flags: u32, skb_hwtstamp: u64,
});
/** The pointers the language does not give as fields. */
const POINTERS = new Set(['sk', 'skb_data', 'skb_data_end']);
/** The fields a sock_ops program may store to. */
export const SOCK_OPS_WRITABLE: ReadonlySet<string> = new Set(['reply', 'skTxhash']);

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The BPF_SOCK_OPS_* constants (enum values of linux/bpf.h, the same in every kernel that has them). */
export const SOCK_OPS_CONSTANTS: Readonly<Record<string, bigint>> = {
  BPF_SOCK_OPS_VOID: 0n, BPF_SOCK_OPS_TIMEOUT_INIT: 1n, BPF_SOCK_OPS_RWND_INIT: 2n, BPF_SOCK_OPS_TCP_CONNECT_CB: 3n,
  BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB: 4n, BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB: 5n, BPF_SOCK_OPS_NEEDS_ECN: 6n,
  BPF_SOCK_OPS_BASE_RTT: 7n, BPF_SOCK_OPS_RTO_CB: 8n, BPF_SOCK_OPS_RETRANS_CB: 9n, BPF_SOCK_OPS_STATE_CB: 10n,
  BPF_SOCK_OPS_TCP_LISTEN_CB: 11n, BPF_SOCK_OPS_RTT_CB: 12n, BPF_SOCK_OPS_PARSE_HDR_OPT_CB: 13n,
  BPF_SOCK_OPS_HDR_OPT_LEN_CB: 14n, BPF_SOCK_OPS_WRITE_HDR_OPT_CB: 15n,
  BPF_SOCK_OPS_RTO_CB_FLAG: 1n, BPF_SOCK_OPS_RETRANS_CB_FLAG: 2n, BPF_SOCK_OPS_STATE_CB_FLAG: 4n, BPF_SOCK_OPS_RTT_CB_FLAG: 8n,
  BPF_SOCK_OPS_PARSE_ALL_HDR_OPT_CB_FLAG: 16n, BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG: 32n,
  BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG: 64n, BPF_SOCK_OPS_ALL_CB_FLAGS: 127n,
};

let layout: Aggregate | undefined;
/** struct bpf_sock_ops as the SockOps struct: each field under its camelCase name, reply over args[0]. */
export function sockOpsLayout(): Aggregate {
  if (layout !== undefined) return layout;
  const fields = new Map<string, { off: number; type: LType }>();
  for (const m of ctype.members) {
    if (POINTERS.has(m.name)) continue;
    const off = m.bitOffset / 8;
    const t = m.type;
    const type: LType = t.kind === 'array' ? { kind: 'array', elem: intLType(U32), length: 4, size: 16, align: 4, ctype: t } : intLType(t.size === 8 ? U64 : U32);
    fields.set(m.name === 'bpf_sock_ops_cb_flags' ? 'cbFlags' : camel(m.name), { off, type });
  }
  fields.set('reply', { off: 4, type: intLType(U32) });
  layout = { kind: 'struct', name: 'SockOps', fields, size: ctype.size, align: ctype.align, ctype };
  return layout;
}

/** A store into a sock_ops context field the kernel does not let programs write is an error at its line. */
export function checkSockOpsStore(L: Lowering, ty: LType, field: string, node: TS.Node): void {
  if (L.prog.kind !== 'sockOps' || SOCK_OPS_WRITABLE.has(field)) return;
  if (ty !== sockOpsLayout()) field = `an element of ${field}`;
  L.fail(node, `a sock_ops program writes reply and skTxhash only (not ${field}): the kernel refuses a store to any other field of struct bpf_sock_ops`);
}

/** A constant a sock_ops program returns is 0 or 1 (the kernel's return range; a computed value is left to the verifier). */
export function checkSockOpsReturn(L: Lowering, r: Val, node: TS.Node | undefined): void {
  if (L.prog.kind !== 'sockOps' || r.k !== 'const' || r.c === 0n || r.c === 1n) return;
  L.fail(node ?? L.prog.body, `a sock_ops program returns 1 (or 0), not ${r.c}: the kernel refuses any other value`);
}
