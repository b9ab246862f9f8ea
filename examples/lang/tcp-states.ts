// Every TCP socket state change (tracepoint sock/inet_sock_set_state) to user space over a ring
// buffer: the process (tgid) and CPU it happened on, old and new state, ports (host order: the
// tracepoint stores ntohs() of the socket's), address family, and the IPv4 and IPv6 addresses
// (network order; an IPv4 socket's IPv6 fields are its addresses IPv4-mapped).
//   tsbpf gen tracepoint sock/inet_sock_set_state -o inet-sock-set-state.ts
//   tsbpf build examples/lang/tcp-states.ts -o tcp-states.o
import { type Arr, getCurrentPidTgid, getSmpProcessorId, ringBuf, type s32, tracepoint, type u16, type u32, type u8 } from 'tsbpf/lang';
import type { InetSockSetState } from './inet-sock-set-state.js';

const IPPROTO_TCP = 6;

interface TcpEvent {
  pid: u32;
  cpu: u32;
  oldstate: s32;
  newstate: s32;
  sport: u16;
  dport: u16;
  family: u16;
  protocol: u16;
  saddr: Arr<u8, 4>;
  daddr: Arr<u8, 4>;
  saddr_v6: Arr<u8, 16>;
  daddr_v6: Arr<u8, 16>;
}

export const events = ringBuf({ maxEntries: 1 << 16 });

export const tcp_state = tracepoint('sock/inet_sock_set_state', (ctx: InetSockSetState) => {
  if (ctx.protocol !== IPPROTO_TCP) return 0;
  const e = events.reserve<TcpEvent>();
  if (!e) return 0;
  e.pid = (getCurrentPidTgid() >> 32) as u32;
  e.cpu = getSmpProcessorId();
  e.oldstate = ctx.oldstate;
  e.newstate = ctx.newstate;
  e.sport = ctx.sport;
  e.dport = ctx.dport;
  e.family = ctx.family;
  e.protocol = ctx.protocol;
  e.saddr = ctx.saddr;
  e.daddr = ctx.daddr;
  e.saddr_v6 = ctx.saddr_v6;
  e.daddr_v6 = ctx.daddr_v6;
  events.submit(e);
  return 0;
});
