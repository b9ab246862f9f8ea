// Context access tables for the program types the model knows: the struct
// the program sees as ctx, and for each access the kernel's is_valid_access
// decision (net/core/filter.c, kernel/trace/bpf_trace.c behaviour on 6.18).

import { probedCtxTable } from './ctx-probed.js';
import type { AccessKind, CtxAccessDecision, CtxFieldType, CtxTable } from './types.js';

const deny: CtxAccessDecision = { allowed: false };
const allow = (type: CtxFieldType = 'scalar'): CtxAccessDecision => ({ allowed: true, type });

/** struct __sk_buff field offsets (uapi). */
const SKB = {
  len: 0, mark: 8, queue_mapping: 12, priority: 32, tc_index: 44, cb0: 48, cbEnd: 68, tc_classid: 72, data: 76, data_end: 80,
  family: 88, remote_ip4: 92, local_ip4: 96, remote_ip6: 100, local_ip6: 116, local_port: 136, localPortEnd: 140,
  data_meta: 140, flow_keys: 144, tstamp: 152, wire_len: 160, sk: 168, tstamp_type: 180, hwtstamp: 184, size: 192,
} as const;

const within = (off: number, start: number, len: number): boolean => off >= start && off < start + len;

/** bpf_skb_is_valid_access: the checks every __sk_buff program type shares. */
function skbCommon(off: number, size: number, kind: AccessKind): CtxAccessDecision | undefined {
  if (off < 0 || off >= SKB.size) return deny;
  if (off % size !== 0) return deny;
  if (within(off, SKB.cb0, 20)) return off + size > SKB.cbEnd ? deny : allow();
  if (within(off, SKB.remote_ip6, 16) || within(off, SKB.local_ip6, 16) || within(off, SKB.remote_ip4, 4) || within(off, SKB.local_ip4, 4)
    || within(off, SKB.data, 4) || within(off, SKB.data_meta, 4) || within(off, SKB.data_end, 4)) {
    return size === 4 ? allow() : deny;
  }
  if (within(off, SKB.flow_keys, 8)) return deny;
  if (within(off, SKB.hwtstamp, 8)) return kind === 'write' || size !== 8 ? deny : allow();
  if (within(off, SKB.tstamp, 8)) return size !== 8 ? deny : allow();
  if (off === SKB.sk) return kind === 'write' || size !== 8 ? deny : allow('sock_common_or_null');
  if (within(off, SKB.sk, 8)) return undefined;
  if (off === SKB.tstamp_type) return deny;
  if (off > SKB.tstamp_type && off < SKB.hwtstamp) return deny;
  if (kind === 'write') return size === 4 ? allow() : deny;
  // Narrow reads of a u32 field: 1, 2 or 4 bytes.
  return size <= 4 ? allow() : deny;
}

const socketFilter: CtxTable = {
  progType: 'socket_filter',
  structName: '__sk_buff',
  decide(off, size, kind) {
    if (within(off, SKB.tc_classid, 4) || within(off, SKB.data, 4) || within(off, SKB.data_meta, 4) || within(off, SKB.data_end, 4)
      || (off >= SKB.family && off < SKB.localPortEnd) || within(off, SKB.tstamp, 8) || within(off, SKB.wire_len, 4) || within(off, SKB.hwtstamp, 8)) {
      return deny;
    }
    if (kind === 'write' && !within(off, SKB.cb0, 20)) return deny;
    return skbCommon(off, size, kind);
  },
};

/** tc classifiers and actions: packet pointers, and writes to a few fields (tc_cls_act_is_valid_access). */
function tcTable(progType: string): CtxTable {
  const writable = (off: number): boolean => within(off, SKB.mark, 4) || within(off, SKB.tc_index, 4) || within(off, SKB.priority, 4)
    || within(off, SKB.tc_classid, 4) || within(off, SKB.cb0, 20) || within(off, SKB.tstamp, 8) || within(off, SKB.queue_mapping, 4);
  return {
    progType,
    structName: '__sk_buff',
    decide(off, size, kind) {
      if (kind === 'write' && !writable(off)) return deny;
      if (off >= SKB.family && off < SKB.localPortEnd) return deny;
      if (off === SKB.tstamp_type) return size === 1 ? allow() : deny;
      const d = skbCommon(off, size, kind);
      if (d === undefined || !d.allowed) return d;
      if (within(off, SKB.data, 4)) return allow('pkt');
      if (within(off, SKB.data_meta, 4)) return allow('pkt_meta');
      if (within(off, SKB.data_end, 4)) return allow('pkt_end');
      return d;
    },
  };
}

/** struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
const xdp: CtxTable = {
  progType: 'xdp',
  structName: 'xdp_md',
  decide(off, size, kind) {
    if (off === 20) return deny; // egress_ifindex: devmap programs only
    if (kind === 'write') return deny;
    if (off < 0 || off >= 24 || off % size !== 0 || size !== 4) return deny;
    return allow(off === 0 ? 'pkt' : off === 4 ? 'pkt_end' : off === 8 ? 'pkt_meta' : 'scalar');
  },
};

/** Tracepoint programs read their raw record: any aligned read past the common header pointer, below PERF_MAX_TRACE_SIZE. */
const tracepoint: CtxTable = {
  progType: 'tracepoint',
  structName: 'trace_event_raw',
  decide(off, size, kind) {
    // tp_prog_is_valid_access compares the int offset with sizeof(void *), unsigned: a negative
    // offset passes that test (and then only the alignment one), as the live kernel shows.
    if ((off >= 0 && off < 8) || off >= 8192) return deny;
    if (kind !== 'read') return deny;
    if (off % size !== 0) return deny;
    return allow();
  },
};

/** kprobe programs read struct pt_regs (168 bytes on x86-64). */
const kprobe: CtxTable = {
  progType: 'kprobe',
  structName: 'pt_regs',
  decide(off, size, kind) {
    if (off < 0 || off >= 168) return deny;
    if (kind !== 'read') return deny;
    if (off % size !== 0) return deny;
    if (off + size > 168) return deny;
    return allow();
  },
};

/** struct bpf_nf_ctx: two read-only BTF pointers, state at 0 and skb at 8 (nf_is_valid_access). */
const netfilter: CtxTable = {
  progType: 'netfilter',
  structName: 'bpf_nf_ctx',
  decide(off, size, kind) {
    if (off < 0 || off >= 16 || kind === 'write' || size !== 8) return deny;
    // nf_ptr_to_btf_id: trusted BTF pointers to the hook state and the packet.
    return off === 0 ? allow('trusted_ptr:nf_hook_state') : off === 8 ? allow('trusted_ptr:sk_buff') : undefined;
  },
};

const tables = new Map<string, CtxTable>([socketFilter, xdp, tracepoint, kprobe, netfilter, tcTable('sched_cls'), tcTable('sched_act')].map((t) => [t.progType, t]));

/** raw_tp_writable_prog_is_valid_access: slot 0 is the tracepoint's writable buffer; the rest as raw_tracepoint. */
function rawTracepointWritable(base: CtxTable | undefined): CtxTable | undefined {
  if (base === undefined) return undefined;
  return {
    progType: 'raw_tracepoint_writable',
    structName: base.structName,
    decide(off, size, kind, signExtend) {
      if (off === 0 && (size !== 8 || kind !== 'read')) return deny;
      const d = base.decide(off, size, kind, signExtend);
      return off === 0 && d?.allowed === true ? allow('tp_buffer') : d;
    },
  };
}

/**
 * The context table of a load: the live kernel's measured table where there is one for the program
 * type and expected attach type (the hand table decides beyond the measured bytes), else the hand table.
 */
export function ctxTable(progType: string, expectedAttachType = 0): CtxTable | undefined {
  if (progType === 'raw_tracepoint_writable') return rawTracepointWritable(ctxTable('raw_tracepoint'));
  const hand = tables.get(progType);
  return probedCtxTable(progType, expectedAttachType, hand) ?? hand;
}
