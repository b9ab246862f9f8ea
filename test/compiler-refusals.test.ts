// The references for the build errors of sockets, spin locks, loop bodies and timers: each mistake
// the compiler refuses at its TypeScript line (test/compiler-sockets, -spin-lock, -loop, -timer),
// written in C and compiled by clang-19, is refused by the running kernel's verifier — so the
// compiler's refusals are the kernel's, found earlier and at the right line.

import { afterAll, describe, expect, it } from 'vitest';
import { loadObject } from '../loader/index.js';
import { twinsDir } from './support/lang-twins.js';
import { requireReferences, requireRoot } from './support/references.js';

const twins = twinsDir('tsbpf-refusals-');
afterAll(() => twins.remove());

const HEAD = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct V { struct bpf_spin_lock lock; __u64 n; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct V); } m SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } other SEC(".maps");
struct T { struct bpf_timer timer; __u64 n; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct T); } slots SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct T); } others SEC(".maps");
__u64 sum;
char LICENSE[] SEC("license") = "GPL";
`;

/** [the compiler's error, the C program, the kernel's message, its errno when not EINVAL]. */
const CASES: [string, string, RegExp, string?][] = [
  ['the socket looked up … is still held on a path that returns here', `SEC("tc") int prog(struct __sk_buff *skb) {
  struct bpf_sock_tuple t = {};
  struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
  if (!sk) return 1;
  if (sk->state == 10) return 2;
  bpf_sk_release(sk);
  return 0;
}`, /reference leak|Unreleased reference/],
  ['this pointer points into the socket looked up …, which skRelease … gave back (bpf_tcp_sock)', `SEC("tc") int prog(struct __sk_buff *skb) {
  struct bpf_sock_tuple t = {};
  struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
  if (!sk) return 1;
  struct bpf_tcp_sock *tp = bpf_tcp_sock(sk);
  bpf_sk_release(sk);
  return tp ? tp->snd_cwnd : 0;
}`, /R\d invalid mem access 'scalar'/, 'EACCES'],
  ['this pointer points into the socket looked up …, which skRelease … gave back (bpf_skc_to_tcp_sock)', `struct tcp_sock { __u64 bytes_received; } __attribute__((preserve_access_index));
SEC("tc") int prog(struct __sk_buff *skb) {
  struct bpf_sock_tuple t = {};
  struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
  if (!sk) return 1;
  struct tcp_sock *k = bpf_skc_to_tcp_sock(sk);
  bpf_sk_release(sk);
  return k ? k->bytes_received : 0;
}`, /R\d invalid mem access 'scalar'/, 'EACCES'],
  ['the socket looked up … is still held (a null skFullsock leaves it held)', `SEC("tc") int prog(struct __sk_buff *skb) {
  struct bpf_sock_tuple t = {};
  struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
  if (!sk) return 1;
  struct bpf_sock *f = bpf_sk_fullsock(sk);
  if (!f) return 2;
  bpf_sk_release(f);
  return 0;
}`, /reference leak|Unreleased reference/],
  ["skRelease takes a socket a lookup returned: the packet's socket (pkt.sk)", `SEC("tc") int prog(struct __sk_buff *skb) {
  struct bpf_sock *sk = skb->sk;
  if (sk) bpf_sk_release(sk);
  return 0;
}`, /must be referenced when passed to release function/],
  ['a call while holding the spin lock', `SEC("tc") int prog(struct __sk_buff *skb) {
  __u32 k = 0; struct V *v = bpf_map_lookup_elem(&m, &k);
  if (!v) return 0;
  bpf_spin_lock(&v->lock);
  bpf_map_update_elem(&other, &k, &v->n, 0);
  bpf_spin_unlock(&v->lock);
  return 0;
}`, /function calls are not allowed while holding a lock/],
  ['the spin lock … is still held on a path that returns here', `SEC("tc") int prog(struct __sk_buff *skb) {
  __u32 k = 0; struct V *v = bpf_map_lookup_elem(&m, &k);
  if (!v) return 0;
  bpf_spin_lock(&v->lock);
  if (v->n > 5) return 1;
  bpf_spin_unlock(&v->lock);
  return 0;
}`, /cannot be used inside bpf_spin_lock-ed region/],
  ["m's values hold a SpinLock: socket filter programs cannot use such a map", `SEC("socket") int prog(struct __sk_buff *skb) {
  __u32 k = 0; struct V *v = bpf_map_lookup_elem(&m, &k);
  return v ? 1 : 0;
}`, /socket filter progs cannot use bpf_spin_lock yet/],
  ['a loop body returns 0 (go on) or 1 (stop) as a literal', `static long step(__u32 i, void *ctx) { sum += i; return sum; }
SEC("socket") int prog(struct __sk_buff *skb) { return bpf_loop(skb->len, step, 0, 0); }`, /At callback return the register R0 has unknown scalar value should have been in \[0, 1\]/],
  ['the timer is in a value of slots, not of others', `SEC("socket") int prog(struct __sk_buff *skb) {
  __u32 k = 0; struct T *t = bpf_map_lookup_elem(&slots, &k);
  if (t) bpf_timer_init(&t->timer, &others, 1);
  return 0;
}`, /timer pointer in R1 map_uid=\d+ doesn't match map pointer in R2 map_uid=\d+/],
  ['a timer callback returns the literal 0', `static int fire(void *map, int *key, void *value) { return 1; }
SEC("socket") int prog(struct __sk_buff *skb) {
  __u32 k = 0; struct T *t = bpf_map_lookup_elem(&slots, &k);
  if (t) bpf_timer_set_callback(&t->timer, fire);
  return 0;
}`, /At (async )?callback return the register R0 has smin=1 smax=1 should have been in \[0, 0\]/],
];

describe.skipIf(!requireRoot() || !requireReferences('clang-19'))('what the compiler refuses, the kernel refuses (clang-19 objects of the same mistakes)', () => {
  CASES.forEach(([compilerError, body, kernel, errno = 'EINVAL'], i) => {
    it(compilerError, () => {
      const o = twins.c(`refusal${i}`, `${HEAD}${body}\n`);
      let message = '';
      try { loadObject(o, { name: `refusal${i}` }).close(); } catch (e) { message = (e as Error).message; }
      expect(message).toMatch(`rejected: ${errno} `);
      expect(message).toMatch(kernel);
    });
  });
});
