// A dispatcher: an XDP program tail-calls a handler per IPv4 protocol through a prog array the
// object fills at load (slot 6: TCP, 17: UDP); other packets pass. Each handler counts its
// packets; the UDP handler drops datagrams to port 9999.
//   tsbpf build examples/lang/tail-calls.ts -o tail-calls.o
import { arrayMap, htons, progArray, tailCall, type u64, xdp, XDP_DROP, XDP_PASS } from 'tsbpf/lang';

export const counts = arrayMap<u64>({ maxEntries: 256 });

export const on_tcp = xdp((pkt) => {
  counts.increment(6);
  return XDP_PASS;
});

export const on_udp = xdp((pkt) => {
  counts.increment(17);
  const ip = pkt.ipv4();
  if (!ip) return XDP_PASS;
  const udp = ip.udp();
  if (!udp || udp.dest !== htons(9999)) return XDP_PASS;
  return XDP_DROP;
});

export const handlers = progArray({ maxEntries: 256, values: { 6: on_tcp, 17: on_udp } });

export const dispatch = xdp((pkt) => {
  const ip = pkt.ipv4();
  if (!ip) return XDP_PASS;
  tailCall(pkt, handlers, ip.protocol); // does not return when the slot holds a program
  return XDP_PASS;
});
