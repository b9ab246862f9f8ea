// Iterator loops the model must leave undecided (issue 10): the kernel widens the scalars a loop
// changes when they are not precise (widen_imprecise_scalars) and the model has no precision
// marks, so such a loop is 'unknown' rather than a guess. The live kernel labels each program, to
// show the case is real in both directions (one it accepts, one it rejects).

import { describe, expect, it } from 'vitest';
import { encodeInstructions } from '../isa/index.js';
import { kernelBtf } from '../loader/index.js';
import { verifyProgram } from '../verifier/index.js';
import { inCI, isRoot } from './support/references.js';
import { assembleCase, kernelVerify } from './support/verifier-live.js';

const canLoad = isRoot() || (!inCI && (console.warn('SKIP: loading programs needs root'), false));

const it8 = ['r1 = r10', 'r1 += -8'];
const numNew = [...it8, 'r2 = 0', 'r3 = 10', 'call_kfunc bpf_iter_num_new'];
const numNext = [...it8, 'call_kfunc bpf_iter_num_next'];
const numDestroy = [...it8, 'call_kfunc bpf_iter_num_destroy'];
/** r6 counts the iterations of a bpf_iter_num loop; `after` uses it. */
const counting = (after: readonly string[]): string[] => ['r6 = 0', ...numNew, ...numNext, 'if r0 == 0 goto +2', 'r6 += 1', 'goto -6', ...numDestroy, ...after];

const cases = [
  { name: 'a counter returned', kernel: true, asm: counting(['r0 = r6', 'exit']) },
  // Precise (a stack offset), the counter is not widened: the kernel walks the iterations until it leaves the stack.
  { name: 'a counter as a stack offset', kernel: false, asm: counting(['r1 = r10', 'r1 += -16', 'r1 += r6', 'r0 = *(u8 *)(r1 + 0)', 'r0 = 0', 'exit']) },
];

describe.skipIf(!canLoad)('iterator loops that need widening', () => {
  for (const c of cases) {
    it(`stay unknown: ${c.name}`, () => {
      const insns = assembleCase(c.asm);
      expect(kernelVerify('socket_filter', insns).accepted).toBe(c.kernel);
      const m = verifyProgram(encodeInstructions(insns), { progType: 'socket_filter', kernelBtf: kernelBtf() });
      expect({ verdict: m.verdict, notModelled: m.notModelled }).toEqual({ verdict: 'unknown', notModelled: 'an iterator loop that changes scalars across iterations (widening needs precision marks)' });
    });
  }
});
