// kernel.unprivileged_bpf_disabled is global: a run that sets it to 0 holds an exclusive flock(2)
// on one file until it has put the value back, so that another run (another worktree's harness or
// test) waits instead of restoring it under the first. flock(1) stands for the other run here.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { enableUnprivilegedBpf, UNPRIVILEGED_BPF_DISABLED, UNPRIVILEGED_BPF_LOCK } from './support/unprivileged-bpf.js';
import { requireReferences, requireRoot } from './support/references.js';

const sysctl = (): string => readFileSync(UNPRIVILEGED_BPF_DISABLED, 'utf8').trim();
// 1 is sticky (only a reboot clears it): no run can set it to 0, so there is nothing to lock.
const canTest = requireRoot() && requireReferences('flock') && sysctl() !== '1';

describe.skipIf(!canTest)('the unprivileged BPF sysctl lock', () => {
  it('a run waits while another holds the lock, and gets it once that one lets go', async () => {
    const before = sysctl();
    // Another run holds the lock for 1.5 s.
    const other = spawn('flock', ['--exclusive', UNPRIVILEGED_BPF_LOCK, 'sleep', '1.5']);
    await new Promise((r) => setTimeout(r, 300));
    const refused = enableUnprivilegedBpf(200);
    expect(refused).toEqual({ reason: `another run has held ${UNPRIVILEGED_BPF_LOCK} (kernel.unprivileged_bpf_disabled at 0) for more than 0.2 s` });
    expect(sysctl()).toBe(before);
    const t0 = Date.now();
    const held = enableUnprivilegedBpf(10_000);
    expect('reason' in held ? held.reason : 'held').toBe('held');
    expect(Date.now() - t0).toBeGreaterThan(500);
    await new Promise((r) => other.on('exit', r));
    if (!('reason' in held)) {
      expect(sysctl()).toBe('0');
      // While this run holds it, another cannot take it.
      expect(spawnSync('flock', ['--exclusive', '--nonblock', UNPRIVILEGED_BPF_LOCK, 'true']).status).toBe(1);
      held.restore();
    }
    expect(sysctl()).toBe(before);
    expect(spawnSync('flock', ['--exclusive', '--nonblock', UNPRIVILEGED_BPF_LOCK, 'true']).status).toBe(0);
  }, 20_000);
});
