// Hand-written programs for precision marks and what depends on them (part of the model's
// differential test, test/support/verifier-cases.ts): decided branches and pointer arithmetic that
// mark scalars precise (the `P` of `R0=P0` in the kernel's state dumps), loops whose imprecise
// scalars are widened (may_goto, bpf_loop callbacks) and variable-offset stack writes over spilled
// registers. The live kernel labels them when the test runs.

import type { ModelCase } from './verifier-cases.js';

/** bpf_loop(n, callback, &fp-8 holding `init`, 0) with the callback body `body` (r2: the ctx pointer). */
const loopOverStack = (n: number, init: number, body: readonly string[], after: readonly string[] = ['r0 = 0', 'exit']): ModelCase => {
  const main = [`r1 = ${init}`, '*(u64 *)(r10 - 8) = r1', 'r3 = r10', 'r3 += -8', `r1 = ${n}`];
  const call = ['r4 = 0', 'call 181', ...after];
  const start = main.length + 2 + call.length;
  return {
    name: '', type: 'tracepoint', functions: [{ start: 0 }, { start }],
    asm: [...main, `r2 = func_ref(+${start - main.length - 1})`, ...call, ...body],
  };
};

export const precisionCases: readonly ModelCase[] = [
  // Infinite loops: the old state's dump shows which scalars the decided branch relied on.
  { name: 'infinite loop on a decided branch', type: 'socket_filter', asm: ['r0 = 0', 'goto +0', 'if r0 < 4 goto -2', 'exit'] },
  { name: 'infinite loop through three jumps', type: 'socket_filter', asm: ['r0 = 0', 'goto +1', 'goto +2', 'goto -2', 'if r0 < 4 goto -3', 'exit'] },
  { name: 'infinite loop on a filled constant', type: 'socket_filter', asm: ['r1 = 0', '*(u64 *)(r10 - 8) = r1', 'r0 = *(u64 *)(r10 - 8)', 'if r0 < 4 goto -2', 'exit'] },
  { name: 'infinite loop on two compared registers', type: 'socket_filter', asm: ['r0 = 0', 'r1 = 5', 'r2 = r1', 'if r0 < r2 goto -2', 'exit'] },
  { name: 'infinite loop with an unrelated scalar', type: 'socket_filter', asm: ['r6 = 7', 'r0 = 0', 'r6 += 0', 'if r0 < 4 goto -2', 'exit'] },
  // may_goto loops: an imprecise counter is widened, a precise one unrolls the loop.
  { name: 'may_goto loop counting in r0', type: 'socket_filter', asm: ['r0 = 0', 'may_goto +2', 'r0 += 1', 'goto -3', 'r0 = 0', 'exit'] },
  { name: 'may_goto loop with a bounded counter', type: 'socket_filter', asm: ['r1 = 0', 'may_goto +3', 'if r1 > 7 goto +2', 'r1 += 1', 'goto -4', 'r0 = 0', 'exit'] },
  { name: 'may_goto loop counting on the stack', type: 'socket_filter', asm: ['r1 = 0', '*(u64 *)(r10 - 8) = r1', 'may_goto +4', 'r1 = *(u64 *)(r10 - 8)', 'r1 += 1', '*(u64 *)(r10 - 8) = r1', 'goto -5', 'r0 = 0', 'exit'] },
  {
    name: 'may_goto loop walking the stack', type: 'socket_filter',
    asm: ['r1 = -8', 'may_goto +7', 'if r1 s< -64 goto +6', 'r2 = r10', 'r2 += r1', 'r3 = 0', '*(u64 *)(r2 + 0) = r3', 'r1 += -8', 'goto -8', 'r0 = 0', 'exit'],
  },
  {
    name: 'may_goto loop walking off the stack', type: 'socket_filter',
    asm: ['r1 = -8', 'may_goto +7', 'if r1 s< -520 goto +6', 'r2 = r10', 'r2 += r1', 'r3 = 0', '*(u64 *)(r2 + 0) = r3', 'r1 += -8', 'goto -8', 'r0 = 0', 'exit'],
  },
  { name: 'may_goto loop, widened counter used as an offset', type: 'socket_filter', asm: ['r1 = 0', 'may_goto +2', 'r1 += 1', 'goto -3', 'r2 = r10', 'r2 += r1', 'r0 = 0', 'exit'] },
  // bpf_loop callbacks that change the caller's stack.
  { ...loopOverStack(10, 0, ['r1 = *(u64 *)(r2 + 0)', 'r1 += 1', '*(u64 *)(r2 + 0) = r1', 'r0 = 0', 'exit']), name: 'bpf_loop callback counting on the caller stack' },
  {
    ...loopOverStack(10, 0, ['r1 = *(u64 *)(r2 + 0)', 'r1 += 1', '*(u64 *)(r2 + 0) = r1', 'r0 = 0', 'exit'], ['r1 = *(u64 *)(r10 - 8)', 'r2 = r10', 'r2 += r1', 'r0 = 0', 'exit']),
    name: 'bpf_loop count used as a stack offset after the loop',
  },
  {
    ...loopOverStack(3, 0, ['r1 = *(u64 *)(r2 + 0)', 'if r1 > 2 goto +2', 'r1 += 1', '*(u64 *)(r2 + 0) = r1', 'r0 = 0', 'exit']),
    name: 'bpf_loop callback with a bounded count',
  },
  {
    ...loopOverStack(2, 7, ['r1 = 42', '*(u64 *)(r2 + 0) = r1', 'r0 = 0', 'exit'], ['r1 = *(u64 *)(r10 - 8)', 'if r1 != 42 goto +1', 'r1 /= 0', 'r0 = 0', 'exit']),
    name: 'bpf_loop callback result reached after the loop',
  },
  // Variable-offset stack writes over spilled registers.
  {
    name: 'variable-offset write clobbers a spilled pointer', type: 'socket_filter',
    asm: ['r6 = r1', 'r2 = *(u32 *)(r1 + 0)', 'r2 &= 8', 'r2 -= 16', 'r2 += r10', '*(u64 *)(r10 - 8) = r6', 'r0 = 0', '*(u64 *)(r2 + 0) = r0', 'r2 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r2 + 0)', 'exit'],
  },
  {
    name: 'variable-offset zero write keeps a spilled zero', type: 'socket_filter',
    asm: ['r2 = *(u32 *)(r1 + 0)', 'r1 = 0', '*(u64 *)(r10 - 8) = r1', '*(u64 *)(r10 - 16) = r1', 'r2 &= 8', 'r2 -= 16', 'r2 += r10', 'r3 = 0', '*(u64 *)(r2 + 0) = r3', 'r4 = *(u64 *)(r10 - 8)', 'r5 = r10', 'r5 += r4', 'r0 = *(u64 *)(r5 - 8)', 'exit'],
  },
  {
    name: 'variable-offset byte write into a spilled scalar, then a fill', type: 'socket_filter',
    asm: ['r6 = *(u32 *)(r1 + 0)', 'r6 &= 7', 'r6 += 2', 'r7 = 0', 'r7 -= r6', 'r1 = 1', '*(u64 *)(r10 - 16) = r1', 'r1 = r10', 'r1 += r7', '*(u8 *)(r1 + 0) = r7', 'r0 = *(u64 *)(r10 - 16)', 'exit'],
  },
  {
    name: 'variable-offset byte write into a spilled scalar', type: 'socket_filter',
    asm: ['r6 = *(u32 *)(r1 + 0)', 'r6 &= 7', 'r6 += 2', 'r7 = 0', 'r7 -= r6', 'r1 = 1', '*(u64 *)(r10 - 16) = r1', 'r1 = r10', 'r1 += r7', '*(u8 *)(r1 + 0) = r7', 'r0 = 0', 'exit'],
  },
];
