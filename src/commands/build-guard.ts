// While tsbpf build runs a program module, the module may end the process itself
// (process.exit) or never finish (a top-level await nothing will settle: Node would exit 13
// without a word). Either way the object was not written: say so in one line, exit 2, and
// remove the temporary directory the bundle is in.

import { rmSync, writeSync } from 'node:fs';

/** Temporary directories of bundles being imported: removed however the process ends. */
export const pendingTemps = new Set<string>();

function removeTemps(): void {
  for (const t of pendingTemps) rmSync(t, { recursive: true, force: true });
  pendingTemps.clear();
}

function fail(line: string): void {
  try { writeSync(2, `${line}\n`); } catch { /* stderr is gone: the status still says it */ }
}

/** Watches the process until the returned function is called (after the object is written). */
export function guardBuild(file: string): () => void {
  let armed = true;
  const onBeforeExit = (): void => {
    // Nothing is left to run, yet the build has not finished: the module waits forever.
    if (!armed) return;
    armed = false;
    removeTemps();
    fail(`${file}: error: the module never finished loading or building (a top-level await, or a promise, that nothing settles)`);
    process.exit(2);
  };
  const onExit = (code: number): void => {
    if (!armed) return;
    armed = false;
    removeTemps();
    fail(`${file}: error: the module ended the process (process.exit(${code})) before the object was written`);
    process.exitCode = 2;
  };
  process.on('beforeExit', onBeforeExit);
  // First, before Node's own exit handlers (which turn an unsettled top-level await into 13).
  process.prependListener('exit', onExit);
  return () => {
    armed = false;
    process.off('beforeExit', onBeforeExit);
    process.off('exit', onExit);
  };
}
