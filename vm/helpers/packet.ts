// Packet helpers of XDP and tc programs: head/tail/meta adjustment, skb byte loads and stores,
// incremental checksum updates (RFC 1624) and csum_diff, and redirect (recorded, not sent).

import { type PacketState, packetOf, syncPacket } from '../context.js';
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
  if (len % 4 !== 0 || len > 32) return EACCES;
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

/** One's complement sum of 16-bit big-endian words (odd byte padded), folded into 32 bits. */
function sum16(bytes: Uint8Array, seed: number): number {
  let s = seed >>> 0;
  for (let i = 0; i < bytes.length; i += 2) {
    s += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
    if (s > 0xffffffff) s -= 0xffffffff;
  }
  return s >>> 0;
}

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
  if (off < 0 || at + 2 > p.end) return EFAULT;
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

/** bpf_csum_diff(from, from_size, to, to_size, seed): the sum of ~from and to, 4-byte words. */
const csumDiff: HelperImpl = (m, a, insn) => {
  const fromSize = Number(a[1]! & 0xffffffffn), toSize = Number(a[3]! & 0xffffffffn);
  if (fromSize % 4 !== 0 || toSize % 4 !== 0 || fromSize > 512 || toSize > 512) return EINVAL;
  const from = m.mem.slice(a[0]!, fromSize, insn, false), to = m.mem.slice(a[2]!, toSize, insn, false);
  const inv = from.map((b) => ~b & 0xff);
  // Summed as the bytes sit in memory (little-endian 16-bit words), as the kernel's csum_partial does on x86.
  const le = (b: Uint8Array): Uint8Array => { const c = new Uint8Array(b.length); for (let i = 0; i < b.length; i += 2) { c[i] = b[i + 1] ?? 0; c[i + 1] = b[i]!; } return c; };
  const s = sum16(le(to), sum16(le(inv), Number(a[4]! & 0xffffffffn)));
  return BigInt(s >>> 0);
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
