// Iterator loops that converge only because the kernel widens the scalars a loop changes when they
// are not precise (widen_imprecise_scalars at bpf_iter_*_next): the model backtracks precision marks
// and widens the same way, so it gives the kernel's verdict, message and instruction. The live kernel
// labels each program, in both directions (one it accepts, one it rejects).

import { describe, expect, it } from 'vitest';
import { encodeInstructions } from '../isa/index.js';
import { kernelBtf } from '../loader/index.js';
import { verifyProgram } from '../verifier/index.js';
import { requireRoot } from './support/references.js';
import { assembleCase, kernelVerify } from './support/verifier-live.js';

const canLoad = requireRoot();

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
    it(`the kernel's verdict: ${c.name}`, () => {
      const insns = assembleCase(c.asm);
      const k = kernelVerify('socket_filter', insns);
      expect(k.accepted).toBe(c.kernel);
      const m = verifyProgram(encodeInstructions(insns), { progType: 'socket_filter', kernelBtf: kernelBtf() });
      expect({ verdict: m.verdict, message: m.verdict === 'reject' ? m.message : undefined })
        .toEqual({ verdict: k.accepted ? 'accept' : 'reject', message: k.accepted ? undefined : k.message });
    });
  }
});
