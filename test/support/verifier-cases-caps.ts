// Hand-written programs for a loader with CAP_BPF but without CAP_PERFMON (test/verifier-caps.test.ts
// labels them with a CAP_BPF-only child; test/support/verifier-cases.ts also runs them as root):
// program types refused before the verifier, CAP_PERFMON helpers, pointer leaks and comparisons,
// stack reads without allow_uninit_stack, pointer arithmetic the kernel sanitises.
// `decided`: exactly the cases on which the model gives a verdict (not 'unknown').

import type { MapInfo } from '../../verifier/index.js';
import type { ModelCase } from './verifier-cases.js';

export interface CapsCase extends ModelCase {
  readonly decided?: boolean;
}

const ARRAY_4_48: MapInfo = { type: 2, keySize: 4, valueSize: 48, maxEntries: 4 };
const HASH_4_8: MapInfo = { type: 1, keySize: 4, valueSize: 8, maxEntries: 16 };
const lookupKey = (store: string): string[] => [store, 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1'];

export const capsCases: readonly CapsCase[] = [
  { name: 'caps: return 0', type: 'socket_filter', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'caps: cgroup_skb return 1', type: 'cgroup_skb', asm: ['r0 = 1', 'exit'], decided: true },
  { name: 'caps: sk_reuseport needs CAP_BPF only', type: 'sk_reuseport', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'caps: xdp needs CAP_NET_ADMIN', type: 'xdp', asm: ['r0 = 2', 'exit'], decided: true },
  { name: 'caps: sched_cls needs CAP_NET_ADMIN', type: 'sched_cls', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'caps: cgroup_sock needs CAP_NET_ADMIN', type: 'cgroup_sock', asm: ['r0 = 1', 'exit'], decided: true },
  { name: 'caps: kprobe needs CAP_PERFMON', type: 'kprobe', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'caps: tracepoint needs CAP_PERFMON', type: 'tracepoint', asm: ['r0 = 0', 'exit'], decided: true },
  { name: 'caps: refused type even with a bad program', type: 'xdp', asm: ['r0 = r5', 'exit'], decided: true },
  { name: 'caps: returning the context leaks it', type: 'socket_filter', asm: ['r0 = r1', 'exit'], decided: true },
  { name: 'caps: returning the frame pointer leaks it', type: 'socket_filter', asm: ['r0 = r10', 'exit'], decided: true },
  { name: 'caps: comparing two pointers', type: 'socket_filter', asm: ['r0 = 0', 'r2 = r10', 'if r1 == r2 goto +1', 'r0 = 1', 'exit'], decided: true },
  { name: 'caps: comparing a pointer with a constant', type: 'socket_filter', asm: ['r0 = 0', 'if r1 == 0 goto +1', 'r0 = 1', 'exit'], decided: true },
  { name: 'caps: reading the stack never written', type: 'socket_filter', asm: ['r0 = *(u64 *)(r10 - 8)', 'exit'], decided: true },
  { name: 'caps: reading below the written stack', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = 0', 'r0 = *(u64 *)(r10 - 16)', 'exit'], decided: true },
  { name: 'caps: reading a half-written slot', type: 'socket_filter', asm: ['*(u32 *)(r10 - 8) = 0', 'r0 = *(u64 *)(r10 - 8)', 'exit'], decided: true },
  { name: 'caps: reading the written stack', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = 7', 'r0 = *(u64 *)(r10 - 8)', 'exit'], decided: true },
  { name: 'caps: spill and fill the context', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = r1', 'r1 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r1 + 0)', 'exit'], decided: true },
  { name: 'caps: partial write over a spilled pointer', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = r1', '*(u32 *)(r10 - 8) = 0', 'r0 = 0', 'exit'] },
  { name: 'caps: map key never written', type: 'socket_filter', maps: [ARRAY_4_48], asm: ['r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map key half written', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u16 *)(r10 - 4) = 0'), 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map key written', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 1'), 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map key holding a spilled pointer', type: 'socket_filter', maps: [{ type: 1, keySize: 8, valueSize: 8, maxEntries: 4 }],
    asm: ['*(u64 *)(r10 - 8) = r1', 'r2 = r10', 'r2 += -8', 'r1 = map_fd(0)', 'call 1', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: array lookup with a constant key, no null check', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: hash lookup, no null check', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: hash lookup, null checked', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map value returned', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +1', 'exit', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map value pointer moved inside the value', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +2', 'r0 += 4', 'r1 = *(u32 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map value pointer moved past the value', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +2', 'r0 += 8', 'r1 = *(u32 *)(r0 - 4)', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map value pointer plus a register', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +4', 'r1 = *(u32 *)(r0 + 0)', 'r1 &= 3', 'r0 += r1', 'r1 = *(u8 *)(r0 + 0)', 'r0 = 0', 'exit'] },
  { name: 'caps: pointer stored into a map value', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +1', '*(u64 *)(r0 + 0) = r10', 'r0 = 0', 'exit'] },
  { name: 'caps: stack pointer out of the stack', type: 'socket_filter', asm: ['r2 = r10', 'r2 += -520', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: stack pointer at the stack bottom', type: 'socket_filter', asm: ['r2 = r10', 'r2 += -512', '*(u64 *)(r2 + 0) = 0', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: negating a pointer', type: 'socket_filter', asm: ['r0 = r1', 'r0 = -r0', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: pointer minus pointer', type: 'socket_filter', asm: ['r0 = r10', 'r0 -= r1', 'r0 = 0', 'exit'] },
  { name: 'caps: bpf_trace_printk needs CAP_PERFMON', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = 0', 'r1 = r10', 'r1 += -8', 'r2 = 8', 'call 6', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: bpf_get_current_task needs CAP_PERFMON', type: 'cgroup_skb', asm: ['call 35', 'r0 = 1', 'exit'], decided: true },
  { name: 'caps: bpf_ktime_get_ns is for everyone', type: 'socket_filter', asm: ['call 5', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: bpf_get_prandom_u32 result returned', type: 'socket_filter', asm: ['call 7', 'exit'], decided: true },
  { name: 'caps: bounded loop', type: 'socket_filter', asm: ['r1 = 0', 'r1 += 1', 'if r1 < 4 goto -2', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: cgroup_skb packet read within range', type: 'cgroup_skb',
    asm: ['r2 = *(u32 *)(r1 + 76)', 'r3 = *(u32 *)(r1 + 80)', 'r4 = r2', 'r4 += 8', 'if r4 > r3 goto +1', 'r0 = *(u8 *)(r2 + 0)', 'r0 = 1', 'exit'], decided: true },
  { name: 'caps: 32-bit copy of a pointer', type: 'socket_filter', asm: ['w0 = w1', 'r0 = 0', 'exit'] },
  { name: 'caps: ctx pointer into a helper scalar argument', type: 'socket_filter', maps: [HASH_4_8], asm: ['*(u32 *)(r10 - 4) = 0', '*(u64 *)(r10 - 16) = 0', 'r2 = r10', 'r2 += -4', 'r3 = r10', 'r3 += -16', 'r4 = r1', 'r1 = map_fd(0)', 'call 2', 'r0 = 0', 'exit'] },
  // Decided branches: the side not taken is walked speculatively, with the compared registers
  // unknown; its EACCES/EINVAL/EPERM errors end only that path (6.18 fences the instruction).
  { name: 'caps: speculative path loads through an unknown register', type: 'socket_filter', asm: ['r2 = 0', 'if r2 != 0 goto +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r2 + 0)', 'exit'], decided: true },
  { name: 'caps: speculative path leaks the context', type: 'socket_filter', asm: ['r0 = 0', 'r2 = 1', 'if r2 == 1 goto +1', 'r0 = r1', 'exit'], decided: true },
  { name: 'caps: real path fails after a decided branch', type: 'socket_filter', asm: ['r2 = 0', 'if r2 != 0 goto +1', 'r0 = *(u64 *)(r10 - 8)', 'exit'], decided: true },
  { name: 'caps: speculative path fails where the real one passes later', type: 'socket_filter',
    asm: ['r2 = 0', 'if r2 == 0 goto +1', 'r0 = *(u64 *)(r10 - 8)', '*(u64 *)(r10 - 8) = 0', 'r0 = *(u64 *)(r10 - 8)', 'exit'], decided: true },
  { name: 'caps: non-null array value compared with zero', type: 'socket_filter', maps: [ARRAY_4_48],
    asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +2', 'r0 = *(u64 *)(r0 + 0)', 'exit', 'r0 = *(u64 *)(r0 + 8)', 'exit'], decided: true },
  { name: 'caps: speculative path stops behind a stack store', type: 'socket_filter',
    asm: ['r2 = 0', 'if r2 == 0 goto +3', '*(u64 *)(r10 - 8) = 0', 'r0 = *(u64 *)(r10 - 16)', 'exit', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: speculative path moves a stack pointer out of range', type: 'socket_filter',
    asm: ['r3 = r10', 'r2 = 0', 'if r2 == 0 goto +2', 'r3 += -600', 'r0 = 1', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: real path moves a stack pointer out of range after a branch', type: 'socket_filter',
    asm: ['r3 = r10', 'r2 = 0', 'if r2 != 0 goto +2', 'r3 += -600', 'r0 = 1', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map value pointer moved to its last byte', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +2', 'r0 += 7', 'r1 = *(u8 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map value pointer moved below the value', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +2', 'r0 += -1', 'r1 = *(u8 *)(r0 + 1)', 'r0 = 0', 'exit'], decided: true },
  // Spectre v1 sanitation of pointer += register (sanitize_ptr_alu): what it refuses.
  { name: 'caps: map value pointer plus an offset of either sign', type: 'socket_filter', maps: [HASH_4_8],
    asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +4', 'r1 = *(u8 *)(r0 + 0)', 'r1 -= 4', 'r0 += r1', 'r1 = *(u8 *)(r0 + 0)', 'r0 = 0', 'exit'], decided: true },
  { name: 'caps: map value pointer plus an offset past the value', type: 'socket_filter', maps: [HASH_4_8],
    asm: [...lookupKey('*(u32 *)(r10 - 4) = 0'), 'if r0 == 0 goto +3', 'r1 = *(u8 *)(r0 + 0)', 'r0 += r1', 'r1 = *(u8 *)(r0 + 0)', 'r0 = 0', 'exit'] },
  { name: 'caps: context pointer plus a register', type: 'socket_filter', asm: ['r2 = 4', 'r1 += r2', 'r0 = 0', 'exit'], decided: true },
];
