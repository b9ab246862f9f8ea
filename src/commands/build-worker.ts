// tsbpf build runs the user's program module in a worker thread with a time and a heap budget:
// a module that waits on a long timer, loops forever, ends its thread (process.exit) or allocates
// without end is stopped and reported in one line, and its bundle's temporary directory removed,
// whatever it did. The worker is the CLI's own bundle started again (see bin.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { TsbpfError } from '../../isa/index.js';
import { BuildError } from './build-error.js';
import { BUILD_WORKER_ARG, WorkerBuildFailure } from './build-worker-handle.js';

export { buildWorkerScript } from './build-worker-handle.js';

export interface BuildBudget {
  /** Milliseconds from the start of the module's bundling to the object's bytes. */
  readonly timeoutMs: number;
  /** The worker's old-generation heap, in megabytes. */
  readonly maxHeapMb: number;
}

/** Generous for a program at the kernel's 1,000,000-instruction limit (~15 s on a loaded 2-core machine, ~330 MB of heap). */
export const DEFAULT_BUILD_BUDGET: BuildBudget = { timeoutMs: 120_000, maxHeapMb: 1024 };

interface Request { readonly tsbpfBuild: { readonly file: string; readonly tmp: string; readonly drained: Int32Array } }
/** What the worker answers: the object, or the one line and exit status of its failure. */
type Reply = { readonly bytes: Uint8Array } | { readonly line: string; readonly status: number; readonly stack?: string };

/** Formats a failure in the worker as the CLI would print it. */
export type FailureLine = (e: unknown, file: string) => { line: string; status: number; stack?: string };

/** True in a worker started by buildInWorker. */
export function isBuildWorker(): boolean {
  return !isMainThread && typeof (workerData as Partial<Request> | null)?.tsbpfBuild === 'object';
}

/** The worker's side: builds the module and answers once. */
export async function serveBuild(describe: FailureLine): Promise<void> {
  const { file, tmp, drained } = (workerData as Request).tsbpfBuild;
  // Nothing left to run and no answer yet: a promise nothing settles.
  process.on('beforeExit', () => { Atomics.store(drained, 0, 1); });
  let reply: Reply;
  try {
    // Imported here: the CLI's start-up does not load the compiler for the other commands.
    const { buildProgramFile } = await import('./build.js');
    const bytes = await buildProgramFile(file, tmp);
    reply = { bytes };
  } catch (e) {
    reply = describe(e, file);
  }
  parentPort!.postMessage(reply, 'bytes' in reply ? [reply.bytes.buffer as ArrayBuffer] : []);
}


/** The main thread's side: the module's object bytes, or a BuildError saying why there are none. */
export function buildInWorker(script: URL, file: string, budget: BuildBudget = DEFAULT_BUILD_BUDGET): Promise<Uint8Array> {
  const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-build-'));
  const drained = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(script, {
    workerData: { tsbpfBuild: { file, tmp, drained } } satisfies Request,
    // The executable tells a worker from a command by this argument before loading worker_threads.
    argv: [BUILD_WORKER_ARG],
    resourceLimits: { maxOldGenerationSizeMb: budget.maxHeapMb },
  });
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Now: the process may exit as soon as the caller has the answer.
      rmSync(tmp, { recursive: true, force: true });
      fn();
      // The module's timers and handles end with its thread.
      void worker.terminate();
    };
    const fail = (reason: string): void => finish(() => reject(new BuildError(file, reason)));
    const timer = setTimeout(() => fail(`the module did not finish loading or building within ${budget.timeoutMs / 1000} s (a timer or a loop that does not end; --timeout SECONDS allows longer)`), budget.timeoutMs);
    worker.on('message', (reply: Reply) => finish(() => {
      if ('bytes' in reply) resolve(reply.bytes);
      else reject(new WorkerBuildFailure(reply.line, reply.status, reply.stack));
    }));
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') fail(`the module needed more than ${budget.maxHeapMb} MB of heap while loading or building (--max-heap MB allows more)`);
      else finish(() => reject(e instanceof TsbpfError ? e : new WorkerBuildFailure(`tsbpf: internal error: the build worker failed: ${e.name}: ${e.message} (please report it; TSBPF_DEBUG=1 shows where)`, 3, e.stack)));
    });
    worker.on('exit', (code) => {
      if (Atomics.load(drained, 0) === 1) fail('the module never finished loading or building (a top-level await, or a promise, that nothing settles)');
      else fail(`the module ended the process (process.exit(${code})) before the object was written`);
    });
  });
}
