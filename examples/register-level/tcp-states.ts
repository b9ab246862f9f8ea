// Example 4: TCP state tracer. On every TCP socket state change (tracepoint
// sock/inet_sock_set_state) an event goes to user space through a ring buffer: the PID (tgid) and
// CPU it happened on, old and new state, ports (host order: the tracepoint stores ntohs() of the
// socket's ports), address family, and the IPv4 and IPv6 addresses (network order, as the socket
// holds them; an IPv4 socket's IPv6 fields are its addresses IPv4-mapped). Decode a record with
// decodeValue(tcpEvent, bytes) and print the addresses with inetNtop (tsbpf/loader).
//   tsbpf build examples/register-level/tcp-states.ts -o tcp-states.o
// C twin: fixtures/src/example_tcpstates.bpf.c.
import { array, asm, defineObject, program, R0, R1, ringBufMap, s32, struct, u16, u32, u64, u8 } from '../../src/index.js';

const IPPROTO_TCP = 6;

/** The tracepoint's record (/sys/kernel/tracing/events/sock/inet_sock_set_state/format). */
export const setStateArgs = struct('inet_sock_set_state_args', {
  common: u64, skaddr: u64, oldstate: s32, newstate: s32, sport: u16, dport: u16, family: u16, protocol: u16,
  saddr: array(u8, 4), daddr: array(u8, 4), saddr_v6: array(u8, 16), daddr_v6: array(u8, 16),
});

/** What user space reads from the ring buffer: who and where, then the record's fields from oldstate on. */
export const tcpEvent = struct('tcp_event', {
  pid: u32, cpu: u32, oldstate: s32, newstate: s32, sport: u16, dport: u16, family: u16, protocol: u16,
  saddr: array(u8, 4), daddr: array(u8, 4), saddr_v6: array(u8, 16), daddr_v6: array(u8, 16),
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
      b.helpers.bpf_get_current_pid_tgid();
      b.emit(asm.rsh(R0, 32)).storeField(e, tcpEvent, 'pid', R0);
      b.helpers.bpf_get_smp_processor_id();
      b.storeField(e, tcpEvent, 'cpu', R0);
      // Scalars and the 4-byte IPv4 addresses field by field; the 16-byte IPv6 ones as two 8-byte
      // words (the record and a ring buffer sample are both 8-byte aligned).
      for (const f of ['oldstate', 'newstate', 'sport', 'dport', 'family', 'protocol', 'saddr', 'daddr'] as const) {
        b.loadField(R1, ctx, setStateArgs, f).storeField(e, tcpEvent, f, R1);
      }
      for (const f of ['saddr_v6', 'daddr_v6'] as const) {
        for (const half of [0, 8]) b.load(8, R1, ctx, b.offsetOf(setStateArgs, f) + half).store(8, e, b.offsetOf(tcpEvent, f) + half, R1);
      }
      b.helpers.bpf_ringbuf_submit(e, 0);
      b.return(0);
    }),
  },
});
