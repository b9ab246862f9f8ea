// Hand-written programs for what the verifier infers from comparisons and from the program's
// context (labelled live by the kernel in test/verifier-model.test.ts).

import type { MapInfo } from '../../verifier/index.js';
import type { ModelCase } from './verifier-cases.js';

/** A frozen array map, read-only for programs (BPF_F_RDONLY_PROG), as libbpf loads .rodata. */
const RODATA: MapInfo = { name: 'tsbpf_ro', type: 2, keySize: 4, valueSize: 16, maxEntries: 1, flags: 0x80,
  frozenValue: Uint8Array.from([0, 5, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80]) };
/** `load` from the rodata value into r2, then a read through uninitialised r9 where `deadIf` holds. */
const rodataBranch = (load: string, deadIf: string): string[] => ['r1 = map_value(0) + 0', load, `${deadIf} goto +1`, 'goto +1', 'r0 = *(u64 *)(r9 + 0)', 'r0 = 0', 'exit'];

/**
 * r6 = skb->sk (checked), r7 = sk_fullsock(r6) unchecked with a copy in r8, r0 = sk_fullsock(r6)
 * (NULL-checked when `checkR0`), then `tail`, whose instruction `end` is where the checks go.
 */
function twoFullsocks(checkR0: boolean, tail: readonly string[], end: number): string[] {
  const head = ['r6 = *(u64 *)(r1 + 168)', 'if r6 == 0 goto +X', 'r1 = r6', 'call 95', 'r7 = r0', 'r8 = r0', 'r1 = r6', 'call 95'];
  if (checkR0) head.push('if r0 == 0 goto +Y');
  const target = head.length + end;
  return [...head.map((l) => l.replace('+X', `+${target - 2}`).replace('+Y', `+${target - 9}`)), ...tail];
}
const jne = (reg: string): string[] => ['if r0 != r7 goto +1', `r0 = *(u32 *)(${reg} + 8)`, 'r0 = 1', 'exit'];
const jeq = (reg: string): string[] => ['if r0 == r7 goto +1', 'goto +1', `r0 = *(u32 *)(${reg} + 8)`, 'r0 = 1', 'exit'];

const QUEUE: MapInfo = { type: 22, keySize: 0, valueSize: 8, maxEntries: 4 };
const BLOOM: MapInfo = { type: 30, keySize: 0, valueSize: 8, maxEntries: 16 };
/** `call id` with map 0 in r1, fp-`at` in r2 and 0 in r3, after `before`. */
const keylessCall = (id: number, at = 8, before: readonly string[] = []): string[] => [...before, 'r2 = r10', `r2 += -${at}`, 'r1 = map_fd(0)', 'r3 = 0', `call ${id}`, 'r0 = 0', 'exit'];

/** bpf_strtoul("1", 8, 0, fp-`at`) in cgroup_sysctl: the result pointer is ARG_PTR_TO_LONG. */
const strtoulInto = (at: number): string[] => [
  '*(u64 *)(r10 - 24) = 49', 'r1 = r10', 'r1 += -24', 'r2 = 8', 'r3 = 0', 'r4 = r10', `r4 += -${at}`, 'call 106', 'r0 = 1', 'exit',
];

/** XDP: r7 = data checked for 8 bytes, then `call` with the ctx in r1 and r2 = 0, then `after`. */
const xdpPktThenCall = (call: readonly string[], after: readonly string[]): string[] => [
  'r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r6 = r1', 'r7 = r2', 'r4 = r2', 'r4 += 8', `if r4 > r3 goto +${call.length + after.length + 2}`,
  'r1 = r6', 'r2 = 0', ...call, ...after, 'r0 = 2', 'exit',
];
/** bpf_get_stack(ctx, fp-64, 64, 0), then a read through uninitialised r9 where `deadIf` holds. */
const getStackThen = (deadIf: string): string[] => [
  'r2 = r10', 'r2 += -64', 'r3 = 64', 'r4 = 0', 'call 67', `${deadIf} goto +1`, 'goto +1', 'r0 = *(u64 *)(r9 + 0)', 'r0 = 0', 'exit',
];

export const inferenceCases: readonly ModelCase[] = [
  // jeq/jne between two pointers: a maybe-NULL one equal to a not-NULL one is not NULL either.
  { name: 'jne false branch: or_null equal to not-null', type: 'cgroup_skb', asm: twoFullsocks(true, jne('r7'), 2) },
  { name: 'jeq true branch: or_null equal to not-null', type: 'cgroup_skb', asm: twoFullsocks(true, jeq('r7'), 3) },
  { name: 'jeq true branch: the copy stays or_null', type: 'cgroup_skb', asm: twoFullsocks(true, jeq('r8'), 3) },
  // Loads from a frozen read-only map are the constants it holds: branches on them are decided.
  { name: 'rodata u8 load folded', type: 'socket_filter', maps: [RODATA], asm: rodataBranch('r2 = *(u8 *)(r1 + 0)', 'if r2 != 0') },
  { name: 'rodata u8 load folded, live branch', type: 'socket_filter', maps: [RODATA], asm: rodataBranch('r2 = *(u8 *)(r1 + 1)', 'if r2 == 5') },
  { name: 'rodata s8 load sign-extends', type: 'socket_filter', maps: [RODATA], asm: rodataBranch('r2 = *(s8 *)(r1 + 2)', 'if r2 s> -1') },
  { name: 'rodata u64 load folded', type: 'socket_filter', maps: [RODATA], asm: rodataBranch('r2 = *(u64 *)(r1 + 8)', 'if r2 s> 0') },
  { name: 'rodata constant as an offset', type: 'socket_filter', maps: [RODATA], asm: ['r1 = map_value(0) + 0', 'r2 = *(u8 *)(r1 + 1)', 'r1 += r2', 'r0 = *(u64 *)(r1 + 4)', 'r0 = 0', 'exit'] },
  { name: 'rodata variable offset not folded', type: 'socket_filter', maps: [RODATA], asm: ['call 7', 'r0 &= 1', 'r1 = map_value(0) + 0', 'r1 += r0', ...rodataBranch('r2 = *(u8 *)(r1 + 0)', 'if r2 != 0').slice(1)] },
  // The loop's final log line is the state it came back to (print_verifier_state): registers, stack slots.
  { name: 'infinite loop: old state with stack slots', type: 'socket_filter', asm: ['r2 = 5', '*(u64 *)(r10 - 8) = r2', '*(u32 *)(r10 - 16) = 7', 'r3 = r10', 'r3 += -8', 'r4 = r1', 'r4 += 8', 'r0 = 0', 'if r0 > 0 goto +1', 'r0 = 1', 'goto -2'] },
  { name: 'infinite loop: old state with a map value pointer', type: 'socket_filter', maps: [RODATA], asm: ['r6 = map_value(0) + 4', 'r0 = 0', 'if r0 > 0 goto +1', 'r0 = 1', 'goto -2'] },
  { name: 'infinite loop: conditional on ctx', type: 'socket_filter', asm: ['r0 = r1', 'r2 = r0', 'r3 = r0', 'if r1 == 0 goto -3', 'r0 = 0', 'exit'] },
  // Helpers that change packet data invalidate every packet pointer, spilled ones too.
  { name: 'xdp_adjust_head invalidates packet pointers', type: 'xdp', asm: xdpPktThenCall(['call 44'], ['r0 = *(u8 *)(r7 + 0)']) },
  { name: 'xdp_adjust_meta invalidates spilled packet pointers', type: 'xdp', asm: xdpPktThenCall(['*(u64 *)(r10 - 8) = r7', 'call 54'], ['r7 = *(u64 *)(r10 - 8)', 'r0 = *(u8 *)(r7 + 0)']) },
  { name: 'xdp_adjust_head, packet read again after it', type: 'xdp', asm: xdpPktThenCall(['call 44'], ['r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)', 'r4 = r2', 'r4 += 1', 'if r4 > r3 goto +1', 'r0 = *(u8 *)(r2 + 0)']) },
  { name: 'skb_store_bytes from the packet', type: 'sched_cls', asm: ['r2 = *(u32 *)(r1 + 76)', 'r3 = *(u32 *)(r1 + 80)', 'r4 = r2', 'r4 += 8', 'if r4 > r3 goto +4', 'r3 = r2', 'r2 = 0', 'r4 = 4', 'r5 = 0', 'call 9', 'r0 = 0', 'exit'] },
  // bpf_get_netns_cookie takes the ctx or NULL; bpf_get_socket_cookie the ctx only.
  { name: 'get_netns_cookie(NULL) in cgroup_sock_addr', type: 'cgroup_sock_addr', expectedAttachType: 8, asm: ['r1 = 0', 'call 122', 'r0 = 1', 'exit'] },
  { name: 'get_netns_cookie(1) in cgroup_sock_addr', type: 'cgroup_sock_addr', expectedAttachType: 8, asm: ['r1 = 1', 'call 122', 'r0 = 1', 'exit'] },
  { name: 'get_socket_cookie(NULL) in cgroup_sock', type: 'cgroup_sock', expectedAttachType: 2, asm: ['r1 = 0', 'call 46', 'r0 = 1', 'exit'] },
  { name: 'get_socket_cookie(ctx) in socket_filter', type: 'socket_filter', asm: ['call 46', 'r0 = 0', 'exit'] },
  // bpf_get_stack's result is a length or an error: [-MAX_ERRNO, size].
  { name: 'get_stack result at most the size', type: 'tracepoint', asm: getStackThen('if r0 s> 64') },
  { name: 'get_stack result may be the size', type: 'tracepoint', asm: getStackThen('if r0 s> 63') },
  { name: 'get_stack result at least -MAX_ERRNO', type: 'tracepoint', asm: getStackThen('if r0 s< -4095') },
  { name: 'get_stack result may be -MAX_ERRNO', type: 'tracepoint', asm: getStackThen('if r0 s< -4094') },
  // Queue, stack and bloom filter maps: only push/pop/peek, with the value as the argument.
  { name: 'queue push', type: 'socket_filter', maps: [QUEUE], asm: keylessCall(87, 8, ['*(u64 *)(r10 - 8) = 0']) },
  { name: 'queue push of uninitialised stack', type: 'socket_filter', maps: [QUEUE], asm: keylessCall(87) },
  { name: 'queue push of 4 bytes', type: 'socket_filter', maps: [QUEUE], asm: keylessCall(87, 4, ['*(u32 *)(r10 - 4) = 0']) },
  { name: 'queue pop into uninitialised stack', type: 'socket_filter', maps: [QUEUE], asm: keylessCall(88) },
  { name: 'bloom filter peek', type: 'socket_filter', maps: [BLOOM], asm: keylessCall(89, 8, ['*(u64 *)(r10 - 8) = 0']) },
  { name: 'bloom filter pop', type: 'socket_filter', maps: [BLOOM], asm: keylessCall(88) },
  { name: 'queue lookup', type: 'socket_filter', maps: [QUEUE], asm: keylessCall(1, 8, ['*(u64 *)(r10 - 8) = 0']) },
  // ARG_PTR_TO_LONG: 8 bytes the helper writes (uninitialised stack is fine), checked for bounds, then alignment.
  { name: 'strtoul into a long', type: 'cgroup_sysctl', expectedAttachType: 18, asm: strtoulInto(8) },
  { name: 'strtoul into 4 bytes', type: 'cgroup_sysctl', expectedAttachType: 18, asm: strtoulInto(4) },
  { name: 'strtoul into a misaligned long', type: 'cgroup_sysctl', expectedAttachType: 18, asm: strtoulInto(12) },
  { name: 'jne false branch: both or_null', type: 'cgroup_skb', asm: twoFullsocks(false, jne('r7'), 2) },
];
