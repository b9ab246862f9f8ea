// The agreement run: every corpus program is labelled by the live kernel and given to the model;
// the comparisons are summed by area.

import type { CorpusProgram } from './corpus.js';
import { addTo, compare, type Comparison, emptyFigures, type Figures } from './compare.js';
import { type KernelOutcome, labelObjectProgram, labelWithKernel, LOG_STATS, verificationUsec, withPrepared } from './kernel-label.js';
import type { ProgramTiming } from './speed.js';
import { type ObjectProgram, prepareObjectProgram } from './object-corpus.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelOutcome, type ModelProfile, runModel } from './model-run.js';
import { type ModelJob, timeModel } from './speed-pass.js';

export interface AgreementRun {
  readonly comparisons: readonly Comparison[];
  readonly total: Figures;
  readonly byArea: ReadonlyMap<string, Figures>;
  /** Milliseconds spent in the model, all programs together (object preparation included). */
  readonly modelMs: number;
  /** Per program with a kernel verdict: the model's time and the kernel's own verification time. */
  readonly timings: readonly ProgramTiming[];
  /** The speed pass's CPU milliseconds per whole pass, and of its untimed first pass. */
  readonly passCpuMs: readonly number[];
  readonly warmUpCpuMs: number;
}

export type CorpusEntry = CorpusProgram | ObjectProgram;

/** The model's run of each program the harness can prepare, for the speed pass (speed-pass.ts). */
function modelJobs(corpus: readonly CorpusEntry[], profile: ModelProfile): ModelJob[] {
  const jobs: ModelJob[] = [];
  for (const p of corpus) {
    if ('objectPath' in p) {
      try {
        const prepared = prepareObjectProgram(p);
        jobs.push({ name: p.name, run: () => runModel({ ...p, expectedAttachType: prepared.expectedAttachType }, prepared, profile) });
      } catch {
        /* not prepared: the agreement counts it below */
      }
      continue;
    }
    // The model needs no open fd: it reads the map descriptions by number.
    withPrepared(p, (prepared) => {
      if (!('reason' in prepared)) jobs.push({ name: p.name, run: () => runModel(p, prepared, profile) });
    });
  }
  return jobs;
}

export function runAgreement(corpus: readonly CorpusEntry[], profile: ModelProfile = {}): AgreementRun {
  // The model's speed first, while the heap holds no labels (speed-pass.ts).
  const speed = timeModel(modelJobs(corpus, profile));
  const comparisons: Comparison[] = [];
  let modelMs = 0;
  // Programs with a kernel verdict, for the speed figures: the kernel's time from a second load
  // with BPF_LOG_STATS alone (log level 1 costs it time).
  const timings: ProgramTiming[] = [];
  const timed = (name: string, kernel: KernelOutcome, loadWithStats: () => KernelOutcome): void => {
    const model = speed.perProgram.get(name);
    if (kernel.kind !== 'verdict' || model === undefined) return;
    const usec = verificationUsec(loadWithStats());
    if (usec !== undefined) timings.push({ name, modelMs: model.cpuMs, modelWallMs: model.wallMs, kernelUsec: usec });
  };
  // Maps with pinning by name must not meet the system's pins.
  const pinRoot = mkdtempSync(join(tmpdir(), 'tsbpf-agreement-pins-'));
  for (const p of corpus) {
    if ('objectPath' in p) {
      const kernel = labelObjectProgram(p, pinRoot);
      const t0 = performance.now();
      let model: ModelOutcome;
      try {
        const prepared = prepareObjectProgram(p);
        model = runModel({ ...p, expectedAttachType: prepared.expectedAttachType }, prepared, profile);
        timed(p.name, kernel, () => labelObjectProgram(p, pinRoot, LOG_STATS));
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
      const model = runModel(p, prepared, profile);
      modelMs += performance.now() - t0;
      timed(p.name, kernel, () => labelWithKernel(p, prepared, LOG_STATS));
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
  return { comparisons, total, byArea: new Map([...byArea].sort(([a], [b]) => a.localeCompare(b))), modelMs, timings, passCpuMs: speed.passCpuMs, warmUpCpuMs: speed.warmUpCpuMs };
}
