// bpf-to-bpf calls of static subprograms (check_func_call, prepare_func_exit)
// and the combined stack check that follows the walk (check_max_stack_depth):
// a call opens a frame with R1-R5 copied and a fresh stack, the caller's
// R0-R5 are lost; the callee's exit hands R0 back.

import { type Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { cloneReg, notInit, pointerReg, notInitRegs } from './reg.js';
import { curFrame, MAX_BPF_STACK, type VerifierState } from './state.js';

/** MAX_CALL_FRAMES. */
export const MAX_CALL_FRAMES = 8;

/** Enters the subprogram at `target` from the call at `callsite`. */
export function enterSubprogram(env: Env, callsite: number, target: number, subprog: number): void {
  const state = env.state;
  if (state.frames.length >= MAX_CALL_FRAMES) reject('E2BIG', `the call stack of ${state.frames.length + 1} frames is too deep`);
  const caller = curFrame(state);
  const frameno = state.frames.length;
  const regs = notInitRegs();
  for (let r = 1; r <= 5; r++) regs[r] = cloneReg(caller.regs[r]!);
  regs[10] = pointerReg('stack', { frameno });
  for (let r = 0; r <= 5; r++) caller.regs[r] = notInit();
  state.frames.push({ regs, stack: [], allocated: 0, frameno, callsite, subprog });
  void target;
}

/** Leaves the current subprogram; returns the instruction to continue at. */
export function exitSubprogram(state: VerifierState): number {
  const callee = curFrame(state);
  const r0 = callee.regs[0]!;
  if (r0.type === 'stack') reject('EINVAL', 'cannot return stack pointer to the caller');
  state.frames.pop();
  curFrame(state).regs[0] = cloneReg(r0);
  return callee.callsite + 1;
}

const TRACING_TYPES = new Set(['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint']);

/**
 * check_max_stack_depth over the static call graph: the stack of each chain of calls (each
 * subprogram's deepest stack, rounded up to 16 bytes) must fit in 512 bytes, and a subprogram that
 * tail calls may not be called with 256 bytes or more of stack below it.
 */
export function checkCombinedStack(progType: string, starts: readonly number[], depth: readonly number[], calls: readonly (readonly number[])[], tailCalls: readonly boolean[] = []): void {
  const round = (d: number): number => Math.ceil(d / 16) * 16;
  if (TRACING_TYPES.has(progType) && starts.length > 1 && depth.some((d) => round(d) >= 64)) {
    notModelled('private stacks of tracing programs with subprograms');
  }
  const visit = (sub: number, sum: number, frame: number): void => {
    // A subprogram that tail calls may have at most 256 bytes of callers' stack (32 tail calls stay within 8 KiB).
    if (sub !== 0 && tailCalls[sub] === true && sum >= 256) reject('EACCES', `tail_calls are not allowed when call stack of previous frames is ${sum} bytes. Too large`);
    const total = sum + round(depth[sub] ?? 0);
    if (total > MAX_BPF_STACK) reject('EACCES', `combined stack size of ${frame + 1} calls is ${total}. Too large`);
    for (const callee of calls[sub] ?? []) {
      // The static call graph, dead calls included: a chain deeper than MAX_CALL_FRAMES is refused
      // even where no path reaches it.
      if (frame + 1 >= MAX_CALL_FRAMES) reject('E2BIG', `the call stack of ${frame + 1} frames is too deep !`);
      visit(callee, total, frame + 1);
    }
  };
  visit(0, 0, 0);
}
