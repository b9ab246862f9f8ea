// The compiler against an independent semantics: random well-typed programs of the integer
// subset (test/support/lang-programs.ts) are compiled, loaded and run in the kernel with
// BPF_PROG_TEST_RUN, and each result is compared with the reference evaluator's.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runArgsProgram } from './support/lang-kernel.js';
import { evaluate, inputArb, printProgram, programArb } from './support/lang-programs.js';
import { requireRoot } from './support/references.js';

const ok = requireRoot();

describe.skipIf(!ok)('compiled programs agree with the reference evaluator in the kernel', () => {
  it('random programs of the integer subset (expressions, locals, branches, loops)', () => {
    fc.assert(fc.property(programArb, fc.array(fc.array(inputArb, { minLength: 4, maxLength: 4 }), { minLength: 3, maxLength: 3 }), (p, vectors) => {
      const got = runArgsProgram(printProgram(p), vectors);
      const want = vectors.map((v) => evaluate(p, v));
      expect(got, printProgram(p)).toEqual(want);
    }), { numRuns: Number(process.env.TSBPF_PROPERTY_RUNS ?? 150), seed: Number(process.env.TSBPF_PROPERTY_SEED ?? 20261207) });
  }, 600_000);
});
