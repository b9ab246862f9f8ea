// bpf_loop inlining (update_loop_inline_state): a bpf_loop call may be inlined when at every visit
// its flags (R4) are a known 0 and its callback is the same subprogram. While that holds, the
// kernel relies on R4 being 0 and marks it precise (loop_flag_is_zero).

import type { Env } from './env.js';
import { markPrecise } from './precision.js';
import { isNullScalar } from './reg.js';
import { regs } from './env.js';

interface LoopInline { fit: boolean; readonly callback: number | undefined }

/** What each bpf_loop call instruction has seen so far, across paths. */
export type LoopInlineStates = Map<number, LoopInline>;

const flagIsZero = (env: Env): boolean => {
  const zero = isNullScalar(regs(env)[4]!);
  if (zero) markPrecise(env, 4);
  return zero;
};

/** A visit of the bpf_loop call at the current instruction with callback subprogram `callback`. */
export function updateLoopInline(env: Env, states: LoopInlineStates, callback: number | undefined): void {
  const seen = states.get(env.insnIdx);
  if (seen === undefined) { states.set(env.insnIdx, { fit: flagIsZero(env), callback }); return; }
  if (!seen.fit) return;
  seen.fit = flagIsZero(env) && seen.callback === callback;
}
