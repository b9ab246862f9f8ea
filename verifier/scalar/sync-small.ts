// reg_bounds_sync (scalar.ts's syncBounds) for the scalar the walk syncs most: a tnum and 64-bit
// bounds all below 2^53 in magnitude. The same steps in doubles, where such values are exact
// (64-bit bit operations as a high and a low 32-bit half), so that a sync allocates only the
// bigints of the fields it changes instead of one per operation. Any step that would leave that
// range gives up before anything is written, and the caller runs the bigint steps.

import type { Scalar } from './scalar.js';

const TWO32 = 4294967296;
const LIMIT = 1n << 53n;
const NEG_LIMIT = -LIMIT;

/** The high 32-bit half of an integer in (−2^53, 2^53): the arithmetic shift right by 32. */
const hi = (x: number): number => Math.floor(x / TWO32);

/** The scalar being synced, as doubles: one, reused (a sync does not re-enter itself). */
class Work {
  V = 0;
  M = 0;
  smin = 0;
  smax = 0;
  umin = 0;
  umax = 0;
  s32min = 0;
  s32max = 0;
  u32min = 0;
  u32max = 0;
}
const WORK = new Work();

/** Bounds implied by the tnum (updateBounds32, then updateBounds64): the sign bit of V and M is 0, V and M share no bit. */
function updateFromTnum(w: Work): void {
  const v = w.V >>> 0;
  const m = w.M >>> 0;
  w.s32min = Math.max(w.s32min, (v | (m & 0x80000000)) | 0);
  w.s32max = Math.min(w.s32max, (v | (m & 0x7fffffff)) | 0);
  w.u32min = Math.max(w.u32min, v);
  w.u32max = Math.min(w.u32max, (v | m) >>> 0);
  w.smin = Math.max(w.smin, w.V);
  w.smax = Math.min(w.smax, w.V + w.M);
  w.umin = Math.max(w.umin, w.V);
  w.umax = Math.min(w.umax, w.V + w.M);
}

function boundByLowHalves(w: Work, lo: number, hiEnd: number, loS32: number, hiS32: number): void {
  w.u32min = Math.max(w.u32min, lo);
  w.u32max = Math.min(w.u32max, hiEnd);
  if (loS32 <= hiS32) {
    w.s32min = Math.max(w.s32min, loS32);
    w.s32max = Math.min(w.s32max, hiS32);
  }
}

/** deduceBounds32, deduceBounds64, deduceMixedBounds; false: a value would leave the range (nothing written to the scalar). */
function deduce(w: Work): boolean {
  // 32-bit bounds from the 64-bit ones; smin and smax are non-negative here (see syncSmallScalar).
  const uminHi = hi(w.umin);
  const umaxHi = hi(w.umax);
  const sminHi = hi(w.smin);
  const smaxHi = hi(w.smax);
  const uminS32 = w.umin | 0;
  const umaxS32 = w.umax | 0;
  const sminS32 = w.smin | 0;
  const smaxS32 = w.smax | 0;
  if (uminHi === umaxHi) boundByLowHalves(w, w.umin >>> 0, w.umax >>> 0, uminS32, umaxS32);
  if (sminHi === smaxHi) boundByLowHalves(w, w.smin >>> 0, w.smax >>> 0, sminS32, smaxS32);
  if (uminS32 < 0 && umaxS32 >= 0 && ((uminHi + 1) >>> 0) === (umaxHi >>> 0)) {
    w.s32min = Math.max(w.s32min, uminS32);
    w.s32max = Math.min(w.s32max, umaxS32);
  }
  if (sminS32 < 0 && smaxS32 >= 0 && ((sminHi + 1) >>> 0) === (smaxHi >>> 0)) {
    w.s32min = Math.max(w.s32min, sminS32);
    w.s32max = Math.min(w.s32max, smaxS32);
  }
  const u32minS = w.u32min | 0;
  const u32maxS = w.u32max | 0;
  if (u32minS <= u32maxS) {
    w.s32min = Math.max(w.s32min, u32minS);
    w.s32max = Math.min(w.s32max, u32maxS);
  }
  const s32minU = w.s32min >>> 0;
  const s32maxU = w.s32max >>> 0;
  if (s32minU <= s32maxU) {
    w.u32min = Math.max(w.u32min, s32minU);
    w.u32max = Math.min(w.u32max, s32maxU);
  } else if (w.u32max < s32minU) {
    w.s32min = w.u32min | 0;
    w.u32max = Math.min(w.u32max, s32maxU);
  } else if (s32maxU < w.u32min) {
    w.s32max = w.u32max | 0;
    w.u32min = Math.max(w.u32min, s32minU);
  }
  // Signed and unsigned 64-bit bounds from each other: all four below 2^53, so as64 is the identity.
  if (w.umin <= w.umax) {
    w.smin = Math.max(w.smin, w.umin);
    w.smax = Math.min(w.smax, w.umax);
  }
  if (w.smin <= w.smax) {
    w.umin = Math.max(w.umin, w.smin);
    w.umax = Math.min(w.umax, w.smax);
  } else if (w.umax < w.smin) {
    w.smin = w.umin;
    w.umax = Math.min(w.umax, w.smax);
  } else if (w.smax < w.umin) {
    w.smax = w.umax;
    w.umin = Math.max(w.umin, w.smin);
  }
  // Mixed: the 64-bit bounds with their low halves replaced by the 32-bit ones.
  w.umin = Math.max(w.umin, hi(w.umin) * TWO32 + w.u32min);
  w.umax = Math.min(w.umax, hi(w.umax) * TWO32 + w.u32max);
  w.smin = Math.max(w.smin, hi(w.smin) * TWO32 + w.u32min);
  w.smax = Math.min(w.smax, hi(w.smax) * TWO32 + w.u32max);
  if (w.s32min >= 0 && w.smin >= -0x80000000 && w.smax <= 0x7fffffff) {
    // A negative s32max would make umax negative: left to the bigint steps.
    if (w.s32max < 0) return false;
    w.smin = w.s32min; w.smax = w.s32max;
    w.umin = w.s32min; w.umax = w.s32max;
    // tnum_intersect with tnum_range(smin, smax): both below 2^31, so only the low half changes.
    const d = w.smin ^ w.smax;
    let rv = w.smin;
    let rm = 0;
    if (d !== 0) {
      rm = 2 ** (32 - Math.clz32(d)) - 1;
      rv = w.smin & ~rm;
    }
    const mu = (w.M & rm) >>> 0;
    w.V = hi(w.V) * TWO32 + (((w.V | rv) & ~mu) >>> 0);
    w.M = mu;
  }
  return w.smax >= 0;
}

/** boundOffset: the tnum intersected with the ranges [w.umin, w.umax] and [w.u32min, w.u32max]. */
function boundOffset(w: Work): void {
  // tnum_range(umin, umax): both below 2^53.
  const dHi = hi(w.umin) ^ hi(w.umax);
  const dLo = (w.umin ^ w.umax) >>> 0;
  let r64v = w.umin;
  let r64mHi = 0;
  let r64mLo = 0;
  if (dHi !== 0 || dLo !== 0) {
    const bits = dHi !== 0 ? 64 - Math.clz32(dHi) : 32 - Math.clz32(dLo);
    const span = 2 ** bits;
    r64v = w.umin - (w.umin % span);
    if (bits > 32) { r64mHi = 2 ** (bits - 32) - 1; r64mLo = 0xffffffff; } else r64mLo = span - 1;
  }
  const m64Hi = hi(w.M) & r64mHi;
  const m64Lo = (w.M & r64mLo) >>> 0;
  const v64Hi = (hi(w.V) | hi(r64v)) & ~m64Hi;
  const v64Lo = ((w.V | r64v) & ~m64Lo) >>> 0;
  // tnum_range(u32min, u32max).
  const d32 = (w.u32min ^ w.u32max) >>> 0;
  let r32v = w.u32min;
  let r32m = 0;
  if (d32 !== 0) {
    const span = 2 ** (32 - Math.clz32(d32));
    r32v = w.u32min - (w.u32min % span);
    r32m = span - 1;
  }
  const m32 = (m64Lo & r32m) >>> 0;
  const v32 = ((v64Lo | r32v) & ~m32) >>> 0;
  w.V = v64Hi * TWO32 + v32;
  w.M = (m64Hi & ~v64Hi) * TWO32 + ((m32 & ~v32) >>> 0);
}

/**
 * syncBounds for a scalar whose tnum value and mask and 64-bit bounds lie in (−2^53, 2^53); false,
 * with the scalar unchanged, for any other (the caller then runs the bigint steps).
 */
export function syncSmallScalar(s: Scalar): boolean {
  const t = s.varOff;
  if (t.value >= LIMIT || t.mask >= LIMIT || t.value < 0n || t.mask < 0n || s.umin >= LIMIT || s.umax >= LIMIT
    || s.smin <= NEG_LIMIT || s.smin >= LIMIT || s.smax <= NEG_LIMIT || s.smax >= LIMIT) return false;
  const v0 = Number(t.value);
  const m0 = Number(t.mask);
  // A tnum whose value and mask share a bit is not one the kernel makes: left to the bigint steps.
  if ((hi(v0) & hi(m0)) !== 0 || (v0 & m0) !== 0) return false;
  const smin0 = Number(s.smin);
  const smax0 = Number(s.smax);
  const umin0 = Number(s.umin);
  const umax0 = Number(s.umax);
  const s32min0 = Number(s.s32min);
  const s32max0 = Number(s.s32max);
  const u32min0 = Number(s.u32min);
  const u32max0 = Number(s.u32max);
  const w = WORK;
  w.V = v0; w.M = m0; w.smin = smin0; w.smax = smax0; w.umin = umin0; w.umax = umax0;
  w.s32min = s32min0; w.s32max = s32max0; w.u32min = u32min0; w.u32max = u32max0;
  updateFromTnum(w);
  // smin is at least V (non-negative) now; a negative smax is an empty range, left to the bigint steps.
  if (w.smax < 0) return false;
  const a = w.V; const b = w.M; const c = w.smin; const d = w.smax; const e = w.umin; const f = w.umax;
  const g = w.s32min; const h = w.s32max; const i = w.u32min; const j = w.u32max;
  if (!deduce(w)) return false;
  // The kernel deduces twice; when the first pass changed nothing the second cannot either.
  if (w.V !== a || w.M !== b || w.smin !== c || w.smax !== d || w.umin !== e || w.umax !== f || w.s32min !== g || w.s32max !== h || w.u32min !== i || w.u32max !== j) {
    if (!deduce(w)) return false;
  }
  boundOffset(w);
  updateFromTnum(w);
  if (w.V !== v0 || w.M !== m0) s.varOff = { value: BigInt(w.V), mask: BigInt(w.M) };
  if (w.smin !== smin0) s.smin = BigInt(w.smin);
  if (w.smax !== smax0) s.smax = BigInt(w.smax);
  if (w.umin !== umin0) s.umin = BigInt(w.umin);
  if (w.umax !== umax0) s.umax = BigInt(w.umax);
  if (w.s32min !== s32min0) s.s32min = BigInt(w.s32min);
  if (w.s32max !== s32max0) s.s32max = BigInt(w.s32max);
  if (w.u32min !== u32min0) s.u32min = BigInt(w.u32min);
  if (w.u32max !== u32max0) s.u32max = BigInt(w.u32max);
  return true;
}
