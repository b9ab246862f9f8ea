// The verifier's knowledge of a scalar: a tnum and signed/unsigned bounds in 64 and 32 bits, kept
// consistent with each other the way the kernel keeps them (reg_bounds_sync and the steps it is
// made of). All values are bigint: unsigned fields hold 0 … 2^n−1, signed fields −2^(n−1) … 2^(n−1)−1.

import {
  type Tnum, TNUM_UNKNOWN, tnumClearSubreg, tnumConst, tnumConstSubreg, tnumIntersect, tnumOr, tnumRange, tnumSubreg,
} from './tnum.js';

export const U64_MAX = (1n << 64n) - 1n;
export const U32_MAX = (1n << 32n) - 1n;
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

export const asU64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const asS64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const asU32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const asS32 = (x: bigint): bigint => BigInt.asIntN(32, x);

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** A scalar's abstract value. Mutable: the ALU steps update it in place, as the kernel does. */
export interface Scalar {
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
}

export function unknownScalar(): Scalar {
  return { varOff: TNUM_UNKNOWN, smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX, s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32_MAX };
}

export function knownScalar(value: bigint): Scalar {
  const s = unknownScalar();
  markKnown(s, value);
  return s;
}

export function cloneScalar(s: Scalar): Scalar {
  // Field by field, not a spread: one shape for every copy, and faster (the model copies scalars constantly).
  return { varOff: s.varOff, smin: s.smin, smax: s.smax, umin: s.umin, umax: s.umax, s32min: s.s32min, s32max: s.s32max, u32min: s.u32min, u32max: s.u32max };
}

export function markKnown(s: Scalar, value: bigint): void {
  s.varOff = tnumConst(value);
  s.smin = s.smax = asS64(value);
  s.umin = s.umax = asU64(value);
  s.s32min = s.s32max = asS32(value);
  s.u32min = s.u32max = asU32(value);
}

export function markKnown32(s: Scalar, value: bigint): void {
  s.varOff = tnumConstSubreg(s.varOff, value);
  s.s32min = s.s32max = asS32(value);
  s.u32min = s.u32max = asU32(value);
}

export function markUnbounded64(s: Scalar): void {
  s.smin = S64_MIN; s.smax = S64_MAX; s.umin = 0n; s.umax = U64_MAX;
}

export function markUnbounded32(s: Scalar): void {
  s.s32min = S32_MIN; s.s32max = S32_MAX; s.u32min = 0n; s.u32max = U32_MAX;
}

export function markUnknown(s: Scalar): void {
  Object.assign(s, unknownScalar());
}

/** Bounds implied by the tnum, 32-bit half. */
export function updateBounds32(s: Scalar): void {
  const t = tnumSubreg(s.varOff);
  s.s32min = max(s.s32min, asS32(t.value | (t.mask & (1n << 31n))));
  s.s32max = min(s.s32max, asS32(t.value | (t.mask & S32_MAX)));
  s.u32min = max(s.u32min, t.value);
  s.u32max = min(s.u32max, t.value | t.mask);
}

/** Bounds implied by the tnum, 64-bit half. */
export function updateBounds64(s: Scalar): void {
  const t = s.varOff;
  s.smin = max(s.smin, asS64(t.value | (t.mask & (1n << 63n))));
  s.smax = min(s.smax, asS64(t.value | (t.mask & S64_MAX)));
  s.umin = max(s.umin, t.value);
  s.umax = min(s.umax, t.value | t.mask);
}

export function updateBounds(s: Scalar): void {
  updateBounds32(s);
  updateBounds64(s);
}

/** The 32-bit bounds narrowed to the low halves of a 64-bit range [lo, hi] whose high halves are equal. */
function boundByLowHalves(s: Scalar, lo: bigint, hi: bigint, loS32: bigint, hiS32: bigint): void {
  s.u32min = max(s.u32min, asU32(lo));
  s.u32max = min(s.u32max, asU32(hi));
  if (loS32 <= hiS32) {
    s.s32min = max(s.s32min, loS32);
    s.s32max = min(s.s32max, hiS32);
  }
}

/** 32-bit bounds from the 64-bit ones, and signed/unsigned 32-bit bounds from each other. */
function deduceBounds32(s: Scalar): void {
  // The 64-bit bounds do not change here: their halves are computed once (bigint steps allocate).
  const { umin, umax, smin, smax } = s;
  const uminHi = umin >> 32n;
  const umaxHi = umax >> 32n;
  const sminHi = smin >> 32n;
  const smaxHi = smax >> 32n;
  const uminS32 = asS32(umin);
  const umaxS32 = asS32(umax);
  const sminS32 = asS32(smin);
  const smaxS32 = asS32(smax);
  // The upper halves of the 64-bit range are equal: its lower halves bound the subregister.
  if (uminHi === umaxHi) boundByLowHalves(s, umin, umax, uminS32, umaxS32);
  if (sminHi === smaxHi) boundByLowHalves(s, smin, smax, sminS32, smaxS32);
  // Upper halves two consecutive numbers, lower halves a signed range through zero.
  if (uminS32 < 0n && umaxS32 >= 0n && asU32(uminHi + 1n) === asU32(umaxHi)) {
    s.s32min = max(s.s32min, uminS32);
    s.s32max = min(s.s32max, umaxS32);
  }
  if (sminS32 < 0n && smaxS32 >= 0n && asU32((asU64(smin) >> 32n) + 1n) === asU32(asU64(smax) >> 32n)) {
    s.s32min = max(s.s32min, sminS32);
    s.s32max = min(s.s32max, smaxS32);
  }
  if (asS32(s.u32min) <= asS32(s.u32max)) {
    s.s32min = max(s.s32min, asS32(s.u32min));
    s.s32max = min(s.s32max, asS32(s.u32max));
  }
  if (asU32(s.s32min) <= asU32(s.s32max)) {
    s.u32min = max(s.u32min, asU32(s.s32min));
    s.u32max = min(s.u32max, asU32(s.s32max));
  } else if (s.u32max < asU32(s.s32min)) {
    // As in 64 bits below: the unsigned range meets one part of a wrapping signed range.
    s.s32min = asS32(s.u32min);
    s.u32max = min(s.u32max, asU32(s.s32max));
  } else if (asU32(s.s32max) < s.u32min) {
    s.s32max = asS32(s.u32max);
    s.u32min = max(s.u32min, asU32(s.s32min));
  }
}

/** Signed and unsigned 64-bit bounds from each other. */
function deduceBounds64(s: Scalar): void {
  if (asS64(s.umin) <= asS64(s.umax)) {
    s.smin = max(s.smin, asS64(s.umin));
    s.smax = min(s.smax, asS64(s.umax));
  }
  if (asU64(s.smin) <= asU64(s.smax)) {
    s.umin = max(s.umin, asU64(s.smin));
    s.umax = min(s.umax, asU64(s.smax));
  } else if (s.umax < asU64(s.smin)) {
    // The signed range wraps through the sign boundary and the unsigned one meets only its
    // non-negative part: both ranges are that part.
    s.smin = asS64(s.umin);
    s.umax = min(s.umax, asU64(s.smax));
  } else if (asU64(s.smax) < s.umin) {
    // ... or only its negative part.
    s.smax = asS64(s.umax);
    s.umin = max(s.umin, asU64(s.smin));
  }
}

/** 64-bit bounds tightened with the 32-bit ones. */
function deduceMixedBounds(s: Scalar): void {
  const low = U32_MAX;
  s.umin = max(s.umin, (s.umin & ~low) | s.u32min);
  s.umax = min(s.umax, (s.umax & ~low) | s.u32max);
  s.smin = max(s.smin, asS64((asU64(s.smin) & ~low) | s.u32min));
  s.smax = min(s.smax, asS64((asU64(s.smax) & ~low) | s.u32max));
  // A non-negative 32-bit range inside the s32 span of a 64-bit one: the 64-bit value is that range.
  if (s.s32min >= 0n && s.smin >= S32_MIN && s.smax <= S32_MAX) {
    s.smin = s.s32min; s.smax = s.s32max;
    s.umin = s.s32min; s.umax = s.s32max;
    s.varOff = tnumIntersect(s.varOff, tnumRange(s.smin, s.smax));
  }
}

export function deduceBounds(s: Scalar): void {
  deduceBounds32(s);
  deduceBounds64(s);
  deduceMixedBounds(s);
}

/** The tnum tightened with the unsigned ranges. */
export function boundOffset(s: Scalar): void {
  const t64 = tnumIntersect(s.varOff, tnumRange(s.umin, s.umax));
  const t32 = tnumIntersect(tnumSubreg(t64), tnumRange(s.u32min, s.u32max));
  s.varOff = tnumOr(tnumClearSubreg(t64), t32);
}

/** Makes the five views agree: the kernel's reg_bounds_sync. */
export function syncBounds(s: Scalar): void {
  // A known value that every bound admits: the steps below make each bound that value and leave
  // the tnum as it is, so say so directly (most scalars the model syncs are constants).
  if (s.varOff.mask === 0n) {
    const v = s.varOff.value;
    const sv = asS64(v);
    const v32 = asU32(v);
    const sv32 = asS32(v);
    if (s.umin <= v && v <= s.umax && s.smin <= sv && sv <= s.smax && s.u32min <= v32 && v32 <= s.u32max && s.s32min <= sv32 && sv32 <= s.s32max) {
      s.umin = s.umax = v; s.smin = s.smax = sv; s.u32min = s.u32max = v32; s.s32min = s.s32max = sv32;
      return;
    }
  }
  // Nothing known at all: every step leaves it so.
  if (s.varOff.mask === U64_MAX && s.umin === 0n && s.umax === U64_MAX && s.smin === S64_MIN && s.smax === S64_MAX
    && s.u32min === 0n && s.u32max === U32_MAX && s.s32min === S32_MIN && s.s32max === S32_MAX) return;
  updateBounds(s);
  const { smin, smax, umin, umax, s32min, s32max, u32min, u32max, varOff } = s;
  deduceBounds(s);
  // The kernel deduces twice; when the first pass changed nothing the second cannot either.
  if (s.smin !== smin || s.smax !== smax || s.umin !== umin || s.umax !== umax || s.s32min !== s32min
    || s.s32max !== s32max || s.u32min !== u32min || s.u32max !== u32max || s.varOff !== varOff) deduceBounds(s);
  boundOffset(s);
  updateBounds(s);
}

/** Whether concrete `x` (as a 64-bit pattern) is described by `s`. */
export function scalarContains(s: Scalar, x: bigint): boolean {
  const u = asU64(x);
  const v = asS64(x);
  return (u & ~s.varOff.mask & U64_MAX) === s.varOff.value
    && u >= s.umin && u <= s.umax && v >= s.smin && v <= s.smax
    && asU32(u) >= s.u32min && asU32(u) <= s.u32max && asS32(u) >= s.s32min && asS32(u) <= s.s32max;
}
