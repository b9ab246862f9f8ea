// Example 4: TCP state tracer. On every TCP socket state change (tracepoint
// sock/inet_sock_set_state) an event goes to user space through a ring buffer: old and new state,
// ports, address family and IPv4 addresses.
//   tsbpf build examples/tcp-states.ts -o tcp-states.o
// C twin: fixtures/src/example_tcpstates.bpf.c.
import { array, defineObject, program, R0, R1, ringBufMap, s32, struct, u16, u32, u64, u8 } from '../src/index.js';

const IPPROTO_TCP = 6;

/** The tracepoint's record (/sys/kernel/tracing/events/sock/inet_sock_set_state/format). */
export const setStateArgs = struct('inet_sock_set_state_args', {
  common: u64, skaddr: u64, oldstate: s32, newstate: s32, sport: u16, dport: u16, family: u16, protocol: u16,
  saddr: array(u8, 4), daddr: array(u8, 4), saddr_v6: array(u8, 16), daddr_v6: array(u8, 16),
});

/** What user space reads from the ring buffer. */
export const tcpEvent = struct('tcp_event', {
  oldstate: s32, newstate: s32, sport: u16, dport: u16, family: u16, saddr: u32, daddr: u32,
});

export const events = ringBufMap({ maxEntries: 1 << 16 });

export default defineObject({
  license: 'GPL',
  maps: { events },
  programs: {
    tcp_state: program('tracepoint/sock/inet_sock_set_state', (b) => {
      const ctx = b.ctx;
      b.loadField(R1, ctx, setStateArgs, 'protocol');
      b.if(R1, '!=', IPPROTO_TCP, () => b.return(0));
      b.helpers.bpf_ringbuf_reserve(events, tcpEvent.size, 0);
      b.if(R0, '==', 0, () => b.return(0));
      const e = b.let(R0);
      for (const f of ['oldstate', 'newstate', 'sport', 'dport', 'family'] as const) {
        b.loadField(R1, ctx, setStateArgs, f);
        b.storeField(e, tcpEvent, f, R1);
      }
      // The IPv4 addresses are 4-byte arrays: copied as one 32-bit word each.
      b.load(4, R1, ctx, b.offsetOf(setStateArgs, 'saddr')).storeField(e, tcpEvent, 'saddr', R1);
      b.load(4, R1, ctx, b.offsetOf(setStateArgs, 'daddr')).storeField(e, tcpEvent, 'daddr', R1);
      b.helpers.bpf_ringbuf_submit(e, 0);
      b.return(0);
    }),
  },
});
