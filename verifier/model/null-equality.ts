// Null inference from pointer equality (check_cond_jmp_op): where two pointers compare equal
// and one of them cannot be NULL, the other cannot be NULL either. Only the register itself
// learns it (mark_ptr_not_null_reg), not its copies.

import type { JumpOp } from '../../isa/index.js';
import { isTrustedReg } from './btf-pointer.js';
import { isPointer, type RegState } from './reg.js';

/** reg_not_null: pointer types that are never NULL. */
export function notNull(r: RegState): boolean {
  if (r.flags.maybeNull) return false;
  // 6.18 counts a map pointer too (verifier_unpriv/cmp_map_pointer_with_zero: `if map_ptr == 0` is decided).
  return r.type === 'map_ptr' || r.type === 'sock' || r.type === 'tcp_sock' || r.type === 'xdp_sock' || r.type === 'map_value' || r.type === 'map_key' || r.type === 'sock_common' || r.type === 'mem'
    || (r.type === 'ptr' && isTrustedReg(r));
}

/**
 * For `if dst ==/!= src` between two pointers (64-bit, register source): on the outcome where they
 * are equal, a maybe-NULL one beside a not-NULL one loses its maybe-NULL. BTF-id pointers are left
 * alone, as the kernel leaves them (they may be NULL without saying so).
 */
export function inferNotNullFromEquality(op: JumpOp, dst: RegState, src: RegState, equalRegs: { dst: RegState; src: RegState } | undefined): void {
  if (equalRegs === undefined || (op !== 'jeq' && op !== 'jne')) return;
  if (!isPointer(dst) || !isPointer(src) || dst.type === 'ptr' || src.type === 'ptr') return;
  // Flags are replaced, never written: the copies of a state share them (copyRegForState).
  if (notNull(dst) && src.flags.maybeNull) equalRegs.src.flags = { ...equalRegs.src.flags, maybeNull: false };
  if (notNull(src) && dst.flags.maybeNull) equalRegs.dst.flags = { ...equalRegs.dst.flags, maybeNull: false };
}
