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

export interface AgreementRun {
  readonly comparisons: readonly Comparison[];
  readonly total: Figures;
  readonly byArea: ReadonlyMap<string, Figures>;
  /** Milliseconds spent in the model, all programs together (object preparation included). */
  readonly modelMs: number;
  /** Per program with a kernel verdict: the model's time and the kernel's own verification time. */
  readonly timings: readonly ProgramTiming[];
}

export type CorpusEntry = CorpusProgram | ObjectProgram;

export function runAgreement(corpus: readonly CorpusEntry[], profile: ModelProfile = {}): AgreementRun {
  const comparisons: Comparison[] = [];
  let modelMs = 0;
  // Programs with a kernel verdict, for the speed pass: the kernel's time from a second load with
  // BPF_LOG_STATS alone (log level 1 costs it time), and the model's run on the same input.
  const speedJobs: { name: string; kernelUsec: number; model: () => unknown }[] = [];
  const timed = (name: string, kernel: KernelOutcome, loadWithStats: () => KernelOutcome, model: () => unknown): void => {
    if (kernel.kind !== 'verdict') return;
    const usec = verificationUsec(loadWithStats());
    if (usec !== undefined) speedJobs.push({ name, kernelUsec: usec, model });
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
        const run = (): ModelOutcome => runModel({ ...p, expectedAttachType: prepared.expectedAttachType }, prepared, profile);
        model = run();
        timed(p.name, kernel, () => labelObjectProgram(p, pinRoot, LOG_STATS), run);
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
      // The model needs no open fd: it reads the map descriptions by number.
      timed(p.name, kernel, () => labelWithKernel(p, prepared, LOG_STATS), () => runModel(p, prepared, profile));
      return compare(p.name, p.area, kernel, model, p.annotation);
    }));
  }
  // The speed pass: the model alone over the prepared programs, one after the other in this
  // process, without the harness's work (loads, object parsing) in between.
  // CPU time as well as wall time: on a shared machine the wall time is mostly other processes'.
  // Three passes, each program's median kept: the process's CPU time includes V8's concurrent
  // GC threads, whose work on this large heap (every label and log of the run) landed on
  // whichever program ran then: 4-7 ms charged to programs the model verifies in 0.06 ms.
  const PASSES = 3;
  const cpuMs: number[][] = speedJobs.map(() => []);
  const wallMs: number[][] = speedJobs.map(() => []);
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
  return { comparisons, total, byArea: new Map([...byArea].sort(([a], [b]) => a.localeCompare(b))), modelMs, timings };
}
