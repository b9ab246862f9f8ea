// The model's speed against the kernel's: per program, the model's time (verifyProgram, in this
// process) and the kernel's own `verification time N usec` (BPF_LOG_STATS); over the corpus, the
// ratio of the sums (issue 10: at most 3×) and the programs slower than 10× their kernel time.
// The model's time is this process's CPU time (all its threads: GC included); its wall time is
// kept too, but on a shared machine it is mostly the other processes' (the kernel's verifier does
// not give the CPU up while it verifies a program).

export interface ProgramTiming {
  readonly name: string;
  /** The model's CPU time in the speed pass (speed-pass.ts), milliseconds, the median of its three timed runs; preparation of objects not included. */
  readonly modelMs: number;
  /** The same run's wall time, milliseconds. */
  readonly modelWallMs: number;
  /** The kernel's `verification time`, microseconds. */
  readonly kernelUsec: number;
}

export interface SpeedFigures {
  readonly programs: number;
  readonly modelMs: number;
  readonly modelWallMs: number;
  readonly kernelMs: number;
  /** modelMs / kernelMs. */
  readonly ratio: number;
  /** Programs whose own ratio exceeds 10. */
  readonly over10: number;
  /** The slowest programs against their kernel time, worst first. */
  readonly worst: readonly (ProgramTiming & { readonly ratio: number })[];
  /** CPU milliseconds of each whole timed pass over every prepared program (speed-pass.ts), and of the untimed first one. */
  readonly passCpuMs?: readonly number[];
  readonly warmUpCpuMs?: number;
  /** Every program's timing, in corpus order. */
  readonly timings: readonly ProgramTiming[];
}

/** What the speed pass measured besides the programs (speed-pass.ts ModelTimes). */
export interface PassFigures {
  readonly passCpuMs: readonly number[];
  readonly warmUpCpuMs: number;
}

/** Per-program ratio; the kernel's time is at least 1 usec (it prints whole microseconds). */
const ratioOf = (t: ProgramTiming): number => (t.modelMs * 1000) / Math.max(1, t.kernelUsec);

export function speedFigures(timings: readonly ProgramTiming[], passes?: PassFigures, worst = 15): SpeedFigures {
  const modelMs = timings.reduce((a, t) => a + t.modelMs, 0);
  const modelWallMs = timings.reduce((a, t) => a + t.modelWallMs, 0);
  const kernelMs = timings.reduce((a, t) => a + t.kernelUsec, 0) / 1000;
  const ranked = timings.map((t) => ({ ...t, ratio: ratioOf(t) })).sort((a, b) => b.ratio - a.ratio);
  return { programs: timings.length, modelMs, modelWallMs, kernelMs, ratio: modelMs / Math.max(kernelMs, 1e-3), over10: ranked.filter((t) => t.ratio > 10).length, worst: ranked.slice(0, worst),
    ...(passes === undefined ? {} : { passCpuMs: passes.passCpuMs, warmUpCpuMs: passes.warmUpCpuMs }), timings };
}

/** The speed paragraph: the ratio of the sums, how many programs exceed 10×, the worst ones. */
export function speedReport(f: SpeedFigures): string[] {
  return [
    `Model ${f.modelMs.toFixed(0)} ms of CPU (${f.modelWallMs.toFixed(0)} ms wall) against the kernel's own verification time ${f.kernelMs.toFixed(0)} ms over ${f.programs} programs: ${f.ratio.toFixed(2)}× (target ≤ 3×); ${f.over10} programs slower than 10× their kernel time.`,
    ...(f.passCpuMs === undefined ? [] : [`Whole passes over every prepared program (GC included): ${f.passCpuMs.map((ms) => ms.toFixed(0)).join(', ')} ms of CPU, after an untimed first pass of ${f.warmUpCpuMs!.toFixed(0)} ms.`]),
    'Slowest against their kernel time (model CPU ms / kernel usec):',
    ...f.worst.map((t) => `- ${t.name}: ${t.modelMs.toFixed(2)} ms / ${t.kernelUsec} usec = ${t.ratio.toFixed(1)}×`),
  ];
}
