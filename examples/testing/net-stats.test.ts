// Property test of examples/register-level/net-stats.ts (XDP traffic statistics): after any sequence of
// frames, the stats map holds, per IPv4 protocol, exactly the number of untagged IPv4 frames of
// that protocol (at least Ethernet + IPv4 long) and the sum of their lengths; nothing else is
// counted. In the vm always; in the kernel too when this process may use bpf(2).
//   npx vitest run examples/testing/net-stats.test.ts

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbPacket, bpfMatchers, type GeneratedPacket, kernelStatus, MapHarness, programOf } from 'tsbpf/testing';
import netStats from '../register-level/net-stats.js';

expect.extend(bpfMatchers);

const XDP_PASS = 2;
const prog = programOf(netStats, 'count_packets');
// Valid and corrupt frames, cut ones, VLAN-tagged ones, IPv6 and others: all must pass.
const frames = fc.array(arbPacket({ corrupt: 'sometimes' }), { maxLength: 12 });

/** What the program promises, from each frame's description: { packets, bytes } per protocol. */
function expectedStats(packets: readonly GeneratedPacket[]): Map<number, { packets: bigint; bytes: bigint }> {
  const stats = new Map<number, { packets: bigint; bytes: bigint }>();
  for (const p of packets) {
    if (p.vlans.length > 0 || p.network !== 'ipv4' || p.bytes.length < 14 + 20) continue;
    const s = stats.get(p.protocol!) ?? { packets: 0n, bytes: 0n };
    stats.set(p.protocol!, { packets: s.packets + 1n, bytes: s.bytes + BigInt(p.bytes.length) });
  }
  return stats;
}

function countsEveryFrameOnce(kernel: boolean, numRuns: number): void {
  fc.assert(fc.property(frames, (packets) => {
    const h = new MapHarness(prog, { kernel });
    try {
      for (const p of packets) {
        const r = h.run({ data: p.bytes });
        expect(r.vm.retval).toBe(XDP_PASS);
        if (kernel) expect(r.kernel?.retval).toBe(XDP_PASS);
      }
      expect(h).toLeaveMap('stats', expectedStats(packets));
    } finally {
      h.close();
    }
  }), { numRuns });
}

describe('examples/register-level/net-stats.ts', () => {
  it('counts every generated frame exactly once under its protocol (vm)', () => countsEveryFrameOnce(false, 200));

  it('counts every generated frame exactly once under its protocol (kernel)', (ctx) => {
    const k = kernelStatus();
    if (!k.available) ctx.skip(`not available here: the kernel (${k.reason})`);
    countsEveryFrameOnce(true, 40);
  });

  it('passes a frame too short for IPv4 and counts nothing', () => {
    expect(prog).toReturn(XDP_PASS, { data: new Uint8Array(20) });
    expect(prog).toLeaveMap('stats', [], { inputs: [{ data: new Uint8Array(20) }] });
  });
});
