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
// The text is written straight into a TextBuffer: a listing of 200,000
// instructions then allocates almost nothing per line.

import { TextBuffer } from './text-buffer.js';

const ALU_OPS: readonly (string | undefined)[] = [
  ' += ', ' -= ', ' *= ', ' /= ', ' |= ', ' &= ', ' <<= ', ' >>= ', undefined, ' %= ', ' ^= ', ' = ', ' s>>= ',
  undefined, undefined, undefined,
];
const SALU_OPS: readonly (string | undefined)[] = [
  undefined, undefined, undefined, ' s/= ', undefined, undefined, undefined, undefined, undefined, ' s%= ',
];
const JMP_OPS: readonly (string | undefined)[] = [
  undefined, ' == ', ' > ', ' >= ', ' & ', ' != ', ' s> ', ' s>= ', undefined, undefined, ' < ', ' <= ', ' s< ', ' s<= ',
  undefined, undefined,
];
const LOCK_OPS: readonly (string | undefined)[] = [
  ' += ', undefined, undefined, undefined, ' |= ', ' &= ', undefined, undefined, undefined, undefined, ' ^= ',
  undefined, undefined, undefined, undefined, undefined,
];
const FETCH_OPS: Readonly<Record<number, string>> = {
  0x01: ' = atomic_fetch_add(', 0x41: ' = atomic_fetch_or(', 0x51: ' = atomic_fetch_and(', 0xa1: ' = atomic_fetch_xor(',
};
/** `*(u32 *)(` etc. by size code (W, H, B, DW). */
const DEREF: readonly string[] = ['*(u32 *)(', '*(u16 *)(', '*(u8 *)(', '*(u64 *)('];
const SDEREF: readonly string[] = ['*(s32 *)(', '*(s16 *)(', '*(s8 *)('];
const PTR: readonly string[] = ['(u32 *)(', '(u16 *)(', '(u8 *)(', '(u64 *)('];
const SKB: readonly string[] = ['r0 = *(u32 *)skb[', 'r0 = *(u16 *)skb[', 'r0 = *(u8 *)skb['];
const R: readonly string[] = Array.from({ length: 12 }, (_, i) => `r${i}`);
const W: readonly string[] = Array.from({ length: 12 }, (_, i) => `w${i}`);

const TWO32 = 0x1_0000_0000;

/** `0x7` / `-0x4`. */
function signedHex(out: TextBuffer, n: number): void {
  if (n < 0) {
    out.text('-0x');
    out.hex(-n, 0);
  } else {
    out.text('0x');
    out.hex(n, 0);
  }
}

/** `+0x3` / `-0x3` as in `goto +0x3`. */
function branch(out: TextBuffer, n: number): void {
  out.text(n < 0 ? '-0x' : '+0x');
  out.hex(n < 0 ? -n : n, 0);
}

/** `r10 - 0x8` / `r1 + 0x0`. */
function address(out: TextBuffer, reg: number, off: number): void {
  out.text(R[reg]!);
  out.text(off < 0 ? ' - 0x' : ' + 0x');
  out.hex(off < 0 ? -off : off, 0);
}

/** The signed 64-bit value hi:lo, `-0x1` for all ones. */
function signedHex64(out: TextBuffer, hi: number, lo: number): void {
  let h = hi >>> 0;
  let l = lo >>> 0;
  if (hi < 0) {
    out.char(0x2d); // '-'
    // Two's complement negation of the pair; at most 0x80000000:00000000.
    if (l === 0) h = TWO32 - h;
    else { h = ~hi >>> 0; l = TWO32 - l; }
  }
  out.text('0x');
  if (h === 0) out.hex(l, 0);
  else { out.hex(h, 0); out.hex(l, 8); }
}

function alu(out: TextBuffer, op: number, dst: number, src: number, off: number, imm: number): boolean {
  if (dst > 11) return false;
  const is64 = (op & 0x07) === 0x07;
  const N = is64 ? R : W;
  const code = op >> 4;
  const x = (op & 0x08) !== 0;
  if (code === 0x8) {
    if (x) return false;
    out.text(N[dst]!); out.text(' = -'); out.text(N[dst]!);
    return true;
  }
  if (code === 0xd) {
    if ((x && is64) || (imm !== 16 && imm !== 32 && imm !== 64)) return false;
    out.text(R[dst]!);
    out.text(is64 ? ' = bswap' : x ? ' = be' : ' = le');
    out.decimal(imm, 0);
    out.char(0x20);
    out.text(R[dst]!);
    return true;
  }
  let sym = ALU_OPS[code];
  if (sym === undefined || (x && src > 11)) return false;
  if (off !== 0) {
    if (off === 1 && (code === 0x3 || code === 0x9)) {
      sym = SALU_OPS[code]!;
    } else if (code === 0xb && x) {
      if (off === 8 || off === 16 || (off === 32 && is64)) {
        out.text(N[dst]!); out.text(' = (s'); out.decimal(off, 0); out.char(0x29); out.text(N[src]!);
        return true;
      }
      if (off !== 1 || !is64) return false;
      out.text(R[dst]!); out.text(' = addr_space_cast('); out.text(R[src]!); out.text(', 0x');
      out.hex(imm >>> 16, 0); out.text(', 0x'); out.hex(imm & 0xffff, 0); out.char(0x29);
      return true;
    } else {
      return false;
    }
  }
  out.text(N[dst]!);
  out.text(sym);
  if (x) out.text(N[src]!);
  else signedHex(out, imm);
  return true;
}

function jmp(out: TextBuffer, op: number, dst: number, src: number, off: number, imm: number): boolean {
  const is64 = (op & 0x07) === 0x05;
  const code = op >> 4;
  const x = (op & 0x08) !== 0;
  switch (code) {
    case 0x0:
      if (x) return false;
      out.text(is64 ? 'goto ' : 'gotol ');
      branch(out, is64 ? off : imm);
      return true;
    case 0x8:
      if (!is64) return false;
      if (x) {
        if (dst > 11) return false;
        out.text('callx '); out.text(R[dst]!);
        return true;
      }
      out.text('call ');
      signedHex(out, imm);
      return true;
    case 0x9:
      if (op !== 0x95 || imm !== 0) return false;
      out.text('exit');
      return true;
    case 0xe:
      if (op !== 0xe5) return false;
      out.text('may_goto ');
      branch(out, off);
      return true;
  }
  const sym = JMP_OPS[code];
  if (sym === undefined || dst > 11 || (x && src > 11)) return false;
  const N = is64 ? R : W;
  out.text('if ');
  out.text(N[dst]!);
  out.text(sym);
  if (x) out.text(N[src]!);
  else signedHex(out, imm);
  out.text(' goto ');
  branch(out, off);
  return true;
}

function ld(out: TextBuffer, op: number, dst: number, src: number, off: number, imm: number, nextImm: number): boolean {
  if (op === 0x18) {
    if (off !== 0 || dst > 11) return false;
    if (src === 0) {
      out.text(R[dst]!); out.text(' = '); signedHex64(out, nextImm, imm); out.text(' ll');
    } else {
      out.text('ld_pseudo\t'); out.text(R[dst]!); out.text(', 0x'); out.hex(src, 0); out.text(', 0x'); out.hex(imm >>> 0, 0);
    }
    return true;
  }
  const mode = op & 0xe0;
  const size = (op >> 3) & 3;
  if (size === 3) return false;
  if (mode === 0x20) {
    out.text(SKB[size]!); signedHex(out, imm); out.char(0x5d);
    return true;
  }
  if (mode !== 0x40 || src > 11) return false;
  out.text(SKB[size]!); out.text(R[src]!); out.char(0x5d);
  return true;
}

function ldx(out: TextBuffer, op: number, dst: number, src: number, off: number): boolean {
  if (dst > 11 || src > 11) return false;
  const mode = op & 0xe0;
  const size = (op >> 3) & 3;
  if (mode === 0x60) {
    out.text(size === 3 ? R[dst]! : W[dst]!); out.text(' = '); out.text(DEREF[size]!);
  } else if (mode === 0x80 && size !== 3) {
    out.text(R[dst]!); out.text(' = '); out.text(SDEREF[size]!);
  } else {
    return false;
  }
  address(out, src, off);
  out.char(0x29);
  return true;
}

function st(out: TextBuffer, op: number, dst: number, off: number, imm: number): boolean {
  if ((op & 0xe0) !== 0x60 || dst > 11) return false;
  out.text(DEREF[(op >> 3) & 3]!); address(out, dst, off); out.text(') = '); signedHex(out, imm);
  return true;
}

function stx(out: TextBuffer, op: number, dst: number, src: number, off: number, imm: number): boolean {
  if (dst > 11 || src > 11) return false;
  const mode = op & 0xe0;
  const size = (op >> 3) & 3;
  const N = size === 3 ? R : W;
  if (mode === 0x60) {
    out.text(DEREF[size]!); address(out, dst, off); out.text(') = '); out.text(N[src]!);
    return true;
  }
  if (mode !== 0xc0 || (size !== 0 && size !== 3)) return false;
  const low = imm & 0xff;
  const fetch = FETCH_OPS[low];
  if (fetch !== undefined) {
    out.text(N[src]!); out.text(fetch); out.text(PTR[size]!); address(out, dst, off); out.text('), '); out.text(N[src]!);
    out.char(0x29);
    return true;
  }
  if (low === 0xe1) {
    out.text(N[src]!); out.text(size === 3 ? ' = xchg_64(' : ' = xchg32_32('); address(out, dst, off);
    out.text(', '); out.text(N[src]!); out.char(0x29);
    return true;
  }
  if (low === 0xf1) {
    out.text(size === 3 ? 'r0 = cmpxchg_64(' : 'w0 = cmpxchg32_32('); address(out, dst, off);
    out.text(size === 3 ? ', r0, ' : ', w0, '); out.text(N[src]!); out.char(0x29);
    return true;
  }
  const lock = LOCK_OPS[low >> 4];
  if (lock === undefined) return false;
  out.text('lock '); out.text(DEREF[size]!); address(out, dst, off); out.char(0x29); out.text(lock); out.text(N[src]!);
  return true;
}

/**
 * Writes the text of the instruction with the given raw fields to `out` and
 * returns true, or writes nothing and returns false where objdump prints
 * `<unknown>`. `nextImm` is the imm of the following slot (used only by
 * opcode 0x18). Branch annotations (` <sym+off>`) are not included.
 */
export function writeLlvmSlotText(
  out: TextBuffer, op: number, dst: number, src: number, off: number, imm: number, nextImm = 0,
): boolean {
  switch (op & 0x07) {
    case 0x00: return ld(out, op, dst, src, off, imm, nextImm);
    case 0x01: return ldx(out, op, dst, src, off);
    case 0x02: return st(out, op, dst, off, imm);
    case 0x03: return stx(out, op, dst, src, off, imm);
    case 0x04: case 0x07: return alu(out, op, dst, src, off, imm);
    default: return jmp(out, op, dst, src, off, imm);
  }
}

/** As writeLlvmSlotText, returning the text, or null for `<unknown>`. */
export function llvmSlotText(op: number, dst: number, src: number, off: number, imm: number, nextImm = 0): string | null {
  const out = new TextBuffer(64);
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
