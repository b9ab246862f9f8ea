// The CI slice of the verifier agreement corpus (docs/verifier.md): every test_verifier program is
// labelled by the live kernel in this run (never from the selftests' annotations) and given to the
// model. Fails on any unsound accept (the model accepts what the kernel rejects) and on agreement
// below the figures recorded by the last `npm run verifier:agreement -- --write-docs`.
// Also re-runs the corpus conversion from Debian's linux-source-6.12 with --check when it is installed.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR } from './support/agreement/corpus.js';
import { runAgreement } from './support/agreement/run.js';
import { GENERATED_SLICE_PER_KIND, sliceCorpus } from './support/agreement/suites.js';
import { generatedCorpus } from './support/agreement/generated-corpus.js';
import { inCI, isRoot } from './support/references.js';

const TARBALL = '/usr/src/linux-source-6.12.tar.xz';
const knownUnsound = (JSON.parse(readFileSync(join(CORPUS_DIR, 'known-unsound.json'), 'utf8')) as { programs: { name: string }[] }).programs.map((p) => p.name).sort();
const recorded = JSON.parse(readFileSync(join(CORPUS_DIR, 'agreement.json'), 'utf8')) as {
  slice: { programs: number; acceptAgreement: number; rejectAgreement: number; sameMessage: number };
};

describe('the verifier agreement corpus', () => {
  it.skipIf(!existsSync(TARBALL) && !inCI)('test_verifier.json is what the converter makes of linux-source-6.12 (--check)', () => {
    const r = spawnSync('node', [join(import.meta.dirname, '../scripts/verifier-corpus/build-old.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 300_000);

  it.skipIf(!existsSync(TARBALL) && !inCI)('progs/*.o are what clang-19 makes of linux-source-6.12 progs/verifier_*.c (--check)', () => {
    const r = spawnSync('node', [join(import.meta.dirname, '../scripts/verifier-corpus/build-progs.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 600_000);

  it.skipIf(!isRoot() && !inCI)('no unsound accept beyond the known list, and agreement at least as recorded', () => {
    const corpus = sliceCorpus();
    expect(corpus.length).toBe(recorded.slice.programs);
    const run = runAgreement(corpus);
    // Every unsound accept fails the test, except the known model bugs listed (with the reason) in
    // known-unsound.json; one of those that is fixed must leave the list.
    const unsound = run.comparisons.filter((c) => c.category === 'unsound').map((c) => c.name).sort();
    expect(unsound).toEqual(knownUnsound);
    const t = run.total;
    // The kernel labelled most of the slice here (a few programs need BTF maps or are refused by policy).
    expect(t.kernelAccepts + t.kernelRejects).toBeGreaterThan(corpus.length * 0.9);
    expect(t.acceptAgree / Math.max(1, t.kernelAccepts)).toBeGreaterThanOrEqual(recorded.slice.acceptAgreement - 1e-9);
    expect(t.rejectAgree / Math.max(1, t.kernelRejects)).toBeGreaterThanOrEqual(recorded.slice.rejectAgreement - 1e-9);
    expect(t.sameMessage / Math.max(1, t.kernelRejects)).toBeGreaterThanOrEqual(recorded.slice.sameMessage - 1e-9);
  }, 120_000);

  // The first seeds of every generated kind (the full set is in npm run verifier:agreement): the
  // kernel labels each here; the model must give its verdict, final message and instruction.
  it.skipIf(!isRoot() && !inCI)('generated near misses (first seeds of each kind): the model agrees on every one', () => {
    const corpus = generatedCorpus(GENERATED_SLICE_PER_KIND);
    const run = runAgreement(corpus);
    expect(run.comparisons.filter((c) => c.category === 'unsound').map((c) => c.name)).toEqual([]);
    const t = run.total;
    // Both outcomes are reached: the kinds are near misses, not all rejects.
    expect(t.kernelAccepts).toBeGreaterThan(corpus.length / 5);
    expect(t.kernelRejects).toBeGreaterThan(corpus.length / 5);
    expect(run.comparisons.filter((c) => c.category !== 'agree').map((c) => `${c.category}: ${c.name}`)).toEqual([]);
  }, 120_000);
});
