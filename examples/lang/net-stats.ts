// Network traffic statistics: an XDP program counts packets and bytes per IPv4 protocol (1 ICMP,
// 6 TCP, 17 UDP …) in an array map indexed by the protocol number; every frame passes.
//   tsbpf build examples/lang/net-stats.ts -o net-stats.o
import { arrayMap, atomicAdd, type u64, xdp, XDP_PASS } from 'tsbpf/lang';

interface ProtoStat {
  packets: u64;
  bytes: u64;
}

export const stats = arrayMap<ProtoStat>({ maxEntries: 256 });

export const count_packets = xdp((pkt) => {
  const ip = pkt.ipv4(); // null unless the frame is IPv4 and holds the whole header
  if (!ip) return XDP_PASS;
  const s = stats.lookup(ip.protocol);
  if (s) {
    atomicAdd(s.packets, 1);
    atomicAdd(s.bytes, pkt.length);
  }
  return XDP_PASS;
});
