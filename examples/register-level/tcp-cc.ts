// Example 6: a TCP congestion control as a struct_ops map. The kernel's tcp_congestion_ops is
// filled in with four struct_ops programs (Reno-like slow start and additive increase) and a name;
// once registered (`bpftool struct_ops register tcp-cc.o`, or tsbpf's loader) the name is listed in
// /proc/sys/net/ipv4/tcp_available_congestion_control and a socket selects it with
// setsockopt(TCP_CONGESTION). `acks_seen` in .bss counts the segments cong_avoid saw acknowledged.
//   tsbpf build examples/register-level/tcp-cc.ts -o tcp-cc.o
// C twin: fixtures/src/struct_ops_tcp_cc.bpf.c. Types: examples/kernel/tcp-cc-types.ts, written by
//   tsbpf btf gen-ts /sys/kernel/btf/vmlinux --type tcp_congestion_ops --type tcp_sock --type sock
// tcp_sock's fields are read and written with CO-RE relocations (coreLoad/coreStore), as clang does
// through vmlinux.h, so libbpf and tsbpf's loader move the offsets to the running kernel's layout.
import { asm, defineObject, type DslObject, globalVar, program, R0, R2, R3, R4, R5, structOps, u32, W0, W3, W4, W5 } from '../../src/index.js';
import { tcp_congestion_ops, tcp_sock } from '../kernel/tcp-cc-types.js';

/**
 * The object with the congestion control called `name` (at most 15 bytes); `link` puts the map
 * in `.struct_ops.link`, registered through a bpf_link.
 */
export function tcpCongestionControl(name: string, options: { link?: boolean } = {}): DslObject {
  const acksSeen = globalVar(u32);

  // BPF_PROG(init, struct sock *sk): a new connection starts counting from zero.
  const init = program('struct_ops/tsbpf_cc_init', (b) => {
    b.set(R2, acksSeen);
    b.store(4, R2, 0, 0);
    b.return(0);
  });

  // BPF_PROG(ssthresh, struct sock *sk): half the window, at least 2.
  const ssthresh = program('struct_ops/tsbpf_cc_ssthresh', (b) => {
    b.load(8, R2, b.ctx, 0); // sk = ctx[0]
    b.coreLoad(R0, R2, tcp_sock, 'snd_cwnd');
    b.emit(asm.rsh(R0, 1));
    b.if(R0, '<', 3, () => b.return(2));
    b.return(R0);
  });

  // BPF_PROG(cong_avoid, struct sock *sk, u32 ack, u32 acked)
  const congAvoid = program('struct_ops/tsbpf_cc_cong_avoid', (b) => {
    b.load(8, R2, b.ctx, 0); // sk
    b.load(4, R3, b.ctx, 16); // acked = ctx[2]
    b.set(R4, acksSeen);
    b.load(4, R5, R4, 0);
    b.emit(asm.add(W5, W3));
    b.store(4, R4, 0, R5); // acks_seen += acked
    b.coreLoad(R4, R2, tcp_sock, 'snd_cwnd');
    b.coreLoad(R5, R2, tcp_sock, 'snd_ssthresh');
    b.if(R4, '<', R5, () => {
      b.emit(asm.add(W4, W3));
      b.coreStore(R2, R4, tcp_sock, 'snd_cwnd'); // slow start: cwnd += acked
    }, () => {
      b.coreLoad(R5, R2, tcp_sock, 'snd_cwnd_cnt');
      b.emit(asm.mov(R0, R5), asm.add(W0, 1));
      b.coreStore(R2, R0, tcp_sock, 'snd_cwnd_cnt'); // snd_cwnd_cnt++
      b.if(R5, '>=', R4, () => {
        b.coreStore(R2, 0, tcp_sock, 'snd_cwnd_cnt');
        b.emit(asm.add(W4, 1));
        b.coreStore(R2, R4, tcp_sock, 'snd_cwnd'); // one more segment per window
      });
    });
    b.return(0);
  });

  // BPF_PROG(undo_cwnd, struct sock *sk): keep the current window.
  const undoCwnd = program('struct_ops/tsbpf_cc_undo_cwnd', (b) => {
    b.load(8, R2, b.ctx, 0);
    b.coreLoad(R0, R2, tcp_sock, 'snd_cwnd');
    b.return(R0);
  });

  const tsbpf_cc = structOps(tcp_congestion_ops, {
    init, ssthresh, cong_avoid: congAvoid, undo_cwnd: undoCwnd, name,
  }, { link: options.link ?? false });

  return defineObject({
    license: 'GPL',
    globals: { acks_seen: acksSeen },
    maps: { tsbpf_cc },
    programs: { tsbpf_cc_init: init, tsbpf_cc_ssthresh: ssthresh, tsbpf_cc_cong_avoid: congAvoid, tsbpf_cc_undo_cwnd: undoCwnd },
  });
}

export default tcpCongestionControl('tsbpf_cc');
