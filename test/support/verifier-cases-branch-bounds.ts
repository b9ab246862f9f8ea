// Hand-written programs for how a conditional jump between scalars is decided and what it teaches
// (part of the model's differential test, test/support/verifier-cases.ts): equality decided by
// tnums that share no value, and comparisons between copies of one scalar, whose refinements meet
// in every copy. The live kernel labels them when the test runs.

import type { ModelCase } from './verifier-cases.js';

export const branchBoundsCases: readonly ModelCase[] = [
  // Jumps decided because the two tnums share no value though the ranges overlap (tnum_overlap).
  {
    name: 'tnum overlap: r0 &= 0xf0 never equals 0x15', type: 'socket_filter',
    asm: ['call 7', 'r0 &= 0xf0', 'if r0 == 0x15 goto +2', 'r0 = 0', 'exit', 'r10 = 0', 'exit'],
  },
  {
    name: 'tnum overlap: r0 &= 0xf0 always differs from 0x15', type: 'socket_filter',
    asm: ['call 7', 'r0 &= 0xf0', 'if r0 != 0x15 goto +1', 'r10 = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'tnum overlap: r0 &= 0xf0 may equal 0x10 (not decided)', type: 'socket_filter',
    asm: ['call 7', 'r0 &= 0xf0', 'if r0 != 0x10 goto +1', 'r10 = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'tnum overlap: 32-bit, w0 <<= 3 never equals 5', type: 'socket_filter',
    asm: ['call 7', 'w0 <<= 3', 'if w0 == 5 goto +2', 'r0 = 0', 'exit', 'r10 = 0', 'exit'],
  },
  {
    name: 'tnum overlap: 32-bit compare looks at the low half only', type: 'socket_filter',
    asm: ['call 7', 'r0 <<= 3', 'r1 = 0x100000000 ll', 'r0 |= r1', 'if w0 == 8 goto +2', 'r0 = 0', 'exit', 'r10 = 0', 'exit'],
  },
  {
    name: 'tnum overlap: two unknown registers, odd against even', type: 'socket_filter',
    asm: ['call 7', 'r6 = r0', 'call 7', 'r6 &= 0xf0', 'r6 |= 1', 'r0 &= 0xf0', 'if r6 == r0 goto +2', 'r0 = 0', 'exit', 'r10 = 0', 'exit'],
  },
  // Copies of one scalar (one id) compared with each other: the source's refinement is synced first,
  // overwriting the destination, so every copy keeps the source bounds.
  {
    name: 'copies compared: every copy keeps the source bound (accepted)', type: 'socket_filter', maps: [{ type: 2, keySize: 4, valueSize: 14, maxEntries: 1 }],
    asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +8', 'r7 = r0', 'call 7', 'r9 = r0', 'r9 &= 7', 'r8 = r9', 'if r9 s<= r8 goto +2', 'r7 += r8', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'copies compared: every copy keeps the source bound (rejected)', type: 'socket_filter', maps: [{ type: 2, keySize: 4, valueSize: 14, maxEntries: 1 }],
    asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +8', 'r7 = r0', 'call 7', 'r9 = r0', 'r9 &= 7', 'r8 = r9', 'if r8 s>= r9 goto +2', 'r7 += r8', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'copies compared, 32-bit: every copy keeps the source bound (accepted)', type: 'socket_filter', maps: [{ type: 2, keySize: 4, valueSize: 14, maxEntries: 1 }],
    asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +8', 'r7 = r0', 'call 7', 'r9 = r0', 'r9 &= 7', 'r8 = r9', 'if w9 <= w8 goto +2', 'r7 += r8', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'copies compared, 32-bit: every copy keeps the source bound (rejected)', type: 'socket_filter', maps: [{ type: 2, keySize: 4, valueSize: 14, maxEntries: 1 }],
    asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +8', 'r7 = r0', 'call 7', 'r9 = r0', 'r9 &= 7', 'r8 = r9', 'if w8 >= w9 goto +2', 'r7 += r8', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  // One register on both sides: refined as both operands, one step after the other.
  {
    name: 'w6 < w6: the jump lowers the maximum and raises the minimum', type: 'socket_filter', maps: [{ type: 2, keySize: 4, valueSize: 14, maxEntries: 1 }],
    asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +7', 'r7 = r0', 'call 7', 'r6 = r0', 'r6 &= 7', 'if w6 < w6 goto +1', 'goto +2', 'r7 += r6', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  // The false outcome of a bit test forgets the ranges and takes them from the narrowed tnum alone.
  {
    name: 'bit test false: the ranges come from the tnum alone', type: 'socket_filter',
    asm: ['call 7', 'r7 = r0', 'r1 = 0x100000007 ll', 'r7 &= r1', 'if r7 < 3 goto +5', 'if r7 & 1 goto +4', 'if r7 >= 3 goto +1', 'r10 = 0', 'r0 = 0', 'exit', 'r0 = 0', 'exit'],
  },
  {
    name: 'bit test false, 32-bit: the ranges come from the tnum alone', type: 'socket_filter',
    asm: ['call 7', 'r7 = r0', 'r1 = 0x100000007 ll', 'r7 &= r1', 'if r7 < 3 goto +5', 'if w7 & 1 goto +4', 'if r7 >= 3 goto +1', 'r10 = 0', 'r0 = 0', 'exit', 'r0 = 0', 'exit'],
  },
  // A range that leaves one member of the tnum makes the scalar that constant.
  {
    name: 'one member of the tnum left in the range', type: 'socket_filter',
    asm: ['call 7', 'r0 &= 2', 'r0 |= 1', 'if r0 > 2 goto +2', 'if r0 == 1 goto +1', 'r10 = 0', 'r0 = 0', 'exit'],
  },
  // The generator's programs that found these rules (test/support/agreement/generated-corpus.ts, seeds past the corpus).
  {
    name: 'generated bounds/480: r1 *= 8 compared with 47', type: 'socket_filter', maps: [{ type: 2, keySize: 4, valueSize: 48, maxEntries: 16 }],
    asm: ['r6 = r1', '*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +9', 'r7 = r0', 'call 7', 'r1 = r0', 'r1 *= 8', 'if r1 != 47 goto +4', 'if w1 < 1 goto +3', 'if r1 s>= 48 goto +2', 'r7 += r1', 'r0 = *(u32 *)(r7 + 0)', 'r0 = 0', 'exit'],
  },
  {
    name: 'generated bounds/488: (r1 * 8) | 1 compared with 64', type: 'xdp', maps: [{ type: 1, keySize: 4, valueSize: 64, maxEntries: 1 }],
    asm: ['r6 = r1', '*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +9', 'r7 = r0', 'call 7', 'r1 = r0', 'if r1 s>= 255 goto +5', 'r1 *= 8', 'r1 |= 1', 'if r1 != 64 goto +2', 'r7 += r1', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'generated bounds-pair/319: copies compared, 64-bit signed', type: 'xdp', maps: [{ type: 2, keySize: 4, valueSize: 8, maxEntries: 4 }],
    asm: ['r6 = r1', 'r0 = *(u32 *)(r6 + 8)', '*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +12', 'r7 = r0', 'call 7', 'r8 = r0', 'call 7', 'r9 = r0', 'r8 &= 1', 'r9 &= 7', 'r8 = r9', 'if r8 > r9 goto +3', 'if r9 s<= r8 goto +2', 'r7 += r9', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'generated bounds-pair/577: copies compared, 32-bit unsigned', type: 'kprobe', maps: [{ type: 1, keySize: 4, valueSize: 8, maxEntries: 1 }],
    asm: ['r6 = r1', '*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +14', 'r7 = r0', 'call 7', 'r8 = r0', 'call 7', 'r9 = r0', 'r8 &= 15', 'r9 &= 7', 'r8 = r9', 'if r9 == r8 goto +5', 'if w9 >= w8 goto +4', 'w8 += w9', 'r9 -= r8', 'r7 += r8', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
  {
    name: 'generated bounds-pair/947: copies compared, 32-bit, unbounded', type: 'kprobe', maps: [{ type: 1, keySize: 4, valueSize: 16, maxEntries: 4 }],
    asm: ['r6 = r1', 'r1 = r10', 'r1 += -16', 'r2 = 16', 'call 16', '*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +12', 'r7 = r0', 'call 7', 'r8 = r0', 'call 7', 'r9 = r0', 'r8 &= 31', 'r9 &= 1', 'r9 >>= r8', 'r8 = r9', 'if w8 <= w9 goto +2', 'r7 += r9', '*(u64 *)(r7 + 0) = 0', 'r0 = 0', 'exit'],
  },
];

/**
 * Level-2 logs compared line for line (test/verifier-branch-bounds.test.ts): a copy dead at the
 * jump is not linked (not refined, not in the backtracking's linked set), and a decided jump
 * records no links.
 */
export const branchBoundsLogCases: readonly ModelCase[] = [
  { name: 'log2: a copy dead at the jump keeps its bounds', type: 'socket_filter', asm: ['call 7', 'r0 &= 7', 'r6 = r0', 'if r6 > 3 goto +2', 'r0 = 0', 'exit', 'r0 = r6', 'exit'] },
  { name: 'log2: a copy live on one outcome is refined on both', type: 'socket_filter', asm: ['call 7', 'r0 &= 7', 'r6 = r0', 'if r6 > 3 goto +1', 'exit', 'r0 = r6', 'exit'] },
  {
    name: 'log2: a decided jump links no copies for backtracking', type: 'socket_filter',
    asm: ['call 7', 'r6 = r0', 'r6 &= 1', 'r7 = r6', 'if w6 == 0 goto +3', 'if w7 == 2 goto +2', 'if w6 == w7 goto +1', 'r0 = 0', 'r0 = 0', 'exit'],
  },
];
