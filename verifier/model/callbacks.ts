// Callbacks of helpers (bpf_loop, bpf_for_each_map_elem): a function pointer
// comes from ld_imm64 of a static subprogram (check_ld_imm with
// BPF_PSEUDO_FUNC); the helper call queues the callback's body as another
// path (push_callback_call) with a new frame set up for that helper, and the
// current path goes on after the call as if the callback never ran. The
// callback's exit checks R0 against the helper's range and returns to the
// call instruction itself, which queues the next iteration until the states
// there repeat (is_state_visited proves convergence at a call that calls a
// callback).

import type { Instruction } from '../../isa/index.js';
import { type Env, regs } from './env.js';
import { invalidScalar } from './exit.js';
import { MapType } from './map-info.js';
import { notModelled, reject } from './outcome.js';
import { cloneReg, notInit, pointerReg, notInitRegs } from './reg.js';
import { MAX_CALL_FRAMES } from './calls.js';
import { widenImpreciseScalars } from './widen.js';
import { cloneState, curFrame, type FrameState, type VerifierState } from './state.js';
import { findVmaCallbackArgs, userRingbufCallbackArgs } from './callback-helpers.js';

/** BPF_FUNC_for_each_map_elem, BPF_FUNC_timer_set_callback, BPF_FUNC_find_vma, BPF_FUNC_loop, BPF_FUNC_user_ringbuf_drain. */
const FOR_EACH_MAP_ELEM = 164;
const TIMER_SET_CALLBACK = 170;
const FIND_VMA = 180;
export const LOOP = 181;
const USER_RINGBUF_DRAIN = 209;

/** Helpers that call a callback synchronously (is_sync_callback_calling_function) or later (timers). */
const CALLBACK_HELPERS: ReadonlySet<number> = new Set([FOR_EACH_MAP_ELEM, TIMER_SET_CALLBACK, FIND_VMA, LOOP, USER_RINGBUF_DRAIN]);

export function callsCallback(insn: Instruction | undefined): boolean {
  return insn?.kind === 'call' && insn.callee === 'helper' && CALLBACK_HELPERS.has(insn.imm);
}

/** ld_imm64 with BPF_PSEUDO_FUNC: a pointer to the static subprogram at `target`. */
export function loadFuncPointer(env: Env, dst: number, target: number, subprograms: readonly number[]): void {
  const functions = env.opts.functions;
  if (functions === undefined) reject('EINVAL', 'missing btf func_info');
  const subprog = subprograms.indexOf(target);
  if (functions.find((f) => f.start === target)?.global === true) reject('EINVAL', 'callback function not static');
  regs(env)[dst] = pointerReg('func', { subprog });
}

/** Map types whose for_each callback the kernel supports (map_set_for_each_callback_args). */
const FOR_EACH_MAPS: readonly number[] = [MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH];

/**
 * After the helper's arguments passed (`before` is the state they were checked in): the state
 * that runs the callback body, or undefined when this call starts no iteration. The current
 * state's frame forgets its iterations, as the kernel resets callback_depth.
 */
export function callbackEntry(env: Env, before: VerifierState, helper: number, callsite: number, subprogStart: (subprog: number) => number, body: readonly (Instruction | undefined)[]): { state: VerifierState; insn: number } | undefined {
  if (helper !== LOOP && helper !== FOR_EACH_MAP_ELEM && helper !== FIND_VMA && helper !== USER_RINGBUF_DRAIN) notModelled(`callbacks of helper #${helper}`);
  const caller = curFrame(before);
  const fn = caller.regs[helper === FIND_VMA ? 3 : 2]!;
  if (fn.type !== 'func' || fn.subprog === undefined) notModelled('a callback argument that is not a function pointer');
  if (helper === LOOP) {
    const n = caller.regs[1]!;
    if (n.type !== 'scalar') notModelled('bpf_loop with a pointer as the iteration count');
    if (BigInt(caller.callbackDepth ?? 0) >= n.s.umax) {
      curFrame(env.state).callbackDepth = 0;
      return undefined;
    }
  }
  const state = cloneState(before);
  if (state.frames.length >= MAX_CALL_FRAMES) reject('E2BIG', `the call stack of ${state.frames.length + 1} frames is too deep`);
  const from = curFrame(state);
  const frameno = state.frames.length;
  const r = notInitRegs();
  r[10] = pointerReg('stack', { frameno });
  if (helper === LOOP) {
    r[1] = { ...notInit(), type: 'scalar' };
    r[2] = cloneReg(from.regs[3]!);
  } else if (helper === FIND_VMA) {
    findVmaCallbackArgs(from.regs, r);
  } else if (helper === USER_RINGBUF_DRAIN) {
    userRingbufCallbackArgs(from.regs, r, body, subprogStart(fn.subprog));
  } else {
    const map = from.regs[1]!.map!;
    if (!FOR_EACH_MAPS.includes(map.type)) notModelled(`bpf_for_each_map_elem over map type ${map.type}`);
    r[1] = cloneReg(from.regs[1]!);
    r[2] = pointerReg('map_key', { map });
    r[3] = pointerReg('map_value', { map });
    r[4] = cloneReg(from.regs[3]!);
  }
  const callee: FrameState = {
    regs: r, stack: [], allocated: 0, frameno, callsite, subprog: fn.subprog,
    callback: { retMin: 0, retMax: 1, refs: state.refs.length },
  };
  state.frames.push(callee);
  state.callbackUnrollDepth = (state.callbackUnrollDepth ?? 0) + 1;
  from.callbackDepth = (from.callbackDepth ?? 0) + 1;
  curFrame(env.state).callbackDepth = 0;
  return { state, insn: subprogStart(fn.subprog) };
}

/**
 * The callback's exit (prepare_func_exit for a callback frame): R0 a scalar in the helper's
 * range, the references it took released; the path goes back to the call instruction. `prev` is
 * the state kept at the call on this path (find_prev_entry), whose scalars are widened where
 * they changed and are not precise (widen.ts).
 */
export function exitCallback(state: VerifierState, findPrev: (s: VerifierState, at: number) => VerifierState | undefined): number {
  const callee = curFrame(state);
  const cb = callee.callback!;
  const r0 = callee.regs[0]!;
  if (r0.type === 'stack') reject('EINVAL', 'cannot return stack pointer to the caller');
  if (r0.type !== 'scalar') reject('EACCES', 'R0 not a scalar value');
  if (!(BigInt(cb.retMin) <= r0.s.smin && r0.s.smax <= BigInt(cb.retMax))) reject('EINVAL', invalidScalar('At callback return', 'R0', r0, cb.retMin, cb.retMax));
  if (state.refs.length !== cb.refs) notModelled('references taken inside a callback');
  state.frames.pop();
  const prev = findPrev(state, callee.callsite);
  if (prev !== undefined) widenImpreciseScalars(prev, state);
  return callee.callsite;
}
