// Where the model marks scalars precise, against the live kernel: for each case of
// test/support/verifier-cases-precision-sites.ts the `mark_precise:` lines of the level-2 log
// (which register or slot was backtracked from which instruction, and the states marked) and the
// `processed N insns` line are the kernel's, and so is the verdict.

import { describe, expect, it } from 'vitest';
import { requireRoot } from './support/references.js';
import { precisionSiteCases } from './support/verifier-cases-precision-sites.js';
import { levelTwoLogs } from './support/level-two-logs.js';

const canLoad = requireRoot();

const marks = (log: readonly string[]): string[] => log.filter((l) => l.startsWith('mark_precise:'));
const processed = (log: readonly string[]): string | undefined => log.find((l) => l.startsWith('processed '));

describe.skipIf(!canLoad)('precision marks and pruning against the live kernel', () => {
  for (const c of precisionSiteCases) {
    it(`${c.type}: ${c.name}`, () => {
      const { kernel, model } = levelTwoLogs(c);
      expect(marks(model)).toEqual(marks(kernel));
      expect(processed(model)).toEqual(processed(kernel));
    });
  }

  it('the cases make the kernel mark something', () => {
    const marking = precisionSiteCases.filter((c) => marks(levelTwoLogs(c).kernel).length > 0).length;
    expect(marking).toBeGreaterThan(precisionSiteCases.length / 2);
  });
});
