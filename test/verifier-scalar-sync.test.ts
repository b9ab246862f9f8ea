// syncBounds (the kernel's reg_bounds_sync) returns early for a constant that every bound admits
// and for a scalar with nothing known. Those shortcuts must give exactly what its five steps give:
// checked by property against the steps themselves, on constants, unknowns and random scalars
// made by the ALU from random operands.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarAlu, type ScalarAluOp } from '../verifier/scalar/alu.js';
import { boundOffset, cloneScalar, deduceBounds, knownScalar, type Scalar, syncBounds, unknownScalar, updateBounds } from '../verifier/scalar/scalar.js';

/** reg_bounds_sync's steps, in the kernel's order, without shortcuts. */
function steps(s: Scalar): Scalar {
  const x = cloneScalar(s);
  updateBounds(x);
  deduceBounds(x);
  deduceBounds(x);
  boundOffset(x);
  updateBounds(x);
  return x;
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const OPS: ScalarAluOp[] = ['add', 'sub', 'and', 'or', 'xor', 'mul', 'lsh', 'rsh'];

/** A constant, unknown, or the result of an ALU step on two of those. */
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  u64.map((v) => knownScalar(v)),
  fc.constant(null).map(() => unknownScalar()),
  fc.tuple(u64, fc.constantFrom(...OPS), u64, fc.boolean()).map(([a, op, b, unknownA]) => {
    const x = unknownA ? unknownScalar() : knownScalar(a);
    return scalarAlu(op, x, knownScalar(op === 'lsh' || op === 'rsh' ? b & 63n : b), 64) ?? x;
  }),
);

describe('syncBounds', () => {
  it('gives what the five steps give', () => {
    fc.assert(fc.property(scalar, (s) => {
      const fast = cloneScalar(s);
      syncBounds(fast);
      expect(fast).toEqual(steps(s));
    }), { numRuns: 2000 });
  });
});
