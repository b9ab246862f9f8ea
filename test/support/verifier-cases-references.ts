// Hand-written programs for reference tracking and socket pointers (part of
// the model's differential test, test/support/verifier-cases.ts): socket
// lookups that acquire a reference, bpf_sk_release, leaks at exit and around
// LD_ABS, pointer casts that carry the reference, loads through socket
// pointers. The live kernel labels them when the test runs.

import type { MapInfo } from '../../verifier/index.js';
import type { ModelCase } from './verifier-cases.js';

const SOCKMAP: MapInfo = { type: 15, keySize: 4, valueSize: 8, maxEntries: 4 };
const SOCKHASH: MapInfo = { type: 18, keySize: 4, valueSize: 8, maxEntries: 4 };

/** bpf_map_lookup_elem(map_fd(0), &(u32)0). */
const mapLookup = ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1'];
/** bpf_map_update_elem(map_fd(0), &(u32)0, value in r7, 0). */
const mapUpdate = ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'r3 = r7', 'r4 = 0', 'r1 = map_fd(0)', 'call 2'];
/** bpf_map_delete_elem(map_fd(0), &(u32)0). */
const mapDelete = ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 3'];

/** sk = bpf_sk_lookup_tcp(ctx, &tuple, sizeof(struct bpf_sock_tuple), 0, 0) with a zeroed tuple at fp-48 (`helper` 85: udp, 99: skc). */
const skLookup = (helper = 84): string[] => [
  'r6 = r1', 'r2 = 0', '*(u32 *)(r10 - 8) = r2', '*(u64 *)(r10 - 16) = r2', '*(u64 *)(r10 - 24) = r2', '*(u64 *)(r10 - 32) = r2',
  '*(u64 *)(r10 - 40) = r2', '*(u64 *)(r10 - 48) = r2', 'r2 = r10', 'r2 += -48', 'r3 = 36', 'r4 = 0', 'r5 = 0', `call ${helper}`,
];

/** Null-checks the socket in r0 (exit 0 when NULL) and keeps it in r7. */
const checked = ['if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r7 = r0'];
const release = (reg = 'r7'): string[] => [`r1 = ${reg}`, 'call 86'];
const done = ['r0 = 0', 'exit'];

/** A load of `size` bytes at `off` from the checked socket, then release. */
const sockLoad = (size: string, off: number, helper = 84): string[] => [...skLookup(helper), ...checked, `r0 = *(${size} *)(r7 + ${off})`, ...release(), ...done];

export const referenceCases: readonly ModelCase[] = [
  { name: 'sk_lookup_tcp, null check, release', type: 'sched_cls', asm: [...skLookup(), ...checked, ...release(), ...done] },
  { name: 'sk_lookup_udp, null check, release', type: 'sched_cls', asm: [...skLookup(85), ...checked, ...release(), ...done] },
  { name: 'skc_lookup_tcp, null check, release', type: 'sched_cls', asm: [...skLookup(99), ...checked, ...release(), ...done] },
  { name: 'sk_lookup_tcp leaked at exit', type: 'sched_cls', asm: [...skLookup(), ...done] },
  { name: 'two sockets, one leaked', type: 'sched_cls', asm: [...skLookup(), 'r8 = r0', 'r1 = r6', ...skLookup().slice(1), ...checked, ...release(), ...done] },
  { name: 'sk_release of a possibly NULL socket', type: 'sched_cls', asm: [...skLookup(), 'r1 = r0', 'call 86', ...done] },
  { name: 'sk_release twice', type: 'sched_cls', asm: [...skLookup(), ...checked, ...release(), ...release(), ...done] },
  { name: 'sk_release of ctx', type: 'sched_cls', asm: ['call 86', ...done] },
  { name: 'socket used after release', type: 'sched_cls', asm: [...skLookup(), ...checked, ...release(), 'r0 = *(u32 *)(r7 + 4)', ...done] },
  { name: 'socket spilled, released, filled', type: 'sched_cls', asm: [...skLookup(), ...checked, '*(u64 *)(r10 - 56) = r7', ...release(), 'r1 = *(u64 *)(r10 - 56)', 'r0 = *(u32 *)(r1 + 4)', ...done] },
  { name: 'socket released through a spilled copy', type: 'sched_cls', asm: [...skLookup(), ...checked, '*(u64 *)(r10 - 56) = r7', 'r1 = *(u64 *)(r10 - 56)', 'call 86', ...done] },
  { name: 'NULL branch holds no reference', type: 'sched_cls', asm: [...skLookup(), 'if r0 == 0 goto +3', 'r1 = r0', 'call 86', 'r0 = 1', 'exit'] },
  { name: 'LD_ABS while holding a socket', type: 'sched_cls', asm: [...skLookup(), ...checked, 'r0 = *(u8 *)skb[0]', ...release(), ...done] },
  { name: 'LD_ABS after release', type: 'sched_cls', asm: [...skLookup(), ...checked, ...release(), 'r0 = *(u8 *)skb[0]', ...done] },
  { name: 'socket pointer arithmetic', type: 'sched_cls', asm: [...skLookup(), ...checked, 'r7 += 4', ...release(), ...done] },
  { name: 'socket_or_null pointer arithmetic', type: 'sched_cls', asm: [...skLookup(), 'r0 += 4', ...done] },
  { name: 'sock load family', type: 'sched_cls', asm: sockLoad('u32', 4) },
  { name: 'sock narrow load protocol', type: 'sched_cls', asm: sockLoad('u8', 12) },
  { name: 'sock 8-byte load', type: 'sched_cls', asm: sockLoad('u64', 0) },
  { name: 'sock narrow load of mark', type: 'sched_cls', asm: sockLoad('u16', 16) },
  { name: 'sock narrow load inside src_ip6', type: 'sched_cls', asm: sockLoad('u16', 34) },
  { name: 'sock dst_port u16', type: 'sched_cls', asm: sockLoad('u16', 48) },
  { name: 'sock dst_port u32', type: 'sched_cls', asm: sockLoad('u32', 48) },
  { name: 'sock dst_port padding', type: 'sched_cls', asm: sockLoad('u16', 50) },
  { name: 'sock load rx_queue_mapping', type: 'sched_cls', asm: sockLoad('u32', 76) },
  { name: 'sock load past the struct', type: 'sched_cls', asm: sockLoad('u32', 80) },
  { name: 'sock misaligned load', type: 'sched_cls', asm: sockLoad('u32', 2) },
  { name: 'sock_common load of type', type: 'sched_cls', asm: sockLoad('u32', 8, 99) },
  { name: 'sock_common load of state', type: 'sched_cls', asm: sockLoad('u32', 72, 99) },
  { name: 'sock write', type: 'sched_cls', asm: [...skLookup(), ...checked, 'r1 = 0', '*(u32 *)(r7 + 16) = r1', ...release(), ...done] },
  { name: 'load through socket_or_null', type: 'sched_cls', asm: [...skLookup(), 'r1 = *(u32 *)(r0 + 4)', ...done] },
  {
    name: 'tcp_sock of a looked-up socket, release through it', type: 'sched_cls',
    asm: [...skLookup(), ...checked, 'r1 = r7', 'call 96', 'if r0 != 0 goto +3', ...release(), ...done, 'r0 = *(u64 *)(r0 + 88)', 'r1 = r7', 'call 86', ...done],
  },
  {
    name: 'tcp_sock loads after release', type: 'sched_cls',
    asm: [...skLookup(), ...checked, 'r1 = r7', 'call 96', 'if r0 != 0 goto +3', ...release(), ...done, 'r8 = r0', ...release(), 'r0 = *(u32 *)(r8 + 0)', ...done],
  },
  {
    name: 'tcp_sock field loads', type: 'sched_cls',
    asm: [...skLookup(), ...checked, 'r1 = r7', 'call 96', 'if r0 != 0 goto +3', ...release(), ...done, 'r1 = *(u32 *)(r0 + 108)', 'r1 = *(u64 *)(r0 + 80)', 'r1 = *(u32 *)(r0 + 112)', ...release(), ...done],
  },
  {
    name: 'sk_fullsock result released', type: 'sched_cls',
    asm: [...skLookup(), ...checked, 'r1 = r7', 'call 95', 'if r0 != 0 goto +3', ...release(), ...done, 'r1 = r0', 'call 86', ...done],
  },
  {
    name: 'skb->sk through sk_fullsock', type: 'sched_cls',
    asm: ['r1 = *(u64 *)(r1 + 168)', 'if r1 != 0 goto +2', 'r0 = 0', 'exit', 'call 95', 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r0 + 4)', ...done],
  },
  { name: 'skb->sk released', type: 'sched_cls', asm: ['r1 = *(u64 *)(r1 + 168)', 'if r1 != 0 goto +2', 'r0 = 0', 'exit', 'call 86', ...done] },
  {
    name: 'get_listener_sock result released', type: 'sched_cls',
    asm: [...skLookup(), ...checked, 'r1 = r7', 'call 98', 'if r0 != 0 goto +3', ...release(), ...done, 'r1 = r0', 'call 86', ...release(), ...done],
  },
  { name: 'sockmap lookup leaked', type: 'sched_cls', maps: [SOCKMAP], asm: [...mapLookup, ...done] },
  { name: 'sockhash lookup, read, release', type: 'sched_cls', maps: [SOCKHASH], asm: [...mapLookup, ...checked, 'r0 = *(u32 *)(r7 + 8)', ...release(), ...done] },
  { name: 'sockmap lookup deref before null check', type: 'sched_cls', maps: [SOCKMAP], asm: [...mapLookup, 'r1 = *(u32 *)(r0 + 4)', ...done] },
  { name: 'sockmap update with a looked-up socket', type: 'sched_cls', maps: [SOCKMAP], asm: [...skLookup(), ...checked, ...mapUpdate, ...release(), ...done] },
  { name: 'sockmap update with a stack value', type: 'sched_cls', maps: [SOCKMAP], asm: ['r7 = r10', 'r7 += -16', 'r1 = 0', '*(u64 *)(r10 - 16) = r1', ...mapUpdate, ...done] },
  { name: 'sockmap update in cgroup_skb', type: 'cgroup_skb', maps: [SOCKMAP], asm: [...skLookup(), ...checked, ...mapUpdate, ...release(), 'r0 = 1', 'exit'] },
  { name: 'sockmap delete in socket_filter', type: 'socket_filter', maps: [SOCKMAP], asm: [...mapDelete, ...done] },
  { name: 'sockmap delete in kprobe', type: 'kprobe', maps: [SOCKMAP], asm: [...mapDelete, ...done] },
  {
    name: 'skc_to_tcp_sock result released', type: 'sched_cls',
    asm: [...skLookup(), ...checked, 'r1 = r7', 'call 137', 'if r0 != 0 goto +3', ...release(), ...done, 'r1 = r0', 'call 86', ...done],
  },
  { name: 'skc_to_tcp_sock of skb->sk, load before null check', type: 'sched_cls', asm: ['r1 = *(u64 *)(r1 + 168)', 'if r1 != 0 goto +2', 'r0 = 0', 'exit', 'call 137', 'r0 = *(u8 *)(r0 + 0)', ...done] },
  { name: 'skc_to_tcp_sock result released without null check', type: 'sched_cls', asm: [...skLookup(), ...checked, 'r1 = r7', 'call 137', 'r1 = r0', 'call 86', ...done] },
  { name: 'skc_to_tcp_sock of a stack pointer', type: 'sched_cls', asm: ['r1 = r10', 'r1 += -8', 'call 137', ...done] },
  { name: 'skc_to_udp6_sock result used after release', type: 'sched_cls', asm: [...skLookup(85), ...checked, 'r1 = r7', 'call 140', 'r8 = r0', ...release(), 'if r8 == 0 goto +1', 'r0 = *(u32 *)(r8 + 0)', ...done] },
  // bpf_skc_to_unix_sock: a BTF pointer to struct unix_sock or null, not a cast that carries the reference (is_ptr_cast_function).
  { name: 'skc_to_unix_sock result used after release', type: 'sched_cls', asm: [...skLookup(), ...checked, 'r1 = r7', 'call 178', 'r8 = r0', ...release(), 'if r8 == 0 goto +1', 'r0 = *(u32 *)(r8 + 0)', ...done] },
  { name: 'skc_to_unix_sock of skb->sk, load before null check', type: 'sched_cls', asm: ['r1 = *(u64 *)(r1 + 168)', 'if r1 != 0 goto +2', 'r0 = 0', 'exit', 'call 178', 'r0 = *(u8 *)(r0 + 0)', ...done] },
  { name: 'skc_to_unix_sock of skb->sk, load after null check', type: 'sched_cls', asm: ['r1 = *(u64 *)(r1 + 168)', 'if r1 != 0 goto +2', 'r0 = 0', 'exit', 'call 178', 'if r0 == 0 goto +1', 'r0 = *(u8 *)(r0 + 0)', ...done] },
  { name: 'skc_to_unix_sock result released', type: 'sched_cls', asm: [...skLookup(), ...checked, 'r1 = r7', 'call 178', 'if r0 != 0 goto +3', ...release(), ...done, 'r1 = r0', 'call 86', ...release(), ...done] },
  { name: 'sk_lookup_tcp in xdp', type: 'xdp', asm: [...skLookup(), ...checked, ...release(), ...done] },
  { name: 'sk_lookup_tcp in socket_filter', type: 'socket_filter', asm: [...skLookup(), ...checked, ...release(), ...done] },
];
