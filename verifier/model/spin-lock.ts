// bpf_spin_lock and bpf_spin_unlock (process_spin_lock): the argument is a map
// value pointer whose constant offset is the map's struct bpf_spin_lock; a
// lock is held by the path as a lock reference (the pointer's id and its map)
// until the unlock of the same lock. While it is held no other helper or kfunc
// may be called, and the main program may not exit (references.ts).

import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { type RegState, regStr } from './reg.js';
import { heldLock } from './references.js';
import { tnumIsConst } from '../scalar/tnum.js';

export const BPF_FUNC_SPIN_LOCK = 93;
export const BPF_FUNC_SPIN_UNLOCK = 94;

/** check_reg_type for ARG_PTR_TO_SPIN_LOCK. */
export function checkSpinLockArg(regno: number, reg: RegState): void {
  if (reg.type === 'map_value' && !reg.flags.maybeNull) return;
  if (reg.type === 'mem' && !reg.flags.maybeNull) notModelled('spin locks in allocated objects');
  reject('EACCES', `R${regno} type=${regStr(reg)} expected=map_value, ptr_`);
}

/** process_spin_lock for `bpf_spin_lock` (lock) or `bpf_spin_unlock`. */
export function processSpinLock(env: Env, regno: number, reg: RegState, lock: boolean): void {
  if (!tnumIsConst(reg.s.varOff)) {
    reject('EINVAL', `R${regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`);
  }
  const map = reg.map!;
  if (map.valueFieldsKnown !== true) notModelled('spin locks in maps without BTF or in global data');
  if (map.spinLockOff === undefined) reject('EINVAL', `map '${map.name ?? ''}' has no valid bpf_spin_lock`);
  const at = Number(BigInt.asIntN(64, reg.s.varOff.value)) + reg.off;
  if (at !== map.spinLockOff) reject('EINVAL', `off ${at} doesn't point to 'struct bpf_spin_lock' that is at ${map.spinLockOff}`);
  if (lock) {
    if (heldLock(env) !== undefined) reject('EINVAL', 'Locking two bpf_spin_locks are not allowed');
    env.state.refs = [...env.state.refs, { id: reg.id, insn: env.insnIdx, kind: 'lock', ptr: map }];
    return;
  }
  if (heldLock(env) === undefined) reject('EINVAL', 'bpf_spin_unlock without taking a lock');
  const i = env.state.refs.findIndex((r) => r.kind === 'lock' && r.id === reg.id && r.ptr === map);
  if (i < 0) reject('EINVAL', 'bpf_spin_unlock of different lock');
  env.state.refs = env.state.refs.filter((_, k) => k !== i);
}

/** do_check's rule for calls inside a locked region: only bpf_spin_unlock and bpf-to-bpf calls. */
export function checkCallUnderLock(env: Env, callee: 'helper' | 'kfunc' | 'local', imm: number): void {
  if (heldLock(env) === undefined || callee === 'local') return;
  if (callee === 'helper' && imm === BPF_FUNC_SPIN_UNLOCK) return;
  if (callee === 'kfunc') notModelled('kfunc calls inside a locked region');
  reject('EINVAL', 'function calls are not allowed while holding a lock');
}
