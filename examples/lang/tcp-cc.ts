// A TCP congestion control as a struct_ops map: the kernel's tcp_congestion_ops with four of its
// function members written here (Reno-like slow start and additive increase) and its name. Once
// registered (tsbpf load --attach, or bpftool struct_ops register) the name is listed in
// /proc/sys/net/ipv4/tcp_available_congestion_control and a socket selects it with
// setsockopt(TCP_CONGESTION). acks_seen counts the segments cong_avoid saw acknowledged.
//   tsbpf btf gen-ts vmlinux.btf --type tcp_congestion_ops --type tcp_sock --lang -o tcp-cc-kernel.ts
//   tsbpf build examples/lang/tcp-cc.ts -o tcp-cc.o
import { kernelCast, structOps, type u32 } from 'tsbpf/lang';
import type { tcp_congestion_ops, tcp_sock } from './tcp-cc-kernel.js';

export let acks_seen: u32 = 0;

export const tsbpf_cc = structOps<tcp_congestion_ops>({
  init: () => {
    acks_seen = 0;
  },
  ssthresh: (sk) => {
    const half = kernelCast<tcp_sock>(sk).snd_cwnd >> 1;
    return half > 2 ? half : 2;
  },
  cong_avoid: (sk, ack, acked) => {
    const tp = kernelCast<tcp_sock>(sk);
    acks_seen += acked;
    if (tp.snd_cwnd < tp.snd_ssthresh) tp.snd_cwnd += acked;
    else if (tp.snd_cwnd_cnt++ >= tp.snd_cwnd) {
      tp.snd_cwnd_cnt = 0;
      tp.snd_cwnd++;
    }
  },
  undo_cwnd: (sk) => kernelCast<tcp_sock>(sk).snd_cwnd,
  name: 'tsbpf_cc',
});
