// 64-bit arithmetic on int32 halves for the compiled engine: the operations that are too long to
// emit inline. Results go to the scratch pair OUT ([lo, hi]).

export const OUT = new Int32Array(2);

const toBig = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const fromBig = (v: bigint): void => {
  OUT[0] = Number(BigInt.asIntN(32, v));
  OUT[1] = Number(BigInt.asIntN(32, v >> 32n));
};

/** High 32 bits of the unsigned 64-bit product of two u32. */
function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const lo = a0 * b0;
  const mid1 = a1 * b0 + (lo >>> 16);
  const mid2 = a0 * b1 + (mid1 & 0xffff);
  return (a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16)) | 0;
}

export function mul64(ah: number, al: number, bh: number, bl: number): void {
  OUT[0] = Math.imul(al, bl);
  OUT[1] = (mulhiU32(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

export function lsh64(h: number, l: number, s: number): void {
  s &= 63;
  if (s === 0) { OUT[0] = l; OUT[1] = h; } else if (s < 32) { OUT[1] = (h << s) | (l >>> (32 - s)); OUT[0] = l << s; } else { OUT[1] = l << (s - 32); OUT[0] = 0; }
}

export function rsh64(h: number, l: number, s: number): void {
  s &= 63;
  if (s === 0) { OUT[0] = l; OUT[1] = h; } else if (s < 32) { OUT[0] = (l >>> s) | (h << (32 - s)); OUT[1] = h >>> s; } else { OUT[0] = h >>> (s - 32); OUT[1] = 0; }
}

export function arsh64(h: number, l: number, s: number): void {
  s &= 63;
  if (s === 0) { OUT[0] = l; OUT[1] = h; } else if (s < 32) { OUT[0] = (l >>> s) | (h << (32 - s)); OUT[1] = h >> s; } else { OUT[0] = h >> (s - 32); OUT[1] = h >> 31; }
}

/** Unsigned and signed 64-bit division and modulo with the kernel's results for a zero divisor. */
export function divmod64(op: 'div' | 'sdiv' | 'mod' | 'smod', ah: number, al: number, bh: number, bl: number): void {
  if (ah === 0 && bh === 0 && (op === 'div' || op === 'mod') && bl !== 0) {
    const a = al >>> 0, b = bl >>> 0;
    OUT[0] = op === 'div' ? Math.floor(a / b) | 0 : (a % b) | 0;
    OUT[1] = 0;
    return;
  }
  const a = toBig(ah, al), b = toBig(bh, bl);
  if (b === 0n) { if (op === 'div' || op === 'sdiv') fromBig(0n); else fromBig(a); return; }
  switch (op) {
    case 'div': fromBig(a / b); break;
    case 'mod': fromBig(a % b); break;
    case 'sdiv': fromBig(BigInt.asIntN(64, a) / BigInt.asIntN(64, b)); break;
    case 'smod': fromBig(BigInt.asIntN(64, a) % BigInt.asIntN(64, b)); break;
  }
}

export function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

export { toBig, fromBig };
