// Hand-written cases for what the generated near-miss corpus (test/support/verifier-near-miss.ts)
// found where the model and the live kernel differed; the kernel labels each when the test runs.

import type { ModelCase } from './verifier-cases.js';

const tracepointRead = (size: string, off: number): ModelCase => ({
  name: `tracepoint ctx read ${size} at ${off}`, type: 'tracepoint', asm: ['r6 = r1', `r0 = *(${size} *)(r6 ${off < 0 ? '-' : '+'} ${Math.abs(off)})`, 'r0 = 0', 'exit'],
});

export const corpusCases: readonly ModelCase[] = [
  // tp_prog_is_valid_access compares the offset with sizeof(void *) unsigned: a negative aligned
  // offset passes (generated/oob-ctx/17, 102, 185, 250); a misaligned one, a write or the first
  // 8 bytes do not.
  tracepointRead('u8', -1), tracepointRead('u16', -2), tracepointRead('u32', -4), tracepointRead('u64', -8), tracepointRead('u64', -512),
  tracepointRead('u16', -3), tracepointRead('u64', -4), tracepointRead('u32', 4), tracepointRead('u64', 8),
  { name: 'tracepoint ctx write at -8', type: 'tracepoint', asm: ['r6 = r1', 'r1 = 0', '*(u64 *)(r6 - 8) = r1', 'r0 = 0', 'exit'] },
];
