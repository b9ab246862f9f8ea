// RCU read sections (bpf_rcu_read_lock / bpf_rcu_read_unlock kfuncs): the path holds the section
// as the kernel's active_rcu_lock; locking twice or unlocking without a lock is refused, and the
// main program may not exit inside a section (references.ts). Helpers that might sleep inside a
// section are not modelled. The unlock makes MEM_RCU pointers untrusted (kptr.ts).

import { HELPER_TABLE } from '../tables/helpers.generated.js';
import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { untrustRcuPointers } from './kptr.js';

/** The RCU part of check_kfunc_call, after the arguments are checked. */
export function rcuLockKfunc(env: Env, name: string): void {
  const lock = name === 'bpf_rcu_read_lock';
  const unlock = name === 'bpf_rcu_read_unlock';
  if (env.state.activeRcuLock === true) {
    if (lock) reject('EINVAL', `nested rcu read lock (kernel function ${name})`);
    if (unlock) {
      untrustRcuPointers(env);
      env.state.activeRcuLock = false;
    }
    return;
  }
  if (lock) env.state.activeRcuLock = true;
  else if (unlock) reject('EINVAL', `unmatched rcu read unlock (kernel function ${name})`);
}

export const mightSleep = new Set(Object.values(HELPER_TABLE).filter((h) => h.protos.some((p) => p.mightSleep)).map((h) => h.id));
/** Helpers whose every prototype might sleep; the others (get_stack, get_task_stack) get their sleepable prototype only in sleepable programs. */
const alwaysMightSleep = new Set(Object.values(HELPER_TABLE).filter((h) => h.protos.length > 0 && h.protos.every((p) => p.mightSleep)).map((h) => h.id));

/** Whether helper `id`'s prototype for the program (get_func_proto, which reads prog->sleepable) might sleep. */
export const helperMightSleep = (id: number, sleepable: boolean): boolean => alwaysMightSleep.has(id) || (sleepable && mightSleep.has(id));

/** check_helper_call inside an RCU read section. */
export function checkHelperInRcu(env: Env, id: number): void {
  if (env.state.activeRcuLock === true && mightSleep.has(id)) notModelled('a helper that might sleep inside an RCU read section');
}
