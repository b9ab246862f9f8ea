// syncBounds in doubles (sync-small.ts) for scalars whose tnum and 64-bit bounds lie below 2^53 in
// magnitude must give exactly what the kernel's five bigint steps give, and must leave the scalar
// untouched when it gives up. Checked by property on random scalars made to hit that range and its
// edges (2^31, 2^32, 2^53 ± 1, negative signed bounds, empty ranges, tnums of every width).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarAlu, type ScalarAluOp } from '../verifier/scalar/alu.js';
import { cloneScalar, knownScalar, type Scalar, unknownScalar } from '../verifier/scalar/scalar.js';
import { syncSmallScalar } from '../verifier/scalar/sync-small.js';
import { syncBoundsStepByStep } from './support/scalar-sync-steps.js';

const steps = syncBoundsStepByStep;

const EDGES = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n, (1n << 52n) - 1n, (1n << 53n) - 1n, 1n << 53n, (1n << 63n) - 1n];
/** Near the edges or anywhere in a width of up to 54 bits, either sign. */
const value = fc.oneof(
  fc.constantFrom(...EDGES),
  fc.integer({ min: 1, max: 54 }).chain((bits) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })),
  fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: -3, max: 3 })).map(([e, d]) => e + BigInt(d)),
).chain((v) => fc.boolean().map((neg) => (neg ? -v : v)));
const u = (bits: number) => fc.oneof(fc.constantFrom(...EDGES.filter((e) => e < 1n << BigInt(bits))), fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }));
const s32 = fc.oneof(fc.constantFrom(-(1n << 31n), -1n, 0n, 1n, (1n << 31n) - 1n), fc.bigInt({ min: -(1n << 31n), max: (1n << 31n) - 1n }));

/** A tnum whose value and mask share no bit, of up to 54 bits. */
const tnum = fc.tuple(fc.integer({ min: 0, max: 54 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
  .map(([bits, a, b]) => {
    const w = (1n << BigInt(bits)) - 1n;
    const mask = b & w;
    return { value: a & w & ~mask, mask };
  });

/** Any field values in their domains, small ones mostly: the bounds need not be consistent. */
const randomScalar: fc.Arbitrary<Scalar> = fc.record({
  varOff: tnum,
  smin: value, smax: value,
  umin: value.map((v) => (v < 0n ? -v : v)), umax: value.map((v) => (v < 0n ? -v : v)),
  s32min: s32, s32max: s32, u32min: u(32), u32max: u(32),
});

/** A range of width up to 2^40 from a start near an edge, with the tnum the ALU gives it. */
const OPS: ScalarAluOp[] = ['add', 'sub', 'and', 'or', 'xor', 'mul', 'lsh', 'rsh'];
const aluScalar: fc.Arbitrary<Scalar> = fc.tuple(u(53), fc.constantFrom(...OPS), u(40), fc.boolean(), fc.constantFrom(32, 64) as fc.Arbitrary<32 | 64>)
  .map(([a, op, b, knownA, bits]) => {
    const src = knownScalar(op === 'lsh' || op === 'rsh' ? b & 31n : b);
    let x = knownA ? knownScalar(a) : scalarAlu('and', unknownScalar(), knownScalar(a), 64);
    x = scalarAlu(op, x, src, bits);
    return x;
  });

describe('syncSmallScalar', () => {
  it('gives what the five bigint steps give, or gives up leaving the scalar as it was', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(fc.property(fc.oneof(randomScalar, aluScalar), (s) => {
      const fast = cloneScalar(s);
      runs++;
      if (syncSmallScalar(fast)) {
        taken++;
        expect(fast).toEqual(steps(s));
      } else expect(fast).toEqual(s);
    }), { numRuns: 20000 });
    // The generators reach the fast path most of the time.
    expect(taken).toBeGreaterThan(runs / 2);
  });
});
