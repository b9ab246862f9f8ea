// What the CLI's start-up needs of tsbpf build's worker (build-worker.ts), without loading
// node:worker_threads, which costs every other command several milliseconds.

/** The argument the worker is started with: bin.ts loads the worker's side only when it is there. */
export const BUILD_WORKER_ARG = '--tsbpf-build-worker';

let workerScript: URL | undefined;
/** The executable's own module: build runs it again as the worker (from sources, builds run in-process). */
export function useBuildWorker(script: URL): void { workerScript = script; }
export function buildWorkerScript(): URL | undefined { return workerScript; }

/** A build failure the worker reported: printed as it is, with its exit status. */
export class WorkerBuildFailure extends Error {
  constructor(readonly line: string, readonly status: number, readonly workerStack?: string) { super(line); }
}
