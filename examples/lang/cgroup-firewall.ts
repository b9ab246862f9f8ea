// A cgroup egress firewall: processes in the cgroup cannot send UDP to port 9999, and each
// datagram refused is counted per destination address. The packet starts at the IP header.
//   tsbpf build examples/lang/cgroup-firewall.ts -o cgroup-firewall.o
//   tsbpf load cgroup-firewall.o --attach --cgroup /sys/fs/cgroup/unified/CGROUP
import { cgroupSkb, hashMap, htons, type u32, type u64 } from 'tsbpf/lang';

export const blocked = hashMap<u32, u64>({ maxEntries: 1024 });

export const egress = cgroupSkb('egress', (pkt) => {
  const ip = pkt.ipv4(); // null unless the packet is IPv4 and holds its header
  if (!ip) return 1;
  const udp = ip.udp();
  if (!udp || udp.dest !== htons(9999)) return 1;
  blocked.increment(ip.daddr);
  return 0; // dropped: the sender's sendto() fails with EPERM
});
