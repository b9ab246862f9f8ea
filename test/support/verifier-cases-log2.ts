// Hand-written programs for the model's level-2 log (verifier/model/log-level2.ts): straight-line
// code, branches, loops closed by pruning, precision backtracking, bpf-to-bpf calls and
// rejections. test/verifier-log2.test.ts compares the model's whole log with the live kernel's;
// with the other cases they are also labelled for the verdict (test/verifier-model.test.ts).

import type { ModelCase } from './verifier-cases.js';

const HASH_4_8 = { type: 1, keySize: 4, valueSize: 8, maxEntries: 16 } as const;

export const log2Cases: readonly ModelCase[] = [
  { name: 'log2: straight line with a spill and a fill', type: 'socket_filter', asm: ['r0 = 0', 'r1 = 5', 'r2 = r1', 'r2 += 3', '*(u64 *)(r10 - 8) = r2', 'r3 = *(u64 *)(r10 - 8)', 'exit'] },
  { name: 'log2: store of an immediate into part of a slot', type: 'socket_filter', asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r0 = 0', 'exit'] },
  { name: 'log2: 32-bit moves', type: 'socket_filter', asm: ['w0 = 5', 'r0 += 1', 'w1 = w0', 'r0 = r1', 'exit'] },
  { name: 'log2: 64-bit immediate', type: 'socket_filter', asm: ['r1 = 0x100000000 ll', 'r0 = r1', 'exit'] },
  { name: 'log2: branch with both paths', type: 'socket_filter', asm: ['r2 = *(u32 *)(r1 + 0)', 'r0 = 0', 'if r2 > 7 goto +2', 'r0 = 1', 'goto +1', 'r0 = 2', 'exit'] },
  { name: 'log2: branch on two registers', type: 'socket_filter', asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r0 = 0', 'if r2 > r3 goto +1', 'r0 = 1', 'exit'] },
  { name: 'log2: decided branch', type: 'socket_filter', asm: ['r0 = 3', 'if r0 > 7 goto +1', 'r0 = 1', 'exit'] },
  { name: 'log2: rejection on a read of uninitialised stack', type: 'socket_filter', asm: ['r0 = 0', 'r2 = *(u32 *)(r1 + 0)', 'if r2 > 7 goto +1', 'r0 = *(u64 *)(r10 - 8)', 'exit'] },
  { name: 'log2: rejection of a scalar dereference', type: 'socket_filter', asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = 0', 'r6 = *(u32 *)(r1 + 0)', 'r0 = 0', 'exit'] },
  { name: 'log2: bounded loop on a constant', type: 'socket_filter', asm: ['r1 = 0', 'r1 += 1', 'if r1 < 5 goto -2', 'r0 = 0', 'exit'] },
  { name: 'log2: loop on a one-instruction cycle', type: 'socket_filter', asm: ['r0 = 0', 'r1 = *(u32 *)(r1 + 0)', 'if r1 > 3 goto -1', 'exit'] },
  {
    name: 'log2: two loops calling a helper', type: 'tracepoint',
    asm: ['w6 = 10', 'r1 = 0', 'w2 = 2', 'call 6', 'w6 += -1', 'if w6 != 0 goto -5', 'w6 = 5', 'r1 = 0', 'w2 = 2', 'call 6', 'w6 += -1', 'if w6 != 0 goto -5', 'w0 = 0', 'exit'],
  },
  { name: 'log2: variable stack offset marked precise', type: 'socket_filter', asm: ['r2 = *(u32 *)(r1 + 0)', 'r2 &= 7', 'r3 = r10', 'r3 += -8', 'r3 += r2', 'r0 = 0', '*(u8 *)(r3 + 0) = r0', 'exit'] },
  { name: 'log2: helper call', type: 'socket_filter', asm: ['call 7', 'r0 = 0', 'exit'] },
  { name: 'log2: bpf-to-bpf call', type: 'socket_filter', asm: ['r1 = 3', 'call_local +2', 'r0 = 0', 'exit', 'r0 = r1', 'r0 += 1', 'exit'] },
  {
    name: 'log2: bpf-to-bpf call with a pointer to the caller stack', type: 'socket_filter',
    asm: ['r1 = 7', '*(u64 *)(r10 - 8) = r1', 'r1 = r10', 'r1 += -8', 'call_local +2', 'r0 = 0', 'exit', 'r0 = *(u64 *)(r1 + 0)', 'exit'],
  },
  {
    name: 'log2: map lookup with a null check', type: 'socket_filter', maps: [HASH_4_8],
    asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'],
  },
  // Sign extension of a 32-bit range into 64 bits (6.18 keeps the subregister's range when the narrow type holds it).
  ...([
    ['w1 > 2', 'w1 < 1', 'r1 = (s8)r1'], ['w1 s> -3', 'w1 s< -5', 'r1 = (s8)r1'], ['w1 s> 1', 'w1 s< -1', 'r1 = (s32)r1'],
    ['w1 s> 3', 'w1 s< -3', 'r1 = (s16)r1'], ['w1 s> 130', 'w1 s< 120', 'r1 = (s8)r1'], ['w1 > 0x102', 'w1 < 0x100', 'r1 = (s8)r1'],
    ['w1 s> 1', 'w1 s< -1', 'w1 = (s8)w1'],
  ] as const).map(([above, below, ext]): ModelCase => ({
    name: `log2: ${ext} after ${above} / ${below}`, type: 'socket_filter',
    asm: ['call 7', 'r1 = r0', 'r0 = 0', `if ${above} goto +2`, `if ${below} goto +1`, ext, 'r0 = 0', 'exit'],
  })),
];
