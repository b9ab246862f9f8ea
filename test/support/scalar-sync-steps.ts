// reg_bounds_sync's steps, in the kernel's order, in bigints and without shortcuts: the reference
// the model's syncBounds (and its double-precision fast path) are checked against.

import { boundOffset, cloneScalar, deduceBounds, markKnown, type Scalar, updateBounds } from '../../verifier/scalar/scalar.js';
import { singleMemberInRange } from '../../verifier/scalar/single-member.js';

export function syncBoundsStepByStep(s: Scalar): Scalar {
  const x = cloneScalar(s);
  updateBounds(x);
  deduceBounds(x);
  deduceBounds(x);
  boundOffset(x);
  updateBounds(x);
  return x;
}

/** The five steps, then the one member of the tnum in the unsigned range (single-member.ts). */
export function syncBoundsReference(s: Scalar): Scalar {
  const x = syncBoundsStepByStep(s);
  const one = singleMemberInRange(x.varOff, x.umin, x.umax);
  if (one !== undefined) markKnown(x, one);
  return x;
}
