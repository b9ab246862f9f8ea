// spinLock(v.lock) / spinUnlock(v.lock): bpf_spin_lock and bpf_spin_unlock on the SpinLock field
// of a map value the program looked up (the verifier accepts no other lock). What may happen
// between them — no call, no return — references.ts checks on the compiled code.

import type TS from 'typescript';
import { U64 } from './int-type.js';
import { SPIN_LOCK } from './layout.js';
import type { Lowering } from './lower.js';
import { checkAllowed } from './lower-helper.js';
import { address } from './lower-struct.js';
import type { Val } from './values.js';

export const SPIN_LOCK_ID = 93, SPIN_UNLOCK_ID = 94;

/** A call of spinLock or spinUnlock, or undefined for another name. */
export function spinLockCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  if (name !== 'spinLock' && name !== 'spinUnlock') return undefined;
  checkAllowed(L, name, name === 'spinLock' ? 'bpf_spin_lock' : 'bpf_spin_unlock', e);
  const a = e.arguments[0];
  if (a === undefined || e.arguments.length !== 1) return L.fail(e, `${name} takes the SpinLock field of a map value`);
  const v = L.expr(a);
  if (v.k !== 'mem' || v.ty !== SPIN_LOCK) return L.fail(a, `${name} takes a SpinLock field (v.lock of a map value)`);
  if (v.base === 'fp') return L.fail(a, `${name} takes the lock of a map value (a lookup's result): a lock on the stack locks nothing the kernel knows`);
  L.emit({ op: 'call', helper: name === 'spinLock' ? SPIN_LOCK_ID : SPIN_UNLOCK_ID, args: [{ reg: address(L, v) }] });
  return { k: 'const', type: U64, c: 0n };
}
