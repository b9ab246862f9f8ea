// The speed pass: the model alone over the prepared corpus programs, one after the other in this
// process, timed per program. It runs before the kernel labels the corpus, so that the heap holds
// what the model needs (the prepared programs) and not the labels and logs of the run: with those
// (about 0.8 GB) every full collection the model's garbage started marked them too, 0.2 s a pause,
// and the concurrent marker's CPU landed on whichever programs ran then.

export interface ModelJob {
  readonly name: string;
  readonly run: () => unknown;
}

export interface ModelTimes {
  /** Per program: the median of its timed runs, CPU and wall milliseconds. */
  readonly perProgram: ReadonlyMap<string, { readonly cpuMs: number; readonly wallMs: number }>;
  /** CPU milliseconds of each timed pass as a whole (GC and everything between programs included). */
  readonly passCpuMs: readonly number[];
  /** CPU milliseconds of the untimed first pass (the process's one-time costs: V8 compiling the model, lazily built tables, helper probes). */
  readonly warmUpCpuMs: number;
}

const cpuNow = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/**
 * One untimed pass (costs a process pays once are not any program's: V8 compiling the model's
 * paths, tables built on first use, the harness's helper probes), then `passes` timed ones, each
 * program's median kept. CPU time is the process's (V8's GC and compiler threads included).
 * Every pass allocates the same, so a full collection tends to come at the same point of each
 * (--trace-gc: 24 and 54 s into passes of 30 s) and its marking to land on the same programs:
 * pass k starts k/passes of the way into the corpus and wraps around. The order is otherwise the
 * corpus's: in shuffled orders the same programs cost 12-18% more (the generated programs, two
 * alternating runs), presumably as neighbours of one family share the CPU's caches.
 */
export function timeModel(jobs: readonly ModelJob[], passes = 3): ModelTimes {
  const w0 = cpuNow();
  for (const j of jobs) j.run();
  const warmUpCpuMs = cpuNow() - w0;
  const cpu: number[][] = jobs.map(() => []);
  const wall: number[][] = jobs.map(() => []);
  const passCpuMs: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const p0 = cpuNow();
    const start = Math.floor((pass * jobs.length) / passes);
    for (let k = 0; k < jobs.length; k++) {
      const i = (start + k) % jobs.length;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      jobs[i]!.run();
      const c = process.cpuUsage(c0);
      cpu[i]!.push((c.user + c.system) / 1000);
      wall[i]!.push(performance.now() - t0);
    }
    passCpuMs.push(cpuNow() - p0);
  }
  const perProgram = new Map(jobs.map((j, i) => [j.name, { cpuMs: median(cpu[i]!), wallMs: median(wall[i]!) }]));
  return { perProgram, passCpuMs, warmUpCpuMs };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

