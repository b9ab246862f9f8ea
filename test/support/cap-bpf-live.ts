// The live kernel's verdicts for a loader with CAP_BPF alone (or none): a child whose capability
// sets setpriv(1) reduces loads the cases (test/support/cap-bpf-child.ts).

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelCase } from './verifier-cases.js';
import type { KernelVerdict } from './verifier-live.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** setpriv's arguments for a child whose only capability is CAP_BPF, or that has none. */
const SETPRIV: Readonly<Record<'bpf' | 'none', readonly string[]>> = {
  bpf: ['--inh-caps=-all,+bpf', '--ambient-caps=+bpf', '--bounding-set=-all,+bpf'],
  none: ['--inh-caps=-all', '--bounding-set=-all'],
};

/** The kernel's verdict on each case, loaded by a child with CAP_BPF alone (or no capability). */
export function kernelVerifyWithCaps(cases: readonly ModelCase[], caps: 'bpf' | 'none' = 'bpf'): KernelVerdict[] {
  const child = spawnSync('setpriv', [...SETPRIV[caps], '--', process.execPath, join(repo, 'scripts/run-ts.mjs'), 'test/support/cap-bpf-child.ts'], {
    cwd: repo, input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 256 << 20,
  });
  if (child.status !== 0) throw new Error(`${caps} child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout) as KernelVerdict[];
}
