// Entry point of the `tsbpf` executable, and of the worker thread tsbpf build runs a program
// module in (the same bundle started again, with BUILD_WORKER_ARG).
import { BUILD_WORKER_ARG, useBuildWorker } from '../commands/build-worker-handle.js';
import { describeFailure, loadCommands, mainAsync } from './main.js';

/** The worker's side, loaded only in a thread started as the build worker. */
async function serveWorker(): Promise<boolean> {
  const worker = await import('../commands/build-worker.js');
  if (!worker.isBuildWorker()) return false;
  await loadCommands(['build']);
  await worker.serveBuild(describeFailure);
  return true;
}

async function run(): Promise<void> {
  if (process.argv[2] === BUILD_WORKER_ARG && await serveWorker()) return;
  useBuildWorker(new URL(import.meta.url));
  // Exit as soon as the command is done: nothing of the program module's may keep it alive.
  process.exit(await mainAsync(process.argv.slice(2)));
}

// No top-level await: the CLI's chunks are also compiled as CommonJS (scripts/cli-cjs.mjs).
void run();
