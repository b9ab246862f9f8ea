// reg_bounds_sync's steps, in the kernel's order, in bigints and without shortcuts: the reference
// the model's syncBounds (and its double-precision fast path) are checked against.

import { boundOffset, cloneScalar, deduceBounds, type Scalar, updateBounds } from '../../verifier/scalar/scalar.js';

export function syncBoundsStepByStep(s: Scalar): Scalar {
  const x = cloneScalar(s);
  updateBounds(x);
  deduceBounds(x);
  deduceBounds(x);
  boundOffset(x);
  updateBounds(x);
  return x;
}
