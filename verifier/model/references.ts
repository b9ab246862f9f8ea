// Reference tracking (acquire_reference, release_reference, check_resource_leak):
// a helper that acquires an object gives R0 a fresh reference id; every copy of
// the pointer carries it as ref_obj_id; releasing the reference invalidates them
// all; a path may not end the program, tail-call or use LD_ABS while it holds one
// (or holds a spin lock).

import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { notInit, unknownReg } from './reg.js';

/** acquire_reference: a new reference, allocated at the current instruction. */
export function acquireReference(env: Env): number {
  const id = env.nextId();
  env.state.refs = [...env.state.refs, { id, insn: env.insnIdx }];
  return id;
}

/** release_reference: the reference is gone and every pointer holding it becomes an unknown scalar (root may keep it). */
export function releaseReference(env: Env, ref: number): void {
  const before = env.state.refs.length;
  env.state.refs = env.state.refs.filter((r) => r.id !== ref || r.kind === 'lock');
  if (env.state.refs.length === before) notModelled('releasing an unknown reference');
  // mark_reg_invalid: without allow_ptr_leaks the copies become uninitialised, not unknown scalars.
  const invalid = env.opts.privileged ? unknownReg : notInit;
  for (const f of env.state.frames) {
    f.regs.forEach((r, i) => { if (r.refObjId === ref) f.regs[i] = invalid(); });
    f.stack.forEach((slot, spi) => {
      if (slot?.spilled?.refObjId !== ref) return;
      if (!env.opts.privileged) notModelled('a released reference spilled to the stack without CAP_PERFMON');
      f.stack[spi] = { bytes: slot.bytes, spilled: unknownReg() };
    });
  }
}

/** The spin lock the path holds, if any. */
export const heldLock = (env: Env): { readonly id: number; readonly insn: number } | undefined =>
  env.state.refs.find((r) => r.kind === 'lock');

/**
 * check_resource_leak: `what` (BPF_EXIT of the main program, LD_ABS, a tail call) may not run
 * inside a spin-locked region nor while a reference is held.
 */
export function checkResourceLeak(env: Env, what: string, checkLock: boolean): void {
  if (checkLock && heldLock(env) !== undefined) reject('EINVAL', `${what} cannot be used inside bpf_spin_lock-ed region`);
  const leaks = env.state.refs.filter((r) => r.kind !== 'lock');
  if (leaks.length > 0) reject('EINVAL', ...leaks.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn}`), `${what} would lead to reference leak`);
  if (checkLock && env.state.activeRcuLock === true) reject('EINVAL', `${what} cannot be used inside bpf_rcu_read_lock-ed region`);
}
