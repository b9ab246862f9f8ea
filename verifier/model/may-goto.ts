// may_goto (BPF_JCOND with BPF_MAY_GOTO): the verifier explores the jump first and queues the
// fall-through, one may_goto_depth deeper, as another path. A loop guarded by may_goto converges
// when the loop comes back to the instruction in a state equal to one still being explored there
// with another depth (walk.ts's visit). The scalars that changed since the state kept there by the
// previous iteration and are not precise are widened (widen.ts).

import { notModelled } from './outcome.js';
import type { RegState } from './reg.js';
import { cloneState, type VerifierState } from './state.js';
import { widenImpreciseScalars } from './widen.js';

/** The fall-through state of a may_goto, given the state kept there by an earlier iteration of this path (find_prev_entry). */
export function mayGotoFallThrough(cur: VerifierState, prev: VerifierState | undefined): VerifierState {
  const queued = cloneState(cur);
  queued.mayGotoDepth = (cur.mayGotoDepth ?? 0) + 1;
  if (prev !== undefined) widenImpreciseScalars(prev, queued);
  return queued;
}

/** Whether `old` and `cur`, both at a may_goto, are different iterations of its loop. */
export const otherMayGotoIteration = (old: VerifierState, cur: VerifierState): boolean => (old.mayGotoDepth ?? 0) !== (cur.mayGotoDepth ?? 0);

/**
 * Inside a may_goto loop (a path past a may_goto's fall-through), `rX += imm` on a scalar linked to
 * another register keeps the link with the constant as a delta in the kernel (BPF_ADD_CONST), and
 * a later branch refines both: the model has no such links, so such a loop is not modelled.
 */
export function checkDeltaLinkInLoop(state: VerifierState, dst: RegState, regno: number, addImm: boolean): void {
  if ((state.mayGotoDepth ?? 0) === 0 || !addImm || dst.type !== 'scalar' || dst.id === 0) return;
  const top = state.frames[state.frames.length - 1];
  const linked = state.frames.some((f) => f.regs.some((r, i) => r.type === 'scalar' && r.id === dst.id && !(f === top && i === regno))
    || f.stack.some((s) => s?.spilled?.type === 'scalar' && s.spilled.id === dst.id));
  if (linked) notModelled('scalars linked with a constant delta (BPF_ADD_CONST) in a may_goto loop');
}
