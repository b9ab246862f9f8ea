// syncBounds remembers the last results of its bigint steps (sync-memo.ts): a remembered result
// must be exactly what the steps give for the same fields, whatever was synced in between, and
// syncBounds with it must still give the whole reference (the steps, then the one-member step).
// Checked by property on sequences of scalars drawn from a small pool (so that most are synced
// again, hits and misses interleaved), with random 64-bit fields and the edges of every domain.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneScalar, type Scalar, S32_MAX, S32_MIN, S64_MAX, S64_MIN, syncBounds, U32_MAX, U64_MAX } from '../verifier/scalar/scalar.js';
import { syncRemembered } from '../verifier/scalar/sync-memo.js';
import { syncBoundsReference, syncBoundsStepByStep } from './support/scalar-sync-steps.js';

const EDGES64 = [0n, 1n, 5n, 6n, U32_MAX, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, S64_MAX, 1n << 63n, U64_MAX - 1n, U64_MAX];
const u64 = fc.oneof(fc.constantFrom(...EDGES64), fc.bigInt({ min: 0n, max: U64_MAX }));
const s64 = fc.oneof(fc.constantFrom(S64_MIN, S64_MIN + 1n, -1n, 0n, 1n, S64_MAX), fc.bigInt({ min: S64_MIN, max: S64_MAX }));
const u32 = fc.oneof(fc.constantFrom(0n, 1n, S32_MAX, 1n << 31n, U32_MAX), fc.bigInt({ min: 0n, max: U32_MAX }));
const s32 = fc.oneof(fc.constantFrom(S32_MIN, -1n, 0n, 1n, S32_MAX), fc.bigInt({ min: S32_MIN, max: S32_MAX }));

/** Any fields in their domains (the tnum's value and mask share no bit), consistent or not. */
const scalar: fc.Arbitrary<Scalar> = fc.record({
  varOff: fc.tuple(u64, u64).map(([v, m]) => ({ value: v & ~m, mask: m })),
  smin: s64, smax: s64, umin: u64, umax: u64, s32min: s32, s32max: s32, u32min: u32, u32max: u32,
});

/** A pool of scalars and a sequence of picks from it. */
const sequence = fc.tuple(fc.array(scalar, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }))
  .map(([pool, picks]) => picks.map((k) => pool[k % pool.length]!));

describe('syncBounds with its remembered results', () => {
  it('gives what the steps give, synced again or not', () => {
    fc.assert(fc.property(sequence, (xs) => {
      for (const x of xs) {
        const s = cloneScalar(x);
        syncBounds(s);
        expect(s).toEqual(syncBoundsReference(x));
      }
    }), { numRuns: 3000 });
  });

  it('runs the steps only for fields it has not just seen, and writes back what they gave', () => {
    fc.assert(fc.property(sequence, (xs) => {
      let ran = 0;
      const steps = (s: Scalar): void => {
        ran++;
        Object.assign(s, syncBoundsStepByStep(s));
      };
      // A scalar no test makes, so that nothing remembered from before matches it.
      const fresh = { varOff: { value: 0n, mask: 0n }, smin: 7n, smax: 3n, umin: 9n, umax: 1n, s32min: 2n, s32max: -2n, u32min: 8n, u32max: 4n };
      for (let i = 0; i < 4; i++) syncRemembered({ ...fresh, smin: BigInt(100 + i) }, steps);
      ran = 0;
      let last: Scalar | undefined;
      let expectedRuns = 0;
      for (const x of xs) {
        // The one synced just before is always still remembered.
        if (last === undefined || !sameFields(last, x)) expectedRuns++;
        const s = cloneScalar(x);
        syncRemembered(s, steps);
        expect(s).toEqual(syncBoundsStepByStep(x));
        last = x;
      }
      expect(ran).toBeLessThanOrEqual(expectedRuns);
    }), { numRuns: 3000 });
  });
});

function sameFields(a: Scalar, b: Scalar): boolean {
  return a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask && a.smin === b.smin && a.smax === b.smax && a.umin === b.umin
    && a.umax === b.umax && a.s32min === b.s32min && a.s32max === b.s32max && a.u32min === b.u32min && a.u32max === b.u32max;
}
