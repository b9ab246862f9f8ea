// The agreement run's speed pass (test/support/agreement/speed-pass.ts): one untimed pass, then
// the timed passes in corpus order, each starting a third further in, each program's median kept.

import { describe, expect, it } from 'vitest';
import { type ModelJob, timeModel } from './support/agreement/speed-pass.js';

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Spins until this process has used `ms` more milliseconds of CPU. */
function burn(ms: number): void {
  const end = cpuMs() + ms;
  while (cpuMs() < end) { /* spin */ }
}

describe('the speed pass', () => {
  it('runs every program once untimed, then once per pass, in corpus order from a later start each pass', () => {
    const calls: number[] = [];
    const jobs: ModelJob[] = Array.from({ length: 40 }, (_, i) => ({ name: `p${i}`, run: () => calls.push(i) }));
    const t = timeModel(jobs, 3);
    expect(calls).toHaveLength(160);
    const inOrder = jobs.map((_, i) => i);
    const rotated = (start: number): number[] => [...inOrder.slice(start), ...inOrder.slice(0, start)];
    expect(calls.slice(0, 40)).toEqual(inOrder);
    expect(calls.slice(40, 80)).toEqual(inOrder);
    expect(calls.slice(80, 120)).toEqual(rotated(13));
    expect(calls.slice(120, 160)).toEqual(rotated(26));
    expect([...t.perProgram.keys()]).toEqual(jobs.map((j) => j.name));
    expect(t.passCpuMs).toHaveLength(3);
  });

  it('keeps the median of the timed runs, not the untimed first one', () => {
    // CPU milliseconds of the untimed run, then of the three timed ones.
    const costs = [60, 2, 30, 10];
    let call = 0;
    const t = timeModel([{ name: 'p', run: () => burn(costs[call++]!) }], 3);
    const p = t.perProgram.get('p')!;
    expect(p.cpuMs).toBeGreaterThanOrEqual(10);
    expect(p.cpuMs).toBeLessThan(30);
    expect(t.warmUpCpuMs).toBeGreaterThanOrEqual(60);
    expect(t.passCpuMs[1]).toBeGreaterThanOrEqual(30);
  });
});
