// The assembler's fast path: plain instruction statements — registers,
// keywords, punctuation and decimal or hex integers, no symbols, one form
// whose slot takes its operands straight into fields — are scanned and
// encoded here, without the lexer, the expression parser, an Instruction
// object or a RawSlot. Most lines of any BPF assembly file are of this kind.
//
// It follows the general path (parseInstruction and the lexer) rule for rule
// but has no way out of its own: whatever the general path would do more
// than match tokens against the form automaton — a symbol, an expression, a
// number it would have to think about, a label, a directive, an upper-case
// keyword, an error of any kind — makes it stop before that statement, and
// the general path assembles it exactly as it always did. So the fast path
// never decides anything the general path could decide differently.
//
// The encoding comes from the one encoder: for each form, its builder is run
// on two sets of probe operands and encoded with toRawSlot; each field of the
// slot is then either a constant or one operand copied unchanged (or, for
// `rN = imm ll`, the two halves of the 64-bit operand in the imm fields of
// its two slots). Forms that do not fit that shape (ld_pseudo,
// addr_space_cast) keep the general path.
//
// The scanner reads the source as bytes (one per UTF-16 unit, so offsets
// are the string's): an indexed load is much cheaper than charCodeAt until
// the JIT has optimized the loop, which is most of the run for a few
// thousand lines. The code is kept in a few small functions so that each
// reaches optimized code early.

import { encodeInstruction, type Instruction, toRawSlot, writeSlotFields } from '../../isa/index.js';
import { ENTRIES, NEXT, initForms } from './operands.js';
import { KEY_COUNT, KEY_IMM, KEY_R, KEY_W, MIDDLE_KEYWORDS, START_KEYWORDS, tokenKey } from './patterns.js';
import { FIX, type Section } from './sections.js';
import type { Build, FormOperands } from './statements.js';
import type { Sym, SymbolTable } from './symbols.js';

/** What the fast path needs of the assembler. */
export interface FastHost {
  readonly cur: Section;
  readonly le: boolean;
  readonly symbols: SymbolTable;
  insnIndex: number;
  stmtStart: number;
  /** The source as bytes, made by fastStatements on its first call (or given with the source). */
  fastBytes: Uint8Array | null;
  /** Symbols by the bytes of their names (see SymbolCache), made on first use. */
  fastSymbols: SymbolCache | null;
  defineLabel(sym: Sym, pos: number): void;
}

/**
 * The symbol table's symbols found by the bytes of a name at a source
 * offset, so that a label or a symbol operand costs a hash of its bytes, not
 * a string: open addressing over a table of symbols, compared by name.
 */
export class SymbolCache {
  private slots = new Int32Array(4096);
  private readonly syms: Sym[] = [];
  /** Hash of each symbol's name, by its index in syms (kept for rehashing). */
  private hashes = new Int32Array(1024);

  constructor(private readonly table: SymbolTable, private readonly src: string) {}

  /** The symbol named by the bytes [p, q) of the source (created in the table if new). */
  get(b: Uint8Array, p: number, q: number): Sym {
    let h = 0;
    for (let i = p; i < q; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
    // Mixed, so that names differing in their last character (`.L10`, `.L11`, …) do not land
    // in adjacent slots: with linear probing those runs made a lookup probe 6-7 slots on average.
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    h ^= h >>> 16;
    const mask = this.slots.length - 1;
    const len = q - p;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const slot = this.slots[k]!;
      if (slot === 0) break;
      if (this.hashes[slot - 1] !== h) continue;
      const name = this.syms[slot - 1]!.name;
      if (name.length === len) {
        let i = 0;
        while (i < len && name.charCodeAt(i) === b[p + i]) i++;
        if (i === len) return this.syms[slot - 1]!;
      }
    }
    const s = this.table.get(this.src.slice(p, q));
    const index = this.syms.length;
    this.syms.push(s);
    if (index === this.hashes.length) {
      const grown = new Int32Array(index * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[index] = h;
    if ((index + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i <= index; i++) this.place(this.hashes[i]!, i + 1);
    } else {
      this.place(h, index + 1);
    }
    return s;
  }

  private place(h: number, slot: number): void {
    const mask = this.slots.length - 1;
    let k = h & mask;
    while (this.slots[k] !== 0) k = (k + 1) & mask;
    this.slots[k] = slot;
  }
}

// Character classes of the scanner.
const C_OTHER = 0; // anything the fast path leaves to the general path
const C_SPACE = 1; // space, tab, carriage return
const C_END = 2; // newline, `;`, `#`: the end of the statement
const C_IDENT = 3; // a letter or `_`: an identifier starts
const C_DIGIT = 4;
const C_PUNCT = 5; // an operand token of one character, whatever follows
const C_COMMA = 6; // skipped
const C_SIGN = 7; // `+` `-`: a sign before an integer, else an operand token
const C_LOOK = 8; // `!` `<` `&` `|` `/`: depends on the next character
const C_DOT = 9; // `.`: a symbol (`.L1`) when an identifier character follows

// Tables, filled by init().
const CC = new Uint8Array(256);
/** Identifier characters after the first ([A-Za-z0-9_.$?]). */
const IDC = new Uint8Array(256);
/** Identifier start characters as the expression rules see them ([A-Za-z_.]). */
const IDS = new Uint8Array(256);
/** Token key of a punctuation character. */
const PK = new Int32Array(256).fill(-1);
const HEX = new Int8Array(256).fill(-1);

// Keywords, found by a hash of (first byte, last byte, length) with linear probing.
const KW_SLOTS = 256;
/** Keyword index + 1 in each slot (0: empty). */
const kwSlot = new Int32Array(KW_SLOTS);
let kwText: Uint8Array[] = [];
let kwMiddle: number[] = [];
let kwStart: number[] = [];

function kwHash(first: number, last: number, len: number): number {
  return (first * 7 + last * 13 + len * 31) & (KW_SLOTS - 1);
}

let ready = false;

function init(): void {
  initForms();
  for (let c = 0; c < 128; c++) {
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const digit = c >= 48 && c <= 57;
    if (letter || digit || c === 95 || c === 46 || c === 36 || c === 63) IDC[c] = 1;
    if (letter || c === 95 || c === 46) IDS[c] = 1;
    if (letter || c === 95) CC[c] = C_IDENT;
    else if (digit) CC[c] = C_DIGIT;
    if (digit) HEX[c] = c - 48;
    else if ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)) HEX[c] = (c | 32) - 87;
  }
  CC[32] = C_SPACE; CC[9] = C_SPACE; CC[13] = C_SPACE;
  CC[10] = C_END; CC[59] = C_END; CC[35] = C_END;
  CC[44] = C_COMMA;
  CC[46] = C_DOT;
  CC[43] = C_SIGN; CC[45] = C_SIGN;
  for (const ch of '!<&|/') CC[ch.charCodeAt(0)] = C_LOOK;
  for (const ch of '=>*()[]%^') CC[ch.charCodeAt(0)] = C_PUNCT;
  for (const ch of '=!<>+-*/%&|^()[]') PK[ch.charCodeAt(0)] = tokenKey(ch)!;
  const words = [...new Set<string>([...MIDDLE_KEYWORDS, ...START_KEYWORDS])].filter((w) => w !== '*');
  kwText = words.map((w) => Uint8Array.from(w, (ch) => ch.charCodeAt(0)));
  kwMiddle = words.map((w) => ((MIDDLE_KEYWORDS as readonly string[]).includes(w) ? tokenKey(w)! : -1));
  kwStart = words.map((w) => ((START_KEYWORDS as readonly string[]).includes(w) ? tokenKey(w)! : -1));
  words.forEach((w, i) => {
    let h = kwHash(w.charCodeAt(0), w.charCodeAt(w.length - 1), w.length);
    while (kwSlot[h] !== 0) h = (h + 1) & (KW_SLOTS - 1);
    kwSlot[h] = i + 1;
  });
  ready = true;
}

/** ASCII source bytes as sourceBytes returns them: copied, with the NUL padding after the end. */
export function paddedSourceBytes(ascii: Uint8Array): Uint8Array {
  const out = new Uint8Array(ascii.length + 8);
  out.set(ascii);
  return out;
}

/**
 * The source as bytes at the string's offsets, with a NUL after the end
 * (so that scans stop without bounds checks). Units above 0x7f become 0x80,
 * which the scanner leaves to the general path.
 */
function sourceBytes(src: string): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(n + 8);
  const ascii = new TextEncoder().encodeInto(src, out.subarray(0, n));
  if (ascii.read === n && ascii.written === n) return out;
  for (let i = 0; i < n; i++) {
    const c = src.charCodeAt(i);
    out[i] = c < 0x80 ? c : 0x80;
  }
  return out;
}

// Encoding templates by automaton state, T_STRIDE numbers each:
// status (0 not derived yet, 1 usable, -1 general path only), opcode, then for
// dst, src (register operands) and off, imm (immediate operands) an operand
// index (-1: a constant) and the constant, then a tied register pair (-1: none),
// a bit mask of the immediates that must fit 16 signed bits, a bit mask of
// the registers that must be r0/w0, and 1 for the two-slot `rN = imm ll`.
const T_STATUS = 0;
const T_OPCODE = 1;
const T_DST = 2;
const T_SRC = 4;
const T_OFF = 6;
const T_IMM = 8;
const T_TIE = 10;
const T_RANGE = 12;
const T_ZERO = 13;
const T_WIDE = 14;
const T_STRIDE = 15;
let templates = new Int32Array(0);

const PROBE_FAILED = new Error('probe');

function probe(build: Build, regs: number[], imms: number[], ties: number[]): Instruction | null {
  const o: FormOperands = {
    regs,
    imms,
    failReg: () => { throw PROBE_FAILED; },
    tie: (a, b) => { ties.push(a, b); },
  };
  try {
    const insn = build(o);
    return insn.kind === 'raw' ? null : insn;
  } catch {
    return null;
  }
}

/** The low and high 32 bits (signed) of a safe integer. */
const lo32 = (v: number): number => (v >= -0x80000000 && v <= 0x7fffffff ? v : (v % 4294967296) | 0);
const hi32 = (v: number): number => Math.floor(v / 4294967296) | 0;

/** Operand index whose probe values a field took in both probes, -1 for a constant field, -2 for neither. */
function binding(fa: number, fb: number, a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (fa === a[i] && fb === b[i]) return i;
  return fa === fb ? -1 : -2;
}

function deriveTemplate(state: number): void {
  const t = state * T_STRIDE;
  templates[t + T_STATUS] = -1;
  const entry = ENTRIES[state];
  if (entry === null || entry === undefined) return;
  const nRegs = entry.regZero.length;
  const classes = entry.immClasses;
  if (nRegs > 4 || classes.length > 4) return;
  const regsA = Array.from({ length: nRegs }, (_, i) => 1 + i);
  const regsB = Array.from({ length: nRegs }, (_, i) => 7 + i);
  const immsA = Array.from({ length: classes.length }, (_, i) => 1000 + i);
  const immsB = Array.from({ length: classes.length }, (_, i) => -2000 - i);
  // `rN = imm ll`: probe with 64-bit values whose halves differ.
  const wide = classes === 'l';
  if (wide) { immsA[0] = 0x123456789; immsB[0] = -0x987654321; }
  const ties: number[] = [];
  const ia = probe(entry.value, regsA, immsA, ties);
  const ib = probe(entry.value, regsB, immsB, []);
  if (ia === null || ib === null || ties.length > 2) return;
  if (wide !== (ia.kind === 'ldImm64') || wide !== (ib.kind === 'ldImm64')) return;
  let a;
  let b;
  try {
    a = toRawSlot(ia);
    b = toRawSlot(ib);
  } catch {
    return;
  }
  if (a.opcode !== b.opcode) return;
  const dst = binding(a.dst, b.dst, regsA, regsB);
  const src = binding(a.src, b.src, regsA, regsB);
  const off = binding(a.offset, b.offset, immsA, immsB);
  let imm: number;
  if (wide) {
    // The second slot must be all zero but for the high half in its imm.
    const ea = encodeInstruction(ia);
    const eb = encodeInstruction(ib);
    const view = (e: Uint8Array): DataView => new DataView(e.buffer, e.byteOffset, e.byteLength);
    if (ea.length !== 16 || eb.length !== 16 || view(ea).getUint32(8) !== 0 || view(eb).getUint32(8) !== 0
      || view(ea).getInt32(12, true) !== hi32(immsA[0]!) || view(eb).getInt32(12, true) !== hi32(immsB[0]!)
      || a.imm !== lo32(immsA[0]!) || b.imm !== lo32(immsB[0]!)) return;
    imm = 0;
  } else {
    imm = binding(a.imm, b.imm, immsA, immsB);
  }
  if (dst < -1 || src < -1 || off < -1 || imm < -1) return;
  let range = 0;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    if (c === 'o' || c === 'b' || c === 'g') range |= 1 << i;
    else if (c !== 'i' && c !== 'c' && !wide) return;
  }
  // The off field holds 16 bits: only range-checked immediates may go there.
  if (off >= 0 && (range & (1 << off)) === 0) return;
  let zero = 0;
  entry.regZero.forEach((z, i) => { if (z !== null) zero |= 1 << i; });
  templates[t + T_OPCODE] = a.opcode;
  templates[t + T_DST] = dst; templates[t + T_DST + 1] = a.dst;
  templates[t + T_SRC] = src; templates[t + T_SRC + 1] = a.src;
  templates[t + T_OFF] = off; templates[t + T_OFF + 1] = a.offset;
  templates[t + T_IMM] = imm; templates[t + T_IMM + 1] = a.imm;
  templates[t + T_TIE] = ties.length === 2 ? ties[0]! : -1;
  templates[t + T_TIE + 1] = ties.length === 2 ? ties[1]! : -1;
  templates[t + T_RANGE] = range;
  templates[t + T_ZERO] = zero;
  templates[t + T_WIDE] = wide ? 1 : 0;
  templates[t + T_STATUS] = 1;
}

// The statement being scanned: its operands, and where it ends.
const MAX_OPERANDS = 8;
const regs = new Int32Array(MAX_OPERANDS);
const imms = new Float64Array(MAX_OPERANDS);
let nRegs = 0;
let nImms = 0;
/** Offset of the character that ended the statement (newline, `;`, `#`, `/` of `//`, or the end). */
let stmtEnd = 0;
/** Register number of the identifier identKey just classified. */
let identReg = 0;
/** Value of the integer scanInteger just read; for 14 to 16 hex digits (intWide), its halves instead. */
let intValue = 0;
let intWide = false;
let intHi = 0;
let intLo = 0;
/** Bit mask of the immediates of the statement that were read as halves (see intWide). */
let wideImms = 0;
/** Symbol operands of the statement: the symbol, its immediate's index, its source offset. */
const symOf: (Sym | null)[] = new Array<Sym | null>(MAX_OPERANDS).fill(null);
const symImm = new Int32Array(MAX_OPERANDS);
const symPos = new Int32Array(MAX_OPERANDS);
let nSyms = 0;
/** Fixup kind of a symbol operand by immediate class (statements.ts), -1 where the general path decides. */
const SYM_FIXUP = new Int8Array(128).fill(-1);
SYM_FIXUP[98] = FIX.PCREL16; // b
SYM_FIXUP[103] = FIX.GOTOL; // g
SYM_FIXUP[108] = FIX.LDIMM64; // l
SYM_FIXUP[99] = FIX.CALL; // c
SYM_FIXUP[105] = FIX.IMM16; // i

/**
 * Token key of the identifier at [p, q): KEY_R/KEY_W for a register
 * (number in identReg), a keyword's key for the first word (`start`) or an
 * operand, or -1 for anything else.
 */
function identKey(b: Uint8Array, p: number, q: number, start: boolean): number {
  const c = b[p]!;
  const len = q - p;
  if ((c === 114 || c === 119) && len <= 3) {
    const d1 = b[p + 1]! - 48;
    if (d1 < 0 || d1 > 9) return -1;
    if (len === 2) identReg = d1;
    else if (d1 === 1 && (b[p + 2] === 48 || b[p + 2] === 49)) identReg = b[p + 2]! - 38;
    else return -1;
    return c === 114 ? KEY_R : KEY_W;
  }
  let h = kwHash(c, b[q - 1]!, len);
  for (;;) {
    const k = kwSlot[h]! - 1;
    if (k < 0) return -1;
    const text = kwText[k]!;
    if (text.length === len) {
      let i = 1;
      while (i < len && b[p + i] === text[i]) i++;
      if (i === len && c === text[0]) return start ? kwStart[k]! : kwMiddle[k]!;
    }
    h = (h + 1) & (KW_SLOTS - 1);
  }
}

/** True when the identifier at [p, q) is an operand keyword in another case (`GOTO`), which the general path reports. */
function keywordInOtherCase(b: Uint8Array, p: number, q: number): boolean {
  const len = q - p;
  let h = kwHash(lower(b[p]!), lower(b[q - 1]!), len);
  for (;;) {
    const k = kwSlot[h]! - 1;
    if (k < 0) return false;
    const text = kwText[k]!;
    if (text.length === len && kwMiddle[k]! >= 0) {
      let i = 0;
      while (i < len && lower(b[p + i]!) === text[i]) i++;
      if (i === len) return true;
    }
    h = (h + 1) & (KW_SLOTS - 1);
  }
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * Reads a decimal (up to 15 digits) or 0x hex (up to 16 digits) integer at p
 * that the expression parser would take as a lone integer: not followed by
 * identifier characters, and after blanks by the end of the statement, `)`,
 * `]`, `,` or an identifier other than `b`/`f` (numeric label references).
 * Returns its end (the value in intValue, or its halves), or -1.
 */
function scanInteger(b: Uint8Array, p: number, n: number): number {
  let q = p;
  let v = 0;
  intWide = false;
  if (b[p] === 48 && IDC[b[p + 1]!] !== 0) {
    if (b[p + 1] !== 120 && b[p + 1] !== 88) return -1; // 0b, octal, suffixes
    q = p + 2;
    for (let d = HEX[b[q]!]!; d >= 0; d = HEX[b[++q]!]!) v = v * 16 + d;
    if (q === p + 2 || q - p > 18) return -1;
    if (q - p > 15) {
      // Beyond 2^52: exact only as two halves.
      intWide = true;
      intHi = 0;
      intLo = 0;
      for (let i = p + 2; i < q - 8; i++) intHi = intHi * 16 + HEX[b[i]!]!;
      for (let i = q - 8; i < q; i++) intLo = intLo * 16 + HEX[b[i]!]!;
    }
  } else {
    for (let c = b[q]!; c >= 48 && c <= 57; c = b[++q]!) v = v * 10 + (c - 48);
    if (q - p > 15) {
      // Beyond 2^49: exact only as two halves, up to 2^64 - 1 (above it the general path reports the error).
      if (q - p > 20) return -1;
      intWide = true;
      intHi = 0;
      intLo = 0;
      for (let i = p; i < q; i++) {
        const x = intLo * 10 + (b[i]! - 48);
        const carry = Math.floor(x / 4294967296);
        intLo = x - carry * 4294967296;
        intHi = intHi * 10 + carry;
      }
      if (intHi > 0xffffffff) return -1;
    }
  }
  if (IDC[b[q]!] !== 0) return -1;
  let r = q;
  let c = b[r]!;
  while (c === 32 || c === 9 || c === 13) c = b[++r]!;
  if (r >= n || c === 10 || c === 59 || c === 35 || c === 41 || c === 93 || c === 44
    || (c === 47 && b[r + 1] === 47)
    || (IDS[c] !== 0 && !((c === 98 || c === 102) && IDC[b[r + 1]!] === 0))) {
    intValue = v;
    return q;
  }
  return -1;
}

/**
 * Scans the statement at p (its first character, not blank) through the
 * form automaton; returns the final state, or -1 when the general path must
 * take it. Operands are left in regs/imms, the end in stmtEnd.
 */
function scanStatement(b: Uint8Array, p: number, n: number, cache: SymbolCache): number {
  const next = NEXT;
  nRegs = 0;
  nImms = 0;
  nSyms = 0;
  wideImms = 0;
  // The first word is a lower-case register, a lower-case instruction keyword or `*`; then the operands,
  // as parseInstruction scans them. (One loop for both: one copy of each scanner for the JIT to compile.)
  let state = 0;
  let first = true;
  for (;;) {
    const c = b[p]!;
    const cls = CC[c]!;
    let key: number;
    if (first && cls !== C_IDENT && c !== 42) return -1;
    if (cls === C_SPACE || cls === C_COMMA) {
      p++;
      continue;
    } else if (cls === C_IDENT || (cls === C_DOT && !first && IDC[b[p + 1]!] !== 0)) {
      let q = p + 1;
      while (IDC[b[q]!] !== 0) q++;
      key = cls === C_DOT ? -1 : identKey(b, p, q, first);
      if (key < 0) {
        // A symbol operand (`goto .L1`, `call f`, `r1 = map ll`): a name alone, as the general path's
        // expression parser would read it; a name in another expression, or a keyword in upper case, is its business.
        if (first || (cls !== C_DOT && keywordInOtherCase(b, p, q))) return -1;
        let r = q;
        let d = b[r]!;
        while (d === 32 || d === 9 || d === 13) d = b[++r]!;
        if (!(d === 10 || d === 59 || d === 35 || d === 44 || d === 41 || d === 93 || IDS[d] !== 0
          || (d === 47 && b[r + 1] === 47) || (d === 0 && r >= n))) return -1;
        if (nImms === MAX_OPERANDS) return -1;
        const sym = cache.get(b, p, q);
        if (sym.constValue !== null) return -1;
        if (sym.firstRef < 0) sym.firstRef = p;
        symOf[nSyms] = sym;
        symImm[nSyms] = nImms;
        symPos[nSyms] = p;
        nSyms++;
        imms[nImms++] = 0;
        key = KEY_IMM;
      } else if (key <= KEY_W) {
        if (nRegs === MAX_OPERANDS) return -1;
        regs[nRegs++] = identReg;
      }
      p = q;
    } else if (cls === C_PUNCT) {
      key = PK[c]!;
      p++;
    } else if (cls === C_DIGIT || cls === C_SIGN) {
      let q = p;
      if (cls === C_SIGN) {
        // A sign directly before an integer (blanks between) starts an immediate; otherwise it is an operator.
        q = p + 1;
        let d = b[q]!;
        while (d === 32 || d === 9) d = b[++q]!;
        if (d < 48 || d > 57) {
          if (d === 39) return -1;
          state = next[state * KEY_COUNT + PK[c]!]!;
          if (state < 0) return -1;
          p++;
          continue;
        }
      }
      const end = scanInteger(b, q, n);
      if (end < 0 || nImms === MAX_OPERANDS) return -1;
      if (intWide) {
        if (c === 45) return -1;
        wideImms |= 1 << nImms;
      }
      imms[nImms++] = c !== 45 ? intValue : intValue === 0 ? 0 : -intValue;
      key = KEY_IMM;
      p = end;
    } else if (cls === C_LOOK) {
      const d = b[p + 1]!;
      if (c === 47 && d === 47) break; // `//` comment
      if (c === 47 && d === 42) return -1; // `/*`: where a comment may stand is the general path's business
      // `!` only in `!=`; `<>`, `&&`, `||` are tokens no form has.
      if (c === 33 ? d !== 61 : c === 60 ? d === 62 : c !== 47 && d === c) return -1;
      key = PK[c]!;
      p++;
    } else if (cls === C_END || (c === 0 && p >= n)) {
      break;
    } else {
      return -1;
    }
    state = next[state * KEY_COUNT + key]!;
    if (state < 0) return -1;
    first = false;
  }
  stmtEnd = p;
  return state;
}

/** Encodes the statement scanStatement left in `state`; false when its form or operands need the general path. */
function emit(sec: Section, state: number, le: boolean, symbols: SymbolTable): boolean {
  const tpl = templates;
  const t = state * T_STRIDE;
  if (tpl[t + T_STATUS] === 0) deriveTemplate(state);
  if (tpl[t + T_STATUS] !== 1) return false;
  const zero = tpl[t + T_ZERO]!;
  if (zero !== 0) {
    for (let i = 0; i < nRegs; i++) if ((zero & (1 << i)) !== 0 && regs[i] !== 0) return false;
  }
  const tieA = tpl[t + T_TIE]!;
  if (tieA >= 0 && regs[tieA] !== regs[tpl[t + T_TIE + 1]!]) return false;
  const range = tpl[t + T_RANGE]!;
  if (range !== 0) {
    for (let i = 0; i < nImms; i++) {
      if ((range & (1 << i)) !== 0 && (imms[i]! < -32768 || imms[i]! > 32767)) return false;
    }
  }
  const dstIdx = tpl[t + T_DST]!;
  const srcIdx = tpl[t + T_SRC]!;
  const offIdx = tpl[t + T_OFF]!;
  const immIdx = tpl[t + T_IMM]!;
  const wide = tpl[t + T_WIDE] === 1;
  let imm: number;
  let hi = 0;
  if (wide) {
    if (wideImms !== 0) {
      imm = intLo | 0;
      hi = intHi | 0;
    } else {
      imm = lo32(imms[immIdx]!);
      hi = hi32(imms[immIdx]!);
    }
  } else {
    if (wideImms !== 0) return false;
    // imm32 operands keep their low 32 bits, as toInt32 does.
    imm = immIdx >= 0 ? lo32(imms[immIdx]!) : tpl[t + T_IMM + 1]!;
  }
  let kinds = 0;
  if (nSyms !== 0) {
    // Fixup kinds by the immediates' classes, packed 4 bits each (a memory offset cannot be a symbol: general path).
    const classes = ENTRIES[state]!.immClasses;
    for (let i = nSyms - 1; i >= 0; i--) {
      const kind = SYM_FIXUP[classes.charCodeAt(symImm[i]!) & 127]!;
      if (kind < 0) return false;
      kinds = (kinds << 4) | kind;
    }
  }
  const pos = sec.len;
  const size = wide ? 16 : 8;
  if (pos + size > sec.room) sec.ensure(size);
  writeSlotFields(
    sec.buf, pos, tpl[t + T_OPCODE]!,
    dstIdx >= 0 ? regs[dstIdx]! : tpl[t + T_DST + 1]!,
    srcIdx >= 0 ? regs[srcIdx]! : tpl[t + T_SRC + 1]!,
    offIdx >= 0 ? imms[offIdx]! : tpl[t + T_OFF + 1]!,
    imm, le,
  );
  if (wide) {
    writeSlotFields(sec.buf, pos + 8, 0, 0, 0, 0, hi, le);
    sec.len = pos + 16;
  } else {
    sec.len = pos + 8;
  }
  // As emitInstruction: each symbol is registered and its fixup recorded, in operand order.
  for (let i = 0; i < nSyms; i++) {
    const sym = symOf[i]!;
    symbols.register(sym);
    sec.fixups.add(kinds & 15, pos, sym.ref, symPos[i]!);
    kinds >>= 4;
  }
  return true;
}

/**
 * Assembles the statements from source offset `p` on for as long as they
 * take the fast path; returns the offset of the first one that does not
 * (the general path lexes from there), or the source length.
 */
export function fastStatements(as: FastHost, src: string, p: number): number {
  if (!ready) init();
  if (templates.length === 0) templates = new Int32Array(ENTRIES.length * T_STRIDE);
  const sec = as.cur;
  if (sec.type === 'nobits') return p;
  const b = as.fastBytes ??= sourceBytes(src);
  const cache = as.fastSymbols ??= new SymbolCache(as.symbols, src);
  const symbols = as.symbols;
  const le = as.le;
  const n = src.length;
  let count = 0;
  let lastStart = -1;
  for (;;) {
    // Between statements: blanks, empty statements and comments.
    let c = b[p]!;
    while (c === 32 || c === 9 || c === 13) c = b[++p]!;
    if (p >= n) break;
    if (c === 10 || c === 59) { p++; continue; }
    if (c === 35 || (c === 47 && b[p + 1] === 47)) {
      const q = src.indexOf('\n', p);
      if (q < 0) { p = n; break; }
      p = q + 1;
      continue;
    }
    if (IDS[c] !== 0 && (c !== 46 || IDC[b[p + 1]!] !== 0)) {
      // A label (`name:`, blanks before the colon): defined here unless it is already.
      let q = p + 1;
      while (IDC[b[q]!] !== 0) q++;
      let r = q;
      let d = b[r]!;
      while (d === 32 || d === 9 || d === 13) d = b[++r]!;
      if (d === 58) {
        const sym = cache.get(b, p, q);
        if (sym.defined || sym.constValue !== null) break;
        as.stmtStart = p;
        as.defineLabel(sym, p);
        p = r + 1;
        continue;
      }
    }
    const state = scanStatement(b, p, n, cache);
    if (state < 0) break;
    // For an error from emit (the section's size limit), as for any other statement.
    as.stmtStart = p;
    if (!emit(sec, state, le, symbols)) break;
    count++;
    lastStart = p;
    // Past the end of the statement (a newline, `;`, a comment or the end of the source).
    p = stmtEnd;
    c = b[p]!;
    if (c === 10 || c === 59) {
      p++;
    } else if (p < n) {
      const q = src.indexOf('\n', p);
      p = q < 0 ? n : q + 1;
    }
  }
  if (count > 0) {
    as.insnIndex += count;
    as.stmtStart = lastStart;
  }
  return p;
}
