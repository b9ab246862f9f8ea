// The record of tracepoint sock/inet_sock_set_state, from /sys/kernel/tracing/events/sock/inet_sock_set_state/format
// (tsbpf gen tracepoint sock/inet_sock_set_state). A program takes it as its parameter:
//   tracepoint('sock/inet_sock_set_state', (ctx: InetSockSetState) => { … })
import type { Arr, s32, u16, u64, u8 } from 'tsbpf/lang';

export interface InetSockSetState {
  common_type: u16;
  common_flags: u8;
  common_preempt_count: u8;
  common_pid: s32;
  skaddr: u64; // const void *: an address (read it with probeRead*)
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
