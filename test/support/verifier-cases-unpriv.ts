// Hand-written programs for a loader without CAP_BPF (test/verifier-unpriv.test.ts labels them with
// an unprivileged child): what bpf_capable off changes on top of the CAP_BPF-only profile —
// program types, the 4096-slot limit, calls and kfuncs, loops, helpers and context fields, scalar
// stores that are no spills. `decided`: exactly the cases on which the model gives a verdict.

import type { MapInfo } from '../../verifier/index.js';
import type { CapsCase } from './verifier-cases-caps.js';

const ARRAY_4_48: MapInfo = { type: 2, keySize: 4, valueSize: 48, maxEntries: 4 };
const HASH_4_8: MapInfo = { type: 1, keySize: 4, valueSize: 8, maxEntries: 16 };
const PROG_ARRAY: MapInfo = { type: 3, keySize: 4, valueSize: 4, maxEntries: 4 };
/** bpf_sk_lookup_tcp with a zeroed IPv4 tuple in the current netns: R0 a socket or NULL. */
const skLookup = ['*(u64 *)(r10 - 16) = 0', '*(u32 *)(r10 - 8) = 0', 'r2 = r10', 'r2 += -16', 'r3 = 12', 'r4 = -1', 'r5 = 0', 'call 84'];
/** A tail call through prog array map_fd(0) on one side of a branch and map_fd(`other`) on the other. */
const tailCall = (other: number): string[] => ['r6 = r1', 'call 7', 'if r0 > 5 goto +3', 'r2 = map_fd(0)', 'goto +2', `r2 = map_fd(${other})`, 'r1 = r6', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'];
const lookup = (): string[] => ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1'];
const movs = (n: number): string[] => Array.from({ length: n }, () => 'r0 = 0');

export const unprivCases: readonly CapsCase[] = [
  { name: 'unpriv: socket filter', type: 'socket_filter', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: cgroup skb', type: 'cgroup_skb', asm: ['r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: sk_reuseport needs CAP_BPF', type: 'sk_reuseport', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: xdp needs CAP_BPF', type: 'xdp', asm: ['r0 = 2', 'exit'], decided: true },
  { name: 'unpriv: tracepoint needs CAP_BPF', type: 'tracepoint', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: 4096 slots', type: 'socket_filter', asm: [...movs(4095), 'exit'], decided: true },
  { name: 'unpriv: 4097 slots', type: 'socket_filter', asm: [...movs(4096), 'exit'], decided: true },
  { name: 'unpriv: 4097 slots of a refused type', type: 'xdp', asm: [...movs(4096), 'exit'], decided: true },
  { name: 'unpriv: bpf-to-bpf call', type: 'socket_filter', asm: ['call_local +2', 'r0 = 0', 'exit', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: bpf-to-bpf call to a subprogram that falls off its end', type: 'socket_filter', asm: ['r0 = 0', 'call_local +1', 'exit', 'r0 = 1'], decided: true },
  { name: 'unpriv: kfunc call', type: 'socket_filter', asm: ['call_kfunc bpf_get_task_exe_file', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: function reference', type: 'socket_filter', asm: ['r2 = func_ref(+3)', 'r0 = 0', 'exit', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: bounded loop', type: 'socket_filter', asm: ['r1 = 0', 'r1 += 1', 'if r1 < 4 goto -2', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: loop to the first instruction', type: 'socket_filter', asm: ['r0 = 0', 'if r0 == 0 goto +1', 'goto -3', 'exit'], decided: true },
  { name: 'unpriv: forward jumps only', type: 'socket_filter', asm: ['call 7', 'if r0 > 5 goto +1', 'r0 = 0', 'r0 = 0', 'exit'], decided: true },
  // Helpers: bpf_base_func_proto's first group and the program type's own only.
  { name: 'unpriv: bpf_ktime_get_ns', type: 'socket_filter', asm: ['call 5', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: bpf_get_current_uid_gid', type: 'socket_filter', asm: ['call 15', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: bpf_get_socket_cookie', type: 'socket_filter', asm: ['call 46', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: bpf_jiffies64 needs CAP_BPF', type: 'socket_filter', asm: ['call 118', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: bpf_get_current_cgroup_id needs CAP_BPF', type: 'cgroup_skb', asm: ['call 80', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: bpf_spin_lock needs CAP_BPF', type: 'socket_filter', asm: ['r1 = r10', 'r1 += -8', 'call 93', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: bpf_trace_printk needs CAP_PERFMON', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = 0', 'r1 = r10', 'r1 += -8', 'r2 = 8', 'call 6', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: bpf_sk_fullsock in cgroup skb', type: 'cgroup_skb', asm: ['r1 = *(u64 *)(r1 + 168)', 'if r1 == 0 goto +1', 'call 95', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: bpf_get_local_storage needs its map', type: 'cgroup_skb', asm: ['r2 = 0', 'call 81', 'r0 = 1', 'exit'], decided: true },
  // cgroup skb context: no packet pointers, no tstamp write.
  { name: 'unpriv: cgroup skb data', type: 'cgroup_skb', asm: ['r2 = *(u32 *)(r1 + 76)', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: cgroup skb data_end', type: 'cgroup_skb', asm: ['r2 = *(u32 *)(r1 + 80)', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: cgroup skb data, low half', type: 'cgroup_skb', asm: ['r2 = *(u16 *)(r1 + 76)', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: cgroup skb tstamp read', type: 'cgroup_skb', asm: ['r2 = *(u64 *)(r1 + 152)', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: cgroup skb tstamp write', type: 'cgroup_skb', asm: ['r2 = 0', '*(u64 *)(r1 + 152) = r2', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: cgroup skb mark write', type: 'cgroup_skb', asm: ['r2 = 0', '*(u32 *)(r1 + 8) = r2', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: socket filter data', type: 'socket_filter', asm: ['r2 = *(u32 *)(r1 + 76)', 'r0 = 0', 'exit'], decided: true },
  // Scalar stores are plain data: the fill is unknown (or zero), never the stored value.
  { name: 'unpriv: spilled constant as a map value offset', type: 'socket_filter', maps: [ARRAY_4_48],
    asm: [...lookup(), 'if r0 == 0 goto +4', 'r1 = 4', '*(u64 *)(r10 - 16) = r1', 'r1 = *(u64 *)(r10 - 16)', 'r0 += r1', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: stored immediate as a map value offset', type: 'socket_filter', maps: [ARRAY_4_48],
    asm: [...lookup(), 'if r0 == 0 goto +4', '*(u64 *)(r10 - 16) = 4', 'r1 = *(u64 *)(r10 - 16)', 'r1 &= 7', 'r0 += r1', 'r1 = *(u8 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: spilled zero as a map value offset', type: 'socket_filter', maps: [ARRAY_4_48],
    asm: [...lookup(), 'if r0 == 0 goto +5', 'r1 = 0', '*(u64 *)(r10 - 16) = r1', 'r1 = *(u64 *)(r10 - 16)', 'r0 += r1', 'r1 = *(u8 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: filled spill returned', type: 'socket_filter', asm: ['r1 = 7', '*(u64 *)(r10 - 8) = r1', 'r0 = *(u64 *)(r10 - 8)', 'exit'], decided: true },
  { name: 'unpriv: filled constant decides a branch', type: 'socket_filter',
    asm: ['r1 = 7', '*(u64 *)(r10 - 8) = r1', 'r2 = *(u64 *)(r10 - 8)', 'r0 = 0', 'if r2 == 7 goto +1', 'r0 = *(u64 *)(r10 - 16)', 'exit'], decided: true },
  { name: 'unpriv: filled zero decides a branch', type: 'socket_filter',
    asm: ['*(u64 *)(r10 - 8) = 0', 'r2 = *(u64 *)(r10 - 8)', 'r0 = 0', 'if r2 == 0 goto +1', 'r0 = *(u64 *)(r10 - 16)', 'exit'], decided: true },
  { name: 'unpriv: 4-byte spill read back in full', type: 'socket_filter', asm: ['r1 = 7', '*(u32 *)(r10 - 8) = r1', 'r0 = *(u64 *)(r10 - 8)', 'exit'], decided: true },
  { name: 'unpriv: spilled context pointer', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = r1', 'r1 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r1 + 0)', 'exit'], decided: true },
  { name: 'unpriv: map key from a spilled constant', type: 'socket_filter', maps: [ARRAY_4_48],
    asm: ['r1 = 1', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  // Released references, plain helper arguments, tail calls, spilled pointers (as with CAP_BPF alone).
  { name: 'unpriv: socket used after bpf_sk_release', type: 'cgroup_skb',
    asm: ['r6 = r1', ...skLookup, 'if r0 == 0 goto +4', 'r7 = r0', 'r1 = r0', 'call 86', 'r0 = *(u32 *)(r7 + 0)', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: socket released', type: 'cgroup_skb', asm: ['r6 = r1', ...skLookup, 'if r0 == 0 goto +2', 'r1 = r0', 'call 86', 'r0 = 1', 'exit'], decided: true },
  { name: 'unpriv: pointer as the flags of bpf_map_update_elem', type: 'socket_filter', maps: [HASH_4_8],
    asm: ['*(u32 *)(r10 - 4) = 0', '*(u64 *)(r10 - 16) = 0', 'r2 = r10', 'r2 += -4', 'r3 = r10', 'r3 += -16', 'r4 = r10', 'r1 = map_fd(0)', 'call 2', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: tail calls through two prog arrays at one call', type: 'socket_filter', maps: [PROG_ARRAY, PROG_ARRAY], asm: tailCall(1), decided: true },
  { name: 'unpriv: tail calls through one prog array on two paths', type: 'socket_filter', maps: [PROG_ARRAY, PROG_ARRAY], asm: tailCall(0), decided: true },
  { name: 'unpriv: 2-byte write into a spilled pointer', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = r1', '*(u16 *)(r10 - 6) = 0', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: misaligned write into a spilled pointer', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = r1', '*(u16 *)(r10 - 7) = 0', 'r0 = 0', 'exit'] },
  { name: 'unpriv: pointer stored into the context', type: 'socket_filter', asm: ['*(u32 *)(r1 + 48) = r1', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: read through a map pointer', type: 'socket_filter', maps: [ARRAY_4_48], asm: ['r1 = map_fd(0)', 'r0 = *(u32 *)(r1 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: pointer stored through a map pointer', type: 'socket_filter', maps: [ARRAY_4_48], asm: ['r1 = map_fd(0)', '*(u64 *)(r1 + 0) = r10', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: sign-extending copy of a pointer', type: 'socket_filter', asm: ['r2 = (s16)r10', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: 32-bit sign-extending copy of a pointer', type: 'socket_filter', asm: ['w2 = (s8)w1', 'r0 = 0', 'exit'], decided: true },
  { name: 'unpriv: 4-byte spill of a pointer', type: 'socket_filter', asm: ['*(u32 *)(r10 - 8) = r1', 'r0 = 0', 'exit'], decided: true },
];
