// Hand-written programs for may_goto (part of the model's differential test,
// test/support/verifier-cases.ts): the jump explored first, the fall-through queued one iteration
// deeper, and loops that converge when they come back to the may_goto in the same state. The live
// kernel labels them when the test runs.

import type { ModelCase } from './verifier-cases.js';

export const mayGotoCases: readonly ModelCase[] = [
  { name: 'may_goto over one instruction', type: 'socket_filter', asm: ['r0 = 0', 'may_goto +1', 'r0 = 1', 'exit'] },
  { name: 'may_goto loop that changes nothing', type: 'socket_filter', asm: ['r0 = 0', 'may_goto +1', 'goto -2', 'exit'] },
  { name: 'may_goto loop, r0 set only in the body', type: 'socket_filter', asm: ['may_goto +2', 'r0 = 0', 'goto -3', 'exit'] },
  { name: 'may_goto loop, r0 set before', type: 'socket_filter', asm: ['r0 = 0', 'may_goto +2', 'r0 = 0', 'goto -3', 'exit'] },
  { name: 'may_goto loop reading an uninitialised register', type: 'socket_filter', asm: ['r0 = 0', 'may_goto +2', 'r0 = r2', 'goto -3', 'exit'] },
  { name: 'may_goto loop calling a helper', type: 'socket_filter', asm: ['r6 = 0', 'may_goto +3', 'call 7', 'r0 = 0', 'goto -4', 'r0 = r6', 'exit'] },
  { name: 'nested may_goto loops', type: 'socket_filter', asm: ['r0 = 0', 'may_goto +4', 'may_goto +2', 'r1 = 1', 'goto -3', 'goto -5', 'exit'] },
  { name: 'may_goto loop, stack written in the body', type: 'socket_filter', asm: ['r0 = 0', 'may_goto +2', '*(u64 *)(r10 - 8) = r0', 'goto -3', 'r0 = *(u64 *)(r10 - 8)', 'exit'] },
];
