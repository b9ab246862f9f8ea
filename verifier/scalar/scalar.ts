// The verifier's knowledge of a scalar: a tnum and signed/unsigned bounds in 64 and 32 bits, kept
// consistent with each other the way the kernel keeps them (reg_bounds_sync and the steps it is
// made of). All values are bigint: unsigned fields hold 0 … 2^n−1, signed fields −2^(n−1) … 2^(n−1)−1.

import {
  type Tnum, TNUM_UNKNOWN, tnumConst, tnumConstSubreg, tnumIntersect, tnumRange,
} from './tnum.js';
import { syncSmallScalar } from './sync-small.js';
import { syncRemembered } from './sync-memo.js';
import { singleMemberInRange } from './single-member.js';

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

// Constants of the steps below, computed once: every bigint operation allocates, and syncBounds
// runs after nearly every ALU instruction and branch of the walk.
const SIGN32 = 1n << 31n;
const SIGN64 = 1n << 63n;
const NOT_LOW32 = ~U32_MAX;
/** The high 32 bits of a u64. */
const HIGH32 = U64_MAX & ~U32_MAX;

/** Bounds implied by the tnum, 32-bit half. */
export function updateBounds32(s: Scalar): void {
  const v = s.varOff.value & U32_MAX;
  const m = s.varOff.mask & U32_MAX;
  s.s32min = max(s.s32min, asS32(v | (m & SIGN32)));
  s.s32max = min(s.s32max, asS32(v | (m & S32_MAX)));
  s.u32min = max(s.u32min, v);
  s.u32max = min(s.u32max, v | m);
}

/** Bounds implied by the tnum, 64-bit half. */
export function updateBounds64(s: Scalar): void {
  const t = s.varOff;
  s.smin = max(s.smin, asS64(t.value | (t.mask & SIGN64)));
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
  const u32minS = asS32(s.u32min);
  const u32maxS = asS32(s.u32max);
  if (u32minS <= u32maxS) {
    s.s32min = max(s.s32min, u32minS);
    s.s32max = min(s.s32max, u32maxS);
  }
  const s32minU = asU32(s.s32min);
  const s32maxU = asU32(s.s32max);
  if (s32minU <= s32maxU) {
    s.u32min = max(s.u32min, s32minU);
    s.u32max = min(s.u32max, s32maxU);
  } else if (s.u32max < s32minU) {
    // As in 64 bits below: the unsigned range meets one part of a wrapping signed range.
    s.s32min = asS32(s.u32min);
    s.u32max = min(s.u32max, s32maxU);
  } else if (s32maxU < s.u32min) {
    s.s32max = asS32(s.u32max);
    s.u32min = max(s.u32min, s32minU);
  }
}

/** Signed and unsigned 64-bit bounds from each other. */
function deduceBounds64(s: Scalar): void {
  const uminS = asS64(s.umin);
  const umaxS = asS64(s.umax);
  if (uminS <= umaxS) {
    s.smin = max(s.smin, uminS);
    s.smax = min(s.smax, umaxS);
  }
  const sminU = asU64(s.smin);
  const smaxU = asU64(s.smax);
  if (sminU <= smaxU) {
    s.umin = max(s.umin, sminU);
    s.umax = min(s.umax, smaxU);
  } else if (s.umax < sminU) {
    // The signed range wraps through the sign boundary and the unsigned one meets only its
    // non-negative part: both ranges are that part.
    s.smin = asS64(s.umin);
    s.umax = min(s.umax, smaxU);
  } else if (smaxU < s.umin) {
    // ... or only its negative part.
    s.smax = asS64(s.umax);
    s.umin = max(s.umin, sminU);
  }
}

/** 64-bit bounds tightened with the 32-bit ones. */
function deduceMixedBounds(s: Scalar): void {
  s.umin = max(s.umin, (s.umin & NOT_LOW32) | s.u32min);
  s.umax = min(s.umax, (s.umax & NOT_LOW32) | s.u32max);
  s.smin = max(s.smin, asS64((asU64(s.smin) & NOT_LOW32) | s.u32min));
  s.smax = min(s.smax, asS64((asU64(s.smax) & NOT_LOW32) | s.u32max));
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
  // tnum_intersect with the 64-bit range, its low half intersected with the 32-bit range, and
  // the halves put together again (tnum_or of the high half and the low one), without the
  // intermediate tnums.
  const r64 = tnumRange(s.umin, s.umax);
  const m64 = s.varOff.mask & r64.mask;
  const v64 = (s.varOff.value | r64.value) & ~m64 & U64_MAX;
  const r32 = tnumRange(s.u32min, s.u32max);
  const m32 = m64 & U32_MAX & r32.mask;
  const v32 = ((v64 & U32_MAX) | r32.value) & ~m32 & U64_MAX;
  const value = (v64 & HIGH32) | v32;
  s.varOff = { value, mask: ((m64 & HIGH32) | m32) & ~value & U64_MAX };
}

/** Makes the five views agree: the kernel's reg_bounds_sync. */
export function syncBounds(s: Scalar): void {
  // A known value that every bound admits: the steps below make each bound that value and leave
  // the tnum as it is, so say so directly (most scalars the model syncs are constants).
  if (s.varOff.mask === 0n) {
    const v = s.varOff.value;
    // Most constants are below 2^31, where every view of them is the value itself (no bigint made).
    const small = v >= 0n && v <= S32_MAX;
    const sv = small ? v : asS64(v);
    const v32 = small ? v : asU32(v);
    const sv32 = small ? v : asS32(v);
    if (s.umin <= v && v <= s.umax && s.smin <= sv && sv <= s.smax && s.u32min <= v32 && v32 <= s.u32max && s.s32min <= sv32 && sv32 <= s.s32max) {
      s.umin = s.umax = v; s.smin = s.smax = sv; s.u32min = s.u32max = v32; s.s32min = s.s32max = sv32;
      return;
    }
  }
  // Nothing known at all: every step leaves it so.
  if (s.varOff.mask === U64_MAX && s.umin === 0n && s.umax === U64_MAX && s.smin === S64_MIN && s.smax === S64_MAX
    && s.u32min === 0n && s.u32max === U32_MAX && s.s32min === S32_MIN && s.s32max === S32_MAX) return;
  // Values below 2^53: the same steps in doubles (sync-small.ts), which allocate no bigint per step.
  if (!syncSmallScalar(s)) syncRemembered(s, syncBoundsSteps);
  // Last: a branch can cut the range between two members of the tnum, leaving one.
  const one = singleMemberInRange(s.varOff, s.umin, s.umax);
  if (one !== undefined) markKnown(s, one);
}

/** reg_bounds_sync's steps in bigints. */
function syncBoundsSteps(s: Scalar): void {
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
