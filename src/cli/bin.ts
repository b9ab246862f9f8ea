// Entry point of the `tsbpf` executable, and of the worker thread tsbpf build runs a program
// module in (the same bundle started again).
import { isBuildWorker, serveBuild, useBuildWorker } from '../commands/build-worker.js';
import { describeFailure, loadCommands, mainAsync } from './main.js';

if (isBuildWorker()) {
  await loadCommands(['build']);
  await serveBuild(describeFailure);
} else {
  useBuildWorker(new URL(import.meta.url));
  // Exit as soon as the command is done: nothing of the program module's may keep it alive.
  process.exit(await mainAsync(process.argv.slice(2)));
}
