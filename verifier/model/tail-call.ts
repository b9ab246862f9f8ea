// bpf_tail_call (helper 12): after its arguments (ctx, a prog array, an
// index) no reference may be held, since the called program cannot release
// it. A failed tail call falls through to the next instruction; in a
// subprogram a successful one returns whatever the called program returns to
// the subprogram's caller (the walk explores both). Subprograms that tail
// call limit the stack of their callers (checkCombinedStack).

import type { Instruction } from '../../isa/index.js';
import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { curFrame } from './state.js';

/** BPF_FUNC_tail_call. */
export const TAIL_CALL = 12;

export const isTailCall = (insn: Instruction | undefined): boolean => insn?.kind === 'call' && insn.callee === 'helper' && insn.imm === TAIL_CALL;

/** The checks of check_helper_call for bpf_tail_call once its arguments passed. */
export function checkTailCall(env: Env): void {
  const leak = env.state.refs[0];
  if (leak !== undefined) reject('EINVAL', `Unreleased reference id=${leak.id} alloc_insn=${leak.insn}`, 'tail_call would lead to reference leak');
  if (curFrame(env.state).callback !== undefined) notModelled('tail calls inside a callback');
}
