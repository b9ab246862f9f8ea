// Frames for the language's packet programs under BPF_PROG_TEST_RUN: Ethernet + an option-less
// IPv4 header + a UDP (17) or TCP (6) header, and 4 bytes of payload.

export interface FrameSpec {
  readonly proto: 6 | 17;
  readonly saddr?: number;
  readonly daddr?: number;
  readonly dport: number;
  readonly ethType?: number;
}

export function ipv4Frame(f: FrameSpec): Uint8Array {
  const l4 = f.proto === 17 ? 8 : 20;
  const b = Buffer.alloc(14 + 20 + l4 + 4);
  b.writeUInt16BE(f.ethType ?? 0x0800, 12);
  b.writeUInt8(0x45, 14); b.writeUInt16BE(20 + l4 + 4, 16); b.writeUInt8(64, 22); b.writeUInt8(f.proto, 23);
  b.writeUInt32BE(f.saddr ?? 0x0a000001, 26); b.writeUInt32BE(f.daddr ?? 0x0a000002, 30);
  b.writeUInt16BE(40000, 34); b.writeUInt16BE(f.dport, 36);
  return b;
}
