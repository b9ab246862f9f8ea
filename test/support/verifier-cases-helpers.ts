// Hand-written programs for helper prototypes and map types (part of the model's differential
// test, test/support/verifier-cases.ts): helpers checked by their generated prototype
// (verifier/tables/generated-prototypes.ts), cgroup storage, stack trace, device, cpu,
// reuseport and socket maps with the helpers that take them, on both sides of
// check_map_func_compatibility. The live kernel labels every case when the test runs.

import type { MapInfo } from '../../verifier/index.js';
import type { ModelCase } from './verifier-cases.js';

const HASH: MapInfo = { type: 1, keySize: 4, valueSize: 8, maxEntries: 4 };
const CGROUP_STORAGE: MapInfo = { type: 19, keySize: 16, valueSize: 16, maxEntries: 0 };
const PERCPU_CGROUP_STORAGE: MapInfo = { type: 21, keySize: 16, valueSize: 16, maxEntries: 0 };
const STACK_TRACE: MapInfo = { type: 7, keySize: 4, valueSize: 8 * 16, maxEntries: 4 };
const DEVMAP: MapInfo = { type: 14, keySize: 4, valueSize: 4, maxEntries: 4 };
const CPUMAP: MapInfo = { type: 16, keySize: 4, valueSize: 4, maxEntries: 4 };
const SOCKMAP: MapInfo = { type: 15, keySize: 4, valueSize: 4, maxEntries: 4 };
const SOCKHASH: MapInfo = { type: 18, keySize: 4, valueSize: 4, maxEntries: 4 };
const REUSEPORT: MapInfo = { type: 20, keySize: 4, valueSize: 4, maxEntries: 4 };
const CGROUP_ARRAY: MapInfo = { type: 8, keySize: 4, valueSize: 4, maxEntries: 4 };
/** An array the program may only read (BPF_F_RDONLY_PROG). */
const RDONLY_ARRAY: MapInfo = { type: 2, keySize: 4, valueSize: 8, maxEntries: 1, flags: 1 << 7 };
const ARRAY: MapInfo = { type: 2, keySize: 4, valueSize: 8, maxEntries: 1 };
const XSKMAP: MapInfo = { type: 17, keySize: 4, valueSize: 4, maxEntries: 4 };
const ARRAY_OF_ARRAYS: MapInfo = { type: 12, keySize: 4, valueSize: 4, maxEntries: 2, inner: { type: 2, keySize: 4, valueSize: 16, maxEntries: 2 } };
const HASH_OF_HASHES: MapInfo = { type: 13, keySize: 4, valueSize: 4, maxEntries: 2, inner: { type: 1, keySize: 8, valueSize: 8, maxEntries: 2 } };

const done = ['r0 = 0', 'exit'];
const pass = ['r0 = 1', 'exit'];
/** r0 = bpf_get_local_storage(map 0, `flags`). */
const localStorage = (flags = 'r2 = 0'): string[] => ['r1 = map_fd(0)', flags, 'call 81'];
/** r2 = fp-4 holding a u32 0 (a map key). */
const stackKey = ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4'];
/** The first element of map 0 in r0, null-checked (exit 0 on NULL). */
const firstValue = [...stackKey, 'r1 = map_fd(0)', 'call 1', 'if r0 != 0 goto +2', 'r0 = 0', 'exit'];
/** r2 = data, r3 = data_end of an xdp context in r1 with 8 bytes checked. */
const xdpPacket = ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 8', 'if r4 > r3 goto +LEN'];

const cgroupStorage: ModelCase[] = [
  { name: 'get_local_storage, read in bounds', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: [...localStorage(), 'r0 = *(u64 *)(r0 + 8)', ...pass] },
  { name: 'get_local_storage, read past the value', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: [...localStorage(), 'r0 = *(u64 *)(r0 + 16)', ...pass] },
  { name: 'get_local_storage, negative offset', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: [...localStorage(), 'r0 = *(u32 *)(r0 - 4)', ...pass] },
  { name: 'get_local_storage, write and no null check', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: [...localStorage(), 'r1 = 1', '*(u64 *)(r0 + 0) = r1', ...pass] },
  { name: 'get_local_storage, flags 1', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: [...localStorage('r2 = 1'), ...pass] },
  { name: 'get_local_storage, unknown flags', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: ['call 7', ...localStorage('r2 = r0'), ...pass] },
  { name: 'get_local_storage of a hash map', type: 'cgroup_skb', maps: [HASH], asm: [...localStorage(), ...pass] },
  { name: 'get_local_storage of a hash map with flags', type: 'cgroup_skb', maps: [HASH], asm: [...localStorage('r2 = 1'), ...pass] },
  { name: 'get_local_storage, per-cpu, read in bounds', type: 'cgroup_skb', maps: [PERCPU_CGROUP_STORAGE], asm: [...localStorage(), 'r0 = *(u32 *)(r0 + 12)', ...pass] },
  { name: 'get_local_storage, per-cpu, read past the value', type: 'cgroup_skb', maps: [PERCPU_CGROUP_STORAGE], asm: [...localStorage(), 'r0 = *(u32 *)(r0 + 14)', ...pass] },
  { name: 'map_lookup_elem of cgroup storage', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: [...firstValue, ...pass] },
  { name: 'get_local_storage in a socket filter', type: 'socket_filter', maps: [CGROUP_STORAGE], asm: [...localStorage(), ...done] },
];

const stackTrace: ModelCase[] = [
  { name: 'get_stackid of a stack trace map', type: 'kprobe', maps: [STACK_TRACE], asm: ['r2 = map_fd(0)', 'r3 = 0', 'call 27', ...done] },
  { name: 'get_stackid of a hash map', type: 'kprobe', maps: [HASH], asm: ['r2 = map_fd(0)', 'r3 = 0', 'call 27', ...done] },
  { name: 'get_stackid without the context', type: 'kprobe', maps: [STACK_TRACE], asm: ['r1 = 0', 'r2 = map_fd(0)', 'r3 = 0', 'call 27', ...done] },
  { name: 'map_lookup_elem of a stack trace map', type: 'kprobe', maps: [STACK_TRACE], asm: [...firstValue, ...done] },
];

const redirect: ModelCase[] = [
  { name: 'redirect_map to a devmap', type: 'xdp', maps: [DEVMAP], asm: ['r1 = map_fd(0)', 'r2 = 0', 'r3 = 0', 'call 51', 'exit'] },
  { name: 'redirect_map to a cpumap', type: 'xdp', maps: [CPUMAP], asm: ['r1 = map_fd(0)', 'r2 = 0', 'r3 = 0', 'call 51', 'exit'] },
  { name: 'redirect_map to a hash map', type: 'xdp', maps: [HASH], asm: ['r1 = map_fd(0)', 'r2 = 0', 'r3 = 0', 'call 51', 'exit'] },
  { name: 'redirect_map in sched_cls', type: 'sched_cls', maps: [DEVMAP], asm: ['r1 = map_fd(0)', 'r2 = 0', 'r3 = 0', 'call 51', ...done] },
  { name: 'map_lookup_elem of a cpumap', type: 'xdp', maps: [CPUMAP], asm: [...firstValue, ...pass] },
  { name: 'map_update_elem of a read-only array', type: 'xdp', maps: [RDONLY_ARRAY], asm: [...stackKey, 'r3 = r2', 'r1 = map_fd(0)', 'r4 = 0', 'call 2', ...pass] },
  { name: 'map_delete_elem of a read-only array', type: 'xdp', maps: [RDONLY_ARRAY], asm: [...stackKey, 'r1 = map_fd(0)', 'call 3', ...pass] },
  { name: 'map_lookup_elem of a read-only array', type: 'xdp', maps: [RDONLY_ARRAY], asm: [...firstValue, 'r0 = *(u64 *)(r0 + 0)', ...pass] },
  { name: 'map_update_elem of a devmap', type: 'xdp', maps: [DEVMAP], asm: [...stackKey, 'r3 = r2', 'r1 = map_fd(0)', 'r4 = 0', 'call 2', ...pass] },
];

const sockets: ModelCase[] = [
  { name: 'sk_select_reuseport with a reuseport array', type: 'sk_reuseport', maps: [REUSEPORT], asm: [...stackKey, 'r3 = r2', 'r2 = map_fd(0)', 'r4 = 0', 'call 82', ...pass] },
  { name: 'sk_select_reuseport with a sockmap', type: 'sk_reuseport', maps: [SOCKMAP], asm: [...stackKey, 'r3 = r2', 'r2 = map_fd(0)', 'r4 = 0', 'call 82', ...pass] },
  { name: 'sk_select_reuseport with a hash map', type: 'sk_reuseport', maps: [HASH], asm: [...stackKey, 'r3 = r2', 'r2 = map_fd(0)', 'r4 = 0', 'call 82', ...pass] },
  { name: 'sk_select_reuseport with an uninitialised key', type: 'sk_reuseport', maps: [REUSEPORT], asm: ['r3 = r10', 'r3 += -8', 'r2 = map_fd(0)', 'r4 = 0', 'call 82', ...pass] },
  { name: 'sk_redirect_map with a sockmap', type: 'sk_skb', maps: [SOCKMAP], asm: ['r2 = map_fd(0)', 'r3 = 0', 'r4 = 0', 'call 52', 'exit'] },
  { name: 'sk_redirect_map with a sockhash', type: 'sk_skb', maps: [SOCKHASH], asm: ['r2 = map_fd(0)', 'r3 = 0', 'r4 = 0', 'call 52', 'exit'] },
  { name: 'sk_redirect_hash with a sockhash', type: 'sk_skb', maps: [SOCKHASH], asm: [...stackKey, 'r3 = r2', 'r2 = map_fd(0)', 'r4 = 0', 'call 72', 'exit'] },
  { name: 'msg_redirect_map with a sockmap', type: 'sk_msg', maps: [SOCKMAP], asm: ['r2 = map_fd(0)', 'r3 = 0', 'r4 = 0', 'call 60', 'exit'] },
  { name: 'msg_redirect_hash with a key past the stack', type: 'sk_msg', maps: [SOCKHASH], asm: ['r3 = r10', 'r3 += -2', 'r2 = map_fd(0)', 'r4 = 0', 'call 71', 'exit'] },
  { name: 'sock_map_update in sock_ops', type: 'sock_ops', maps: [SOCKMAP], asm: [...stackKey, 'r3 = r2', 'r2 = map_fd(0)', 'r4 = 0', 'call 53', ...pass] },
  { name: 'sock_map_update with a sockhash', type: 'sock_ops', maps: [SOCKHASH], asm: [...stackKey, 'r3 = r2', 'r2 = map_fd(0)', 'r4 = 0', 'call 53', ...pass] },
  { name: 'skb_under_cgroup with a cgroup array', type: 'sched_cls', maps: [CGROUP_ARRAY], asm: ['r2 = map_fd(0)', 'r3 = 0', 'call 35', ...done] },
];

const generated: ModelCase[] = [
  // bpf_check_mtu writes 4 aligned bytes: a stack slot, a writable map value, a read-only one.
  { name: 'check_mtu into the stack', type: 'sched_cls', asm: ['r2 = 0', 'r3 = r10', 'r3 += -4', 'r4 = 0', 'r5 = 0', 'call 163', ...done] },
  { name: 'check_mtu into a misaligned stack slot', type: 'sched_cls', asm: ['r2 = 0', 'r3 = r10', 'r3 += -6', 'r4 = 0', 'r5 = 0', 'call 163', ...done] },
  { name: 'check_mtu into a map value', type: 'sched_cls', maps: [ARRAY], asm: ['r6 = r1', ...firstValue, 'r1 = r6', 'r2 = 0', 'r3 = r0', 'r4 = 0', 'r5 = 0', 'call 163', ...done] },
  { name: 'check_mtu into a read-only map value', type: 'sched_cls', maps: [RDONLY_ARRAY], asm: ['r6 = r1', ...firstValue, 'r1 = r6', 'r2 = 0', 'r3 = r0', 'r4 = 0', 'r5 = 0', 'call 163', ...done] },
  { name: 'check_mtu into the last 2 bytes of a map value', type: 'sched_cls', maps: [ARRAY], asm: ['r6 = r1', ...firstValue, 'r1 = r6', 'r2 = 0', 'r3 = r0', 'r3 += 6', 'r4 = 0', 'r5 = 0', 'call 163', ...done] },
  { name: 'check_mtu in xdp', type: 'xdp', asm: ['r2 = 0', 'r3 = r10', 'r3 += -4', 'r4 = 0', 'r5 = 0', 'call 163', ...pass] },
  // bpf_xdp_load_bytes fills uninitialised memory; bpf_xdp_store_bytes reads it.
  { name: 'xdp_load_bytes into the stack, then read', type: 'xdp', asm: ['r2 = 0', 'r3 = r10', 'r3 += -16', 'r4 = 16', 'call 189', 'r0 = *(u64 *)(r10 - 16)', ...pass] },
  { name: 'xdp_load_bytes of 0 bytes', type: 'xdp', asm: ['r2 = 0', 'r3 = r10', 'r3 += -16', 'r4 = 0', 'call 189', ...pass] },
  { name: 'xdp_load_bytes past the stack', type: 'xdp', asm: ['r2 = 0', 'r3 = r10', 'r3 += -8', 'r4 = 16', 'call 189', ...pass] },
  { name: 'xdp_load_bytes in sched_cls', type: 'sched_cls', asm: ['r2 = 0', 'r3 = r10', 'r3 += -16', 'r4 = 16', 'call 189', ...done] },
  { name: 'xdp_store_bytes from a stack buffer', type: 'xdp', asm: ['*(u64 *)(r10 - 8) = 0', 'r2 = 0', 'r3 = r10', 'r3 += -8', 'r4 = 8', 'call 190', ...pass] },
  { name: 'xdp_store_bytes with a pointer as the size', type: 'xdp', asm: ['*(u64 *)(r10 - 8) = 0', 'r2 = 0', 'r3 = r10', 'r3 += -8', 'r4 = r10', 'call 190', ...pass] },
  // bpf_xdp_adjust_tail changes packet data: packet pointers from before the call are gone.
  {
    name: 'xdp_adjust_tail invalidates packet pointers', type: 'xdp',
    asm: [...xdpPacket.map((l) => l.replace('LEN', '5')), 'r6 = r2', 'r2 = 0', 'call 65', 'r0 = *(u8 *)(r6 + 0)', ...pass, ...pass],
  },
  {
    name: 'xdp_adjust_tail, packet reloaded after the call', type: 'xdp',
    asm: ['r6 = r1', 'r2 = 0', 'call 65', 'r1 = r6', ...xdpPacket.map((l) => l.replace('LEN', '1')), 'r0 = *(u8 *)(r2 + 0)', ...pass],
  },
  // Helpers with no arguments and a scalar result, available in one family of program types.
  { name: 'get_cgroup_classid in sched_cls', type: 'sched_cls', asm: ['call 17', ...done] },
  { name: 'get_current_pid_tgid in xdp', type: 'xdp', asm: ['call 14', ...pass] },
  { name: 'get_current_cgroup_id in a kprobe', type: 'kprobe', asm: ['call 80', ...done] },
  { name: 'get_current_cgroup_id in xdp', type: 'xdp', asm: ['call 80', ...pass] },
  { name: 'get_current_ancestor_cgroup_id with a pointer level', type: 'kprobe', asm: ['r1 = r10', 'call 123', ...done] },
  { name: 'send_signal in a kprobe', type: 'kprobe', asm: ['r1 = 9', 'call 109', ...done] },
];

/** r0 = the inner map of map 0 at key 0, null-checked (exit 0 on NULL); then a lookup of key 0 in it, r0 its value. */
const innerMap = [...firstValue.slice(0, -3), 'if r0 != 0 goto +2', 'r0 = 0', 'exit'];
const innerLookup = ['r1 = r0', '*(u64 *)(r10 - 16) = 0', 'r2 = r10', 'r2 += -16', 'call 1'];

const mapsOfMaps: ModelCase[] = [
  { name: 'array of maps: lookup in the inner map, read its value', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...innerMap, ...innerLookup, 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 8)', ...done] },
  { name: 'array of maps: read past the inner value', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...innerMap, ...innerLookup, 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 12)', ...done] },
  { name: 'array of maps: inner value without a null check', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...innerMap, ...innerLookup, 'r0 = *(u64 *)(r0 + 0)', ...done] },
  { name: 'array of maps: inner map without a null check', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...firstValue.slice(0, -3), ...innerLookup, ...done] },
  { name: 'array of maps: arithmetic on the inner map', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...innerMap, 'r0 += 8', ...innerLookup, ...done] },
  { name: 'array of maps: arithmetic before the null check', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...firstValue.slice(0, -3), 'r0 += 8', ...done] },
  { name: 'array of maps: store into the inner map', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...innerMap, 'r1 = 0', '*(u64 *)(r0 + 0) = r1', ...done] },
  { name: 'array of maps: read the inner map struct', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...innerMap, 'r0 = *(u32 *)(r0 + 0)', ...done] },
  { name: 'array of maps: update of the inner map', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...innerMap, 'r1 = r0', '*(u64 *)(r10 - 16) = 0', 'r2 = r10', 'r2 += -16', 'r3 = r2', 'r4 = 0', 'call 2', ...done] },
  { name: 'array of maps: update of the outer map', type: 'socket_filter', maps: [ARRAY_OF_ARRAYS], asm: [...stackKey, 'r3 = r2', 'r1 = map_fd(0)', 'r4 = 0', 'call 2', ...done] },
  { name: 'hash of maps: lookup with the inner key size', type: 'socket_filter', maps: [HASH_OF_HASHES], asm: [...innerMap, ...innerLookup, 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 0)', ...done] },
  { name: 'hash of maps: inner key past the stack', type: 'socket_filter', maps: [HASH_OF_HASHES], asm: [...innerMap, 'r1 = r0', 'r2 = r10', 'r2 += -4', 'call 1', ...done] },
  // Loads through a map pointer walk the map's kernel struct (struct bpf_array, struct bpf_htab).
  { name: 'map pointer: read at a negative offset', type: 'socket_filter', maps: [ARRAY], asm: ['r1 = map_fd(0)', 'r0 = *(u32 *)(r1 - 8)', ...done] },
  { name: 'map pointer: store', type: 'socket_filter', maps: [HASH], asm: ['r1 = map_fd(0)', 'r2 = 0', '*(u32 *)(r1 + 0) = r2', ...done] },
  { name: 'map pointer: store at a negative offset', type: 'socket_filter', maps: [HASH], asm: ['r1 = map_fd(0)', 'r2 = 0', '*(u32 *)(r1 - 4) = r2', ...done] },
  { name: 'map pointer: read past struct bpf_array', type: 'socket_filter', maps: [ARRAY], asm: ['r1 = map_fd(0)', 'r0 = *(u32 *)(r1 + 4000)', ...done] },
];

/** r0 = bpf_map_lookup_elem(xskmap, &0): an AF_XDP socket or NULL. */
const xsk = ['*(u32 *)(r10 - 8) = 0', 'r2 = r10', 'r2 += -8', 'r1 = map_fd(0)', 'call 1'];

const xdpSockets: ModelCase[] = [
  { name: 'xskmap: queue_id of the socket', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'if r0 == 0 goto +1', 'r0 = *(u32 *)(r0 + 0)', ...pass] },
  { name: 'xskmap: read without a null check', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'r0 = *(u32 *)(r0 + 0)', ...pass] },
  { name: 'xskmap: read past queue_id', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'if r0 == 0 goto +1', 'r0 = *(u32 *)(r0 + 4)', ...pass] },
  { name: 'xskmap: narrow read of queue_id', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'if r0 == 0 goto +1', 'r0 = *(u8 *)(r0 + 0)', ...pass] },
  { name: 'xskmap: store into the socket', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'if r0 == 0 goto +2', 'r1 = 0', '*(u32 *)(r0 + 0) = r1', ...pass] },
  { name: 'xskmap: arithmetic before the null check', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'r0 += 1', ...pass] },
  { name: 'xskmap: arithmetic on the socket', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'if r0 == 0 goto +1', 'r0 += 1', ...pass] },
  { name: 'xskmap: the socket as a map argument', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'if r0 == 0 goto +4', 'r1 = r0', 'r2 = r10', 'r2 += -8', 'call 1', ...pass] },
  { name: 'xskmap: the socket returned', type: 'xdp', maps: [XSKMAP], asm: [...xsk, 'exit'] },
  { name: 'xskmap: update from the program', type: 'xdp', maps: [XSKMAP], asm: ['*(u32 *)(r10 - 8) = 0', 'r2 = r10', 'r2 += -8', 'r3 = r2', 'r1 = map_fd(0)', 'r4 = 0', 'call 2', ...pass] },
  {
    name: 'xskmap: not NULL when equal to a checked socket', type: 'xdp', maps: [XSKMAP],
    asm: [...xsk, 'r6 = r0', ...xsk, 'r7 = r0', 'if r6 == 0 goto +2', 'if r6 != r7 goto +1', 'r0 = *(u32 *)(r7 + 0)', ...pass],
  },
];

export const helperCases: readonly ModelCase[] = [...cgroupStorage, ...stackTrace, ...redirect, ...sockets, ...generated, ...mapsOfMaps, ...xdpSockets];
