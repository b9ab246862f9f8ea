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
// * a note (a CO-RE relocation record) prints under the instruction that
//   starts at its offset, before that instruction's relocations; one that
//   falls elsewhere never prints;
// * relocations are sorted by offset and printed after the instruction that
//   contains or follows them; those in data dumps or past the last
//   instruction never print;
// * runs of 8 or more zero bytes (stopping at the region end and at the next
//   relocation) are skipped in steps of 4 bytes and shown as `\t\t...`;
// * an SHT_NOBITS section prints `...` for each region.

import type { ByteOrder } from '../slot.js';
import { hexAddress } from './hex.js';
import { SLOT_TEXT_MAX, hexDigits, llvmBranchSlots, slotText } from './llvm-text.js';
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

/** A line objdump prints under one instruction, before its relocations (a CO-RE relocation record). */
export interface ListingNote {
  /** Byte offset of the instruction in the section: printed only under an instruction starting there. */
  readonly offset: number;
  /** Text after the address column. */
  readonly text: string;
}

export interface SectionListingInput {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly byteOrder: ByteOrder;
  /** Symbols defined in this section (objdump's filtering already applied). */
  readonly symbols?: readonly ListingSymbol[];
  readonly relocations?: readonly ListingRelocation[];
  /** Lines under instructions, at most one per offset, in any order. */
  readonly notes?: readonly ListingNote[];
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

/** The symbols that name branch targets, with their names as ASCII bytes (null: not ASCII). */
interface BranchTargets {
  readonly symbols: readonly ListingSymbol[];
  readonly names: readonly (Uint8Array | null)[];
}

function branchTargets(symbols: readonly ListingSymbol[]): BranchTargets {
  const names = symbols.map((s) => {
    const n = s.name;
    const bytes = new Uint8Array(n.length);
    for (let i = 0; i < n.length; i++) {
      const c = n.charCodeAt(i);
      if (c >= 0x80) return null;
      bytes[i] = c;
    }
    return bytes;
  });
  return { symbols, names };
}

/** Index of the symbol objdump names a branch target after: the last one at or below it. */
function targetIndex(symbols: readonly ListingSymbol[], target: number): number {
  if (target < 0) return symbols.length - 1; // wrapped: above every symbol
  let lo = 0;
  let hi = symbols.length; // first index with address > target
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (symbols[mid]!.address <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : lo - 1;
}

/** ` <sym+0x10>` after a branch. */
function annotate(out: TextBuffer, targets: BranchTargets, target: number): void {
  const i = targetIndex(targets.symbols, target);
  const address = targets.symbols[i]!.address;
  const name = targets.names[i]!;
  const delta = target - address;
  if (name === null || delta < 0 || delta >= 0x1_0000_0000) {
    annotateSlowly(out, targets.symbols[i]!.name, delta);
    return;
  }
  out.reserve(name.length + 16);
  const buf = out.buf;
  let len = out.len;
  buf[len] = 0x20; // ' '
  buf[len + 1] = 0x3c; // '<'
  len += 2;
  for (let k = 0; k < name.length; k++) buf[len + k] = name[k]!;
  len += name.length;
  if (delta > 0) {
    buf[len] = 0x2b; // '+'
    buf[len + 1] = 0x30;
    buf[len + 2] = 0x78;
    len = hexDigits(buf, len + 3, delta, 0);
  }
  buf[len] = 0x3e; // '>'
  out.len = len + 1;
}

/** annotate's rare cases: a name that is not ASCII, a target below its symbol (wrapped) or 4 GiB past it. */
function annotateSlowly(out: TextBuffer, name: string, delta: number): void {
  out.text(' <');
  out.text(name);
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
/** `xx ` of each byte value as a little-endian 32-bit word (the fourth byte 0). */
const HEX_SPACE = Uint32Array.from({ length: 256 }, (_, b) => HEX_PAIR_HI[b]! | (HEX_PAIR_LO[b]! << 8) | (0x20 << 16));
/** The index column of the last line, right-aligned in 8 columns (see instructionRun). */
const indexText = new Uint8Array(8);

/** Index shown in indexText (-1: none; instructionRun resets it). */
let shown = -1;
/** Byte offset of the last instruction instructionRun printed. */
let lastStart = -1;

/**
 * Decodes and prints the instructions from `pos` the way objdump does, up to
 * `end`, skipping runs of zeros up to `zeroLimit`, and stops early after an
 * instruction that ends past `stopAfter` (a relocation to print) or past
 * `noteAt` (a note to print when the instruction starts there); returns
 * the position reached. Branches are annotated when `targets` is given.
 */
function instructionRun(
  bytes: Uint8Array, pos: number, end: number, zeroLimit: number, stopAfter: number, noteAt: number, le: boolean,
  targets: BranchTargets | undefined, out: TextBuffer,
): number {
  shown = -1;
  lastStart = -1;
  while (pos < end) {
    if (bytes[pos] === 0 && zeroLimit - pos >= 8) {
      const zeros = skippableZeros(bytes, pos, zeroLimit);
      if (zeros !== 0) {
        out.text('\t\t...\n');
        pos += zeros;
        continue;
      }
    }
    lastStart = pos;
    pos += instructionLine(bytes, pos, le, targets, out);
    if (pos > stopAfter || pos > noteAt) break;
  }
  return pos;
}

/**
 * Decodes and prints one instruction at `pos` the way objdump does; returns
 * its size in bytes (1, 8 or 16). Branches are annotated when `targets` is
 * given.
 *
 * This is the hot path of a listing: it writes straight into the buffer,
 * with one capacity check a line. (A function called per line rather than
 * one long loop: the JIT optimizes it as soon as it is hot, without waiting
 * for on-stack replacement.)
 */
function instructionLine(
  bytes: Uint8Array, pos: number, le: boolean, targets: BranchTargets | undefined, out: TextBuffer,
): number {
  const left = bytes.length - pos;
  if (left < 8) {
    unknownLine(out, bytes, pos, 1);
    return 1;
  }
  const op = bytes[pos]!;
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
      unknownLine(out, bytes, pos, 1);
      return 1;
    }
    size = 16;
  }
  if (out.len + LINE_MAX > out.buf.length) out.reserve(LINE_MAX);
  let buf = out.buf;
  let len = out.len;
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
    out.decimal(index, 8);
    out.reserve(LINE_MAX);
    buf = out.buf;
    len = out.len;
  }
  buf[len] = COLON;
  buf[len + 1] = TAB;
  len += 2;
  // The bytes, `xx ` each (one 4-byte store: the fourth byte is overwritten next), the last space a tab.
  const view = out.view;
  for (let i = pos, e = pos + size; i < e; i++) {
    view.setUint32(len, HEX_SPACE[bytes[i]!]!, true);
    len += 3;
  }
  buf[len - 1] = TAB;
  if (size === 16) {
    const p = pos + 8;
    const nextImm = le
      ? (bytes[p + 7]! << 24) | (bytes[p + 6]! << 16) | (bytes[p + 5]! << 8) | bytes[p + 4]!
      : (bytes[p + 4]! << 24) | (bytes[p + 5]! << 16) | (bytes[p + 6]! << 8) | bytes[p + 7]!;
    const text = slotText(buf, view, len, op, dst, src, off, imm, nextImm);
    if (text >= 0) len = text;
  } else {
    const text = slotText(buf, view, len, op, dst, src, off, imm, 0);
    if (text < 0) {
      for (let i = 0; i < 9; i++) buf[len + i] = UNKNOWN[i]!;
      len += 9;
    } else {
      len = text;
      const cls = op & 0x07;
      if (targets !== undefined && (cls === 0x05 || cls === 0x06)) {
        const disp = llvmBranchSlots(op, off, imm);
        if (disp !== undefined) {
          out.len = len;
          annotate(out, targets, pos + (disp + 1) * 8);
          out.char(0x0a);
          return size;
        }
      }
    }
  }
  buf[len] = 0x0a;
  out.len = len + 1;
  return size;
}

/** An annotation under an instruction: `\t\t<offset>:  TEXT`, as llvm-objdump -r indents them. */
function annotationStart(out: TextBuffer, offset: number): void {
  out.char(TAB);
  out.char(TAB);
  out.hex(offset, 16);
  out.text(':  ');
}

function relocationLine(out: TextBuffer, r: ListingRelocation): void {
  annotationStart(out, r.offset);
  out.text(r.type);
  out.char(TAB);
  out.text(r.symbol);
  out.newline();
}

function noteLine(out: TextBuffer, n: ListingNote): void {
  annotationStart(out, n.offset);
  out.text(n.text);
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
  let targets: BranchTargets | undefined;
  const relocs = section.relocations === undefined ? [] : [...section.relocations].sort((a, b) => a.offset - b.offset);
  let rel = 0;
  const notes = section.notes === undefined ? [] : [...section.notes].sort((a, b) => a.offset - b.offset);
  let note = 0;
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
    targets ??= branchTargets(symbols);
    // Relocations before the region (in a data dump) are never printed.
    while (rel < relocs.length && relocs[rel]!.offset < start) rel++;
    for (let pos = start; pos < end;) {
      // Zero runs stop at the next relocation; after the instruction that reaches past it, it prints.
      const limit = rel < relocs.length && relocs[rel]!.offset < end ? relocs[rel]!.offset : end;
      // Notes inside skipped zeros, data dumps or an instruction never print.
      while (note < notes.length && notes[note]!.offset < pos) note++;
      const noteAt = note < notes.length ? notes[note]!.offset : Infinity;
      pos = instructionRun(bytes, pos, end, limit, limit === end ? end : limit, noteAt, le, targets, out);
      // objdump prints the note under its instruction, then the relocations up to the instruction's end.
      if (lastStart === noteAt) noteLine(out, notes[note++]!);
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
  instructionRun(bytes, 0, bytes.length, bytes.length, bytes.length, Infinity, byteOrder === 'le', undefined, out);
}
