// Hex spellings shared by the printers.

/** "00".."ff". */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const TWO32 = 0x1_0000_0000;

/** Hex of the unsigned 64-bit value hi:lo (both given as 32-bit integers of either sign). */
export function hex64(hi: number, lo: number): string {
  const h = hi >>> 0;
  const l = lo >>> 0;
  return h === 0 ? `0x${l.toString(16)}` : `0x${h.toString(16)}${l.toString(16).padStart(8, '0')}`;
}

/**
 * Hex of an address that may have wrapped below zero: llvm-objdump computes
 * branch targets in unsigned 64-bit arithmetic, so -8 prints as
 * 0xfffffffffffffff8. `n` must be an integer with |n| < 2^53.
 */
export function hexAddress(n: number): string {
  if (n >= 0) return `0x${n.toString(16)}`;
  const hi = Math.floor(n / TWO32);
  return hex64(hi, n - hi * TWO32);
}
