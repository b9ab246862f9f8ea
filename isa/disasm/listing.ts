// The llvm-objdump-19 `-d [-r] --mcpu=v4` listing of one section: symbol
// headers, one line per instruction with its bytes, branch target
// annotations, relocation lines and data dumps, laid out exactly as objdump
// lays them out. Behaviours reproduced (all observed with llvm-objdump-19):
// * symbols are sorted by address then name; where several share an address
//   the last one names branch targets, and the last code (not data) one, or
//   the last one if all are data, gets the header; a `<section>` pseudo
//   symbol stands at 0 when no symbol does;
// * each symbol's region runs from its address to the next symbol's (or the
//   section end) and decoding restarts at every region start, even inside the
//   previous instruction; an instruction may run past its region's end;
// * in an executable section a region whose symbol is STT_OBJECT/STT_COMMON
//   is dumped as data, 8 bytes a line with hex address and ASCII;
// * undecodable slots print `<unknown>` and advance 8 bytes; with fewer than 8
//   bytes left, or an ld_imm64 missing its second slot, one byte is printed
//   and the listing advances by one byte;
// * the index column is floor(byte address / 8) in decimal;
// * branch targets are address + (displacement + 1) * 8 in unsigned 64-bit
//   arithmetic, named after the last symbol at or below the target (symbols
//   past the section end included), so a negative target wraps;
// * relocations are sorted by offset and printed after the instruction that
//   contains or follows them; those in data dumps or past the last
//   instruction never print;
// * runs of 8 or more zero bytes (stopping at the region end and at the next
//   relocation) are skipped in steps of 4 bytes and shown as `\t\t...`;
// * an SHT_NOBITS section prints `...` for each region.

import type { ByteOrder } from '../slot.js';
import { hexAddress } from './hex.js';
import { SLOT_TEXT_MAX, llvmBranchSlots, slotText } from './llvm-text.js';
import { HEX_PAIR_HI, HEX_PAIR_LO, TextBuffer } from './text-buffer.js';

export interface ListingSymbol {
  readonly name: string;
  /** Byte offset in the section. */
  readonly address: number;
  /** STT_OBJECT or STT_COMMON in an executable section: objdump dumps the symbol's bytes as data. */
  readonly isData: boolean;
}

export interface ListingRelocation {
  /** Byte offset in the section. */
  readonly offset: number;
  /** Type name as objdump prints it (`R_BPF_64_64`, `Unknown`). */
  readonly type: string;
  /** Symbol name as objdump prints it (section symbols by section name, index 0 as `*ABS*`). */
  readonly symbol: string;
}

export interface SectionListingInput {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly byteOrder: ByteOrder;
  /** Symbols defined in this section (objdump's filtering already applied). */
  readonly symbols?: readonly ListingSymbol[];
  readonly relocations?: readonly ListingRelocation[];
  /**
   * Size of an SHT_NOBITS section (then `bytes` is ignored): objdump prints
   * `...` for each symbol region instead of instructions.
   */
  readonly nobitsSize?: number;
}

const TAB = 0x09;
const COLON = 0x3a;

/** Symbols in objdump's order, with the section pseudo symbol when none sits at 0. */
export function orderListingSymbols(sectionName: string, symbols: readonly ListingSymbol[]): ListingSymbol[] {
  const sorted = symbols
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.address - b.s.address || (a.s.name < b.s.name ? -1 : a.s.name > b.s.name ? 1 : a.i - b.i))
    .map((x) => x.s);
  if (sorted.length === 0 || sorted[0]!.address !== 0) sorted.unshift({ name: sectionName, address: 0, isData: false });
  return sorted;
}

/** The symbol objdump names a branch target after: the last one at or below it. */
function targetSymbol(symbols: readonly ListingSymbol[], target: number): ListingSymbol {
  if (target < 0) return symbols[symbols.length - 1]!; // wrapped: above every symbol
  let lo = 0;
  let hi = symbols.length; // first index with address > target
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (symbols[mid]!.address <= target) lo = mid + 1;
    else hi = mid;
  }
  return symbols[lo === 0 ? 0 : lo - 1]!;
}

function annotate(out: TextBuffer, symbols: readonly ListingSymbol[], target: number): void {
  const sym = targetSymbol(symbols, target);
  const delta = target - sym.address;
  out.text(' <');
  out.text(sym.name);
  if (delta > 0) {
    out.text('+0x');
    out.hex(delta, 0);
  } else if (delta < 0) {
    out.char(0x2b); // '+', then the offset wrapped to unsigned 64 bits
    out.text(hexAddress(delta));
  }
  out.char(0x3e); // '>'
}

function dataLines(bytes: Uint8Array, start: number, end: number, out: TextBuffer): void {
  for (let p = start; p < end; p += 8) {
    const n = Math.min(8, end - p);
    let ascii = '';
    out.hex(p, 8, true);
    out.char(COLON);
    for (let i = 0; i < n; i++) {
      const b = bytes[p + i]!;
      out.char(0x20);
      out.hexBytes(bytes, p + i, p + i + 1);
      ascii += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.';
    }
    // The ASCII column starts at column 42.
    out.text(' '.repeat(42 - 9 - 3 * n));
    out.text(ascii);
    out.newline();
  }
}

/** `       3:\t` — the slot index column. */
function lineStart(out: TextBuffer, pos: number): void {
  out.decimal(pos < 0x80000000 ? pos >>> 3 : Math.floor(pos / 8), 8);
  out.char(COLON);
  out.char(TAB);
}

function unknownLine(out: TextBuffer, bytes: Uint8Array, pos: number, size: number): void {
  lineStart(out, pos);
  out.hexBytes(bytes, pos, pos + size);
  out.text('\t<unknown>\n');
}

/** Room one instruction line needs before its branch annotation: index, 16 bytes, text, newline. */
const LINE_MAX = 16 + 48 + SLOT_TEXT_MAX + 16;
const UNKNOWN = Uint8Array.from('<unknown>', (c) => c.charCodeAt(0));
const HI = HEX_PAIR_HI;
const LO = HEX_PAIR_LO;
/** The index column of the last line, right-aligned in 8 columns (see instructionRun). */
const indexText = new Uint8Array(8);

/**
 * Decodes and prints the instructions from `pos` the way objdump does, up to
 * `end`, skipping runs of zeros up to `zeroLimit`, and stops early after an
 * instruction that ends past `stopAfter` (a relocation to print); returns
 * the position reached. Branches are annotated when `symbols` is given.
 *
 * This is the hot loop of a listing: it writes straight into the buffer,
 * with one capacity check a line.
 */
function instructionRun(
  bytes: Uint8Array, pos: number, end: number, zeroLimit: number, stopAfter: number, le: boolean,
  symbols: readonly ListingSymbol[] | undefined, out: TextBuffer,
): number {
  const total = bytes.length;
  let buf = out.buf;
  let len = out.len;
  /** Index in indexText (-1: none yet). */
  let shown = -1;
  while (pos < end) {
    if (len + LINE_MAX > buf.length) {
      out.len = len;
      out.reserve(LINE_MAX);
      buf = out.buf;
    }
    const op = bytes[pos]!;
    if (op === 0 && zeroLimit - pos >= 8) {
      const zeros = skippableZeros(bytes, pos, zeroLimit);
      if (zeros !== 0) {
        out.len = len;
        out.text('\t\t...\n');
        len = out.len;
        buf = out.buf;
        pos += zeros;
        continue;
      }
    }
    const left = total - pos;
    if (left < 8) {
      out.len = len;
      unknownLine(out, bytes, pos, 1);
      len = out.len;
      buf = out.buf;
      pos += 1;
      if (pos > stopAfter) break;
      continue;
    }
    const regs = bytes[pos + 1]!;
    const b2 = bytes[pos + 2]!;
    const b3 = bytes[pos + 3]!;
    const b4 = bytes[pos + 4]!;
    const b5 = bytes[pos + 5]!;
    const b6 = bytes[pos + 6]!;
    const b7 = bytes[pos + 7]!;
    const dst = le ? regs & 0x0f : regs >> 4;
    const src = le ? regs >> 4 : regs & 0x0f;
    const off = le ? ((b3 << 24) | (b2 << 16)) >> 16 : ((b2 << 24) | (b3 << 16)) >> 16;
    const imm = le ? (b7 << 24) | (b6 << 16) | (b5 << 8) | b4 : (b4 << 24) | (b5 << 16) | (b6 << 8) | b7;
    let size = 8;
    if (op === 0x18 && off === 0 && dst <= 11) {
      // A valid first slot: objdump needs the second one, else prints one byte.
      if (left < 16) {
        out.len = len;
        unknownLine(out, bytes, pos, 1);
        len = out.len;
        buf = out.buf;
        pos += 1;
        if (pos > stopAfter) break;
        continue;
      }
      size = 16;
    }
    // The index column: floor(address / 8), right-aligned in 8 columns; counted up from the last line's.
    const index = pos < 0x80000000 ? pos >>> 3 : Math.floor(pos / 8);
    if (index < 100000000) {
      const t = indexText;
      if (shown >= 0 && (index === shown + 1 || index === shown + 2)) {
        for (; shown < index; shown++) {
          let i = 7;
          while (t[i] === 57) t[i--] = 48;
          t[i] = t[i] === 0x20 ? 49 : t[i]! + 1;
        }
      } else {
        let v = index;
        let i = 7;
        do {
          const q = (v / 10) | 0;
          t[i--] = 48 + v - q * 10;
          v = q;
        } while (v !== 0);
        while (i >= 0) t[i--] = 0x20;
        shown = index;
      }
      buf[len] = t[0]!; buf[len + 1] = t[1]!; buf[len + 2] = t[2]!; buf[len + 3] = t[3]!;
      buf[len + 4] = t[4]!; buf[len + 5] = t[5]!; buf[len + 6] = t[6]!; buf[len + 7] = t[7]!;
      len += 8;
    } else {
      out.len = len;
      out.decimal(index, 8);
      out.reserve(LINE_MAX);
      len = out.len;
      buf = out.buf;
    }
    buf[len] = COLON;
    buf[len + 1] = TAB;
    // The bytes, `xx ` each, the last space a tab.
    buf[len + 2] = HI[op]!; buf[len + 3] = LO[op]!; buf[len + 4] = 0x20;
    buf[len + 5] = HI[regs]!; buf[len + 6] = LO[regs]!; buf[len + 7] = 0x20;
    buf[len + 8] = HI[b2]!; buf[len + 9] = LO[b2]!; buf[len + 10] = 0x20;
    buf[len + 11] = HI[b3]!; buf[len + 12] = LO[b3]!; buf[len + 13] = 0x20;
    buf[len + 14] = HI[b4]!; buf[len + 15] = LO[b4]!; buf[len + 16] = 0x20;
    buf[len + 17] = HI[b5]!; buf[len + 18] = LO[b5]!; buf[len + 19] = 0x20;
    buf[len + 20] = HI[b6]!; buf[len + 21] = LO[b6]!; buf[len + 22] = 0x20;
    buf[len + 23] = HI[b7]!; buf[len + 24] = LO[b7]!; buf[len + 25] = TAB;
    len += 26;
    let text: number;
    if (size === 16) {
      for (let i = pos + 8; i < pos + 16; i++) {
        const b = bytes[i]!;
        buf[len - 1] = 0x20;
        buf[len] = HI[b]!;
        buf[len + 1] = LO[b]!;
        buf[len + 2] = TAB;
        len += 3;
      }
      const p = pos + 8;
      const nextImm = le
        ? (bytes[p + 7]! << 24) | (bytes[p + 6]! << 16) | (bytes[p + 5]! << 8) | bytes[p + 4]!
        : (bytes[p + 4]! << 24) | (bytes[p + 5]! << 16) | (bytes[p + 6]! << 8) | bytes[p + 7]!;
      text = slotText(buf, len, op, dst, src, off, imm, nextImm);
      if (text >= 0) len = text;
    } else {
      text = slotText(buf, len, op, dst, src, off, imm, 0);
      if (text < 0) {
        for (let i = 0; i < 9; i++) buf[len + i] = UNKNOWN[i]!;
        len += 9;
      } else {
        len = text;
        if (symbols !== undefined) {
          const disp = llvmBranchSlots(op, off, imm);
          if (disp !== undefined) {
            out.len = len;
            annotate(out, symbols, pos + (disp + 1) * 8);
            out.reserve(1);
            len = out.len;
            buf = out.buf;
          }
        }
      }
    }
    buf[len++] = 0x0a;
    pos += size;
    if (pos > stopAfter) break;
  }
  out.len = len;
  return pos;
}

function relocationLine(out: TextBuffer, r: ListingRelocation): void {
  out.char(TAB);
  out.char(TAB);
  out.hex(r.offset, 16);
  out.text(':  ');
  out.text(r.type);
  out.char(TAB);
  out.text(r.symbol);
  out.newline();
}

/**
 * Appends the objdump text of one section, from the blank line before its
 * first symbol header on, to `out`. The `Disassembly of section` line is the
 * caller's.
 */
export function llvmSectionListing(section: SectionListingInput, out: TextBuffer): void {
  const { bytes } = section;
  const le = section.byteOrder === 'le';
  const size = section.nobitsSize ?? bytes.length;
  const symbols = orderListingSymbols(section.name, section.symbols ?? []);
  const relocs = section.relocations === undefined ? [] : [...section.relocations].sort((a, b) => a.offset - b.offset);
  let rel = 0;
  for (let si = 0; si < symbols.length;) {
    // Symbols sharing an address: the region belongs to the last code
    // symbol among them, or to the last one when all are data.
    const start = symbols[si]!.address;
    let sym = symbols[si]!;
    let sj = si;
    for (; sj < symbols.length && symbols[sj]!.address === start; sj++) {
      if (!symbols[sj]!.isData || sym.isData) sym = symbols[sj]!;
    }
    const next = symbols[sj];
    si = sj;
    const end = next === undefined || next.address > size ? size : next.address;
    if (start >= end) continue;
    out.newline();
    out.hex(start, 16);
    out.text(' <');
    out.text(sym.name);
    out.text('>:\n');
    if (section.nobitsSize !== undefined) {
      out.text('...\n');
      continue;
    }
    if (sym.isData) {
      dataLines(bytes, start, end, out);
      continue;
    }
    // Relocations before the region (in a data dump) are never printed.
    while (rel < relocs.length && relocs[rel]!.offset < start) rel++;
    for (let pos = start; pos < end;) {
      // Zero runs stop at the next relocation; after the instruction that reaches past it, it prints.
      const limit = rel < relocs.length && relocs[rel]!.offset < end ? relocs[rel]!.offset : end;
      pos = instructionRun(bytes, pos, end, limit, limit === end ? end : limit, le, symbols, out);
      while (rel < relocs.length && relocs[rel]!.offset < pos) relocationLine(out, relocs[rel++]!);
    }
  }
}

/**
 * objdump skips a run of at least 8 zero bytes (up to the region end or the
 * next relocation) in steps of 4 bytes, printing `\t\t...`. Returns the
 * number of bytes to skip, or 0.
 */
function skippableZeros(bytes: Uint8Array, pos: number, limit: number): number {
  if (limit - pos < 8 || bytes[pos] !== 0) return 0;
  let n = 1;
  while (pos + n < limit && bytes[pos + n] === 0) n++;
  return n < 8 ? 0 : n & ~3;
}

/** Instruction lines only (no headers, no annotations): the listing of bare bytecode. */
export function llvmInstructionLines(bytes: Uint8Array, byteOrder: ByteOrder, out: TextBuffer): void {
  instructionRun(bytes, 0, bytes.length, bytes.length, bytes.length, byteOrder === 'le', undefined, out);
}
