// Where the model marks scalars precise, against the live kernel: for each case of
// test/support/verifier-cases-precision-sites.ts the `mark_precise:` lines of the level-2 log
// (which register or slot was backtracked from which instruction, and the states marked) and the
// `processed N insns` line are the kernel's, and so is the verdict.

import { describe, expect, it } from 'vitest';
import { requireRoot } from './support/references.js';
import { precisionSiteCases } from './support/verifier-cases-precision-sites.js';
import { kptrCases } from './support/verifier-cases-kptr.js';
import { levelTwoLogs } from './support/level-two-logs.js';
import { kernelBtf } from '../loader/index.js';
import type { ModelCase } from './support/verifier-cases.js';

const canLoad = requireRoot();

/** check_kfunc_args: a `__k` argument (bpf_rdonly_cast's type id, the running kernel's task_struct) must be a known constant. */
const rdonlyCast = (): ModelCase[] => {
  const task = canLoad ? kernelBtf().findOne('task_struct', 'STRUCT') : undefined;
  return task === undefined ? [] : [{ name: "bpf_rdonly_cast's constant type id", type: 'tracepoint', asm: ['r1 = 0', `r2 = ${task}`, 'call_kfunc bpf_rdonly_cast', 'r0 = 0', 'exit'] }];
};

// check_map_kptr_access: a NULL kptr store is valid because the stored scalar is 0.
const cases = [...precisionSiteCases, ...kptrCases.filter((c) => c.name === 'kptr: NULL stored to an untrusted kptr'), ...rdonlyCast()];

const marks = (log: readonly string[]): string[] => log.filter((l) => l.startsWith('mark_precise:'));
const processed = (log: readonly string[]): string | undefined => log.find((l) => l.startsWith('processed '));

describe.skipIf(!canLoad)('precision marks and pruning against the live kernel', () => {
  it('finds the kptr and kfunc cases', () => expect(cases.length).toBe(precisionSiteCases.length + 2));

  for (const c of cases) {
    it(`${c.type}: ${c.name}`, () => {
      const { kernel, model } = levelTwoLogs(c);
      expect(marks(model)).toEqual(marks(kernel));
      expect(processed(model)).toEqual(processed(kernel));
    });
  }

  it('the cases make the kernel mark something', () => {
    const marking = cases.filter((c) => marks(levelTwoLogs(c).kernel).length > 0).length;
    expect(marking).toBeGreaterThan(cases.length / 2);
  });
});
