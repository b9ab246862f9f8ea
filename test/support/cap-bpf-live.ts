// The live kernel's verdicts for a loader with CAP_BPF alone (or none): a child whose capability
// sets setpriv(1) reduces loads the cases (test/support/cap-bpf-child.ts). An unprivileged child
// is an ordinary user (nobody) and runs a bundle of the child made readable for it.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { ModelCase } from './verifier-cases.js';
import type { KernelVerdict } from './verifier-live.js';
import { SETPRIV_CAP_BPF, SETPRIV_NO_CAPS, SETPRIV_UNPRIVILEGED } from './setpriv.js';
import { enableUnprivilegedBpf } from './unprivileged-bpf.js';

const repo = join(import.meta.dirname, '../..');
const CHILD = 'test/support/cap-bpf-child.ts';

/** setpriv's arguments for a child whose only capability is CAP_BPF, or that has none. */
const SETPRIV: Readonly<Record<'bpf' | 'none', readonly string[]>> = { bpf: SETPRIV_CAP_BPF, none: SETPRIV_NO_CAPS };

function runChild(setpriv: readonly string[], entry: readonly string[], cases: readonly ModelCase[], what: string): KernelVerdict[] {
  const child = spawnSync('setpriv', [...setpriv, '--', process.execPath, ...entry], {
    cwd: repo, input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 256 << 20,
  });
  if (child.status !== 0) throw new Error(`${what} child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout) as KernelVerdict[];
}

/** The kernel's verdict on each case, loaded by a child with CAP_BPF alone (or no capability). */
export function kernelVerifyWithCaps(cases: readonly ModelCase[], caps: 'bpf' | 'none' = 'bpf'): KernelVerdict[] {
  return runChild(SETPRIV[caps], [join(repo, 'scripts/run-ts.mjs'), CHILD], cases, caps);
}

/**
 * The kernel's verdict on each case loaded by nobody without capabilities, with
 * kernel.unprivileged_bpf_disabled 0 while the child runs (set back at once); the reason instead
 * when the sysctl cannot be set.
 */
export function kernelVerifyUnprivileged(cases: readonly ModelCase[]): KernelVerdict[] | { readonly reason: string } {
  // Inside node_modules, where the bundle's import of koffi resolves.
  const cache = join(repo, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'tsbpf-unpriv-child-'));
  try {
    chmodSync(dir, 0o755);
    const outfile = join(dir, 'child.mjs');
    buildSync({ entryPoints: [join(repo, CHILD)], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, external: ['koffi', 'esbuild'], logLevel: 'error' });
    chmodSync(outfile, 0o644);
    const sysctl = enableUnprivilegedBpf();
    if ('reason' in sysctl) return sysctl;
    try {
      return runChild(SETPRIV_UNPRIVILEGED, [outfile], cases, 'unprivileged');
    } finally {
      sysctl.restore();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
