// ALU instructions on two scalars: the result's tnum and bounds as the kernel's verifier computes
// them (adjust_scalar_min_max_vals and its per-operation steps), for 64-bit and 32-bit operations.

import {
  asS32, asS64, asU32, asU64, cloneScalar, unknownScalar, markKnown, markKnown32, markUnbounded32, markUnbounded64, markUnknown,
  S32_MAX, S32_MIN, S64_MAX, S64_MIN, type Scalar, syncBounds, U32_MAX, U64_MAX, updateBounds, updateBounds32,
} from './scalar.js';
import {
  tnumAdd, tnumAnd, tnumArshift, tnumIsConst, tnumLshift, tnumMul, tnumNeg, tnumOr, tnumRshift, tnumSub, tnumSubreg,
  tnumSubregIsConst, tnumXor, tnumCast,
} from './tnum.js';

export type ScalarAluOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh' | 'arsh' | 'neg' | 'div' | 'sdiv' | 'mod' | 'smod';

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The four bounds of one width of a scalar, and that width's limits. */
interface BoundsView {
  readonly smin: 'smin' | 's32min';
  readonly smax: 'smax' | 's32max';
  readonly umin: 'umin' | 'u32min';
  readonly umax: 'umax' | 'u32max';
  readonly sMin: bigint;
  readonly sMax: bigint;
  readonly uMax: bigint;
}

const BITS64: BoundsView = { smin: 'smin', smax: 'smax', umin: 'umin', umax: 'umax', sMin: S64_MIN, sMax: S64_MAX, uMax: U64_MAX };
const BITS32: BoundsView = { smin: 's32min', smax: 's32max', umin: 'u32min', umax: 'u32max', sMin: S32_MIN, sMax: S32_MAX, uMax: U32_MAX };

/** Whether a result leaves the range [lo, hi] (the kernel's check_*_overflow on its type). */
const outside = (x: bigint, lo: bigint, hi: bigint): boolean => x < lo || x > hi;

function setSigned(d: Scalar, w: BoundsView, lo: bigint, hi: bigint): void {
  if (outside(lo, w.sMin, w.sMax) || outside(hi, w.sMin, w.sMax)) { d[w.smin] = w.sMin; d[w.smax] = w.sMax; } else { d[w.smin] = lo; d[w.smax] = hi; }
}

function add(d: Scalar, s: Scalar, w: BoundsView): void {
  setSigned(d, w, d[w.smin] + s[w.smin], d[w.smax] + s[w.smax]);
  const umin = d[w.umin] + s[w.umin];
  const umax = d[w.umax] + s[w.umax];
  // All sums wrap or none does: the wrapped ends still bound the result.
  if (umin <= w.uMax && umax > w.uMax) { d[w.umin] = 0n; d[w.umax] = w.uMax; } else { d[w.umin] = umin & w.uMax; d[w.umax] = umax & w.uMax; }
}

function sub(d: Scalar, s: Scalar, w: BoundsView): void {
  setSigned(d, w, d[w.smin] - s[w.smax], d[w.smax] - s[w.smin]);
  const umin = d[w.umin] - s[w.umax];
  const umax = d[w.umax] - s[w.umin];
  if (umin < 0n && umax >= 0n) { d[w.umin] = 0n; d[w.umax] = w.uMax; } else { d[w.umin] = umin & w.uMax; d[w.umax] = umax & w.uMax; }
}

function mul(d: Scalar, s: Scalar, w: BoundsView): void {
  const umax = d[w.umax] * s[w.umax];
  const umin = d[w.umin] * s[w.umin];
  if (umax > w.uMax || umin > w.uMax) { d[w.umin] = 0n; d[w.umax] = w.uMax; } else { d[w.umin] = umin; d[w.umax] = umax; }
  const products = [d[w.smin] * s[w.smin], d[w.smin] * s[w.smax], d[w.smax] * s[w.smin], d[w.smax] * s[w.smax]];
  if (products.some((p) => outside(p, w.sMin, w.sMax))) { d[w.smin] = w.sMin; d[w.smax] = w.sMax; } else {
    d[w.smin] = products.reduce((a, b) => (a < b ? a : b));
    d[w.smax] = products.reduce((a, b) => (a > b ? a : b));
  }
}

/** Signed bounds from unsigned ones when the unsigned range does not cross the sign bit. */
function signedFromUnsigned64(d: Scalar): void {
  if (asS64(d.umin) <= asS64(d.umax)) { d.smin = asS64(d.umin); d.smax = asS64(d.umax); } else { d.smin = S64_MIN; d.smax = S64_MAX; }
}

function signedFromUnsigned32(d: Scalar): void {
  if (asS32(d.u32min) <= asS32(d.u32max)) { d.s32min = asS32(d.u32min); d.s32max = asS32(d.u32max); } else { d.s32min = S32_MIN; d.s32max = S32_MAX; }
}

type Bitwise = 'and' | 'or' | 'xor';

function bitwise64(op: Bitwise, d: Scalar, s: Scalar, srcKnown: boolean, dstKnown: boolean): void {
  if (srcKnown && dstKnown) { markKnown(d, d.varOff.value); return; }
  const t = d.varOff;
  if (op === 'and') { d.umin = t.value; d.umax = d.umax < s.umax ? d.umax : s.umax; }
  else if (op === 'or') { d.umin = max(d.umin, s.umin); d.umax = t.value | t.mask; }
  else { d.umin = t.value; d.umax = t.value | t.mask; }
  signedFromUnsigned64(d);
  updateBounds(d);
}

function bitwise32(op: Bitwise, d: Scalar, s: Scalar, srcKnown: boolean, dstKnown: boolean): void {
  const t = tnumSubreg(d.varOff);
  if (srcKnown && dstKnown) { markKnown32(d, t.value); return; }
  if (op === 'and') { d.u32min = t.value; d.u32max = d.u32max < s.u32max ? d.u32max : s.u32max; }
  else if (op === 'or') { d.u32min = max(d.u32min, s.u32min); d.u32max = t.value | t.mask; }
  else { d.u32min = t.value; d.u32max = t.value | t.mask; }
  signedFromUnsigned32(d);
}

function lshBounds32(d: Scalar, umin: bigint, umax: bigint): void {
  d.s32min = S32_MIN; d.s32max = S32_MAX;
  if (umax > 31n || d.u32max > 1n << (31n - umax)) { d.u32min = 0n; d.u32max = U32_MAX; } else { d.u32min = asU32(d.u32min << umin); d.u32max = asU32(d.u32max << umax); }
}

function lshBounds64(d: Scalar, umin: bigint, umax: bigint): void {
  // `<< 32` is the first half of the compilers' sign extension: the subregister's signed range moves up.
  const by32 = umin === 32n && umax === 32n;
  d.smax = by32 ? d.s32max << 32n : S64_MAX;
  d.smin = by32 ? d.s32min << 32n : S64_MIN;
  if (d.umax > 1n << (63n - umax)) { d.umin = 0n; d.umax = U64_MAX; } else { d.umin = asU64(d.umin << umin); d.umax = asU64(d.umax << umax); }
}

/**
 * Whether the kernel computes a range for this operation at all: shifts need a constant amount
 * (in the operation's width) below the width — compared with the 64-bit umax even for 32-bit ops.
 */
function computable(op: ScalarAluOp, s: Scalar, bits: 32 | 64): boolean {
  // Division and modulo results are not tracked, even of constants.
  if (op === 'div' || op === 'sdiv' || op === 'mod' || op === 'smod') return false;
  if (op !== 'lsh' && op !== 'rsh' && op !== 'arsh') return true;
  const known = bits === 32
    ? tnumSubregIsConst(s.varOff) && s.s32min === s.s32max && s.u32min === s.u32max
    : tnumIsConst(s.varOff) && s.smin === s.smax && s.umin === s.umax;
  return known && s.umax < BigInt(bits);
}

/** Zero-extends a 32-bit result into the register. */
export function zext32(d: Scalar): void {
  d.varOff = tnumSubreg(d.varOff);
  d.umin = d.u32min;
  d.umax = d.u32max;
  if (d.s32min >= 0n && d.s32max >= 0n) { d.smin = d.s32min; d.smax = d.s32max; } else { d.smin = 0n; d.smax = U32_MAX; }
}

/**
 * `dst = dst OP src` on scalars (for 'neg', src is ignored), 64-bit or 32-bit. Returns the new
 * abstract value of dst; the inputs are not changed.
 */
export function scalarAlu(op: ScalarAluOp, dst: Scalar, src: Scalar, bits: 32 | 64): Scalar {
  const folded = foldConstants(op, dst, src, bits);
  if (folded !== undefined) return folded;
  const d = cloneScalar(dst);
  const s = src;
  if (!computable(op, s, bits)) {
    markUnknown(d);
    return d;
  }
  switch (op) {
    case 'add': add(d, s, BITS32); add(d, s, BITS64); d.varOff = tnumAdd(d.varOff, s.varOff); break;
    case 'sub': sub(d, s, BITS32); sub(d, s, BITS64); d.varOff = tnumSub(d.varOff, s.varOff); break;
    case 'neg': {
      const old = cloneScalar(d);
      markKnown(d, 0n);
      sub(d, old, BITS32); sub(d, old, BITS64);
      d.varOff = tnumNeg(old.varOff);
      break;
    }
    case 'mul': d.varOff = tnumMul(d.varOff, s.varOff); mul(d, s, BITS32); mul(d, s, BITS64); break;
    case 'and': case 'or': case 'xor': {
      const src64 = tnumIsConst(s.varOff);
      const dst64 = tnumIsConst(d.varOff);
      const src32 = tnumSubregIsConst(s.varOff);
      const dst32 = tnumSubregIsConst(d.varOff);
      d.varOff = op === 'and' ? tnumAnd(d.varOff, s.varOff) : op === 'or' ? tnumOr(d.varOff, s.varOff) : tnumXor(d.varOff, s.varOff);
      bitwise32(op, d, s, src32, dst32);
      bitwise64(op, d, s, src64, dst64);
      break;
    }
    case 'lsh':
      if (bits === 32) {
        const sub = tnumSubreg(d.varOff);
        lshBounds32(d, s.u32min, s.u32max);
        d.varOff = tnumSubreg(tnumLshift(sub, Number(s.u32min)));
        markUnbounded64(d);
        updateBounds32(d);
      } else {
        lshBounds64(d, s.umin, s.umax);
        lshBounds32(d, s.umin, s.umax);
        d.varOff = tnumLshift(d.varOff, Number(s.umin));
        updateBounds(d);
      }
      break;
    case 'rsh':
      if (bits === 32) {
        const sub = tnumSubreg(d.varOff);
        d.s32min = S32_MIN; d.s32max = S32_MAX;
        d.varOff = tnumRshift(sub, Number(s.u32min));
        d.u32min >>= s.u32max;
        d.u32max >>= s.u32min;
        markUnbounded64(d);
        updateBounds32(d);
      } else {
        d.smin = S64_MIN; d.smax = S64_MAX;
        d.varOff = tnumRshift(d.varOff, Number(s.umin));
        d.umin >>= s.umax;
        d.umax >>= s.umin;
        markUnbounded32(d);
        updateBounds(d);
      }
      break;
    case 'div': case 'sdiv': case 'mod': case 'smod':
      break; // not computable: handled above
    case 'arsh':
      if (bits === 32) {
        d.s32min >>= s.u32min;
        d.s32max >>= s.u32min;
        d.varOff = tnumArshift(tnumSubreg(d.varOff), Number(s.u32min), 32);
        d.u32min = 0n; d.u32max = U32_MAX;
        markUnbounded64(d);
        updateBounds32(d);
      } else {
        d.smin >>= s.umin;
        d.smax >>= s.umin;
        d.varOff = tnumArshift(d.varOff, Number(s.umin), 64);
        d.umin = 0n; d.umax = U64_MAX;
        markUnbounded32(d);
        updateBounds(d);
      }
      break;
  }
  if (bits === 32) zext32(d);
  syncBounds(d);
  return d;
}

/**
 * Two constants give a constant: every view of the result is exact, as the kernel's bounds
 * become once its tnum is constant. Division and modulo are not tracked, so not folded.
 */
function foldConstants(op: ScalarAluOp, dst: Scalar, src: Scalar, bits: 32 | 64): Scalar | undefined {
  if (!tnumIsConst(dst.varOff) || (op !== 'neg' && !tnumIsConst(src.varOff))) return undefined;
  const w = bits === 64 ? U64_MAX : U32_MAX;
  const a = dst.varOff.value & w;
  const b = src.varOff.value & w;
  let r: bigint;
  switch (op) {
    case 'add': r = a + b; break;
    case 'sub': r = a - b; break;
    case 'mul': r = a * b; break;
    case 'and': r = a & b; break;
    case 'or': r = a | b; break;
    case 'xor': r = a ^ b; break;
    case 'neg': r = -a; break;
    case 'lsh': if (src.varOff.value >= BigInt(bits)) return undefined; r = a << b; break;
    case 'rsh': if (src.varOff.value >= BigInt(bits)) return undefined; r = a >> b; break;
    case 'arsh': if (src.varOff.value >= BigInt(bits)) return undefined; r = BigInt.asIntN(bits, a) >> b; break;
    default: return undefined;
  }
  const out = unknownScalar();
  markKnown(out, r & w);
  return out;
}

/** The low `size` bytes of the scalar (the kernel's coerce_reg_to_size). */
export function truncateScalar(dst: Scalar, size: 1 | 2 | 4): Scalar {
  const d = cloneScalar(dst);
  d.varOff = tnumCast(d.varOff, size);
  const keep = (1n << BigInt(size * 8)) - 1n;
  if ((d.umin & ~keep) === (d.umax & ~keep)) { d.umin &= keep; d.umax &= keep; } else { d.umin = 0n; d.umax = keep; }
  d.smin = d.umin;
  d.smax = d.umax;
  if (size < 4) markUnbounded32(d);
  syncBounds(d);
  return d;
}

function swapBytes(x: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out = (out << 8n) | ((x >> BigInt(i * 8)) & 0xffn);
  return out;
}

/** A byte-order instruction on a scalar: to little endian, to big endian, or an unconditional swap (little-endian host). */
export function scalarEndian(dst: Scalar, order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64): Scalar {
  if (order === 'le') return bits === 64 ? cloneScalar(dst) : truncateScalar(dst, (bits / 8) as 2 | 4);
  const d = unknownScalar();
  d.varOff = { value: swapBytes(dst.varOff.value, bits / 8), mask: swapBytes(dst.varOff.mask, bits / 8) };
  syncBounds(d);
  return d;
}
