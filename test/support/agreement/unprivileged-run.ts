// --caps unpriv: the root harness enables unprivileged BPF (unprivileged-bpf.ts), runs its own
// bundle again as nobody without capabilities, and restores the sysctl when the child ends, when
// it fails to start, and on SIGINT/SIGTERM (forwarded to the child). When the sysctl cannot be
// set it says why in one line and exits 2.

import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { enableUnprivilegedBpf, SETPRIV_UNPRIVILEGED } from '../unprivileged-bpf.js';

export function runUnprivilegedChild(bundle: string, args: readonly string[], env: NodeJS.ProcessEnv): void {
  const sysctl = enableUnprivilegedBpf();
  if ('reason' in sysctl) {
    console.error(`--caps unpriv: ${sysctl.reason}`);
    process.exitCode = 2;
    return;
  }
  // run-ts.mjs removes its bundle when this process's main returns, and keeps it to its owner:
  // the child runs a readable copy next to it (inside node_modules, where koffi resolves).
  let copy: string | undefined;
  const cleanUp = (): void => {
    sysctl.restore();
    if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
  };
  let child: ReturnType<typeof spawn> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    child?.kill(signal);
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanUp);
  try {
    copy = mkdtempSync(join(dirname(dirname(bundle)), 'tsbpf-unpriv-'));
    chmodSync(copy, 0o755);
    copyFileSync(bundle, join(copy, 'main.mjs'));
    chmodSync(join(copy, 'main.mjs'), 0o644);
    child = spawn('setpriv', [...SETPRIV_UNPRIVILEGED, '--', process.execPath, join(copy, 'main.mjs'), ...args], { stdio: 'inherit', env });
  } catch (e) {
    cleanUp();
    throw e;
  }
  child.on('error', (e) => {
    cleanUp();
    console.error(`--caps unpriv: cannot start the unprivileged child: ${e.message}`);
    process.exitCode = 2;
  });
  child.on('exit', (code, signal) => {
    cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}
