// Hostile programs for the verifier model: each must end, in bounded time and memory, with the
// live kernel's own limit message (labelled at run time), not a hang or an out-of-memory.
// - a loop of 10,000,000 iterations: the 1,000,000-instruction limit;
// - a state explosion: 20 independent branches whose outcomes sum into a register that is then
//   added to a stack pointer (so the kernel tracks it precisely and cannot prune), 2^20 paths:
//   the 1,000,000-instruction limit again, reached through states rather than one long path;
// - a jump explosion: 8,200 conditional jumps on an unknown value in a row, each leaving a branch
//   to explore later: the 8,192-entry jump stack limit.

import { describe, expect, it } from 'vitest';
import { encodeInstructions } from '../isa/index.js';
import { verifyProgram } from '../verifier/index.js';
import { requireRoot } from './support/references.js';
import { assembleCase as assemble, kernelVerify } from './support/verifier-live.js';

const canLoad = requireRoot();

const BRANCHES = 20;
const JUMPS = 8200;

const HOSTILE: readonly { name: string; asm: string[] }[] = [
  { name: '10,000,000-iteration loop', asm: ['r1 = 0', 'r1 += 1', 'if r1 < 10000000 goto -2', 'r0 = 0', 'exit'] },
  {
    name: `state explosion (${BRANCHES} branches, 2^${BRANCHES} precise states)`,
    asm: [
      'r6 = *(u32 *)(r1 + 0)', 'r7 = 0',
      ...Array.from({ length: BRANCHES }, (_, i) => [`if r6 & ${1 << i} goto +1`, `r7 += ${1 << i}`]).flat(),
      'r7 &= 0x1f8', 'r1 = r10', 'r1 += -512', 'r1 += r7', 'r0 = 0', '*(u64 *)(r1 + 0) = r0', 'exit',
    ],
  },
  {
    name: `jump explosion (${JUMPS} pending branches)`,
    asm: ['r6 = *(u32 *)(r1 + 0)', 'r0 = 0', ...Array.from({ length: JUMPS }, (_, i) => [`if r6 == ${i} goto +1`, `r0 = ${i}`]).flat(), 'exit'],
  },
];

/** Bounds for "not a hang, not an out-of-memory" on a shared 2-core machine (the kernel takes ~1 s). */
const MAX_SECONDS = 120;
const MAX_HEAP_GROWTH = 1 << 30;

describe.skipIf(!canLoad)('hostile programs end with the kernel\'s limit message', () => {
  for (const c of HOSTILE) {
    it(c.name, () => {
      const insns = assemble(c.asm);
      const k = kernelVerify('socket_filter', insns);
      expect(k.accepted).toBe(false);
      const heap0 = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const m = verifyProgram(encodeInstructions(insns), { progType: 'socket_filter' });
      const seconds = (performance.now() - t0) / 1000;
      expect({ verdict: m.verdict, message: m.verdict === 'reject' ? m.message : m.notModelled }).toEqual({ verdict: 'reject', message: k.message });
      // A limit is E2BIG; a log that did not fit the kernel's buffer hides it behind ENOSPC.
      if (k.errno !== 'ENOSPC') expect(m.verdict === 'reject' ? m.errno : undefined).toBe(k.errno);
      expect(seconds).toBeLessThan(MAX_SECONDS);
      expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(MAX_HEAP_GROWTH);
    }, MAX_SECONDS * 2 * 1000);
  }
});
