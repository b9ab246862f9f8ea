// The instruction text llvm-objdump-19 (--mcpu=v4) prints for one raw slot.
//
// LLVM's BPF decoder is looser and stricter than ours in places, and the
// listing must reproduce it byte for byte, so this works on the raw fields
// rather than on the typed model. Facts below were established by running
// llvm-objdump-19 over every opcode with random field values:
// * registers 0..11 decode (r11 included); 12..15 make the slot <unknown>;
// * fields an instruction does not use are ignored (src of K forms, imm of X
//   forms, everything but off for `goto`/`may_goto`, everything but imm for
//   `call`, dst/src/off of `exit`, dst/off/imm of `skb[rN]`, the second
//   ld_imm64 slot except its imm);
// * ALU ops need off = 0, except div/mod (1 = signed) and mov X (8, 16, 32,
//   and 1 = addr_space_cast on ALU64); `exit` needs imm = 0; ld_imm64 off = 0;
// * STX|ATOMIC (W and DW only) looks at the low byte of imm: 0x01/0x41/0x51/
//   0xa1/0xe1/0xf1 are the fetching forms, otherwise a high nibble of 0, 4, 5
//   or a gives `lock ... op= src` whatever the low nibble (so load-acquire,
//   imm 0x100, prints as `lock ... += src`); B/H atomics are <unknown>.
//
// The text is written as ASCII bytes straight into a byte array (slotText):
// a listing of 200,000 instructions then allocates nothing per line; the
// fixed pieces and the registers are copied from pre-encoded words, four
// bytes a store, and decimal and hex numbers are formatted in place.

import { TextBuffer } from './text-buffer.js';

// Every piece of text sits in one pool at a 4-byte-aligned offset, padded to whole words, and is
// named by a number (word index << 8 | length; 0: none): writing one is a few 4-byte stores, and the
// templates below hold small integers, not objects.
const poolBytes: number[] = [0, 0, 0, 0]; // word 0 unused: code 0 means "no piece"

/** The code of a piece of ASCII text (at most 255 bytes). */
function piece(s: string): number {
  const word = poolBytes.length >> 2;
  for (let i = 0; i < s.length; i++) poolBytes.push(s.charCodeAt(i));
  while ((poolBytes.length & 3) !== 0) poolBytes.push(0);
  return (word << 8) | s.length;
}
const table = (list: readonly (string | undefined)[]): Int32Array =>
  Int32Array.from(list, (s) => (s === undefined ? 0 : piece(s)));

const ALU_OPS = table([
  ' += ', ' -= ', ' *= ', ' /= ', ' |= ', ' &= ', ' <<= ', ' >>= ', undefined, ' %= ', ' ^= ', ' = ', ' s>>= ',
  undefined, undefined, undefined,
]);
const SALU_OPS = table([
  undefined, undefined, undefined, ' s/= ', undefined, undefined, undefined, undefined, undefined, ' s%= ',
  undefined, undefined, undefined, undefined, undefined, undefined,
]);
const JMP_OPS = table([
  undefined, ' == ', ' > ', ' >= ', ' & ', ' != ', ' s> ', ' s>= ', undefined, undefined, ' < ', ' <= ', ' s< ', ' s<= ',
  undefined, undefined,
]);
const LOCK_OPS: readonly (string | undefined)[] = [
  ' += ', undefined, undefined, undefined, ' |= ', ' &= ', undefined, undefined, undefined, undefined, ' ^= ',
  undefined, undefined, undefined, undefined, undefined,
];
/** `)` and the operator of `lock *(u64 *)(r1 + 0x0) += r2`, by the high nibble of imm's low byte. */
const LOCK_TAILS = table(LOCK_OPS.map((op) => (op === undefined ? undefined : `)${op}`)));
const FETCH_NAMES: readonly (readonly [number, string])[] = [
  [0x01, 'atomic_fetch_add'], [0x41, 'atomic_fetch_or'], [0x51, 'atomic_fetch_and'], [0xa1, 'atomic_fetch_xor'],
];
/** `(u32 *)(` etc. by size code (W, H, B, DW). */
const PTR: readonly string[] = ['(u32 *)(', '(u16 *)(', '(u8 *)(', '(u64 *)('];
/** ` = atomic_fetch_add((u64 *)(` at [low byte of imm * 4 + size code] (fetching atomics, W or DW). */
const FETCH = new Int32Array(256 * 4);
for (const [low, name] of FETCH_NAMES) for (const size of [0, 3]) FETCH[low * 4 + size] = piece(` = ${name}(${PTR[size]}`);
/** `*(u32 *)(` etc. by size code. */
const DEREF = table(['*(u32 *)(', '*(u16 *)(', '*(u8 *)(', '*(u64 *)(']);
const EQ_DEREF = table([' = *(u32 *)(', ' = *(u16 *)(', ' = *(u8 *)(', ' = *(u64 *)(']);
const EQ_SDEREF = table([' = *(s32 *)(', ' = *(s16 *)(', ' = *(s8 *)(', undefined]);
const LOCK_DEREF = table(['lock *(u32 *)(', 'lock *(u16 *)(', 'lock *(u8 *)(', 'lock *(u64 *)(']);
const SKB = table(['r0 = *(u32 *)skb[', 'r0 = *(u16 *)skb[', 'r0 = *(u8 *)skb[', undefined]);
const S_EQ = piece(' = ');
const S_NEG = piece(' = -');
const S_BSWAP = piece(' = bswap');
const S_BE = piece(' = be');
const S_LE = piece(' = le');
const S_SPACE = piece(' ');
const S_SEXT = piece(' = (s');
const S_RPAREN = piece(')');
const S_RBRACKET = piece(']');
const S_CAST = piece(' = addr_space_cast(');
const S_COMMA_HEX = piece(', 0x');
const S_GOTO = piece('goto ');
const S_GOTOL = piece('gotol ');
const S_CALLX = piece('callx ');
const S_CALL = piece('call ');
const S_EXIT = piece('exit');
const S_MAY_GOTO = piece('may_goto ');
const S_IF = piece('if ');
const S_IF_GOTO = piece(' goto ');
const S_LL = piece(' ll');
const S_LD_PSEUDO = piece('ld_pseudo\t');
const S_STORE = piece(') = ');
const S_ARGS = piece('), ');
const S_COMMA = piece(', ');
const S_XCHG64 = piece(' = xchg_64(');
const S_XCHG32 = piece(' = xchg32_32(');
const S_CMPXCHG64 = piece('r0 = cmpxchg_64(');
const S_CMPXCHG32 = piece('w0 = cmpxchg32_32(');
const S_R0 = piece(', r0, ');
const S_W0 = piece(', w0, ');

/** The pool as little-endian words (whatever the host's byte order). */
const POOL = ((): Uint32Array => {
  const bytes = Uint8Array.from(poolBytes);
  const view = new DataView(bytes.buffer);
  return Uint32Array.from({ length: bytes.length >> 2 }, (_, i) => view.getUint32(i * 4, true));
})();

/** `rN`/`wN` as little-endian words at [kind * 16 + N] (2 bytes below r10, 3 from it). */
const REGISTERS = new Uint32Array(3 * 16);
for (let r = 0; r < 12; r++) {
  for (const [kind, letter] of [[1, 0x72], [2, 0x77]] as const) {
    REGISTERS[kind * 16 + r] = r < 10 ? letter | ((48 + r) << 8) : letter | (49 << 8) | ((38 + r) << 16);
  }
}
/** ` - 0x` and ` + 0x` without the x, as little-endian words. */
const MINUS_0 = 0x20 | (45 << 8) | (0x20 << 16) | (48 << 24);
const PLUS_0 = 0x20 | (43 << 8) | (0x20 << 16) | (48 << 24);
/** `0x` as a little-endian 16-bit word. */
const ZERO_X = 48 | (120 << 8);

/** Writes the piece `p` (a code from `piece`) at len; returns the new length. */
function put(view: DataView, len: number, p: number): number {
  const n = p & 0xff;
  let w = p >>> 8;
  for (let k = 0; k < n; k += 4) view.setUint32(len + k, POOL[w++]!, true);
  return len + n;
}

const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const TWO32 = 0x1_0000_0000;

// Operand kinds of the text template (see slotText).
const K_NONE = 0;
/** An r register (value: number). */
const K_R = 1;
/** A w register. */
const K_W = 2;
/** `0x7` / `-0x7` of an int32. */
const K_SHEX = 3;
/** `+0x3` / `-0x3` of a branch displacement. */
const K_BRANCH = 4;
/** Decimal of a small non-negative integer (endian and sign-extension widths). */
const K_DEC = 5;
/** `r10 - 0x8`: register value, offset extra. */
const K_ADDR = 6;
/** Hex of the 32-bit pattern of the value. */
const K_HEX = 7;
/** The signed 64-bit value extra:value (ld_imm64). */
const K_SHEX64 = 8;

/** Lower-case hex of the 32-bit pattern of v, without leading zeros, or zero-padded to `width` digits. */
export function hexDigits(buf: Uint8Array, len: number, v: number, width: number): number {
  let u = v >>> 0;
  let n = (35 - Math.clz32(u)) >> 2;
  if (n < width) n = width;
  if (n === 0) n = 1;
  for (let i = len + n - 1; i >= len; i--) {
    buf[i] = HEX_DIGITS[u & 15]!;
    u >>>= 4;
  }
  return len + n;
}

/** Writes one operand of the template; returns the new length. */
function operand(buf: Uint8Array, view: DataView, len: number, kind: number, v: number, extra: number): number {
  // Most operands end in a hex number, written once at the end.
  let hex = 0;
  let width = 0;
  switch (kind) {
    case K_R: case K_W:
      view.setUint32(len, REGISTERS[kind * 16 + v]!, true);
      return len + (v < 10 ? 2 : 3);
    case K_DEC:
      if (v < 10) {
        buf[len] = 48 + v;
        return len + 1;
      } else {
        const q = (v / 10) | 0;
        buf[len] = 48 + q;
        buf[len + 1] = 48 + v - q * 10;
        return len + 2;
      }
    case K_SHEX: case K_BRANCH:
      if (v < 0) {
        buf[len++] = 45; // '-'
        v = -v;
      } else if (kind === K_BRANCH) {
        buf[len++] = 43; // '+'
      }
      view.setUint16(len, ZERO_X, true);
      len += 2;
      hex = v;
      break;
    case K_ADDR:
      view.setUint32(len, REGISTERS[K_R * 16 + v]!, true);
      len += v < 10 ? 2 : 3;
      view.setUint32(len, extra < 0 ? MINUS_0 : PLUS_0, true);
      buf[len + 4] = 120; // 'x'
      len += 5;
      hex = extra < 0 ? -extra : extra;
      break;
    case K_HEX:
      hex = v;
      break;
    case K_SHEX64: {
      // extra:v as a signed 64-bit value; the two's complement negation of the pair is at most 0x80000000:00000000.
      let h = extra >>> 0;
      let l = v >>> 0;
      if (extra < 0) {
        buf[len++] = 45;
        if (l === 0) h = TWO32 - h;
        else { h = ~extra >>> 0; l = TWO32 - l; }
      }
      view.setUint16(len, ZERO_X, true);
      len += 2;
      if (h !== 0) {
        len = hexDigits(buf, len, h, 0);
        width = 8;
      }
      hex = l;
      break;
    }
    default:
      return len;
  }
  return hexDigits(buf, len, hex, width);
}

/** `r1 = addr_space_cast(r2, 0x1, 0x0)`. */
function addrSpaceCast(buf: Uint8Array, view: DataView, len: number, dst: number, src: number, imm: number): number {
  len = operand(buf, view, put(view, operand(buf, view, len, K_R, dst, 0), S_CAST), K_R, src, 0);
  len = hexDigits(buf, put(view, len, S_COMMA_HEX), imm >>> 16, 0);
  len = hexDigits(buf, put(view, len, S_COMMA_HEX), imm & 0xffff, 0);
  return put(view, len, S_RPAREN);
}

/** Room slotText may need at the end of the buffer. */
export const SLOT_TEXT_MAX = 96;

/**
 * Writes the text of the instruction with the given raw fields into `buf`
 * (whose DataView is `view`) at `len`, which must have SLOT_TEXT_MAX bytes
 * of room, and returns the new length, or returns -1 where objdump prints
 * `<unknown>`. Bytes past the returned length may be overwritten. `nextImm`
 * is the imm of the following slot (used only by opcode 0x18). Branch
 * annotations (` <sym+off>`) are not included.
 *
 * Every form is one template — piece, register, piece, operand, piece,
 * operand, piece — filled in by the decoding below and written by one
 * shared tail, so that the JIT compiles each formatter once.
 */
export function slotText(
  buf: Uint8Array, view: DataView, len: number, op: number, dst: number, src: number, off: number, imm: number,
  nextImm: number,
): number {
  let a = 0;
  let rk = K_NONE;
  let b = 0;
  let xk = K_NONE;
  let xv = 0;
  let xe = 0;
  let c = 0;
  let yk = K_NONE;
  let yv = 0;
  let d = 0;
  const cls = op & 0x07;
  const mode = op & 0xe0;
  const size = (op >> 3) & 3;
  const code = op >> 4;
  const x = (op & 0x08) !== 0;
  if (cls === 0x04 || cls === 0x07) {
    // ALU, ALU64
    if (dst > 11) return -1;
    const is64 = cls === 0x07;
    const N = is64 ? K_R : K_W;
    if (code === 0x8) {
      if (x) return -1;
      rk = N; b = S_NEG; xk = N; xv = dst;
    } else if (code === 0xd) {
      if ((x && is64) || (imm !== 16 && imm !== 32 && imm !== 64)) return -1;
      rk = K_R; b = is64 ? S_BSWAP : x ? S_BE : S_LE; xk = K_DEC; xv = imm; c = S_SPACE; yk = K_R; yv = dst;
    } else {
      let sym = ALU_OPS[code]!;
      if (sym === 0 || (x && src > 11)) return -1;
      if (off !== 0) {
        if (off === 1 && (code === 0x3 || code === 0x9)) {
          sym = SALU_OPS[code]!;
        } else if (code === 0xb && x) {
          if (off !== 8 && off !== 16 && !(off === 32 && is64)) {
            if (off !== 1 || !is64) return -1;
            return addrSpaceCast(buf, view, len, dst, src, imm);
          }
          sym = 0;
        } else {
          return -1;
        }
      }
      rk = N;
      if (sym === 0) {
        // Sign-extending move `r1 = (s8)r2`.
        b = S_SEXT; xk = K_DEC; xv = off; c = S_RPAREN; yk = N; yv = src;
      } else {
        b = sym; xk = x ? N : K_SHEX; xv = x ? src : imm;
      }
    }
  } else if (cls === 0x05 || cls === 0x06) {
    // JMP, JMP32
    const is64 = cls === 0x05;
    if (code === 0x0) {
      if (x) return -1;
      a = is64 ? S_GOTO : S_GOTOL; xk = K_BRANCH; xv = is64 ? off : imm;
    } else if (code === 0x8) {
      if (!is64) return -1;
      if (x) {
        if (dst > 11) return -1;
        a = S_CALLX; xk = K_R; xv = dst;
      } else {
        a = S_CALL; xk = K_SHEX; xv = imm;
      }
    } else if (code === 0x9) {
      if (op !== 0x95 || imm !== 0) return -1;
      a = S_EXIT;
    } else if (code === 0xe) {
      if (op !== 0xe5) return -1;
      a = S_MAY_GOTO; xk = K_BRANCH; xv = off;
    } else {
      const sym = JMP_OPS[code]!;
      if (sym === 0 || dst > 11 || (x && src > 11)) return -1;
      const N = is64 ? K_R : K_W;
      a = S_IF; rk = N; b = sym; xk = x ? N : K_SHEX; xv = x ? src : imm; c = S_IF_GOTO; yk = K_BRANCH; yv = off;
    }
  } else if (cls === 0x00) {
    // LD: ld_imm64 and the packet loads
    if (op === 0x18) {
      if (off !== 0 || dst > 11) return -1;
      rk = K_R;
      if (src === 0) {
        b = S_EQ; xk = K_SHEX64; xv = imm; xe = nextImm; c = S_LL;
      } else {
        a = S_LD_PSEUDO; b = S_COMMA_HEX; xk = K_HEX; xv = src; c = S_COMMA_HEX; yk = K_HEX; yv = imm;
      }
    } else {
      if (size === 3) return -1;
      a = SKB[size]!; c = S_RBRACKET;
      if (mode === 0x20) {
        xk = K_SHEX; xv = imm;
      } else {
        if (mode !== 0x40 || src > 11) return -1;
        xk = K_R; xv = src;
      }
    }
  } else if (cls === 0x01) {
    // LDX
    if (dst > 11 || src > 11) return -1;
    if (mode === 0x60) {
      rk = size === 3 ? K_R : K_W; b = EQ_DEREF[size]!;
    } else if (mode === 0x80 && size !== 3) {
      rk = K_R; b = EQ_SDEREF[size]!;
    } else {
      return -1;
    }
    xk = K_ADDR; xv = src; xe = off; c = S_RPAREN;
  } else if (cls === 0x02) {
    // ST
    if (mode !== 0x60 || dst > 11) return -1;
    a = DEREF[size]!; xk = K_ADDR; xv = dst; xe = off; c = S_STORE; yk = K_SHEX; yv = imm;
  } else {
    // STX: stores and atomics
    if (dst > 11 || src > 11) return -1;
    const N = size === 3 ? K_R : K_W;
    xk = K_ADDR; xv = dst; xe = off; yk = N; yv = src;
    if (mode === 0x60) {
      a = DEREF[size]!; c = S_STORE;
    } else {
      if (mode !== 0xc0 || (size !== 0 && size !== 3)) return -1;
      const low = imm & 0xff;
      const fetch = FETCH[low * 4 + size]!;
      if (fetch !== 0) {
        rk = N; b = fetch; c = S_ARGS; d = S_RPAREN;
      } else if (low === 0xe1) {
        rk = N; b = size === 3 ? S_XCHG64 : S_XCHG32; c = S_COMMA; d = S_RPAREN;
      } else if (low === 0xf1) {
        a = size === 3 ? S_CMPXCHG64 : S_CMPXCHG32; c = size === 3 ? S_R0 : S_W0; d = S_RPAREN;
      } else {
        const tail = LOCK_TAILS[low >> 4]!;
        if (tail === 0) return -1;
        a = LOCK_DEREF[size]!; c = tail;
      }
    }
  }
  // One loop writes the template (one copy of each writer for the JIT to compile): a, register, b, x, c, y, d.
  // The register is dst, except for the fetching atomics and xchg, which start with src.
  for (let k = 0; k < 4; k++) {
    const p = k === 0 ? a : k === 1 ? b : k === 2 ? c : d;
    if (p !== 0) len = put(view, len, p);
    const kind = k === 0 ? rk : k === 1 ? xk : k === 2 ? yk : K_NONE;
    if (kind !== K_NONE) len = operand(buf, view, len, kind, k === 0 ? (cls === 0x03 ? src : dst) : k === 1 ? xv : yv, xe);
  }
  return len;
}

/**
 * As slotText, into a TextBuffer: writes the text and returns true, or
 * writes nothing and returns false where objdump prints `<unknown>`.
 */
export function writeLlvmSlotText(
  out: TextBuffer, op: number, dst: number, src: number, off: number, imm: number, nextImm = 0,
): boolean {
  out.reserve(SLOT_TEXT_MAX);
  const end = slotText(out.buf, out.view, out.len, op, dst, src, off, imm, nextImm);
  if (end < 0) return false;
  out.len = end;
  return true;
}

/** As writeLlvmSlotText, returning the text, or null for `<unknown>`. */
export function llvmSlotText(op: number, dst: number, src: number, off: number, imm: number, nextImm = 0): string | null {
  const out = new TextBuffer(128);
  return writeLlvmSlotText(out, op, dst, src, off, imm, nextImm) ? out.toString() : null;
}

/**
 * For a slot that llvm-objdump decodes: the branch displacement in slots when
 * it annotates the line with a target (`goto`, `gotol`, conditional jumps,
 * `may_goto`), else undefined.
 */
export function llvmBranchSlots(op: number, off: number, imm: number): number | undefined {
  const cls = op & 0x07;
  if (cls !== 0x05 && cls !== 0x06) return undefined;
  const code = op >> 4;
  if (code === 0x0) return cls === 0x06 ? imm : off;
  if (code === 0x8 || code === 0x9) return undefined;
  return off;
}
