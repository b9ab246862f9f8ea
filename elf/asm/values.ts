// Constant arithmetic with the int64 semantics of LLVM MC expressions:
// values wrap at 64 bits, division truncates toward zero, shift counts are
// taken modulo 64, `>>` is a logical shift, comparisons yield -1 (true) or 0,
// `&&`/`||`/`!` yield 1 or 0. A constant is a JS number while it is a safe
// integer and a bigint (already wrapped to int64) otherwise.

export type Const = number | bigint;

const MIN_SAFE = -9007199254740991;
const MAX_SAFE = 9007199254740991;

/** Canonical form of an int64 given as a bigint. */
export function fromBig(v: bigint): Const {
  const w = BigInt.asIntN(64, v);
  return w >= -9007199254740991n && w <= 9007199254740991n ? Number(w) : w;
}

export function toBig(v: Const): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Low 32 bits as a signed int32 (llvm-mc's silent truncation of imm32 fields). */
export function toInt32(v: Const): number {
  if (typeof v === 'number') {
    if (v >= -0x80000000 && v <= 0x7fffffff) return v;
    // Exact for safe integers: the low 32 bits survive the float modulo.
    const m = v % 4294967296;
    return m | 0;
  }
  return Number(BigInt.asIntN(32, v));
}

/** The int64 value as a bigint interpreted unsigned (two's complement). */
export function toUint64(v: Const): bigint {
  return BigInt.asUintN(64, toBig(v));
}

export function isZero(v: Const): boolean {
  return typeof v === 'number' ? v === 0 : v === 0n;
}

export function add(a: Const, b: Const): Const {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (r >= MIN_SAFE && r <= MAX_SAFE) return r;
  }
  return fromBig(toBig(a) + toBig(b));
}

export function sub(a: Const, b: Const): Const {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (r >= MIN_SAFE && r <= MAX_SAFE) return r;
  }
  return fromBig(toBig(a) - toBig(b));
}

export function neg(a: Const): Const {
  return typeof a === 'number' ? (a === 0 ? 0 : -a) : fromBig(-a);
}

export function mul(a: Const, b: Const): Const {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (r >= MIN_SAFE && r <= MAX_SAFE) return r === 0 ? 0 : r;
  }
  return fromBig(toBig(a) * toBig(b));
}

/** Signed division truncating toward zero; null when dividing by zero or overflowing (INT64_MIN / -1). */
export function div(a: Const, b: Const): Const | null {
  if (isZero(b)) return null;
  if (typeof a === 'number' && typeof b === 'number' && Math.abs(a) <= 0x7fffffff && Math.abs(b) <= 0x7fffffff) {
    const r = Math.trunc(a / b);
    return r === 0 ? 0 : r;
  }
  const A = toBig(a);
  const B = toBig(b);
  if (A === -(1n << 63n) && B === -1n) return null;
  return fromBig(A / B);
}

export function mod(a: Const, b: Const): Const | null {
  if (isZero(b)) return null;
  if (typeof a === 'number' && typeof b === 'number' && Math.abs(a) <= 0x7fffffff && Math.abs(b) <= 0x7fffffff) {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  const A = toBig(a);
  const B = toBig(b);
  if (A === -(1n << 63n) && B === -1n) return null;
  return fromBig(A % B);
}

function small(v: Const): v is number {
  return typeof v === 'number' && v >= -0x80000000 && v <= 0x7fffffff;
}

export function and(a: Const, b: Const): Const {
  if (small(a) && small(b)) return a & b;
  return fromBig(toBig(a) & toBig(b));
}

export function or(a: Const, b: Const): Const {
  if (small(a) && small(b)) return a | b;
  return fromBig(toBig(a) | toBig(b));
}

export function xor(a: Const, b: Const): Const {
  if (small(a) && small(b)) return a ^ b;
  return fromBig(toBig(a) ^ toBig(b));
}

export function not(a: Const): Const {
  if (small(a)) return ~a;
  return fromBig(~toBig(a));
}

export function shl(a: Const, b: Const): Const {
  const n = BigInt.asUintN(6, toBig(b));
  return fromBig(toBig(a) << n);
}

/** Logical shift right of the 64-bit pattern. */
export function shr(a: Const, b: Const): Const {
  const n = BigInt.asUintN(6, toBig(b));
  return fromBig(BigInt.asUintN(64, toBig(a)) >> n);
}

export function compare(a: Const, b: Const): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const A = toBig(a);
  const B = toBig(b);
  return A < B ? -1 : A > B ? 1 : 0;
}

/** Truth value as MC comparisons produce it: all ones. */
export const TRUE_CMP: Const = -1;

export function fitsSigned(v: Const, bits: number): boolean {
  if (typeof v === 'number' && bits <= 32) {
    const lim = 2 ** (bits - 1);
    return v >= -lim && v < lim;
  }
  const B = toBig(v);
  const lim = 1n << BigInt(bits - 1);
  return B >= -lim && B < lim;
}

/** True when v fits `bits` bits either as a signed or as an unsigned integer (data directive range). */
export function fitsData(v: Const, bits: number): boolean {
  if (bits >= 64) return true;
  if (typeof v === 'number') return v >= -(2 ** (bits - 1)) && v < 2 ** bits;
  return v >= -(1n << BigInt(bits - 1)) && v < (1n << BigInt(bits));
}

export function constToString(v: Const): string {
  return typeof v === 'bigint' ? v.toString() : String(v);
}
