// The assembler's fast path: plain instruction statements — registers,
// keywords, punctuation and decimal integers, no symbols, one form whose
// slot maps its operands straight into fields — are scanned and encoded here
// in one loop, without the lexer, the expression parser, an Instruction
// object or a RawSlot. Most lines of any BPF assembly file are of this kind.
//
// It is the general path (parseInstruction) with every way out removed: the
// same character scanner, the same keyword and register rules and the same
// form automaton, but whatever the general path would do more than match
// tokens — a symbol, an expression, an odd number, a label, a directive, an
// error of any kind — makes it stop before the statement and hand it to the
// general path, which then does exactly what it always did. So the fast path
// never decides anything the general path would decide differently.
//
// The encoding comes from the one encoder: for each form, its builder is run
// on two sets of probe operands and encoded with toRawSlot; each field of the
// slot is then either a constant or one operand copied unchanged. Forms that
// do not fit that shape (ld_imm64, ld_pseudo, addr_space_cast) keep the
// general path.

import { toRawSlot } from '../encode.js';
import type { RawSlot } from '../slot.js';
import { writeSlotFields } from '../slot.js';
import {
  CHAR_KEY, CH_IDENT, ENTRIES, KEY_EQ, KEY_EXCL, KEY_GT, KEY_LT, NEXT, PUNCT_KEY, STAR_STATE, START_STATES, START_WORDS,
  initForms, keywordKey, registerAt, scanValue, simpleInteger,
} from './operands.js';
import { KEY_COUNT, KEY_IMM, KEY_R, KEY_W } from './patterns.js';
import { TK } from './lexer.js';
import type { Section } from './sections.js';
import type { Build, FormOperands } from './statements.js';

/** What the fast path needs of the assembler. */
export interface FastHost {
  readonly cur: Section;
  readonly le: boolean;
  insnIndex: number;
  stmtStart: number;
}

// Encoding templates by automaton state, T_STRIDE numbers each:
// status (0 not derived yet, 1 usable, -1 general path only), opcode, then for
// dst, src (register operands) and off, imm (immediate operands) an operand
// index (-1: a constant) and the constant, then a tied register pair (-1: none)
// and a bit mask of the immediates that must fit 16 signed bits.
const T_STATUS = 0;
const T_OPCODE = 1;
const T_DST = 2;
const T_SRC = 4;
const T_OFF = 6;
const T_IMM = 8;
const T_TIE = 10;
const T_RANGE = 12;
const T_STRIDE = 13;
let templates = new Int32Array(0);

const PROBE_FAILED = new Error('probe');

function probe(build: Build, regs: number[], imms: number[], ties: number[]): RawSlot | null {
  const o: FormOperands = {
    regs,
    imms,
    failReg: () => { throw PROBE_FAILED; },
    tie: (a, b) => { ties.push(a, b); },
  };
  try {
    const insn = build(o);
    if (insn.kind === 'raw' || insn.kind === 'ldImm64') return null;
    return toRawSlot(insn);
  } catch {
    return null;
  }
}

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
  const ties: number[] = [];
  const a = probe(entry.value, regsA, immsA, ties);
  const b = probe(entry.value, regsB, immsB, []);
  if (a === null || b === null || a.opcode !== b.opcode || ties.length > 2) return;
  const dst = binding(a.dst, b.dst, regsA, regsB);
  const src = binding(a.src, b.src, regsA, regsB);
  const off = binding(a.offset, b.offset, immsA, immsB);
  const imm = binding(a.imm, b.imm, immsA, immsB);
  if (dst < -1 || src < -1 || off < -1 || imm < -1) return;
  let range = 0;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    if (c === 'o' || c === 'b' || c === 'g') range |= 1 << i;
    else if (c !== 'i' && c !== 'c') return;
  }
  // The off field holds 16 bits: only range-checked immediates may go there.
  if (off >= 0 && (range & (1 << off)) === 0) return;
  templates[t + T_OPCODE] = a.opcode;
  templates[t + T_DST] = dst; templates[t + T_DST + 1] = a.dst;
  templates[t + T_SRC] = src; templates[t + T_SRC + 1] = a.src;
  templates[t + T_OFF] = off; templates[t + T_OFF + 1] = a.offset;
  templates[t + T_IMM] = imm; templates[t + T_IMM + 1] = a.imm;
  templates[t + T_TIE] = ties.length === 2 ? ties[0]! : -1;
  templates[t + T_TIE + 1] = ties.length === 2 ? ties[1]! : -1;
  templates[t + T_RANGE] = range;
  templates[t + T_STATUS] = 1;
}

// Operands of the statement being scanned.
const MAX_OPERANDS = 16;
const regs = new Int32Array(MAX_OPERANDS);
const imms = new Float64Array(MAX_OPERANDS);

/**
 * Assembles the statements from source offset `p` on for as long as they
 * take the fast path; returns the offset of the first one that does not
 * (the general path lexes from there), or the source length.
 */
export function fastStatements(as: FastHost, src: string, p: number): number {
  initForms();
  if (templates.length === 0) templates = new Int32Array(ENTRIES.length * T_STRIDE);
  const sec = as.cur;
  if (sec.type === 'nobits') return p;
  const le = as.le;
  const n = src.length;
  const next = NEXT;
  const tpl = templates;
  let count = 0;
  let lastStart = -1;
  statements: for (;;) {
    // Between statements: blanks, empty statements and comments.
    let c = src.charCodeAt(p);
    while (c === 32 || c === 9 || c === 13) c = src.charCodeAt(++p);
    if (p >= n) break;
    if (c === 10 || c === 59) { p++; continue; }
    if (c === 35 || (c === 47 && src.charCodeAt(p + 1) === 47)) {
      const q = src.indexOf('\n', p);
      if (q < 0) { p = n; break; }
      p = q + 1;
      continue;
    }
    const start = p;
    let nRegs = 0;
    let nImms = 0;
    let state: number;
    // The first word: a lower-case register, a lower-case instruction keyword or `*`.
    if (c === 42) {
      state = STAR_STATE;
      p++;
    } else if (c >= 97 && c <= 122) {
      let q = p + 1;
      while (q < n) {
        const d = src.charCodeAt(q);
        if (d < 128 && CH_IDENT[d] !== 0) q++;
        else break;
      }
      state = -1;
      if (c === 114 || c === 119) {
        const reg = registerAt(src, p, q);
        if (reg >= 0) {
          regs[0] = reg;
          nRegs = 1;
          state = next[c === 114 ? KEY_R : KEY_W]!;
        }
      } else {
        const len = q - p;
        for (let i = 0; i < START_WORDS.length; i++) {
          const kw = START_WORDS[i]!;
          if (kw.length === len && src.startsWith(kw, p)) { state = START_STATES[i]!; break; }
        }
      }
      if (state < 0) { p = start; break; }
      p = q;
    } else {
      break;
    }
    // The operands, as parseInstruction scans them.
    for (;;) {
      c = src.charCodeAt(p);
      while (c === 32 || c === 9 || c === 13) c = src.charCodeAt(++p);
      if (p >= n || c === 10 || c === 59 || c === 35) break;
      let key = -1;
      let after = p + 1;
      if (c < 128 && CH_IDENT[c] === 1) {
        let q = p + 1;
        while (q < n) {
          const d = src.charCodeAt(q);
          if (d < 128 && CH_IDENT[d] !== 0) q++;
          else break;
        }
        if (c === 46 && q === p + 1) { p = start; break statements; }
        key = keywordKey(src, p, q);
        if (key < 0) {
          const reg = registerAt(src, p, q);
          if (reg < 0 || nRegs === MAX_OPERANDS) { p = start; break statements; }
          state = next[state * KEY_COUNT + (c === 114 ? KEY_R : KEY_W)]!;
          if (state < 0) { p = start; break statements; }
          regs[nRegs++] = reg;
          p = q;
          continue;
        }
        after = q;
      } else if (c >= 48 && c <= 57) {
        const end = simpleInteger(src, p);
        if (end < 0 || nImms === MAX_OPERANDS) { p = start; break statements; }
        state = next[state * KEY_COUNT + KEY_IMM]!;
        if (state < 0) { p = start; break statements; }
        imms[nImms++] = scanValue;
        p = end;
        continue;
      } else {
        switch (c) {
          case 61: // =
            if (src.charCodeAt(p + 1) === 61) {
              state = next[state * KEY_COUNT + KEY_EQ]!;
              if (state < 0) { p = start; break statements; }
              after = p + 2;
            }
            key = KEY_EQ;
            break;
          case 33: // !
            if (src.charCodeAt(p + 1) === 61) {
              state = next[state * KEY_COUNT + KEY_EXCL]!;
              if (state < 0) { p = start; break statements; }
              key = KEY_EQ;
              after = p + 2;
            }
            break;
          case 60: { // <
            const d = src.charCodeAt(p + 1);
            if (d === 61 || d === 60) {
              state = next[state * KEY_COUNT + KEY_LT]!;
              if (state < 0) { p = start; break statements; }
              key = d === 61 ? KEY_EQ : KEY_LT;
              after = p + 2;
            } else if (d !== 62) {
              key = KEY_LT;
            }
            break;
          }
          case 62: { // >
            const d = src.charCodeAt(p + 1);
            if (d === 61 || d === 62) {
              state = next[state * KEY_COUNT + KEY_GT]!;
              if (state < 0) { p = start; break statements; }
              key = d === 61 ? KEY_EQ : KEY_GT;
              after = p + 2;
            } else {
              key = KEY_GT;
            }
            break;
          }
          case 47: // /  (`//` starts a comment)
            if (src.charCodeAt(p + 1) === 47) break;
            key = PUNCT_KEY[TK.SLASH]!;
            break;
          case 38: if (src.charCodeAt(p + 1) !== 38) key = PUNCT_KEY[TK.AMP]!; break;
          case 124: if (src.charCodeAt(p + 1) !== 124) key = PUNCT_KEY[TK.PIPE]!; break;
          case 44: p++; continue;
          case 43: case 45: { // + -
            let q = p + 1;
            let d = src.charCodeAt(q);
            while (d === 32 || d === 9) d = src.charCodeAt(++q);
            if (d >= 48 && d <= 57) {
              const end = simpleInteger(src, q);
              if (end < 0 || nImms === MAX_OPERANDS) { p = start; break statements; }
              state = next[state * KEY_COUNT + KEY_IMM]!;
              if (state < 0) { p = start; break statements; }
              imms[nImms++] = c === 45 ? (scanValue === 0 ? 0 : -scanValue) : scanValue;
              p = end;
              continue;
            }
            if (d !== 39) key = PUNCT_KEY[c === 43 ? TK.PLUS : TK.MINUS]!;
            break;
          }
          default:
            if (c < 128) key = CHAR_KEY[c]!;
        }
        // `//` ends the statement.
        if (c === 47 && key < 0) break;
      }
      if (key < 0) { p = start; break statements; }
      state = next[state * KEY_COUNT + key]!;
      if (state < 0) { p = start; break statements; }
      p = after;
    }
    // The end of the statement: a complete form with a template and operands it accepts.
    const t = state * T_STRIDE;
    if (tpl[t + T_STATUS] === 0) deriveTemplate(state);
    if (tpl[t + T_STATUS] !== 1) { p = start; break; }
    const entry = ENTRIES[state]!;
    if (entry.hasZero) {
      const zero = entry.regZero;
      for (let i = 0; i < zero.length; i++) {
        if (zero[i] !== null && regs[i] !== 0) { p = start; break statements; }
      }
    }
    const tieA = tpl[t + T_TIE]!;
    if (tieA >= 0 && regs[tieA] !== regs[tpl[t + T_TIE + 1]!]) { p = start; break; }
    const range = tpl[t + T_RANGE]!;
    if (range !== 0) {
      for (let i = 0; i < nImms; i++) {
        if ((range & (1 << i)) !== 0 && (imms[i]! < -32768 || imms[i]! > 32767)) { p = start; break statements; }
      }
    }
    const dstIdx = tpl[t + T_DST]!;
    const srcIdx = tpl[t + T_SRC]!;
    const offIdx = tpl[t + T_OFF]!;
    const immIdx = tpl[t + T_IMM]!;
    let imm = immIdx >= 0 ? imms[immIdx]! : tpl[t + T_IMM + 1]!;
    if (imm < -0x80000000 || imm > 0x7fffffff) imm = (imm % 4294967296) | 0;
    sec.ensure(8);
    writeSlotFields(
      sec.buf, sec.len, tpl[t + T_OPCODE]!,
      dstIdx >= 0 ? regs[dstIdx]! : tpl[t + T_DST + 1]!,
      srcIdx >= 0 ? regs[srcIdx]! : tpl[t + T_SRC + 1]!,
      offIdx >= 0 ? imms[offIdx]! : tpl[t + T_OFF + 1]!,
      imm, le,
    );
    sec.len += 8;
    count++;
    lastStart = start;
    // Past the end of the statement (the scan stopped at a newline, `;`, a comment or the end).
    if (p < n) {
      if (c === 10 || c === 59) {
        p++;
      } else {
        const q = src.indexOf('\n', p);
        p = q < 0 ? n : q + 1;
      }
    }
  }
  if (count > 0) {
    as.insnIndex += count;
    as.stmtStart = lastStart;
  }
  return p;
}
