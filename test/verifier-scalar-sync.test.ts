// syncBounds (the kernel's reg_bounds_sync) returns early for a constant that every bound admits
// and for a scalar with nothing known. Those shortcuts must give exactly what its five steps give
// (then the single-member step of single-member.ts): checked by property against the steps themselves, on constants, unknowns and random scalars
// made by the ALU from random operands. tnumIn (pruning's tnum containment) decides an unknown or
// constant old tnum by comparisons alone: checked against its two bigint steps the same way.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarAlu, type ScalarAluOp } from '../verifier/scalar/alu.js';
import { type Tnum, TNUM_UNKNOWN, tnumIn } from '../verifier/scalar/tnum.js';
import { cloneScalar, knownScalar, type Scalar, syncBounds, unknownScalar } from '../verifier/scalar/scalar.js';
import { syncBoundsReference } from './support/scalar-sync-steps.js';

const steps = syncBoundsReference;

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
  it('gives what the five steps and the single-member step give', () => {
    fc.assert(fc.property(scalar, (s) => {
      const fast = cloneScalar(s);
      syncBounds(fast);
      expect(fast).toEqual(steps(s));
    }), { numRuns: 2000 });
  });
});

/** tnum_in's two steps, without shortcuts. */
function tnumInSteps(a: Tnum, b: Tnum): boolean {
  const U64 = (1n << 64n) - 1n;
  if ((b.mask & ~a.mask & U64) !== 0n) return false;
  return a.value === (b.value & ~a.mask & U64);
}

/** Tnums as the model makes them (unknown, constants, the ALU's), and any pair of bigints, out of range too. */
const tnum: fc.Arbitrary<Tnum> = fc.oneof(
  fc.constant(TNUM_UNKNOWN),
  u64.map((v) => ({ value: v, mask: 0n })),
  scalar.map((s) => s.varOff),
  fc.record({ value: fc.bigInt({ min: -(1n << 65n), max: 1n << 65n }), mask: fc.oneof(fc.constant(0n), fc.constant((1n << 64n) - 1n), u64) }),
);

describe('tnumIn', () => {
  it('gives what its two steps give', () => {
    fc.assert(fc.property(tnum, tnum, fc.boolean(), (a, b, same) => {
      const c = same ? { value: a.value, mask: a.mask } : b;
      expect(tnumIn(a, c)).toBe(tnumInSteps(a, c));
    }), { numRuns: 5000 });
  });
});
