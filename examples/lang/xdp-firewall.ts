// Drops UDP datagrams to port 9999 and counts the drops per IPv4 source address (issue 13's sketch).
//   tsbpf build examples/lang/xdp-firewall.ts -o firewall.o
import { hashMap, htons, type u32, type u64, xdp, XDP_DROP, XDP_PASS } from 'tsbpf/lang';

export const drops = hashMap<u32, u64>({ maxEntries: 1024 });

export const firewall = xdp((pkt) => {
  const ip = pkt.ipv4(); // null unless the frame is IPv4 and long enough
  if (!ip) return XDP_PASS;
  const udp = ip.udp();
  if (!udp) return XDP_PASS;
  if (udp.dest !== htons(9999)) return XDP_PASS;
  const n = drops.lookup(ip.saddr); // tsc refuses a use before the null check
  if (n) n.atomicAdd(1);
  else drops.update(ip.saddr, 1, 'noexist');
  return XDP_DROP;
});
