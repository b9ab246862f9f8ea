// Cases for what issue 10 left: which helpers make a global function "might sleep" (the helper's
// prototype for this program, not any prototype of its id), and helpers whose prototype or
// availability depends on the program type or attach type. Labelled by the live kernel at run time.

import type { ModelCase } from './verifier-cases.js';

/** Main calls global f1(ctx), which passes its context and 16 bytes of stack to bpf_get_stack. */
const getStackInGlobal = (type: string): ModelCase => ({
  name: `global function calling bpf_get_stack from a non-sleepable ${type} program`, type,
  functions: [{ start: 0 }, { start: 3, global: true, params: ['void *ctx'] }],
  asm: ['call_local +2', 'r0 = 0', 'exit', 'r2 = r10', 'r2 += -16', 'r3 = 16', 'r4 = 0', 'call 67', 'r0 = 0', 'exit'],
});

export const restCases: readonly ModelCase[] = [
  getStackInGlobal('kprobe'),
  getStackInGlobal('perf_event'),
  getStackInGlobal('tracepoint'),
];
