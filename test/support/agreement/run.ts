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
}

const profileIsRoot = (profile: ModelProfile): boolean => profile.capBpfOnly !== true && profile.unprivileged !== true;

export type CorpusEntry = CorpusProgram | ObjectProgram;

export function runAgreement(corpus: readonly CorpusEntry[], profile: ModelProfile = {}): AgreementRun {
  const comparisons: Comparison[] = [];
  let modelMs = 0;
  // Programs with a kernel verdict, for the speed pass: the kernel's time from its load with
  // BPF_LOG_STATS alone (log level 1 costs it time), and the model's run on the same input.
  const speedJobs: { name: string; kernelUsec: number; model: () => unknown; firstCpuMs: number; firstWallMs: number }[] = [];
  // Runs the model once, timed; keeps the job for the speed pass when the kernel gave a verdict.
  const modelRun = (name: string, label: KernelLabel, model: () => ModelOutcome): ModelOutcome => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const outcome = model();
    const cpu = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    if (label.kernel.kind === 'verdict' && label.kernelUsec !== undefined) {
      speedJobs.push({ name, kernelUsec: label.kernelUsec, model, firstCpuMs: (cpu.user + cpu.system) / 1000, firstWallMs: wall });
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
  // The speed pass (root loads only, whose figures bench/verifier.mjs reports): the model alone
  // over the prepared programs, one after the other in this process, without the harness's work
  // (loads, object parsing) in between. CPU time as well as wall time: on a shared machine the
  // wall time is mostly other processes'. Three passes, each program's median kept: the process's
  // CPU time includes V8's concurrent GC threads, whose work landed on whichever program ran
  // then: 4-7 ms charged to programs the model verifies in 0.06 ms. The other profiles keep the
  // labelling run's one time: their corpus has programs the model walks for seconds (the
  // CAP_BPF-only verifier's 1M-instruction walks), which three more passes would triple.
  const PASSES = profileIsRoot(profile) ? 3 : 0;
  const cpuMs: number[][] = speedJobs.map((j) => (PASSES === 0 ? [j.firstCpuMs] : []));
  const wallMs: number[][] = speedJobs.map((j) => (PASSES === 0 ? [j.firstWallMs] : []));
  for (let pass = 0; pass < PASSES; pass++) {
    speedJobs.forEach((j, i) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      j.model();
      const cpu = process.cpuUsage(c0);
      cpuMs[i]!.push((cpu.user + cpu.system) / 1000);
      wallMs[i]!.push(performance.now() - t0);
    });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const timings: ProgramTiming[] = speedJobs.map((j, i) => ({ name: j.name, modelMs: median(cpuMs[i]!), modelWallMs: median(wallMs[i]!), kernelUsec: j.kernelUsec }));
  rmSync(pinRoot, { recursive: true, force: true });
  const total = emptyFigures();
  const byArea = new Map<string, Figures>();
  for (const c of comparisons) {
    addTo(total, c);
    let f = byArea.get(c.area);
    if (f === undefined) byArea.set(c.area, (f = emptyFigures()));
    addTo(f, c);
  }
  return { comparisons, total, speedPasses: PASSES, byArea: new Map([...byArea].sort(([a], [b]) => a.localeCompare(b))), modelMs, timings };
}
