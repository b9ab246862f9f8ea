// Property test of examples/register-level/exec-count.ts: the execs map counts exactly the execve calls it is
// shown, per process. In the vm a "process" is the tgid the run reports (env); in the kernel
// (as root) the program is attached to syscalls/sys_enter_execve and child processes really
// exec: each child re-execs itself k times, and its count must be exactly k.
//   npx vitest run examples/testing/exec-count.test.ts

import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachTracepoint, loadObject } from '../../loader/index.js';
import { bpfMatchers, kernelStatus, MapHarness, programOf } from 'tsbpf/testing';
import execCount from '../register-level/exec-count.js';

expect.extend(bpfMatchers);

const prog = programOf(execCount, 'count_exec');
const TRACEPOINT_ARGS = new Uint8Array(64);

describe('examples/register-level/exec-count.ts', () => {
  it('counts exactly the execs it is shown, per tgid (vm)', () => {
    // A sequence of execs, each by one of a few processes.
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 40 }), (tgids) => {
      const h = new MapHarness(prog);
      try {
        for (const tgid of tgids) expect(h.run({ ctx: TRACEPOINT_ARGS, env: { tgid, pid: tgid + 1000 } }).vm.retval).toBe(0);
        const counts = new Map<number, bigint>();
        for (const t of tgids) counts.set(t, (counts.get(t) ?? 0n) + 1n);
        expect(h).toLeaveMap('execs', counts);
      } finally {
        h.close();
      }
    }), { numRuns: 200 });
  });

  it('counts exactly the execs of each child process (kernel)', (ctx) => {
    const k = kernelStatus();
    if (!k.available) ctx.skip(`not available here: the kernel (${k.reason})`);
    const c = loadObject(prog.elf, { name: 'exec_count', programs: ['count_exec'] });
    try {
      const link = attachTracepoint(c.program('count_exec'), 'syscalls', 'sys_enter_execve');
      try {
        fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), (execs) => {
          for (const n of execs) {
            // /bin/sh execs itself n-1 more times with `exec` (same process), then exits: n execve calls in all.
            const r = spawnSync('/bin/sh', ['-c', 'if [ "$N" -gt 1 ]; then N=$((N-1)) exec /bin/sh -c "$S"; fi'], {
              env: { N: String(n), S: 'if [ "$N" -gt 1 ]; then N=$((N-1)) exec /bin/sh -c "$S"; fi', PATH: '/usr/bin:/bin' },
            });
            expect(r.status).toBe(0);
            const key = new Uint8Array(4);
            new DataView(key.buffer).setUint32(0, r.pid!, true);
            const v = c.map('execs').lookup(key);
            expect(v === undefined ? 0n : new DataView(v.buffer, v.byteOffset).getBigUint64(0, true)).toBe(BigInt(n));
          }
        }), { numRuns: 10 });
      } finally {
        link.close();
      }
    } finally {
      c.close();
    }
  });
});
