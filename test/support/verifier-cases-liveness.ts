// Hand-written programs for liveness in pruning (verifier/model/liveness.ts): two paths meet
// at an instruction after enough jumps and instructions for the first to keep a state there,
// and differ only in a register or stack slot that is dead there (the kernel prunes the second
// path) or live (it must not: the second path fails further on). Labelled by the live kernel;
// test/verifier-liveness.test.ts also compares the number of processed instructions.

import type { ModelCase } from './verifier-cases.js';

const ARRAY_4_8_1 = { type: 2, keySize: 4, valueSize: 8, maxEntries: 1 } as const;

/** r2 = an unknown packet length; enough instructions before the branch that the join keeps a state. */
const PREAMBLE = ['r2 = *(u32 *)(r1 + 0)', 'r6 = r1', 'r3 = 0', 'r4 = 0', 'r5 = 0', 'r0 = 0', 'r0 += 1'];

/** The fall-through path runs `first`, the jump `second` (each of the same length), then both `after`. */
function join(first: readonly string[], second: readonly string[], after: readonly string[]): string[] {
  if (first.length !== second.length) throw new Error('both sides must have the same length');
  // if r2 > 7 goto SECOND; FIRST; goto JOIN; SECOND: …; JOIN: after
  return [...PREAMBLE, `if r2 > 7 goto +${first.length + 1}`, ...first, `goto +${second.length}`, ...second, ...after];
}

const TAIL = ['r0 += 1', 'r0 += 2', 'r0 += 3', 'r0 += 4', 'r0 = 0', 'exit'];

export const livenessCases: readonly ModelCase[] = [
  { name: 'liveness: a register overwritten after the join (pointer or scalar) is dead there', type: 'socket_filter',
    asm: join(['r3 = r10'], ['r3 = 1'], ['r3 = 2', 'r0 += r3', ...TAIL]) },
  { name: 'liveness: a register read after the join is live there', type: 'socket_filter',
    asm: join(['r3 = r10'], ['r3 = 1'], ['r0 = *(u8 *)(r3 - 1)', ...TAIL]) },
  { name: 'liveness: a stack slot never read again is dead at the join', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], TAIL) },
  { name: 'liveness: a stack slot overwritten whole after the join is dead there', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], ['*(u64 *)(r10 - 8) = r6', 'r7 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r7 + 0)', ...TAIL]) },
  { name: 'liveness: a stack slot filled after the join is live there (the second path fails)', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], ['r7 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r7 + 0)', ...TAIL]) },
  { name: 'liveness: a partial write after the join leaves the slot live', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], ['*(u32 *)(r10 - 8) = 0', 'r7 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r7 + 0)', ...TAIL]) },
  { name: 'liveness: a map key read by the helper after the join is live there (the second path fails)', type: 'socket_filter', maps: [ARRAY_4_8_1],
    asm: join(['*(u32 *)(r10 - 8) = 0'], ['*(u32 *)(r10 - 8) = 5'], ['r2 = r10', 'r2 += -8', 'r1 = map_fd(0)', 'call 1', 'r0 = *(u64 *)(r0 + 0)', ...TAIL]) },
  { name: 'liveness: a stack slot of another branch dead at a later join', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 16) = r6', 'r7 = *(u64 *)(r10 - 16)'], ['*(u64 *)(r10 - 16) = r2', 'r7 = 0'], ['r5 = *(u32 *)(r6 + 4)', 'if r5 > 3 goto +1', 'r0 += 1', ...TAIL]) },
  // Across bpf-to-bpf calls (the kernel's marks are per call chain): `call_local` to a subprogram after `main`.
  { name: 'liveness: a caller slot the callee overwrites whole is dead before the call', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], ['r1 = r10', 'r1 += -8', 'r2 = 0', 'call_local +3', 'r0 = *(u64 *)(r10 - 8)', 'r0 = 0', 'exit',
      'r2 = 7', '*(u64 *)(r1 + 0) = r2', 'r0 = 0', 'exit']) },
  { name: 'liveness: a caller slot the callee reads is live before the call (the second path fails)', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], ['r1 = r10', 'r1 += -8', 'r2 = 0', 'call_local +2', 'r0 = 0', 'exit',
      'r2 = *(u64 *)(r1 + 0)', 'r0 = *(u32 *)(r2 + 0)', 'r0 = 0', 'exit']) },
  { name: 'liveness: a caller slot read after the return is live before the call (the second path fails)', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], ['r2 = 0', 'call_local +4', 'r7 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r7 + 0)', 'r0 = 0', 'exit',
      'r0 = 1', 'r0 += 1', 'exit']) },
  { name: 'liveness: a callee slot never read again is dead at a join in the callee', type: 'socket_filter',
    asm: ['call_local +2', 'r0 = 0', 'exit', ...join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], TAIL)] },
  { name: 'liveness: a caller slot read on a callee path that is pruned further on stays live (the second path fails)', type: 'socket_filter',
    asm: join(['*(u64 *)(r10 - 8) = r6'], ['*(u64 *)(r10 - 8) = r2'], ['r1 = r10', 'r1 += -8', 'r2 = *(u32 *)(r6 + 4)', 'call_local +2', 'r0 = 0', 'exit',
      'r3 = r2', 'r0 = 0', 'r0 += 1', 'r0 += 1', 'r0 += 1', 'if r3 == 0 goto +3', 'r4 = 0', 'r4 += 1', 'goto +2',
      'r4 = *(u64 *)(r1 + 0)', 'r4 = *(u32 *)(r4 + 0)', 'r0 = 0', 'exit']) },
  // BPF_F_TEST_STATE_FREQ: every prune point keeps a state, so the jump's target (pc+0) is pruned.
  ...[false, true].map((testStateFreq): ModelCase => ({
    name: `liveness: a jump to the next instruction${testStateFreq ? ', with BPF_F_TEST_STATE_FREQ' : ''}`, type: 'socket_filter', testStateFreq,
    asm: ['r3 = r10', 'if r3 != 0x7b goto +0', '*(u64 *)(r3 - 8) = 0', 'r4 = *(u64 *)(r10 - 8)', 'r0 = -1', 'if r4 > r0 goto +0', 'exit'],
  })),
];
