// The parts of the agreement corpus, and the slice `npm test` runs.

import type { CorpusProgram } from './corpus.js';
import { testVerifierCorpus } from './corpus.js';

/** The CI slice: a few hundred programs that label in seconds. */
export const SLICE_SUITES = ['test_verifier'] as const;

export function sliceCorpus(): CorpusProgram[] {
  return testVerifierCorpus();
}

export function fullCorpus(): CorpusProgram[] {
  return [...testVerifierCorpus()];
}
