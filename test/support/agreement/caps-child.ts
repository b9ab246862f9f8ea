// --caps bpf and --caps unpriv: the root harness runs its own bundle again under setpriv(1) as the
// reduced loader (CAP_BPF alone; nobody without capabilities), the child's output streaming to
// this process's. For unpriv it first enables unprivileged BPF (unprivileged-bpf.ts, under its
// lock) and puts the sysctl back when the child ends, when it fails to start, and on
// SIGINT/SIGTERM (forwarded to the child); when the sysctl cannot be set it says why in one line
// and exits 2.

import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SETPRIV_CAP_BPF, SETPRIV_UNPRIVILEGED } from '../setpriv.js';
import { enableUnprivilegedBpf } from '../unprivileged-bpf.js';

export function runCapsChild(caps: 'bpf' | 'unpriv', bundle: string, args: readonly string[], env: NodeJS.ProcessEnv): void {
  let restoreSysctl = (): void => {};
  if (caps === 'unpriv') {
    const sysctl = enableUnprivilegedBpf();
    if ('reason' in sysctl) {
      console.error(`--caps unpriv: ${sysctl.reason}`);
      process.exitCode = 2;
      return;
    }
    restoreSysctl = () => sysctl.restore();
  }
  // run-ts.mjs removes its bundle when this process's main returns, and keeps it to its owner:
  // the child runs a readable copy next to it (inside node_modules, where koffi resolves).
  let copy: string | undefined;
  const cleanUp = (): void => {
    restoreSysctl();
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
    copy = mkdtempSync(join(dirname(dirname(bundle)), `tsbpf-caps-${caps}-`));
    chmodSync(copy, 0o755);
    copyFileSync(bundle, join(copy, 'main.mjs'));
    chmodSync(join(copy, 'main.mjs'), 0o644);
    const setpriv = caps === 'bpf' ? SETPRIV_CAP_BPF : SETPRIV_UNPRIVILEGED;
    child = spawn('setpriv', [...setpriv, '--', process.execPath, join(copy, 'main.mjs'), ...args], { stdio: 'inherit', env });
  } catch (e) {
    cleanUp();
    throw e;
  }
  child.on('error', (e) => {
    cleanUp();
    console.error(`--caps ${caps}: cannot start the child: ${e.message}`);
    process.exitCode = 2;
  });
  child.on('exit', (code, signal) => {
    cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}
