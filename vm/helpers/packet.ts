// Packet helpers of XDP and tc programs: head/tail/meta adjustment, skb byte loads and stores,
// incremental checksum updates (RFC 1624) and csum_diff, and redirect (recorded, not sent).

import { type PacketState, packetOf, syncPacket, XDP_META_MAX } from '../context.js';
import { fault } from '../fault.js';
import type { HelperImpl, Machine } from '../machine.js';

const EINVAL = -22n, EFAULT = -14n, EACCES = -13n;
const XDP_REDIRECT = 4n, TC_ACT_REDIRECT = 7n, TC_ACT_SHOT = 2n;

function packet(m: Machine, insn: number, name: string): PacketState {
  const p = packetOf(m);
  if (p === undefined) fault('helper', insn, `${name} needs a packet (an xdp or skb program with data in)`);
  return p;
}

const adjustHead: HelperImpl = (m, a, insn) => {
  const p = packet(m, insn, 'bpf_xdp_adjust_head');
  const delta = Number(BigInt.asIntN(32, a[1]!));
  const metaLen = p.start - p.meta;
  const start = p.start + delta;
  if (start - metaLen < p.floor || start > p.end - 14) return EINVAL;
  if (metaLen > 0) p.buffer.copyWithin(p.meta + delta, p.meta, p.start);
  p.start = start;
  p.meta = start - metaLen;
  syncPacket(m, p);
  return 0n;
};

const adjustMeta: HelperImpl = (m, a, insn) => {
  const p = packet(m, insn, 'bpf_xdp_adjust_meta');
  const meta = p.meta + Number(BigInt.asIntN(32, a[1]!));
  const len = p.start - meta;
  if (meta < p.floor || meta > p.start) return EINVAL;
  if (len % 4 !== 0 || len > XDP_META_MAX) return EACCES;
  p.meta = meta;
  return 0n;
};

const adjustTail: HelperImpl = (m, a, insn) => {
  const p = packet(m, insn, 'bpf_xdp_adjust_tail');
  const end = p.end + Number(BigInt.asIntN(32, a[1]!));
  if (end > p.limit || end < p.start + 14) return EINVAL;
  if (end > p.end) p.buffer.fill(0, p.end, end);
  p.end = end;
  syncPacket(m, p);
  return 0n;
};

const skbLoadBytes: HelperImpl = (m, a, insn) => {
  const p = packet(m, insn, 'bpf_skb_load_bytes');
  const off = Number(BigInt.asIntN(32, a[1]!));
  const len = Number(a[3]! & 0xffffffffn);
  const to = m.mem.slice(a[2]!, len, insn, true);
  if (off < 0 || p.start + off + len > p.end) { to.fill(0); return EFAULT; }
  to.set(p.buffer.subarray(p.start + off, p.start + off + len));
  return 0n;
};

const skbStoreBytes: HelperImpl = (m, a, insn) => {
  const p = packet(m, insn, 'bpf_skb_store_bytes');
  const off = Number(a[1]! & 0xffffffffn);
  const len = Number(a[3]! & 0xffffffffn);
  const from = m.mem.slice(a[2]!, len, insn, false);
  if (off + len > p.end - p.start) return EFAULT;
  p.buffer.set(from.slice(), p.start + off);
  return 0n;
};

const fold = (s: number): number => {
  let x = s >>> 0;
  while (x > 0xffff) x = (x & 0xffff) + (x >>> 16);
  return x;
};

/**
 * RFC 1624: HC' = ~(~HC + ~m + m'). One's complement sums do not depend on byte order, so the
 * field, `from` and `to` are all taken as the CPU (little-endian) loads them, as the kernel does.
 */
function replaceChecksum(p: PacketState, off: number, from: bigint, to: bigint, size: number, diff: number | undefined, mangled0: boolean): bigint {
  const at = p.start + off;
  // The kernel refuses odd offsets (the field is a __sum16) with -EFAULT (found by the differential campaign).
  if (off < 0 || off % 2 !== 0 || at + 2 > p.end) return EFAULT;
  const hc = p.buffer[at]! | (p.buffer[at + 1]! << 8);
  if (mangled0 && hc === 0) return 0n;
  let s = (~hc) & 0xffff;
  if (diff !== undefined) s += fold(diff);
  else {
    const words = (v: bigint): number[] => (size === 2 ? [Number(v & 0xffffn)] : [Number(v & 0xffffn), Number((v >> 16n) & 0xffffn)]);
    for (const w of words(from)) s += (~w) & 0xffff;
    for (const w of words(to)) s += w;
  }
  let r = (~fold(s)) & 0xffff;
  if (mangled0 && r === 0) r = 0xffff;
  p.buffer[at] = r & 0xff;
  p.buffer[at + 1] = r >> 8;
  return 0n;
}

const l3CsumReplace: HelperImpl = (m, a, insn) => {
  const p = packet(m, insn, 'bpf_l3_csum_replace');
  const flags = Number(a[4]! & 0xffffffffn);
  const size = flags & 0xf;
  if (size !== 0 && size !== 2 && size !== 4) return EINVAL;
  return replaceChecksum(p, Number(a[1]! & 0xffffffffn), a[2]!, a[3]!, size, size === 0 ? Number(a[3]! & 0xffffffffn) : undefined, false);
};

const l4CsumReplace: HelperImpl = (m, a, insn) => {
  const p = packet(m, insn, 'bpf_l4_csum_replace');
  const flags = Number(a[4]! & 0xffffffffn);
  const size = flags & 0xf;
  if (size !== 0 && size !== 2 && size !== 4) return EINVAL;
  return replaceChecksum(p, Number(a[1]! & 0xffffffffn), a[2]!, a[3]!, size, size === 0 ? Number(a[3]! & 0xffffffffn) : undefined, (flags & 0x20) !== 0);
};

/**
 * x86-64's csum_partial: a ones' complement sum of little-endian 64-bit words (carry added back),
 * the 4-, 2- and 1-byte tail, folded to 32 bits as (sum + ror64(sum, 32)) >> 32. The 32-bit
 * representation (0 or 0xffffffff) matters to bpf_csum_diff, which complements it.
 */
function csumPartial(bytes: Uint8Array, seed: number): number {
  const M64 = (1n << 64n) - 1n;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let t = BigInt(seed >>> 0);
  const add = (w: bigint): void => { t += w; if (t > M64) t = (t & M64) + 1n; };
  let i = 0;
  for (; i + 8 <= bytes.length; i += 8) add(dv.getBigUint64(i, true));
  if (bytes.length & 4) { add(BigInt(dv.getUint32(i, true))); i += 4; }
  if (bytes.length & 2) { add(BigInt(dv.getUint16(i, true))); i += 2; }
  if (bytes.length & 1) add(BigInt(bytes[i]!));
  const ror = ((t >> 32n) | (t << 32n)) & M64;
  return Number(((t + ror) & M64) >> 32n);
}

/** csum_add on 32-bit sums: add, then the carry back in. */
const csumAdd = (a: number, b: number): number => { const r = (a + b) >>> 0; return (r + (r < b ? 1 : 0)) >>> 0; };
/** from32to16: two 16-bit folds, no complement. */
const from32to16 = (x: number): number => { let y = (x & 0xffff) + (x >>> 16); y = (y & 0xffff) + (y >>> 16); return y; };

/**
 * bpf_csum_diff(from, from_size, to, to_size, seed), as the kernel computes it since its result
 * stopped depending on the architecture: folded to 16 bits; from only: ~csum(from, ~seed);
 * neither: the seed, folded. (The old 32-bit result was found different by the differential campaign.)
 */
const csumDiff: HelperImpl = (m, a, insn) => {
  const fromSize = Number(a[1]! & 0xffffffffn), toSize = Number(a[3]! & 0xffffffffn);
  const seed = Number(a[4]! & 0xffffffffn);
  if (fromSize % 4 !== 0 || toSize % 4 !== 0) return EINVAL;
  const from = m.mem.slice(a[0]!, fromSize, insn, false), to = m.mem.slice(a[2]!, toSize, insn, false);
  if (fromSize !== 0 && toSize !== 0) return BigInt(from32to16(csumAdd(csumPartial(to, seed), ~csumPartial(from, 0) >>> 0)));
  if (toSize !== 0) return BigInt(from32to16(csumPartial(to, seed)));
  if (fromSize !== 0) return BigInt(from32to16(~csumPartial(from, ~seed >>> 0) >>> 0));
  return BigInt(from32to16(seed));
};

const redirect: HelperImpl = (m, a) => {
  const p = packetOf(m);
  const flags = Number(a[1]! & 0xffffffffn);
  if (p !== undefined) p.redirect = { ifindex: Number(a[0]! & 0xffffffffn), flags };
  if (p?.type === 'xdp') return flags !== 0 ? 0n : XDP_REDIRECT; // XDP_ABORTED on bad flags
  return (flags & ~1) !== 0 ? TC_ACT_SHOT : TC_ACT_REDIRECT;
};

export const packetHelpers: Record<string, HelperImpl> = {
  bpf_xdp_adjust_head: adjustHead,
  bpf_xdp_adjust_meta: adjustMeta,
  bpf_xdp_adjust_tail: adjustTail,
  bpf_skb_load_bytes: skbLoadBytes,
  bpf_skb_store_bytes: skbStoreBytes,
  bpf_l3_csum_replace: l3CsumReplace,
  bpf_l4_csum_replace: l4CsumReplace,
  bpf_csum_diff: csumDiff,
  bpf_redirect: redirect,
};
