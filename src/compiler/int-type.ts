// The language's integer types and their semantics: every value is held as its width's bits,
// zero-extended (unsigned) or sign-extended (signed) to 64 bits, so that widening is free and
// comparisons work on whole registers. Arithmetic wraps at the type's width.

export interface IntType {
  readonly name: string;
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  /** bool: values 0 and 1 only. */
  readonly bool?: true;
}

const t = (name: string, bits: 8 | 16 | 32 | 64, signed: boolean): IntType => ({ name, bits, signed });
export const INT_TYPES: Readonly<Record<string, IntType>> = {
  u8: t('u8', 8, false), u16: t('u16', 16, false), u32: t('u32', 32, false), u64: t('u64', 64, false),
  s8: t('s8', 8, true), s16: t('s16', 16, true), s32: t('s32', 32, true), s64: t('s64', 64, true),
};
export const BOOL: IntType = { name: 'bool', bits: 8, signed: false, bool: true };
export const U64 = INT_TYPES.u64!;
export const S64 = INT_TYPES.s64!;
export const U32 = INT_TYPES.u32!;

/** A value brought to type `ty`'s canonical form (wrapped to its width, extended to 64 bits). */
export function wrap(v: bigint, ty: IntType): bigint {
  if (ty.bool === true) return v === 0n ? 0n : 1n;
  return ty.signed ? BigInt.asIntN(ty.bits, v) : BigInt.asUintN(ty.bits, v);
}

/** The 64-bit register pattern of a canonical value (as a u64). */
export function bits64(v: bigint): bigint { return BigInt.asUintN(64, v); }

/**
 * The type both operands of a binary operator convert to: the same type, else the wider one, and
 * between equal widths the unsigned one (as C does, without C's promotion to int).
 */
export function commonType(a: IntType, b: IntType): IntType {
  if (a.bool === true && b.bool === true) return a;
  if (a.bool === true) return b;
  if (b.bool === true) return a;
  if (a.bits !== b.bits) return a.bits > b.bits ? a : b;
  return a.signed ? b : a;
}

/** True when every canonical value of `from` is already canonical in `to` with the same bits mod 2^to.bits. */
export function isFreeConversion(from: IntType, to: IntType): boolean {
  if (to.bool === true) return from.bool === true;
  if (to.bits === 64) return true;
  if (from.bool === true) return true;
  if (!from.signed) return to.signed ? to.bits > from.bits : to.bits >= from.bits;
  return to.signed && to.bits >= from.bits;
}

/** An integer literal's exact value from its source text (beyond 2^53 too), or undefined. */
export function parseInteger(text: string): bigint | undefined {
  const t = text.replace(/_/g, '');
  if (/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/.test(t)) return BigInt(t);
  return undefined;
}
