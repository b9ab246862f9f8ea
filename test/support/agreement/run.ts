// The agreement run: every corpus program is labelled by the live kernel and given to the model;
// the comparisons are summed by area.

import type { CorpusProgram } from './corpus.js';
import { addTo, compare, type Comparison, emptyFigures, type Figures } from './compare.js';
import { labelObjectProgram, labelWithKernel, withPrepared } from './kernel-label.js';
import { type ObjectProgram, prepareObjectProgram } from './object-corpus.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelOutcome, runModel } from './model-run.js';

export interface AgreementRun {
  readonly comparisons: readonly Comparison[];
  readonly total: Figures;
  readonly byArea: ReadonlyMap<string, Figures>;
  /** Milliseconds spent in the model, all programs together. */
  readonly modelMs: number;
}

export type CorpusEntry = CorpusProgram | ObjectProgram;

export function runAgreement(corpus: readonly CorpusEntry[]): AgreementRun {
  const comparisons: Comparison[] = [];
  let modelMs = 0;
  // Maps with pinning by name must not meet the system's pins.
  const pinRoot = mkdtempSync(join(tmpdir(), 'tsbpf-agreement-pins-'));
  for (const p of corpus) {
    if ('objectPath' in p) {
      const kernel = labelObjectProgram(p, pinRoot);
      const t0 = performance.now();
      let model: ModelOutcome;
      try {
        const prepared = prepareObjectProgram(p);
        model = runModel({ ...p, expectedAttachType: prepared.expectedAttachType }, prepared);
      } catch (e) {
        model = { kind: 'not-modelled', reason: `preparation: ${(e as Error).message}` };
      }
      modelMs += performance.now() - t0;
      comparisons.push(compare(p.name, p.area, kernel, model));
      continue;
    }
    comparisons.push(withPrepared(p, (prepared) => {
      if ('reason' in prepared) {
        return compare(p.name, p.area, { kind: 'not-replayed', reason: prepared.reason }, { kind: 'not-modelled', reason: 'not replayed' });
      }
      const kernel = labelWithKernel(p, prepared);
      const t0 = performance.now();
      const model = runModel(p, prepared);
      modelMs += performance.now() - t0;
      return compare(p.name, p.area, kernel, model, p.annotation);
    }));
  }
  rmSync(pinRoot, { recursive: true, force: true });
  const total = emptyFigures();
  const byArea = new Map<string, Figures>();
  for (const c of comparisons) {
    addTo(total, c);
    let f = byArea.get(c.area);
    if (f === undefined) byArea.set(c.area, (f = emptyFigures()));
    addTo(f, c);
  }
  return { comparisons, total, byArea: new Map([...byArea].sort(([a], [b]) => a.localeCompare(b))), modelMs };
}
