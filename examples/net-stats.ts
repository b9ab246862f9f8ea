// Example 3: network traffic statistics. An XDP program counts packets and bytes per IPv4
// protocol (1 ICMP, 6 TCP, 17 UDP …) in an array map indexed by the protocol number.
//   tsbpf build examples/net-stats.ts -o net-stats.o
// C twin: fixtures/src/example_netstat.bpf.c.
import { arrayMap, asm, defineObject, htons, program, R1, struct, u32, u64 } from '../src/index.js';

const XDP_PASS = 2;
const ETH_P_IP = 0x0800;
const ETH_HLEN = 14;
const IPV4_HLEN = 20;

export const protoStat = struct('proto_stat', { packets: u64, bytes: u64 });
export const stats = arrayMap({ key: u32, value: protoStat, maxEntries: 256 });

export default defineObject({
  license: 'GPL',
  maps: { stats },
  programs: {
    count_packets: program('xdp', (b) => {
      const data = b.reg();
      const end = b.reg();
      b.load(4, data, b.param(0), 0); // ctx->data
      b.load(4, end, b.param(0), 4); // ctx->data_end
      // Ethernet + IPv4 headers must be inside the packet.
      b.set(R1, data).emit(asm.add(R1, ETH_HLEN + IPV4_HLEN));
      b.if(R1, '>', end, () => b.return(XDP_PASS));
      b.load(2, R1, data, 12); // eth->h_proto, network order
      b.if(R1, '!=', htons(ETH_P_IP), () => b.return(XDP_PASS));
      b.load(1, R1, data, ETH_HLEN + 9); // iph->protocol
      const key = b.local('proto', 4, R1);
      b.emit(asm.sub(end, data)); // packet length
      b.lookup(stats, key, (stat) => {
        b.atomicAdd(8, stat, 0, 1);
        b.atomicAdd(8, stat, 8, end);
      });
      b.return(XDP_PASS);
    }),
  },
});
