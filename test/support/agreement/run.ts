// The agreement run: every corpus program is labelled by the live kernel and given to the model;
// the comparisons are summed by area.

import type { CorpusProgram } from './corpus.js';
import { addTo, compare, type Comparison, emptyFigures, type Figures } from './compare.js';
import { type KernelLabel, labelObjectProgram, labelWithKernel, labelWithStatistics, withPrepared } from './kernel-label.js';
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
  /** How many model-only passes gave the timings (0: the labelling run's one time). */
  readonly speedPasses: number;
  /** The speed pass's CPU milliseconds per whole pass, and of its untimed first pass. */
  readonly passCpuMs: readonly number[];
  readonly warmUpCpuMs: number;
}

const profileIsRoot = (profile: ModelProfile): boolean => profile.capBpfOnly !== true && profile.unprivileged !== true;

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
  // Root runs (whose figures bench/verifier.mjs reports) time the model first, while the heap
  // holds no labels (speed-pass.ts). The other profiles keep the labelling run's one time: their
  // corpus has programs the model walks for seconds (the CAP_BPF-only verifier's 1M-instruction
  // walks), which more passes would multiply.
  const speed = profileIsRoot(profile) ? timeModel(modelJobs(corpus, profile)) : undefined;
  const comparisons: Comparison[] = [];
  let modelMs = 0;
  // Programs with a kernel verdict and time (its load with BPF_LOG_STATS alone: log level 1 costs it time).
  const timings: ProgramTiming[] = [];
  // Runs the model once, timed; records the program's timing when the kernel gave a verdict.
  const modelRun = (name: string, label: KernelLabel, model: () => ModelOutcome): ModelOutcome => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const outcome = model();
    const cpu = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    if (label.kernel.kind === 'verdict' && label.kernelUsec !== undefined) {
      const timed = speed === undefined ? { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: wall } : speed.perProgram.get(name);
      if (timed !== undefined) timings.push({ name, modelMs: timed.cpuMs, modelWallMs: timed.wallMs, kernelUsec: label.kernelUsec });
    }
    return outcome;
  };
  // Maps with pinning by name must not meet the system's pins.
  const pinRoot = mkdtempSync(join(tmpdir(), 'tsbpf-agreement-pins-'));
  for (const p of corpus) {
    if ('objectPath' in p) {
      const label = labelWithStatistics((logLevel) => labelObjectProgram(p, pinRoot, logLevel));
      const t0 = performance.now();
      let model: ModelOutcome;
      try {
        const prepared = prepareObjectProgram(p);
        model = modelRun(p.name, label, () => runModel({ ...p, expectedAttachType: prepared.expectedAttachType }, prepared, profile));
      } catch (e) {
        model = { kind: 'not-modelled', reason: `preparation: ${(e as Error).message}` };
      }
      modelMs += performance.now() - t0;
      comparisons.push(compare(p.name, p.area, label.kernel, model));
      continue;
    }
    comparisons.push(withPrepared(p, (prepared) => {
      if ('reason' in prepared) {
        return compare(p.name, p.area, { kind: 'not-replayed', reason: prepared.reason }, { kind: 'not-modelled', reason: 'not replayed' });
      }
      const label = labelWithStatistics((logLevel) => labelWithKernel(p, prepared, logLevel));
      const t0 = performance.now();
      // The model needs no open fd: it reads the map descriptions by number.
      const model = modelRun(p.name, label, () => runModel(p, prepared, profile));
      modelMs += performance.now() - t0;
      return compare(p.name, p.area, label.kernel, model, p.annotation);
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
  return { comparisons, total, speedPasses: speed === undefined ? 0 : speed.passCpuMs.length, byArea: new Map([...byArea].sort(([a], [b]) => a.localeCompare(b))), modelMs, timings, passCpuMs: speed?.passCpuMs ?? [], warmUpCpuMs: speed?.warmUpCpuMs ?? 0 };
}
