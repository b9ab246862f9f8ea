// Packets: Ethernet with 0-2 VLAN tags, then IPv4 (with options) or IPv6, then TCP (with
// options), UDP or ICMP/ICMPv6, or something else at each layer. Each comes with what it is: the
// header offsets and lengths, the protocol numbers, and whether its length fields and checksums
// are right — a generated packet may carry wrong ones, or be cut short, when asked.

import fc from 'fast-check';
import { ByteWriter } from '../../../isa/index.js';

export type NetworkLayer = 'ipv4' | 'ipv6' | 'other';
export type TransportLayer = 'tcp' | 'udp' | 'icmp' | 'other';

export interface PacketOptions {
  /** Number of 802.1Q tags: 0, 1 or 2 (a range: { min, max }); default 0 to 2. */
  readonly vlans?: number | { readonly min: number; readonly max: number };
  /** Network layers to draw from; default all. */
  readonly network?: readonly NetworkLayer[];
  /** Transport layers to draw from (over IPv4/IPv6); default all. 'icmp' is ICMPv6 over IPv6. */
  readonly transport?: readonly TransportLayer[];
  /** 'never' (default): lengths and checksums right; 'sometimes'; 'always': at least one is wrong, or the frame is cut short. */
  readonly corrupt?: 'never' | 'sometimes' | 'always';
  /** Whether IPv4 headers may carry options (IHL above 5); default true. */
  readonly ipv4Options?: boolean;
  /** Largest payload after the headers; default 64. */
  readonly maxPayload?: number;
}

export interface GeneratedPacket {
  readonly bytes: Uint8Array;
  /** VLAN ids, outermost first. */
  readonly vlans: readonly number[];
  /** The EtherType after the VLAN tags. */
  readonly etherType: number;
  readonly network: NetworkLayer;
  readonly transport: TransportLayer | 'none';
  /** IPv4 protocol or IPv6 next header. */
  readonly protocol?: number;
  /** Byte offset of the network header (after Ethernet and VLAN tags). */
  readonly networkOffset: number;
  /** IPv4: IHL × 4 (20-60); IPv6: 40. */
  readonly networkHeaderLength?: number;
  readonly transportOffset?: number;
  /** TCP: data offset × 4; UDP 8; ICMP 8. */
  readonly transportHeaderLength?: number;
  readonly sourcePort?: number;
  readonly destinationPort?: number;
  /** Source and destination address (4 or 16 bytes). */
  readonly source?: Uint8Array;
  readonly destination?: Uint8Array;
  /** Whether IPv4 total length / IPv6 payload length and UDP length match the bytes. */
  readonly lengthsValid: boolean;
  /** IPv4 header checksum right (undefined when there is none). */
  readonly networkChecksumValid?: boolean;
  /** TCP/UDP/ICMP checksum right over the bytes as they are. */
  readonly transportChecksumValid?: boolean;
  /** The frame was cut inside its headers (never below 14 bytes): fields past `bytes.length` are not there. */
  readonly truncated: boolean;
  /** The frame length before it was cut. */
  readonly fullLength: number;
}

/** The shortest frame BPF_PROG_TEST_RUN takes (ETH_HLEN). */
const MIN_FRAME = 14;
const ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd, ETH_P_8021Q = 0x8100;
const PROTO: Record<'ipv4' | 'ipv6', Record<TransportLayer, number>> = {
  ipv4: { tcp: 6, udp: 17, icmp: 1, other: 47 },
  ipv6: { tcp: 6, udp: 17, icmp: 58, other: 47 },
};

/** RFC 1071 ones'-complement sum of 16-bit big-endian words (an odd byte padded with zero). */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) s += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2 === 1) s += bytes[bytes.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The Internet checksum (the complement of the ones'-complement sum). */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesComplementSum(bytes, initial) & 0xffff;
}

/**
 * A checksum field value other than the right one `x`, and not one that verifies all the same:
 * 0 and 0xffff are the same number in ones' complement, and a UDP checksum of 0 means none.
 */
function wrongChecksum(x: number, delta: number): number {
  for (let y = (x + delta) & 0xffff; ; y = (y + 1) & 0xffff) {
    if (y !== x && y !== 0 && !(x === 0 && y === 0xffff)) return y;
  }
}

interface Draw {
  dst: Uint8Array; src: Uint8Array; vlanIds: number[]; otherEtherType: number;
  network: NetworkLayer; transport: TransportLayer;
  ipSrc: Uint8Array; ipDst: Uint8Array; ttl: number; tos: number; id: number; ipOptionWords: number;
  sport: number; dport: number; seq: number; tcpFlags: number; tcpOptionWords: number; icmpType: number; icmpCode: number;
  payload: Uint8Array;
  corruption: { length: boolean; networkChecksum: boolean; transportChecksum: boolean; cut: number | null; delta: number };
}

const be16 = (b: Uint8Array, off: number, v: number): void => { b[off] = (v >>> 8) & 0xff; b[off + 1] = v & 0xff; };
const get16 = (b: Uint8Array, off: number): number => (b[off]! << 8) | b[off + 1]!;

function build(d: Draw): GeneratedPacket {
  const parts: number[] = [...d.dst, ...d.src];
  for (const id of d.vlanIds) parts.push(ETH_P_8021Q >> 8, ETH_P_8021Q & 0xff, (id >> 8) & 0x0f, id & 0xff);
  const networkOffset = parts.length + 2;
  const etherType = d.network === 'ipv4' ? ETH_P_IP : d.network === 'ipv6' ? ETH_P_IPV6 : d.otherEtherType;
  parts.push(etherType >> 8, etherType & 0xff);
  if (d.network === 'other') {
    const bytes = Uint8Array.from([...parts, ...d.payload]);
    return finish(bytes, { vlans: d.vlanIds, etherType, network: 'other', transport: 'none', networkOffset, lengthsValid: true }, d, []);
  }
  const v4 = d.network === 'ipv4';
  const nh = v4 ? 20 + d.ipOptionWords * 4 : 40;
  const th = d.transport === 'tcp' ? 20 + d.tcpOptionWords * 4 : d.transport === 'other' ? 0 : 8;
  const total = networkOffset + nh + th + d.payload.length;
  const b = new Uint8Array(total);
  b.set(parts);
  const n = networkOffset, t = n + nh;
  const protocol = PROTO[d.network][d.transport];
  const src = v4 ? d.ipSrc.subarray(0, 4) : d.ipSrc, dst = v4 ? d.ipDst.subarray(0, 4) : d.ipDst;
  if (v4) {
    b[n] = 0x40 | (nh / 4); b[n + 1] = d.tos; be16(b, n + 2, nh + th + d.payload.length); be16(b, n + 4, d.id);
    b[n + 8] = d.ttl; b[n + 9] = protocol; b.set(src, n + 12); b.set(dst, n + 16);
    b.fill(1, n + 20, n + nh); // NOP options
  } else {
    b[n] = 0x60 | (d.tos >> 4); b[n + 1] = (d.tos & 0xf) << 4; be16(b, n + 4, th + d.payload.length); b[n + 6] = protocol; b[n + 7] = d.ttl;
    b.set(src, n + 8); b.set(dst, n + 24);
  }
  if (d.transport === 'tcp') {
    be16(b, t, d.sport); be16(b, t + 2, d.dport); ByteWriter.over(b, 'be').setU32(t + 4, d.seq);
    b[t + 12] = (th / 4) << 4; b[t + 13] = d.tcpFlags; be16(b, t + 14, 65535); b.fill(1, t + 20, t + th);
  } else if (d.transport === 'udp') {
    be16(b, t, d.sport); be16(b, t + 2, d.dport); be16(b, t + 4, th + d.payload.length);
  } else if (d.transport === 'icmp') {
    b[t] = d.icmpType; b[t + 1] = d.icmpCode; be16(b, t + 4, d.id); be16(b, t + 6, d.seq & 0xffff);
  }
  b.set(d.payload, t + th);
  // Wrong lengths first, so that the checksums (when right) cover the bytes as they end up.
  const c = d.corruption;
  if (c.length) {
    if (d.transport === 'udp' && c.delta % 2 === 0) be16(b, t + 4, (get16(b, t + 4) + c.delta) & 0xffff);
    else if (v4) be16(b, n + 2, (get16(b, n + 2) + c.delta) & 0xffff);
    else be16(b, n + 4, (get16(b, n + 4) + c.delta) & 0xffff);
  }
  const sumOff = d.transport === 'tcp' ? 16 : d.transport === 'udp' ? 6 : d.transport === 'icmp' ? 2 : undefined;
  if (sumOff !== undefined) {
    const segment = b.subarray(t);
    let pseudo = 0;
    if (d.transport !== 'icmp' || !v4) {
      const len = segment.length;
      const ph = v4 ? Uint8Array.from([...src, ...dst, 0, protocol, len >> 8, len & 0xff])
        : Uint8Array.from([...src, ...dst, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff, 0, 0, 0, protocol]);
      pseudo = onesComplementSum(ph);
    }
    let sum = internetChecksum(segment, pseudo);
    if (d.transport === 'udp' && sum === 0) sum = 0xffff; // 0 means "no checksum" for UDP
    if (c.transportChecksum) sum = wrongChecksum(sum, c.delta);
    be16(b, t + sumOff, sum);
  }
  if (v4) {
    let sum = internetChecksum(b.subarray(n, n + nh));
    if (c.networkChecksum) sum = wrongChecksum(sum, c.delta);
    be16(b, n + 10, sum);
  }
  return finish(b, {
    vlans: d.vlanIds, etherType, network: d.network, transport: d.transport, protocol, networkOffset, networkHeaderLength: nh,
    transportOffset: t, ...(d.transport === 'other' ? {} : { transportHeaderLength: th }),
    ...(d.transport === 'tcp' || d.transport === 'udp' ? { sourcePort: d.sport, destinationPort: d.dport } : {}),
    source: new Uint8Array(src), destination: new Uint8Array(dst), lengthsValid: !c.length,
    ...(v4 ? { networkChecksumValid: !c.networkChecksum } : {}),
    ...(sumOff === undefined ? {} : { transportChecksumValid: !c.transportChecksum }),
  }, d, [n + nh + th]);
}

function finish(bytes: Uint8Array, p: Omit<GeneratedPacket, 'bytes' | 'truncated' | 'fullLength'>, d: Draw, headerEnd: number[]): GeneratedPacket {
  const end = headerEnd[0] ?? p.networkOffset;
  const cut = d.corruption.cut;
  // Cut inside the headers (at least one header byte missing), after the first 14 bytes: a
  // test run takes no shorter frame.
  if (cut === null || end <= MIN_FRAME) return { ...p, bytes, truncated: false, fullLength: bytes.length };
  const at = MIN_FRAME + Math.min(end - 1 - MIN_FRAME, Math.floor(cut * (end - MIN_FRAME)));
  return { ...p, bytes: bytes.slice(0, at), truncated: true, fullLength: bytes.length };
}

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });

/** Packets as options describe; every value says what it is (see GeneratedPacket). */
export function arbPacket(options: PacketOptions = {}): fc.Arbitrary<GeneratedPacket> {
  const v = options.vlans ?? { min: 0, max: 2 };
  const vlanRange = typeof v === 'number' ? { min: v, max: v } : v;
  const networks = options.network ?? ['ipv4', 'ipv6', 'other'];
  const transports = options.transport ?? ['tcp', 'udp', 'icmp', 'other'];
  const corrupt = options.corrupt ?? 'never';
  const none = { length: false, networkChecksum: false, transportChecksum: false, cut: null, delta: 1 };
  const someCorruption = fc.record({
    length: fc.boolean(), networkChecksum: fc.boolean(), transportChecksum: fc.boolean(),
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { freq: 4 }), delta: fc.integer({ min: 1, max: 0xfffe }),
  });
  const corruption: fc.Arbitrary<Draw['corruption']> = corrupt === 'never' ? fc.constant(none)
    : corrupt === 'sometimes' ? fc.oneof(fc.constant(none), someCorruption)
      : someCorruption;
  const draw = fc.record({
    dst: mac, src: mac,
    vlanIds: fc.array(fc.integer({ min: 1, max: 4094 }), { minLength: vlanRange.min, maxLength: vlanRange.max }),
    otherEtherType: fc.constantFrom(0x0806, 0x88cc, 0x8847, 0x88b5),
    network: fc.constantFrom(...networks), transport: fc.constantFrom(...transports),
    ipSrc: fc.uint8Array({ minLength: 16, maxLength: 16 }), ipDst: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    ttl: fc.integer({ min: 1, max: 255 }), tos: fc.integer({ min: 0, max: 255 }), id: fc.integer({ min: 0, max: 0xffff }),
    ipOptionWords: options.ipv4Options === false ? fc.constant(0) : fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }) }),
    sport: fc.integer({ min: 0, max: 0xffff }), dport: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(53, 80, 443, 9999)),
    seq: fc.integer({ min: 0, max: 0xffffffff }), tcpFlags: fc.integer({ min: 0, max: 255 }),
    tcpOptionWords: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }) }),
    icmpType: fc.integer({ min: 0, max: 255 }), icmpCode: fc.integer({ min: 0, max: 255 }),
    payload: fc.uint8Array({ maxLength: options.maxPayload ?? 64 }),
    corruption,
  });
  return draw
    .map((d) => build({ ...d, corruption: d.network === 'other' ? { ...d.corruption, length: false, networkChecksum: false, transportChecksum: false } : d.network === 'ipv6' ? { ...d.corruption, networkChecksum: false, ...(d.transport === 'other' ? { transportChecksum: false } : {}) } : d.transport === 'other' ? { ...d.corruption, transportChecksum: false } : d.corruption }))
    // 'always': at least one thing wrong.
    .filter((p) => corrupt !== 'always' || p.truncated || !p.lengthsValid || p.networkChecksumValid === false || p.transportChecksumValid === false);
}
