// Tracked numbers: what is known of each of the 64 bits of a value. A bit is known 0, known 1
// (value bit set) or unknown (mask bit set; its value bit is then 0). Every operation returns a
// tnum that contains every concrete result of the operation on members of its operands, as the
// kernel's verifier computes it (kernel/bpf/tnum.c is the behaviour this follows).

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const U64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & U64;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

export function tnum(value: bigint, mask: bigint): Tnum {
  return { value: u64(value), mask: u64(mask) };
}

export function tnumConst(value: bigint): Tnum {
  return { value: u64(value), mask: 0n };
}

export function tnumIsConst(a: Tnum): boolean {
  return a.mask === 0n;
}

export function tnumIsUnknown(a: Tnum): boolean {
  return a.mask === U64;
}

/** The smallest tnum whose members include [min, max] (unsigned): the common high bits of both ends. */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const differing = u64(min ^ max);
  if (differing === 0n) return tnumConst(min);
  const bits = bitLength(differing);
  if (bits > 63) return TNUM_UNKNOWN;
  const low = LOW_BITS[bits]!;
  return { value: u64(min) & ~low & U64, mask: low };
}

/** LOW_BITS[n]: the n low bits set (n = 0 … 64). */
const LOW_BITS: readonly bigint[] = Array.from({ length: 65 }, (_, n) => (1n << BigInt(n)) - 1n);

/** Number of significant bits of a non-zero u64 (fls64), from its two 32-bit halves. */
function bitLength(x: bigint): number {
  const hi = Number(x >> 32n);
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(Number(x & 0xffffffffn));
}

export function tnumLshift(a: Tnum, shift: number): Tnum {
  return tnum(a.value << BigInt(shift), a.mask << BigInt(shift));
}

export function tnumRshift(a: Tnum, shift: number): Tnum {
  return { value: a.value >> BigInt(shift), mask: a.mask >> BigInt(shift) };
}

/** Arithmetic shift right by the smallest shift amount, in a 32- or 64-bit view. */
export function tnumArshift(a: Tnum, minShift: number, bits: 32 | 64): Tnum {
  if (bits === 32) {
    const v = BigInt.asIntN(32, a.value) >> BigInt(minShift);
    const m = BigInt.asIntN(32, a.mask) >> BigInt(minShift);
    return { value: BigInt.asUintN(32, v), mask: BigInt.asUintN(32, m) };
  }
  return tnum(s64(a.value) >> BigInt(minShift), s64(a.mask) >> BigInt(minShift));
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const carries = u64(sm + sv) ^ sv;
  const mu = carries | a.mask | b.mask;
  return { value: sv & ~mu & U64, mask: mu };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const borrows = u64(dv + a.mask) ^ u64(dv - b.mask);
  const mu = borrows | a.mask | b.mask;
  return { value: dv & ~mu & U64, mask: mu };
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(tnumConst(0n), a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  return { value: v, mask: (a.value | a.mask) & (b.value | b.mask) & ~v & U64 };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  return { value: v, mask: (a.mask | b.mask) & ~v & U64 };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const mu = a.mask | b.mask;
  return { value: (a.value ^ b.value) & ~mu & U64, mask: mu };
}

/** A tnum whose members include every member of `a` and of `b`. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return { value: a.value & b.value & ~mu & U64, mask: mu };
}

/**
 * Long multiplication over the bits of `a`: a known 1 adds `b` (shifted), an unknown bit gives
 * the union of adding it and not (Linux 6.18's tnum_mul; checked against the live kernel).
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc: Tnum = { value: 0n, mask: 0n };
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if ((x.value & 1n) !== 0n) acc = tnumAdd(acc, y);
    else if ((x.mask & 1n) !== 0n) acc = tnumUnion(acc, tnumAdd(acc, y));
    x = tnumRshift(x, 1);
    y = tnumLshift(y, 1);
  }
  return acc;
}

/** What both say: a bit known in either is known (a and b must describe the same value). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

/** Whether some value is a member of both: no bit known in both is known differently. */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const known = ~a.mask & ~b.mask & U64;
  return (a.value & known) === (b.value & known);
}

/** The low `size` bytes. */
export function tnumCast(a: Tnum, size: 1 | 2 | 4 | 8): Tnum {
  if (size === 8) return a;
  const keep = (1n << BigInt(size * 8)) - 1n;
  return { value: a.value & keep, mask: a.mask & keep };
}

export function tnumIsAligned(a: Tnum, size: bigint): boolean {
  if (size === 0n) return true;
  return ((a.value | a.mask) & (size - 1n)) === 0n;
}

/** Whether every member of `b` is a member of `a`. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  // Pruning compares every scalar of a state this way, and bigint steps allocate: the old tnum
  // unknown or constant first, decided by comparisons alone (what the two steps below give).
  if (a.mask === U64) return a.value === 0n;
  if (a.mask === 0n && b.mask === 0n && b.value >= 0n && b.value <= U64) return a.value === b.value;
  if ((b.mask & ~a.mask & U64) !== 0n) return false;
  return a.value === (b.value & ~a.mask & U64);
}

/** Whether the concrete value `x` is a member of `a`. */
export function tnumContains(a: Tnum, x: bigint): boolean {
  return (u64(x) & ~a.mask & U64) === a.value;
}

/** The low 32 bits. */
export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

/** The high 32 bits only (low 32 known 0). */
export function tnumClearSubreg(a: Tnum): Tnum {
  return tnumLshift(tnumRshift(a, 32), 32);
}

/** `a` with its low 32 bits replaced by `subreg`'s. */
export function tnumWithSubreg(a: Tnum, subreg: Tnum): Tnum {
  return tnumOr(tnumClearSubreg(a), tnumSubreg(subreg));
}

export function tnumConstSubreg(a: Tnum, value: bigint): Tnum {
  return tnumWithSubreg(a, tnumConst(BigInt.asUintN(32, value)));
}

export function tnumSubregIsConst(a: Tnum): boolean {
  return tnumSubreg(a).mask === 0n;
}

/** The kernel's log spelling: `(0x0; 0xff)`. */
export function formatTnum(a: Tnum): string {
  return `(${hex(a.value)}; ${hex(a.mask)})`;
}

function hex(x: bigint): string {
  return x === 0n ? '0x0' : `0x${x.toString(16)}`;
}
