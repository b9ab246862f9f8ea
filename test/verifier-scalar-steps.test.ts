// boundOffset and updateBounds32 compute their tnums without the intermediate tnum objects (the
// walk syncs bounds after nearly every instruction). They must give exactly what the tnum
// operations they stand for give — checked by property on random tnums and bounds — and keep
// every concrete member of the scalar (checked on random members of random ALU results).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarAlu, type ScalarAluOp } from '../verifier/scalar/alu.js';
import { asS32, boundOffset, knownScalar, type Scalar, scalarContains, syncBounds, unknownScalar, updateBounds32, U32_MAX } from '../verifier/scalar/scalar.js';
import { tnum, tnumClearSubreg, tnumIntersect, tnumOr, tnumOverlap, tnumRange, tnumSubreg } from '../verifier/scalar/tnum.js';
import { singleMemberInRange } from '../verifier/scalar/single-member.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.bigInt({ min: 0n, max: U32_MAX });
const ordered = (a: bigint, b: bigint): [bigint, bigint] => (a <= b ? [a, b] : [b, a]);

/** A scalar whose fields are random (not necessarily consistent): the steps are total functions. */
const raw: fc.Arbitrary<Scalar> = fc.tuple(u64, u64, u64, u64, u32, u32, u64, u64).map(([v, m, a, b, c, d, e, f]) => {
  const [umin, umax] = ordered(a, b);
  const [u32min, u32max] = ordered(c, d);
  const [smin, smax] = ordered(BigInt.asIntN(64, e), BigInt.asIntN(64, f));
  const [s32min, s32max] = ordered(asS32(e), asS32(f));
  return { varOff: tnum(v & ~m, m), smin, smax, umin, umax, s32min, s32max, u32min, u32max };
});

describe('scalar bound steps', () => {
  it('boundOffset is the tnum intersection with both unsigned ranges', () => {
    fc.assert(fc.property(raw, (s) => {
      const t64 = tnumIntersect(s.varOff, tnumRange(s.umin, s.umax));
      const t32 = tnumIntersect(tnumSubreg(t64), tnumRange(s.u32min, s.u32max));
      const x = { ...s };
      boundOffset(x);
      expect(x.varOff).toEqual(tnumOr(tnumClearSubreg(t64), t32));
    }), { numRuns: 3000 });
  });

  it('updateBounds32 takes the bounds the low half of the tnum implies', () => {
    fc.assert(fc.property(raw, (s) => {
      const t = tnumSubreg(s.varOff);
      const x = { ...s };
      updateBounds32(x);
      const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
      const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
      expect(x).toEqual({
        ...s,
        s32min: max(s.s32min, asS32(t.value | (t.mask & (1n << 31n)))), s32max: min(s.s32max, asS32(t.value | (t.mask & 0x7fffffffn))),
        u32min: max(s.u32min, t.value), u32max: min(s.u32max, t.value | t.mask),
      });
    }), { numRuns: 3000 });
  });

  const OPS: ScalarAluOp[] = ['add', 'sub', 'and', 'or', 'xor', 'mul'];
  it('syncBounds keeps every concrete value of an ALU result', () => {
    // Operands: a constant or a range [lo, lo + span] of values, and a member of each.
    const operand = fc.tuple(u64, fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 40n })).map(([lo, span, pick]) => {
      if (span === 0n) return { s: knownScalar(lo), x: lo };
      const s = unknownScalar();
      const hi = lo + span > (1n << 64n) - 1n ? (1n << 64n) - 1n : lo + span;
      s.umin = lo; s.umax = hi;
      syncBounds(s);
      return { s, x: lo + (pick % (hi - lo + 1n)) };
    });
    fc.assert(fc.property(operand, operand, fc.constantFrom(...OPS), fc.constantFrom(32 as const, 64 as const), (a, b, op, bits) => {
      const r = scalarAlu(op, a.s, b.s, bits);
      const w = (1n << BigInt(bits)) - 1n;
      const xa = a.x & w;
      const xb = b.x & w;
      const concrete = op === 'add' ? xa + xb : op === 'sub' ? xa - xb : op === 'mul' ? xa * xb : op === 'and' ? xa & xb : op === 'or' ? xa | xb : xa ^ xb;
      expect(scalarContains(r, BigInt.asUintN(bits, concrete))).toBe(true);
    }), { numRuns: 3000 });
  });

  /** A tnum of up to 10 unknown bits anywhere in 64, and its members, listed. */
  const fewMembers = fc.tuple(u64, fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 10 })).map(([v, bits]) => {
    const mask = bits.reduce((m, b) => m | (1n << BigInt(b)), 0n);
    const free = [...new Set(bits)].map((b) => 1n << BigInt(b));
    const members = Array.from({ length: 1 << free.length }, (_, k) => free.reduce((x, bit, i) => ((k >> i) & 1 ? x | bit : x), v & ~mask));
    return { t: tnum(v & ~mask, mask), members };
  });

  it('singleMemberInRange is the one member of the tnum in the range, when there is exactly one', () => {
    // Ranges from around the members, so that zero, one and several members fall inside.
    fc.assert(fc.property(fewMembers, fc.nat(), fc.nat(), fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }), ({ t, members }, i, j, di, dj) => {
      const at = (k: number, d: number): bigint => { const x = members[k % members.length]! + BigInt(d); return x < 0n ? 0n : x > (1n << 64n) - 1n ? (1n << 64n) - 1n : x; };
      const [lo, hi] = ordered(at(i, di), at(j, dj));
      const inside = members.filter((x) => x >= lo && x <= hi);
      expect(singleMemberInRange(t, lo, hi)).toBe(t.mask !== 0n && inside.length === 1 ? inside[0] : undefined);
    }), { numRuns: 5000 });
  });

  it('tnumOverlap says whether two tnums share a member', () => {
    // b is another random tnum, or one made around a member of a (so that both answers come up).
    fc.assert(fc.property(fewMembers, fewMembers, fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 63 }), ({ t: a, members }, other, around, k, flip) => {
      const x = members[k % members.length]! ^ (flip % 3 === 0 ? 1n << BigInt(flip) : 0n);
      const b = around ? tnum(x & ~other.t.mask, other.t.mask) : other.t;
      const shared = members.some((m) => (m & ~b.mask & ((1n << 64n) - 1n)) === b.value);
      expect(tnumOverlap(a, b)).toBe(shared);
    }), { numRuns: 3000 });
  });
});
