// The context access table of each program type, measured on the running kernel: for every
// aligned offset in the first 256 bytes of the context and every size (1, 2, 4, 8), whether
// `r0 = *(uN *)(r1 + off)` is accepted and what register state the verifier gives r0 (read at log
// level 2), and whether `*(uN *)(r1 + off) = r2` is accepted. This is the ground truth the model's
// ctx tables are made from (verifier/tables/ctx-access.generated.ts).

import { OwnedFd, ProgType } from '../../../loader/index.js';
import { sys } from '../../../src/internal.js';

const { bpfRaw, BpfCommand, encodeAttr, pointee, ProgLoadAttr } = sys;

/** Program types probed, with the expected attach type their load needs (0: none). */
export const CTX_PROG_TYPES: readonly [string, number, number][] = [
  ['socket_filter', ProgType.SOCKET_FILTER, 0], ['sched_cls', ProgType.SCHED_CLS, 0], ['sched_act', ProgType.SCHED_ACT, 0],
  ['xdp', ProgType.XDP, 0], ['kprobe', ProgType.KPROBE, 0], ['tracepoint', ProgType.TRACEPOINT, 0],
  ['perf_event', ProgType.PERF_EVENT, 0], ['raw_tracepoint', ProgType.RAW_TRACEPOINT, 0], ['cgroup_skb', ProgType.CGROUP_SKB, 0],
  ['cgroup_sock', ProgType.CGROUP_SOCK, 0], ['cgroup_sock_addr', ProgType.CGROUP_SOCK_ADDR, 10 /* BPF_CGROUP_INET4_CONNECT */],
  ['sock_ops', ProgType.SOCK_OPS, 0], ['sk_skb', ProgType.SK_SKB, 0], ['sk_msg', ProgType.SK_MSG, 0], ['lwt_in', ProgType.LWT_IN, 0],
  ['lwt_out', ProgType.LWT_OUT, 0], ['lwt_xmit', ProgType.LWT_XMIT, 0], ['flow_dissector', ProgType.FLOW_DISSECTOR, 0],
  ['cgroup_device', ProgType.CGROUP_DEVICE, 0], ['cgroup_sysctl', ProgType.CGROUP_SYSCTL, 0],
  ['cgroup_sockopt', ProgType.CGROUP_SOCKOPT, 21 /* BPF_CGROUP_GETSOCKOPT */], ['sk_reuseport', ProgType.SK_REUSEPORT, 0],
  ['sk_lookup', ProgType.SK_LOOKUP, 36 /* BPF_SK_LOOKUP */],
];

/**
 * The other expected attach types of the program types whose context depends on it (the
 * is_valid_access callbacks of cgroup_sock, cgroup_sock_addr, cgroup_sockopt and xdp look at
 * prog->expected_attach_type). Their tables are stored as `type@attach`.
 */
export const CTX_ATTACH_VARIANTS: readonly [string, number, number][] = [
  ...[12, 13, 34].map((a): [string, number, number] => ['cgroup_sock', ProgType.CGROUP_SOCK, a]), // post_bind4/6, sock_release
  // bind4/6, connect6, sendmsg4/6, recvmsg4/6, getpeername4/6, getsockname4/6
  ...[8, 9, 11, 14, 15, 19, 20, 29, 30, 31, 32].map((a): [string, number, number] => ['cgroup_sock_addr', ProgType.CGROUP_SOCK_ADDR, a]),
  ['cgroup_sockopt', ProgType.CGROUP_SOCKOPT, 22 /* BPF_CGROUP_SETSOCKOPT */],
  ['xdp', ProgType.XDP, 33 /* BPF_XDP_DEVMAP */], ['xdp', ProgType.XDP, 35 /* BPF_XDP_CPUMAP */],
];

export const PROBED_BYTES = 256;
const SIZES: readonly [number, number][] = [[1, 0x10], [2, 0x08], [4, 0x00], [8, 0x18]]; // bytes, BPF_B/H/W/DW

export interface CtxAccessProbe {
  readonly progType: string;
  readonly expectedAttachType: number;
  /** Allowed reads: offset, size, and r0's state after the load as the 6.18 log prints it. */
  readonly reads: readonly (readonly [number, number, string])[];
  /** Allowed writes of a scalar register: offset, size. */
  readonly writes: readonly (readonly [number, number])[];
  /** Allowed sign-extending reads (ldsx, sizes 1, 2, 4): offset, size. */
  readonly signExtendingReads: readonly (readonly [number, number])[];
}

function slot(b: Buffer, i: number, op: number, dst: number, src: number, off: number, imm: number): void {
  b.writeUInt8(op, i * 8); b.writeUInt8((src << 4) | dst, i * 8 + 1); b.writeInt16LE(off, i * 8 + 2); b.writeInt32LE(imm, i * 8 + 4);
}


function load(type: number, attach: number, insns: Buffer): { ok: boolean; log: string } {
  const log = pointee(1 << 16);
  const lic = Buffer.from('GPL\0');
  const attr = encodeAttr(ProgLoadAttr, { prog_type: type, insn_cnt: insns.length / 8, insns: pointee(insns), license: pointee(lic),
    log_level: 2, log_size: log.size, log_buf: log, expected_attach_type: attach });
  const r = bpfRaw(BpfCommand.PROG_LOAD, attr);
  const text = log.cString();
  if (r >= 0) {
    // Close the program at once: thousands of probes must not pile up fds.
    new OwnedFd(r, 'ctx probe').close();
    return { ok: true, log: text };
  }
  return { ok: false, log: text };
}

/** r0's state on the log line of instruction 0 (`0: (61) r0 = *(u32 *)(r1 +0) ; R0=... R1=ctx()`). */
export function stateOfR0(text: string): string {
  const line = text.split('\n').find((l) => l.startsWith('0: ('));
  const at = line?.search(/ R0(_w)?=/);
  if (line === undefined || at === undefined || at < 0) return '?';
  const s = line.slice(line.indexOf('=', at) + 1);
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === ' ' && depth === 0) return s.slice(0, i);
  }
  return s;
}

export function probeCtx(name: string, type: number, attach: number): CtxAccessProbe {
  // recvmsg, getpeername and getsockname programs must return 1; every sock_addr program may.
  const ret = type === ProgType.CGROUP_SOCK_ADDR ? 1 : 0;
  const reads: [number, number, string][] = [];
  const writes: [number, number][] = [];
  const signExtendingReads: [number, number][] = [];
  for (const [bytes, sizeBits] of SIZES) {
    for (let off = 0; off < PROBED_BYTES; off += bytes) {
      const r = Buffer.alloc(24);
      slot(r, 0, 0x61 | sizeBits, 0, 1, off, 0); // r0 = *(uN *)(r1 + off)
      slot(r, 1, 0xb7, 0, 0, 0, ret); // r0 = ret
      slot(r, 2, 0x95, 0, 0, 0, 0);
      const rr = load(type, attach, r);
      if (rr.ok) reads.push([off, bytes, stateOfR0(rr.log)]);
      const w = Buffer.alloc(32);
      slot(w, 0, 0xb7, 2, 0, 0, 0); // r2 = 0
      slot(w, 1, 0x63 | sizeBits, 1, 2, off, 0); // *(uN *)(r1 + off) = r2
      slot(w, 2, 0xb7, 0, 0, 0, ret);
      slot(w, 3, 0x95, 0, 0, 0, 0);
      if (load(type, attach, w).ok) writes.push([off, bytes]);
      if (bytes === 8) continue;
      slot(r, 0, 0x81 | sizeBits, 0, 1, off, 0); // r0 = *(sN *)(r1 + off)
      if (load(type, attach, r).ok) signExtendingReads.push([off, bytes]);
    }
  }
  return { progType: name, expectedAttachType: attach, reads, writes, signExtendingReads };
}
