// Sign extension of a scalar's low bytes (movsx and sign-extending loads), with the bounds the
// kernel keeps: exact for constants, the sign-extended range when the 64-bit (or 32-bit) signed
// range lies within one block of the narrow width and does not cross zero after extension; for a
// 64-bit result (6.18), the subregister's own signed range when the narrow type holds it; otherwise
// the narrow type's whole range.

import { asS32, asU32, asU64, S32_MAX, S32_MIN, type Scalar, U32_MAX, U64_MAX, cloneScalar } from './scalar.js';
import { TNUM_UNKNOWN, tnumConst, tnumIsConst, tnumRange, tnumSubreg } from './tnum.js';

const signed = (x: bigint, bits: number): bigint => BigInt.asIntN(bits, x);
const narrowMin = (bits: number): bigint => -(1n << BigInt(bits - 1));
const narrowMax = (bits: number): bigint => (1n << BigInt(bits - 1)) - 1n;

/**
 * The range of `(sN)x` for x in the signed 64-bit range [min, max], when the range lies within one
 * block of 2^N values and its ends extend to the same sign; otherwise undefined.
 */
function extendedRange(min: bigint, max: bigint, bits: number): { lo: bigint; hi: bigint } | undefined {
  const top = (x: bigint): bigint => (asU64(x) >> BigInt(bits)) << BigInt(bits);
  if (top(max) !== top(min)) return undefined;
  const a = signed(max, bits);
  const b = signed(min, bits);
  const hi = a > b ? a : b;
  const lo = a < b ? a : b;
  return (hi >= 0n) === (lo >= 0n) ? { lo, hi } : undefined;
}

/** `(sN)reg` into 64 bits, N = 8·size. */
export function signExtend64(src: Scalar, size: 1 | 2 | 4): Scalar {
  const r = cloneScalar(src);
  const bits = size * 8;
  if (tnumIsConst(r.varOff)) {
    const v = asU64(signed(r.varOff.value, bits));
    r.varOff = tnumConst(v);
    r.smin = r.smax = BigInt.asIntN(64, v);
    r.umin = r.umax = v;
    r.s32min = r.s32max = asS32(v);
    r.u32min = r.u32max = asU32(v);
    return r;
  }
  const range = extendedRange(r.smin, r.smax, bits);
  if (range !== undefined) {
    const { lo, hi } = range;
    r.smin = lo; r.smax = hi;
    r.s32min = asS32(lo); r.s32max = asS32(hi);
    r.umin = asU64(lo); r.umax = asU64(hi);
    r.u32min = asU32(lo); r.u32max = asU32(hi);
    r.varOff = tnumRange(asU64(lo), asU64(hi));
    return r;
  }
  // 6.18: a subregister whose signed range the narrow type holds is its own extension.
  if (r.s32min >= narrowMin(bits) && r.s32max <= narrowMax(bits)) {
    const lo = r.s32min;
    const hi = r.s32max;
    r.smin = lo; r.smax = hi;
    r.umin = 0n; r.umax = U64_MAX; r.u32min = 0n; r.u32max = U32_MAX;
    r.varOff = TNUM_UNKNOWN;
    // Of one sign, the unsigned bounds follow.
    if ((lo >= 0n) === (hi >= 0n)) {
      r.umin = asU64(lo); r.umax = asU64(hi); r.u32min = asU32(lo); r.u32max = asU32(hi);
      r.varOff = tnumRange(asU64(lo), asU64(hi));
    }
    return r;
  }
  r.smin = narrowMin(bits); r.smax = narrowMax(bits);
  r.s32min = size === 4 ? S32_MIN : narrowMin(bits); r.s32max = size === 4 ? S32_MAX : narrowMax(bits);
  r.umin = 0n; r.u32min = 0n; r.umax = U64_MAX; r.u32max = U32_MAX;
  r.varOff = TNUM_UNKNOWN;
  return r;
}

/** `(sN)wreg` into the 32-bit subregister, N = 8 or 16; the caller zero-extends. */
export function signExtend32(src: Scalar, size: 1 | 2): Scalar {
  const r = cloneScalar(src);
  const bits = size * 8;
  if (tnumIsConst(r.varOff)) {
    const v = asU64(signed(r.varOff.value, bits));
    r.varOff = tnumConst(v);
    r.s32min = r.s32max = asS32(v);
    r.u32min = r.u32max = asU32(v);
    return r;
  }
  const top = (x: bigint): bigint => (asU32(x) >> BigInt(bits)) << BigInt(bits);
  if (top(r.s32max) === top(r.s32min)) {
    const a = signed(r.s32max, bits);
    const b = signed(r.s32min, bits);
    const hi = a > b ? a : b;
    const lo = a < b ? a : b;
    if ((lo >= 0n) === (hi >= 0n)) {
      r.s32min = lo; r.s32max = hi;
      r.u32min = asU32(lo); r.u32max = asU32(hi);
      r.varOff = tnumSubreg(tnumRange(asU64(lo), asU64(hi)));
      return r;
    }
  }
  r.s32min = narrowMin(bits); r.s32max = narrowMax(bits);
  r.u32min = 0n; r.u32max = U32_MAX;
  r.varOff = tnumSubreg(TNUM_UNKNOWN);
  return r;
}
