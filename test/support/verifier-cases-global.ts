// Global functions (BTF_FUNC_GLOBAL subprograms): the kernel checks each call's arguments against
// the function's BTF prototype, gives the caller an unknown scalar in R0, and verifies every
// called function once on its own from its prototype. Labelled by the live kernel at run time.

import type { ModelCase } from './verifier-cases.js';
import type { CaseParam } from './verifier-live.js';

/** A tc program (main at slot 0) and one global function `f1` at `start` with `params`. */
const one = (name: string, params: readonly CaseParam[], start: number, asm: readonly string[]): ModelCase =>
  ({ name, type: 'sched_cls', functions: [{ start: 0 }, { start, global: true, params }], asm });

export const globalFunctionCases: readonly ModelCase[] = [
  one('global function with a scalar argument', ['int'], 4, ['r1 = 5', 'call_local +2', 'r0 = 0', 'exit', 'r0 = r1', 'exit']),
  one('global function given a pointer for a scalar', ['int'], 4, ['r1 = r10', 'call_local +2', 'r0 = 0', 'exit', 'r0 = r1', 'exit']),
  one('global function given nothing for a scalar', ['int'], 3, ['call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  one('global function result is an unknown scalar', ['int'], 5, ['r1 = 0', 'call_local +3', 'r0 = *(u32 *)(r0 + 0)', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  one('global function returning its context', ['__sk_buff *'], 3, ['call_local +2', 'r0 = 0', 'exit', 'r0 = r1', 'exit']),
  one('global function given the context by name', ['__sk_buff *'], 3, ['call_local +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r1 + 0)', 'exit']),
  one('global function given the stack for the context', ['__sk_buff *'], 4, ['r1 = r10', 'call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  one('global function given the context through arg:ctx', ['void *ctx'], 3, ['call_local +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r1 + 0)', 'exit']),
  one('global function given the context at an offset', ['void *ctx'], 4, ['r1 += 8', 'call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  one('global function reads memory after a NULL check', ['int *'], 6,
    ['*(u32 *)(r10 - 4) = 0', 'r1 = r10', 'r1 += -4', 'call_local +2', 'r0 = 0', 'exit', 'if r1 == 0 goto +2', 'r0 = *(u32 *)(r1 + 0)', 'exit', 'r0 = 0', 'exit']),
  one('global function reads memory without a NULL check', ['int *'], 6,
    ['*(u32 *)(r10 - 4) = 0', 'r1 = r10', 'r1 += -4', 'call_local +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r1 + 0)', 'exit']),
  one('global function reads arg:nonnull memory', ['int *!'], 6,
    ['*(u32 *)(r10 - 4) = 0', 'r1 = r10', 'r1 += -4', 'call_local +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r1 + 0)', 'exit']),
  one('global function reads past its memory', ['int *!'], 6,
    ['*(u32 *)(r10 - 4) = 0', 'r1 = r10', 'r1 += -4', 'call_local +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r1 + 4)', 'exit']),
  one('global function given NULL for maybe-NULL memory', ['int *'], 4, ['r1 = 0', 'call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  one('global function given too little stack', ['long[2] *'], 6,
    ['*(u64 *)(r10 - 8) = 0', 'r1 = r10', 'r1 += -8', 'call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  one('global function given the context for memory', ['int *'], 3, ['call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  { ...one('global function given a map value', ['long[2] *'], 11,
    ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +2', 'r1 = r0', 'call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  maps: [{ type: 2, keySize: 4, valueSize: 48, maxEntries: 4 }] },
  { ...one('global function given the end of a map value', ['long[2] *'], 12,
    ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 == 0 goto +3', 'r1 = r0', 'r1 += 40', 'call_local +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit']),
  maps: [{ type: 2, keySize: 4, valueSize: 48, maxEntries: 4 }] },
  one('global function called only from dead code is not verified', ['int'], 4, ['r0 = 0', 'if r0 == 0 goto +1', 'call_local +1', 'exit', 'r0 = *(u32 *)(r1 + 0)', 'exit']),
  { name: 'global functions verified in turn, the second one failing', type: 'sched_cls', functions: [{ start: 0 }, { start: 4, global: true, params: ['int'] }, { start: 7, global: true, params: ['int'] }],
    asm: ['r1 = 1', 'call_local +2', 'r0 = 0', 'exit', 'call_local +2', 'r0 = 0', 'exit', 'r0 = *(u32 *)(r1 + 0)', 'exit'] },
  { name: 'static function calling a global one', type: 'sched_cls', functions: [{ start: 0 }, { start: 3 }, { start: 7, global: true, params: ['int'] }],
    asm: ['call_local +2', 'r0 = 0', 'exit', 'r1 = 2', 'call_local +2', 'r0 = 0', 'exit', 'r0 = r1', 'exit'] },
];
