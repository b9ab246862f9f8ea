// Hand-written programs for the places the kernel marks a scalar precise (mark_chain_precision's
// callers) and for pruning that ignores imprecise scalars: test/verifier-precision-sites.test.ts
// compares the model's `mark_precise:` lines and `processed N insns` with the live kernel's level-2
// log. Loaded with BPF_F_TEST_STATE_FREQ where a case needs a state kept at every prune point.

import type { MapInfo } from '../../verifier/index.js';
import type { ModelCase } from './verifier-cases.js';

const ARRAY_4_48: MapInfo = { type: 2, keySize: 4, valueSize: 48, maxEntries: 4 };
const PROG_ARRAY: MapInfo = { type: 3, keySize: 4, valueSize: 4, maxEntries: 4 };
const CGROUP_STORAGE: MapInfo = { type: 19, keySize: 16, valueSize: 16, maxEntries: 0 };

/** A lookup in an array whose key at fp-8 was written by `store`. */
const arrayLookup = (store: readonly string[]): string[] => [...store, 'r2 = r10', 'r2 += -8', 'r1 = map_fd(0)', 'call 1', 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'];

/** Two paths join with r1 = 1 or 2 (from a branch on an unknown r0), then `use`. */
const join = (use: readonly string[]): string[] => ['call 7', 'if r0 > 5 goto +2', 'r1 = 1', 'goto +1', 'r1 = 2', ...use];

export const precisionSiteCases: readonly ModelCase[] = [
  // check_stack_write_fixed_off: a zero register stored where it cannot be spilled makes zero bytes.
  { name: 'unaligned store of a zero register', type: 'socket_filter', asm: ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r0 = 0', 'exit'] },
  { name: 'aligned spill of a zero register', type: 'socket_filter', asm: ['r1 = 0', '*(u32 *)(r10 - 8) = r1', 'r0 = 0', 'exit'] },
  // record_func_key: a tail call's index known to be in range.
  { name: 'tail call with a constant index in range', type: 'socket_filter', maps: [PROG_ARRAY], asm: ['r2 = map_fd(0)', 'r3 = 1', 'call 12', 'r0 = 0', 'exit'] },
  { name: 'tail call with a constant index out of range', type: 'socket_filter', maps: [PROG_ARRAY], asm: ['r2 = map_fd(0)', 'r3 = 9', 'call 12', 'r0 = 0', 'exit'] },
  // get_local_storage: its flags must be a known 0.
  { name: 'get_local_storage with flags 0', type: 'cgroup_skb', maps: [CGROUP_STORAGE], asm: ['r1 = map_fd(0)', 'r2 = 0', 'call 81', 'r0 = 1', 'exit'] },
  // get_constant_map_key: an array key spilled from a register is relied on; zero bytes are not tracked.
  { name: 'array lookup with a key spilled from a register', type: 'socket_filter', maps: [ARRAY_4_48], asm: arrayLookup(['r1 = 1', '*(u32 *)(r10 - 8) = r1']) },
  { name: 'array lookup with a key of zero bytes', type: 'socket_filter', maps: [ARRAY_4_48], asm: arrayLookup(['*(u32 *)(r10 - 8) = 0', 'r1 = 0', '*(u32 *)(r10 - 4) = r1']) },
  // update_loop_inline_state: bpf_loop's flags (R4) known to be 0 at every visit.
  {
    name: 'bpf_loop with flags 0', type: 'tracepoint', functions: [{ start: 0 }, { start: 8 }],
    asm: ['r1 = 1', 'r2 = func_ref(+6)', 'r3 = 0', 'r4 = 0', 'call 181', 'r0 = 0', 'exit', 'r0 = 0', 'exit'],
  },
  // Pruning: a scalar no check relied on does not keep two paths apart; one used as an offset does.
  { name: 'paths join with an imprecise scalar', type: 'socket_filter', testStateFreq: true, asm: join(['r0 = r1', 'exit']) },
  { name: 'paths join with a scalar used as a stack offset', type: 'socket_filter', testStateFreq: true, asm: join(['r2 = r10', 'r2 += -8', 'r2 += r1', 'r0 = 0', '*(u8 *)(r2 + 0) = r0', 'exit']) },
  { name: 'paths join with an imprecise spilled scalar', type: 'socket_filter', testStateFreq: true, asm: join(['*(u64 *)(r10 - 8) = r1', 'r0 = *(u64 *)(r10 - 8)', 'exit']) },
  { name: 'paths join with a spilled scalar used as a stack offset', type: 'socket_filter', testStateFreq: true, asm: join(['*(u64 *)(r10 - 16) = r1', 'r1 = *(u64 *)(r10 - 16)', 'r2 = r10', 'r2 += -8', 'r2 += r1', 'r0 = 0', '*(u8 *)(r2 + 0) = r0', 'exit']) },
];
