// Contexts per program type as BPF_PROG_TEST_RUN presents them: the packet in a buffer with the
// kernel's headroom, `struct xdp_md` / `struct __sk_buff` whose data, data_end and data_meta read
// as pointers into the packet, raw tracepoint arguments, and the syscall program's buffer. After
// the run, `finish` gives the data out and context out as the test run returns them.

import { fault, VmError } from './fault.js';
import type { Machine } from './machine.js';
import type { RegionHook } from './memory.js';

export type VmProgramType = 'socket_filter' | 'sched_cls' | 'sched_act' | 'xdp' | 'raw_tracepoint' | 'tracepoint' | 'kprobe' | 'tracing' | 'perf_event' | 'syscall' | 'raw';
export const VM_PROGRAM_TYPES: readonly VmProgramType[] = ['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'raw_tracepoint', 'tracepoint', 'kprobe', 'tracing', 'perf_event', 'syscall', 'raw'];

/** XDP_PACKET_HEADROOM and the room the kernel keeps for struct xdp_frame / skb_shared_info. */
export const XDP_HEADROOM = 256;
export const XDP_FRAME_SIZE = 40;
export const PACKET_BUFFER = 4096;
export const SHARED_INFO = 320;
export const ETH_HLEN = 14;
/** NET_SKB_PAD + NET_IP_ALIGN: the headroom of a test-run skb. */
export const SKB_HEADROOM = 64 + 2;

export const XDP_MD_SIZE = 24;
/** Most metadata XDP may carry: skb_shared_info's u8 meta_len (xdp_metalen_invalid; 32 before Linux 6.x, found by the differential campaign). */
export const XDP_META_MAX = 255;
export const SK_BUFF_SIZE = 192;

/** The packet as helpers see it: offsets into `buffer` of data_meta, data and data_end. */
export interface PacketState {
  readonly hi: number;
  buffer: Uint8Array;
  meta: number;
  start: number;
  end: number;
  /** Where the packet may grow to (adjust_tail / skb_change_tail). */
  readonly limit: number;
  /** Lowest data_meta / data may go (adjust_head / adjust_meta). */
  readonly floor: number;
  readonly type: VmProgramType;
  /** The furthest data_end the packet's region has had in this run: what a reused buffer must zero after it. */
  reach: number;
  /** Set by bpf_redirect. */
  redirect?: { ifindex: number; flags: number };
}

export interface ContextRun {
  /** r1 at entry (and r2 for 'raw'). */
  readonly args: readonly bigint[];
  finish(): { dataOut?: Uint8Array; ctxOut?: Uint8Array };
}

export function packetOf(m: Machine): PacketState | undefined {
  return m.state.packet as PacketState | undefined;
}

function setPacket(m: Machine, p: PacketState): void {
  m.state.packet = p;
  syncPacket(m, p);
}

/** After the packet's bounds change: the region ends at data_end, so reads past it fault. */
export function syncPacket(m: Machine, p: PacketState): void {
  if (p.end > p.reach) p.reach = p.end;
  m.mem.remap(p.hi, p.buffer.subarray(0, p.end));
}

const pointer = (m: Machine, p: PacketState, off: number): bigint => m.mem.base(p.hi) + BigInt(off);

// Byte by byte: a DataView per read was a measurable part of a short run's set-up.
function u32At(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function setU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v; b[off + 1] = v >>> 8; b[off + 2] = v >>> 16; b[off + 3] = v >>> 24;
}

/**
 * A context region whose data, data_end and data_meta fields read as pointers into the packet (at
 * the offsets in `fields`), whose u32 at 0 reads as the packet's length when `lenAt0` (__sk_buff's
 * len), and whose other bytes are `bytes`. A class rather than closures: one object per run.
 */
class PacketContextHook implements RegionHook {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly m: Machine,
    private readonly p: PacketState,
    private readonly fields: readonly [data: number, dataEnd: number, dataMeta: number],
    private readonly lenAt0: boolean,
    private readonly writable: (off: number, size: number) => boolean,
    private readonly name: string,
    /** Fields the kernel keeps in a u16 (a 4-byte store keeps only its low 16 bits). */
    private readonly u16Fields: readonly number[] = [],
  ) {}

  // Byte by byte rather than through a DataView: a view of a small (on-heap) array moves its
  // bytes off the heap, which made the hook the costliest part of a short run's set-up.
  load(off: number, size: 1 | 2 | 4 | 8): bigint {
    const bytes = this.bytes;
    if (size === 4) {
      const f = this.fields;
      if (off === f[0]) return pointer(this.m, this.p, this.p.start);
      if (off === f[1]) return pointer(this.m, this.p, this.p.end);
      if (off === f[2]) return pointer(this.m, this.p, this.p.meta);
      if (off === 0 && this.lenAt0) return BigInt(this.p.end - this.p.start);
    }
    if (size === 8) return (BigInt(u32At(bytes, off + 4)) << 32n) | BigInt(u32At(bytes, off));
    return BigInt(size === 1 ? bytes[off]! : size === 2 ? bytes[off]! | (bytes[off + 1]! << 8) : u32At(bytes, off));
  }

  get pointerHi(): number { return this.p.hi; }

  // The packet's region starts at buffer offset 0, so a pointer's low word is its buffer offset.
  pointerAt(off: number): number {
    const f = this.fields;
    return off === f[0] ? this.p.start : off === f[1] ? this.p.end : off === f[2] ? this.p.meta : -1;
  }

  store(off: number, size: 1 | 2 | 4 | 8, value: bigint, insn: number): void {
    if (!this.writable(off, size)) fault('memory', insn, `write of ${size} bytes to ${this.name}+${off}, a field programs may not write`, { region: 'ctx' });
    const v = this.u16Fields.includes(off) ? value & 0xffffn : value;
    for (let i = 0; i < size; i++) this.bytes[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  }
}

const NOT_WRITABLE = (): boolean => false;
/** Offsets of data, data_end and data_meta. */
const XDP_MD_POINTERS = [0, 4, 8] as const;
const SK_BUFF_POINTERS = [76, 80, 140] as const;
/** tc_index and tc_classid: u16 in the skb (tc_classid in qdisc_skb_cb; found by the differential campaign). */
const SK_BUFF_U16_FIELDS = [44, 72] as const;
/** xdp_md when the caller gives none: all zero but ingress_ifindex (loopback, as the test run's device). */
const DEFAULT_XDP_MD = new Uint8Array(XDP_MD_SIZE);
DEFAULT_XDP_MD[12] = 1;

export interface ContextInput {
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
}

/** Buffers a caller reuses across runs (allocating ArrayBuffers per run costs more than the run). */
export interface ContextScratch {
  xdpBuffer?: Uint8Array;
  /** The last run's packet in xdpBuffer: the bytes up to its reach are what a new run must zero. */
  xdpLast?: PacketState;
  /** The last run's packet region (xdpBuffer up to data_end) and its view, reused when the next packet ends at the same place. */
  xdpRegion?: { bytes: Uint8Array; view: DataView };
}

// Data out and ctx out are copies the caller keeps. Copying each into its own ArrayBuffer was a
// large part of a short run (the allocation, and the garbage collection of external memory), so
// small ones are copied into a shared slab and handed out as views of it, as Node's Buffer pool
// does: a result's bytes are its own (no later run writes them), but their `.buffer` is the slab.
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_COPY = 4096;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** A copy of `bytes` that no later run changes: a view into the shared slab when small. */
export function copyOut(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  if (n > SLAB_MAX_COPY) return bytes.slice();
  if (slabUsed + n > SLAB_SIZE) { slab = new Uint8Array(SLAB_SIZE); slabUsed = 0; }
  const out = slab.subarray(slabUsed, slabUsed + n);
  out.set(bytes);
  // 8-byte aligned, so that a caller's DataView or typed array over the copy's buffer lines up.
  slabUsed += (n + 7) & ~7;
  return out;
}

export function setUpContext(m: Machine, type: VmProgramType, input: ContextInput, scratch: ContextScratch = {}): ContextRun {
  switch (type) {
    case 'xdp': return xdpContext(m, input, scratch);
    case 'socket_filter': case 'sched_cls': case 'sched_act': return skbContext(m, type, input);
    // Tracing contexts: the bytes the test supplies (raw tracepoint and fentry u64 arguments, a
    // tracepoint's record, kprobe pt_regs), read-only; the kernel's test run covers only the first two.
    case 'raw_tracepoint': case 'tracepoint': case 'kprobe': case 'tracing': case 'perf_event': {
      const args = new Uint8Array(input.ctx ?? new Uint8Array(0));
      const hi = m.mem.map('ctx', args, false);
      return { args: [m.mem.base(hi)], finish: () => ({}) };
    }
    case 'syscall': {
      const ctx = new Uint8Array(input.ctx ?? new Uint8Array(0));
      const hi = m.mem.map('ctx', ctx);
      return { args: [input.ctx === undefined ? 0n : m.mem.base(hi)], finish: () => (input.ctx === undefined ? {} : { ctxOut: new Uint8Array(ctx) }) };
    }
    case 'raw': {
      const mem = new Uint8Array(input.data ?? new Uint8Array(0));
      const hi = m.mem.map('mem', mem);
      return { args: [m.mem.base(hi), BigInt(mem.length)], finish: () => (input.data === undefined ? {} : { dataOut: new Uint8Array(mem) }) };
    }
  }
}

function xdpContext(m: Machine, input: ContextInput, scratch: ContextScratch): ContextRun {
  const data = input.data ?? new Uint8Array(0);
  if (data.length < ETH_HLEN) throw new VmError(`xdp: the packet must be at least ${ETH_HLEN} bytes (is ${data.length})`);
  if (input.ctx !== undefined && input.ctx.length !== XDP_MD_SIZE) throw new VmError(`xdp: the context must be struct xdp_md (${XDP_MD_SIZE} bytes; is ${input.ctx.length})`);
  // xdp_md is read-only to programs (the hook refuses stores), so without a ctx in every run shares one.
  const ctx = input.ctx === undefined ? DEFAULT_XDP_MD : new Uint8Array(input.ctx);
  // ctx in: data - data_meta is the metadata length at the front of the data in.
  const metaLen = input.ctx === undefined ? 0 : u32At(ctx, 0) - u32At(ctx, 8);
  if (metaLen < 0 || metaLen > XDP_META_MAX || metaLen % 4 !== 0 || metaLen > data.length) throw new VmError(`xdp: bad metadata length ${metaLen} in the context (data - data_meta)`);
  // The test run wants an Ethernet header after the metadata (found by the differential campaign).
  if (data.length - metaLen < ETH_HLEN) throw new VmError(`xdp: the packet after ${metaLen} bytes of metadata must be at least ${ETH_HLEN} bytes (is ${data.length - metaLen})`);
  const limit = PACKET_BUFFER - SHARED_INFO;
  // The metadata comes out of the headroom: data stays at XDP_HEADROOM (found by the differential campaign).
  const meta = XDP_HEADROOM - metaLen;
  if (meta + data.length > limit) throw new VmError(`xdp: the packet is larger than ${limit - meta} bytes`);
  // A reused buffer: only what the last run's packet region could reach was written.
  const buffer = scratch.xdpBuffer?.fill(0, 0, scratch.xdpLast?.reach ?? PACKET_BUFFER) ?? new Uint8Array(PACKET_BUFFER);
  buffer.set(data, meta);
  const end = meta + data.length;
  // The region ends at data_end (as syncPacket leaves it), mapped so at once.
  let region = scratch.xdpRegion;
  if (region === undefined || region.bytes.buffer !== buffer.buffer || region.bytes.length !== end) {
    const bytes = buffer.subarray(0, end);
    region = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, end) };
    if (scratch.xdpBuffer === buffer) scratch.xdpRegion = region;
  }
  const hi = m.mem.map('packet', region.bytes, true, region.view);
  const p: PacketState = { hi, buffer, meta, start: XDP_HEADROOM, end, limit, floor: XDP_FRAME_SIZE, type: 'xdp', reach: end };
  if (scratch.xdpBuffer === buffer) scratch.xdpLast = p;
  m.state.packet = p;
  // The test run's device is loopback (ifindex 1) unless the context names one.
  if (u32At(ctx, 12) === 0) ctx[12] = 1;
  const ctxHi = m.mem.mapHooked('ctx', XDP_MD_SIZE, new PacketContextHook(ctx, m, p, XDP_MD_POINTERS, false, NOT_WRITABLE, 'xdp_md'));
  return {
    args: [m.mem.base(ctxHi)],
    finish: () => {
      const dataOut = copyOut(p.buffer.subarray(p.meta, p.end));
      if (input.ctx === undefined) return { dataOut };
      const out = copyOut(input.ctx);
      setU32(out, 0, p.start - p.meta);
      setU32(out, 4, p.end - p.meta);
      return { dataOut, ctxOut: out };
    },
  };
}

/** SKF_NET_OFF and SKF_LL_OFF: negative ld_abs/ld_ind offsets relative to the network and the MAC header. */
const SKF_NET_OFF = -0x100000;
const SKF_LL_OFF = -0x200000;

/**
 * The buffer offset an ld_abs/ld_ind offset reads, as the kernel converts it: from data when not
 * negative, else from the network header (at ETH_HLEN past the MAC header in a test run) for
 * SKF_NET_OFF up, from the MAC header for SKF_LL_OFF up; undefined below (found by the differential campaign).
 */
function ldAbsAddress(p: PacketState, off: number): number | undefined {
  if (off >= 0) return p.start + off;
  if (off >= SKF_NET_OFF) return SKB_HEADROOM + ETH_HLEN + (off - SKF_NET_OFF);
  if (off >= SKF_LL_OFF) return SKB_HEADROOM + (off - SKF_LL_OFF);
  return undefined;
}

/** __sk_buff fields a program may write (tc: also tc_index and tc_classid; all: mark, priority, cb[]). */
function skbWritable(type: VmProgramType): (off: number, size: number) => boolean {
  return (off, size) => {
    if (off >= 48 && off + size <= 68) return true; // cb[5]
    if (off === 8 || off === 32) return type !== 'socket_filter'; // mark, priority
    if (type !== 'socket_filter' && (off === 44 || off === 72 || off === 152)) return true; // tc_index, tc_classid, tstamp
    return false;
  };
}

/** [offset, length] of the __sk_buff fields BPF_PROG_TEST_RUN copies back: mark, priority, ifindex, cb[], tstamp, wire_len, gso_segs, gso_size, hwtstamp. */
const SKB_OUT_FIELDS: readonly [number, number][] = [[8, 4], [32, 4], [40, 4], [48, 20], [152, 8], [160, 4], [164, 4], [176, 4], [184, 8]];

function skbContext(m: Machine, type: VmProgramType, input: ContextInput): ContextRun {
  const data = input.data ?? new Uint8Array(0);
  if (data.length < ETH_HLEN) throw new VmError(`${type}: the packet must be at least ${ETH_HLEN} bytes (is ${data.length})`);
  if (input.ctx !== undefined && input.ctx.length > SK_BUFF_SIZE) throw new VmError(`${type}: the context is larger than struct __sk_buff (${SK_BUFF_SIZE} bytes)`);
  const ctx = new Uint8Array(SK_BUFF_SIZE);
  if (input.ctx !== undefined) ctx.set(input.ctx);
  // The test run refuses IPv4 and IPv6 packets whose network header is cut short (found by the differential campaign).
  const etherType = (data[12]! << 8) | data[13]!;
  const netHeader = etherType === 0x0800 ? 20 : etherType === 0x86dd ? 40 : 0;
  if (data.length < ETH_HLEN + netHeader) throw new VmError(`${type}: an ${netHeader === 20 ? 'IPv4' : 'IPv6'} packet needs its ${netHeader}-byte header (the packet is ${data.length} bytes)`);
  const l2 = type !== 'socket_filter';
  const buffer = new Uint8Array(SKB_HEADROOM + data.length + SHARED_INFO);
  buffer.set(data, SKB_HEADROOM);
  const hi = m.mem.map('packet', buffer);
  const start = SKB_HEADROOM + (l2 ? 0 : ETH_HLEN);
  const p: PacketState = { hi, buffer, meta: start, start, end: SKB_HEADROOM + data.length, limit: buffer.length - SHARED_INFO, floor: 0, type, reach: 0 };
  setPacket(m, p);
  const dv = new DataView(ctx.buffer);
  // What the kernel fills in: len, pkt_type (eth_type_trans on a loopback device), protocol, ifindex.
  const dst = data.subarray(0, 6);
  const pktType = (dst[0]! & 1) !== 0 ? (dst.every((b) => b === 0xff) ? 1 : 2) : dst.every((b) => b === 0) ? 0 : 3;
  dv.setUint32(4, pktType, true);
  // eth_type_trans: an EtherType below 0x600 is an 802.3 length; the protocol is then raw 802.3
  // (payload starting 0xffff) or 802.2 LLC (found by the differential campaign).
  const proto = etherType >= 0x600 ? etherType : data.length >= ETH_HLEN + 2 && data[14] === 0xff && data[15] === 0xff ? 0x0001 : 0x0004;
  dv.setUint32(16, ((proto & 0xff) << 8) | (proto >> 8), true); // __be16 in a u32, as the kernel stores it
  if (dv.getUint32(40, true) === 0) dv.setUint32(40, 1, true);
  // wire_len (qdisc_skb_cb's pkt_len): skb->len when the test run sets the skb up, i.e. without
  // the L2 header for the types that run at the network header.
  if (dv.getUint32(160, true) === 0) dv.setUint32(160, p.end - p.start, true);
  const hook = new PacketContextHook(ctx, m, p, SK_BUFF_POINTERS, true, skbWritable(type), '__sk_buff', SK_BUFF_U16_FIELDS);
  const ctxHi = m.mem.mapHooked('ctx', SK_BUFF_SIZE, hook);
  m.ldAbs = (off, size) => {
    const at = ldAbsAddress(p, off);
    if (at === undefined || at + size > p.end) return undefined;
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(p.buffer[at + i]!);
    return v;
  };
  return {
    args: [m.mem.base(ctxHi)],
    finish: () => {
      // Non-L2 types run with data at the network header; the kernel pushes back a zeroed L2 header for data out.
      const body = p.buffer.subarray(p.start, p.end);
      let dataOut: Uint8Array;
      if (l2) dataOut = copyOut(body);
      else { dataOut = new Uint8Array(ETH_HLEN + body.length); dataOut.set(body, ETH_HLEN); }
      if (input.ctx === undefined) return { dataOut };
      // The kernel writes back only these fields of __sk_buff (the rest of ctx out is zero).
      const out = new Uint8Array(SK_BUFF_SIZE);
      for (const [off, len] of SKB_OUT_FIELDS) out.set(ctx.subarray(off, off + len), off);
      return { dataOut, ctxOut: out.slice(0, input.ctx.length) };
    },
  };
}
