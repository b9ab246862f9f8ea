// Property test of examples/lang/xdp-firewall.ts (a tsbpf/lang program): it drops exactly the
// untagged IPv4 UDP datagrams to port 9999 (its udp() reads an option-less IPv4 header, so the
// frames here have none), passes everything else, and counts the drops per source address.
//   npx vitest run examples/testing/xdp-firewall.test.ts

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { arbPacket, bpfMatchers, type GeneratedPacket, kernelStatus, MapHarness, type ObjectTestProgram, programFromFile } from 'tsbpf/testing';

expect.extend(bpfMatchers);

const XDP_DROP = 1, XDP_PASS = 2;
let prog: ObjectTestProgram;
beforeAll(async () => { prog = await programFromFile('examples/lang/xdp-firewall.ts', 'firewall'); });

const frames = fc.array(fc.oneof(
  arbPacket({ ipv4Options: false, corrupt: 'sometimes' }),
  // Many UDP datagrams to 9999 from few sources, so that counts go above 1.
  arbPacket({ ipv4Options: false, vlans: 0, network: ['ipv4'], transport: ['udp'] })
    .map((p) => { const b = new Uint8Array(p.bytes); b[36] = 0x27; b[37] = 0x0f; b[26] = 10; b[27] = 0; b[28] = 0; b[29] = p.bytes[29]! & 3; return describe9999(p, b); }),
), { maxLength: 12 });

/** The same description with the destination port and source address the bytes now say. */
function describe9999(p: GeneratedPacket, bytes: Uint8Array): GeneratedPacket {
  return { ...p, bytes, destinationPort: 9999, source: bytes.slice(26, 30), transportChecksumValid: false };
}

const dropped = (p: GeneratedPacket): boolean =>
  p.vlans.length === 0 && p.network === 'ipv4' && p.transport === 'udp' && p.bytes.length >= 14 + 20 + 8 && p.destinationPort === 9999;

function dropsExactlyPort9999(kernel: boolean, numRuns: number): void {
  fc.assert(fc.property(frames, (packets) => {
    const h = new MapHarness(prog, { kernel });
    try {
      const drops = new Map<number, bigint>();
      for (const p of packets) {
        const want = dropped(p) ? XDP_DROP : XDP_PASS;
        const r = h.run({ data: p.bytes });
        expect(r.vm.retval).toBe(want);
        if (kernel) expect(r.kernel?.retval).toBe(want);
        if (want === XDP_DROP) {
          // The key is saddr as the frame carries it (network order), read as a little-endian u32.
          const key = new DataView(p.bytes.buffer, p.bytes.byteOffset).getUint32(26, true);
          drops.set(key, (drops.get(key) ?? 0n) + 1n);
        }
      }
      expect(h).toLeaveMap('drops', drops);
    } finally {
      h.close();
    }
  }), { numRuns });
}

describe('examples/lang/xdp-firewall.ts', () => {
  it('drops exactly the UDP datagrams to port 9999 and counts them per source (vm)', () => dropsExactlyPort9999(false, 200));

  it('drops exactly the UDP datagrams to port 9999 and counts them per source (kernel)', (ctx) => {
    const k = kernelStatus();
    if (!k.available) ctx.skip(`not available here: the kernel (${k.reason})`);
    dropsExactlyPort9999(true, 40);
  });

  it('is accepted by the verifier', () => {
    expect(prog).toBeAcceptedByVerifier({ kernel: kernelStatus().available });
  });
});
