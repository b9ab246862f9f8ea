// Splitting an instruction statement into operands the way llvm-mc's BPF
// parser does (BPFAsmParser::ParseInstruction), matching them against the
// pattern automaton as they come, then checking immediates by class.
//
// llvm-mc's operand rules: an identifier that is a keyword (compared without
// case) is a token, a lower-case r0..r11/w0..w11 is a register, `,` is
// skipped, punctuation is a token (`==`, `!=`, `>=`, `>>`, `<=`, `<<` split
// into two), `+`/`-` directly before an integer starts an immediate, and any
// other identifier, integer or string starts an immediate expression. The
// first word is lower-cased: a register or one of the start keywords.

import { shown } from '../../isa/index.js';
import { type ExprHost, type ExprValue, type SymExpr, lastExprWasBareSymbol, parseExpression } from './expressions.js';
import { TK } from './lexer.js';
import {
  KEY_BAD, KEY_COUNT, KEY_IMM, KEY_R, KEY_W, expectedAfter, middleKeywordKeys, startKeywordKeys, tokenKey,
} from './patterns.js';
import { FIX } from './sections.js';
import { type Build, type Encodable, type FormOperands, formAutomaton } from './statements.js';
import type { PatternAutomaton, PatternEntry } from './patterns.js';
import { type Const, fitsSigned } from './values.js';

export interface InstructionFixup {
  readonly kind: number;
  readonly expr: SymExpr;
  readonly pos: number;
}

/**
 * Side results of the last parseInstruction call (module state instead of a
 * result object per instruction: the assembler is single-threaded).
 */
export const parsed = {
  /** Fixups against symbols, in operand order (null when there are none). */
  fixups: null as InstructionFixup[] | null,
  /** r11/w11 appears: llvm-mc accepts it, the instruction model cannot hold it in dst. */
  usesR11: false,
};

// The form automaton and the states after each first word, set up by initForms on first use.
let FORM_AUTOMATON: PatternAutomaton<Build>;
export let NEXT: Int32Array;
export let ENTRIES: readonly (PatternEntry<Build> | null)[];
export let START_STATES: readonly number[];
export let STAR_STATE = -1;

/** Builds the form automaton (once); every entry point of the instruction parser calls it first. */
export function initForms(): void {
  if (STAR_STATE >= 0) return;
  FORM_AUTOMATON = formAutomaton();
  NEXT = FORM_AUTOMATON.next;
  ENTRIES = FORM_AUTOMATON.entries;
  START_STATES = START_WORDS.map((k) => FORM_AUTOMATON.step(0, startKeywordKeys.get(k)!));
  STAR_STATE = FORM_AUTOMATON.step(0, tokenKey('*')!);
}

/** Register number of an operand-position identifier (case-sensitive, as llvm-mc), or -1. */
export function registerNumber(text: string): number {
  return registerAt(text, 0, text.length);
}

/** Register number of the identifier at [start, end) (r0..r11 / w0..w11), or -1. */
export function registerAt(src: string, start: number, end: number): number {
  const n = end - start;
  if (n < 2 || n > 3) return -1;
  const c = src.charCodeAt(start);
  if (c !== 114 && c !== 119) return -1;
  const d1 = src.charCodeAt(start + 1) - 48;
  if (d1 < 0 || d1 > 9) return -1;
  if (n === 2) return d1;
  if (d1 !== 1) return -1;
  const d2 = src.charCodeAt(start + 2) - 48;
  return d2 === 0 || d2 === 1 ? 10 + d2 : -1;
}

export const KEY_EQ = tokenKey('=')!;
export const KEY_EXCL = tokenKey('!')!;
export const KEY_LT = tokenKey('<')!;
export const KEY_GT = tokenKey('>')!;

/** Operator keys of single-character token kinds (-1: not an operand token). */
export const PUNCT_KEY = new Int32Array(64).fill(-1);
for (const [kind, text] of [
  [TK.EQUAL, '='], [TK.GREATER, '>'], [TK.LESS, '<'], [TK.PIPE, '|'], [TK.STAR, '*'], [TK.LPAREN, '('], [TK.RPAREN, ')'],
  [TK.LBRAC, '['], [TK.RBRAC, ']'], [TK.SLASH, '/'], [TK.AMP, '&'], [TK.PERCENT, '%'], [TK.CARET, '^'], [TK.PLUS, '+'],
  [TK.MINUS, '-'],
] as const) PUNCT_KEY[kind] = tokenKey(text)!;

/** Two-character operators become two tokens: [first, second]. */
const PAIR_KEYS: (readonly [number, number] | undefined)[] = new Array<readonly [number, number] | undefined>(64).fill(undefined);
PAIR_KEYS[TK.EQEQ] = [KEY_EQ, KEY_EQ];
PAIR_KEYS[TK.EXCLEQ] = [KEY_EXCL, KEY_EQ];
PAIR_KEYS[TK.GREATEREQ] = [KEY_GT, KEY_EQ];
PAIR_KEYS[TK.RSHIFT] = [KEY_GT, KEY_GT];
PAIR_KEYS[TK.LESSEQ] = [KEY_LT, KEY_EQ];
PAIR_KEYS[TK.LSHIFT] = [KEY_LT, KEY_LT];

/** Operator keys by character code for the scanner's fast path (-1: not a single-character operand token). */
export const CHAR_KEY = new Int32Array(128).fill(-1);
for (const ch of ['*', '(', ')', '[', ']', '%', '^']) CHAR_KEY[ch.charCodeAt(0)] = tokenKey(ch)!;

// Keyword lookup without slicing the source: candidates by lower-cased first letter.
const KEYWORDS_BY_CHAR: ({ text: string; key: number }[] | undefined)[] = new Array<{ text: string; key: number }[] | undefined>(128).fill(undefined);
for (const [text, key] of middleKeywordKeys) (KEYWORDS_BY_CHAR[text.charCodeAt(0)] ??= []).push({ text, key });

function sameIgnoringCase(src: string, start: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = src.charCodeAt(start + i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** Token key of a middle keyword at [start, end), KEY_BAD for one in the wrong case, or -1. */
export function keywordKey(src: string, start: number, end: number): number {
  let c = src.charCodeAt(start);
  if (c >= 65 && c <= 90) c += 32;
  const cands = c < 128 ? KEYWORDS_BY_CHAR[c] : undefined;
  if (cands === undefined) return -1;
  const len = end - start;
  for (let i = 0; i < cands.length; i++) {
    const k = cands[i]!;
    if (k.text.length !== len) continue;
    if (src.startsWith(k.text, start)) return k.key;
    if (sameIgnoringCase(src, start, k.text)) return KEY_BAD;
  }
  return -1;
}

/** Identifier start (1) or continuation only (2); 0 otherwise. */
export const CH_IDENT = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_.]/.test(ch)) CH_IDENT[c] = 1;
  else if (/[0-9$?]/.test(ch)) CH_IDENT[c] = 2;
}

function identClass(c: number): number {
  return c < 128 ? CH_IDENT[c]! : 0;
}

/** True when the next token after source offset p is an integer (a digit or a character literal). */
function integerFollows(src: string, p: number): boolean {
  let c = src.charCodeAt(p);
  while (c === 32 || c === 9) c = src.charCodeAt(++p);
  return (c >= 48 && c <= 57) || c === 39;
}

// Scratch state reused across statements (the assembler is single-threaded).
const MAX_OPERANDS = 64;
const regs: number[] = new Array<number>(MAX_OPERANDS).fill(0);
const regPos: number[] = new Array<number>(MAX_OPERANDS).fill(0);
const immVals: ExprValue[] = new Array<ExprValue>(MAX_OPERANDS).fill(0);
const immPos: number[] = new Array<number>(MAX_OPERANDS).fill(0);
const immBare: boolean[] = new Array<boolean>(MAX_OPERANDS).fill(false);
const imms: Const[] = new Array<Const>(MAX_OPERANDS).fill(0);
let nRegs = 0;
let nImms = 0;
let usesR11 = false;
let host: ExprHost | null = null;
let namePosition = 0;
const ops: FormOperands = {
  regs,
  imms,
  failReg: (i, message) => host!.fail(i < MAX_OPERANDS ? regPos[i]! : namePosition, message),
  tie: (a, b) => {
    if (regs[a] !== regs[b]) ops.failReg(b, 'this register must be the same as the destination (tied operands)');
  },
};

function describeToken(h: ExprHost): string {
  const lex = h.lex;
  const t = lex.text();
  return lex.kind === TK.IDENT && registerNumber(t) >= 0 ? `register ${t}` : `'${shown(t)}'`;
}

/** Reports an operand that no pattern accepts after `state` (re-lexing the token at `pos` to name it). */
function mismatch(h: ExprHost, state: number, key: number, pos: number, found?: string): never {
  const lex = h.lex;
  if (found === undefined) {
    lex.pos = pos;
    lex.next();
    found = key === KEY_BAD ? `'${shown(lex.text())}' (keywords are lower case)`
      : key === KEY_IMM ? (lex.kind === TK.IDENT ? `symbol '${shown(lex.text())}'` : `an immediate (${shown(lex.text())})`)
        : describeToken(h);
  }
  return h.fail(pos, `invalid operand for instruction: expected ${expectedAfter(FORM_AUTOMATON, state)}, found ${found}`);
}

function advance(h: ExprHost, state: number, key: number, pos: number): number {
  const nx = NEXT[state * KEY_COUNT + key]!;
  if (nx < 0) mismatch(h, state, key, pos);
  return nx;
}

function pushRegister(h: ExprHost, reg: number, pos: number): void {
  if (nRegs >= MAX_OPERANDS) h.fail(pos, 'too many operands');
  regs[nRegs] = reg; regPos[nRegs] = pos; nRegs++;
  if (reg === 11) usesR11 = true;
}

function pushImmediate(h: ExprHost, pos: number, v: ExprValue, bare: boolean): void {
  if (nImms >= MAX_OPERANDS) h.fail(pos, 'too many operands');
  immPos[nImms] = pos; immVals[nImms] = v; immBare[nImms] = bare; nImms++;
}

export const START_WORDS: readonly string[] = [...startKeywordKeys.keys()].filter((k) => k !== '*');

/** State after the first word: a register or an instruction keyword, both case-insensitive. */
function firstState(h: ExprHost): number {
  const lex = h.lex;
  const src = lex.src;
  const namePos = lex.start;
  namePosition = namePos;
  if (lex.kind === TK.STAR) return STAR_STATE;
  let reg = registerAt(src, lex.start, lex.end);
  let isW = src.charCodeAt(lex.start) === 119;
  if (reg < 0) {
    const len = lex.end - lex.start;
    for (let i = 0; i < START_WORDS.length; i++) {
      const kw = START_WORDS[i]!;
      if (kw.length === len && src.startsWith(kw, lex.start)) return START_STATES[i]!;
    }
    const name = lex.text();
    const lower = name.toLowerCase();
    reg = registerNumber(lower);
    isW = lower.charCodeAt(0) === 119;
    if (reg < 0) {
      const key = startKeywordKeys.get(lower);
      if (key === undefined) {
        return h.fail(namePos, /^[rw]\d+$/i.test(name)
          ? `invalid register '${shown(name)}' (registers are r0-r11 and w0-w11)`
          : `unknown instruction '${shown(name)}'`);
      }
      return FORM_AUTOMATON.step(0, key);
    }
  }
  pushRegister(h, reg, namePos);
  return FORM_AUTOMATON.step(0, isW ? KEY_W : KEY_R);
}

/**
 * End of the token lexedOperand took as an operator, keyword, register or
 * comma (tokens llvm-mc's BPF operand loop lexes itself, so that a block
 * comment right after one is an error there), or -1 after an immediate
 * expression (whose parser skips comments).
 */
let rawEnd = -1;

/**
 * The general path: takes one operand (or a comma) at the lexer's current
 * token and returns the next state. After an immediate the lexer is left on
 * the next token; after anything else the caller resumes at rawEnd.
 */
function lexedOperand(h: ExprHost, state: number): number {
  const lex = h.lex;
  const src = lex.src;
  const k = lex.kind;
  const pos = lex.start;
  let key = -1;
  if (k === TK.IDENT) {
    key = keywordKey(src, pos, lex.end);
    if (key < 0) {
      const reg = registerAt(src, pos, lex.end);
      if (reg >= 0) {
        state = advance(h, state, src.charCodeAt(pos) === 114 ? KEY_R : KEY_W, pos);
        pushRegister(h, reg, pos);
        rawEnd = lex.end;
        return state;
      }
    }
  } else if (k === TK.COMMA) {
    rawEnd = lex.end;
    return state;
  } else if (k === TK.MINUS || k === TK.PLUS) {
    // A sign directly before an integer starts an immediate; otherwise it is an operator token.
    if (!integerFollows(src, lex.end)) key = PUNCT_KEY[k]!;
  } else if (k !== TK.INT && k !== TK.STRING) {
    key = k < 64 ? PUNCT_KEY[k]! : -1;
    if (key < 0) {
      const pair = k < 64 ? PAIR_KEYS[k] : undefined;
      if (pair === undefined) {
        return h.fail(pos, k === TK.ERROR ? lex.error : `unexpected '${shown(lex.text())}' in instruction`);
      }
      state = advance(h, state, pair[0], pos);
      state = advance(h, state, pair[1], pos + 1);
      rawEnd = lex.end;
      return state;
    }
  }
  if (key >= 0) {
    state = advance(h, state, key, pos);
    rawEnd = lex.end;
    return state;
  }
  // An immediate expression.
  const nx = NEXT[state * KEY_COUNT + KEY_IMM]!;
  if (nx < 0) mismatch(h, state, KEY_IMM, pos, k === TK.IDENT ? `symbol '${shown(lex.text())}'` : 'an immediate');
  const v = parseExpression(h);
  pushImmediate(h, pos, v, lastExprWasBareSymbol);
  rawEnd = -1;
  return nx;
}

/**
 * Scans a plain decimal integer at p: digits not followed by identifier
 * characters, and after them only `)`, `]`, `,`, an end of statement or an
 * identifier other than `b`/`f`. Returns its end offset (the value in
 * `scanValue`), or -1 when the general expression parser must handle it.
 */
export let scanValue = 0;
export function simpleInteger(src: string, p: number): number {
  const n = src.length;
  let q = p;
  let v = 0;
  if (src.charCodeAt(p) === 48 && p + 1 < n && identClass(src.charCodeAt(p + 1)) !== 0) return -1; // 0x, 0b, octal, suffixes
  for (; q < n; q++) {
    const c = src.charCodeAt(q);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  if (q === p || q - p > 15) return -1;
  if (q < n && identClass(src.charCodeAt(q)) !== 0) return -1;
  let r = q;
  let c = src.charCodeAt(r);
  while (c === 32 || c === 9 || c === 13) c = src.charCodeAt(++r);
  if (r >= n || c === 10 || c === 59 || c === 35 || c === 41 || c === 93 || c === 44) { scanValue = v; return q; }
  if (c === 47) { if (src.charCodeAt(r + 1) === 47) { scanValue = v; return q; } return -1; }
  if (identClass(c) === 1) {
    // `1b` / `1 f` are numeric label references.
    if ((c === 98 || c === 102) && identClass(src.charCodeAt(r + 1)) === 0) return -1;
    scanValue = v;
    return q;
  }
  return -1;
}

/**
 * Parses the instruction statement starting at the current token (an
 * identifier or `*`) and builds it; leaves the lexer on the end of the
 * statement. Fixups and the r11 flag are left in `parsed`.
 *
 * Operands are scanned straight from the characters for the common cases
 * (registers, keywords, punctuation, plain decimal integers); anything else
 * (symbols, expressions, strings, odd numbers, errors) goes through the
 * lexer and the expression parser, one operand at a time.
 */
export function parseInstruction(h: ExprHost): Encodable {
  initForms();
  host = h;
  nRegs = 0;
  nImms = 0;
  usesR11 = false;
  const lex = h.lex;
  const src = lex.src;
  const n = src.length;
  let state = firstState(h);
  let p = lex.end;
  // The last token was one llvm-mc's operand loop lexes itself (not the mnemonic, not an immediate).
  let afterRaw = false;
  scan: for (;;) {
    let c = src.charCodeAt(p);
    while (c === 32 || c === 9 || c === 13) c = src.charCodeAt(++p);
    if (p >= n || c === 10 || c === 59 || c === 35) break;
    if (c === 47 && src.charCodeAt(p + 1) === 42) {
      // llvm-mc skips a /* */ comment after the mnemonic and after an expression (its parser's
      // lexer does), but after a token of the operand loop it is an unexpected token.
      if (afterRaw) h.fail(p, 'unexpected comment: llvm-mc takes /* */ after the mnemonic or an expression, not after a register, keyword or punctuation');
      const q = src.indexOf('*/', p + 2);
      if (q < 0) h.fail(p, 'unterminated comment');
      p = q + 2;
      continue;
    }
    afterRaw = true;
    let key = -1;
    let next = p + 1;
    if (c < 128 && CH_IDENT[c] === 1) {
      let q = p + 1;
      while (q < n) {
        const d = src.charCodeAt(q);
        if (d < 128 && CH_IDENT[d] !== 0) q++;
        else break;
      }
      if (c !== 46 || q > p + 1) {
        key = keywordKey(src, p, q);
        if (key === KEY_BAD) mismatch(h, state, KEY_BAD, p);
        if (key < 0) {
          const reg = registerAt(src, p, q);
          if (reg >= 0) {
            state = advance(h, state, c === 114 ? KEY_R : KEY_W, p);
            pushRegister(h, reg, p);
            p = q;
            continue;
          }
        }
        next = q;
      }
    } else if (c >= 48 && c <= 57) {
      const end = simpleInteger(src, p);
      if (end >= 0) {
        state = advance(h, state, KEY_IMM, p);
        pushImmediate(h, p, scanValue, false);
        p = end;
        afterRaw = false;
        continue;
      }
    } else {
      switch (c) {
        case 61: // =
          if (src.charCodeAt(p + 1) === 61) { state = advance(h, state, KEY_EQ, p); next = p + 2; }
          key = KEY_EQ;
          break;
        case 33: // !
          if (src.charCodeAt(p + 1) === 61) { state = advance(h, state, KEY_EXCL, p); key = KEY_EQ; next = p + 2; }
          break;
        case 60: { // <
          const d = src.charCodeAt(p + 1);
          if (d === 61) { state = advance(h, state, KEY_LT, p); key = KEY_EQ; next = p + 2; }
          else if (d === 60) { state = advance(h, state, KEY_LT, p); key = KEY_LT; next = p + 2; }
          else if (d !== 62) key = KEY_LT;
          break;
        }
        case 62: { // >
          const d = src.charCodeAt(p + 1);
          if (d === 61) { state = advance(h, state, KEY_GT, p); key = KEY_EQ; next = p + 2; }
          else if (d === 62) { state = advance(h, state, KEY_GT, p); key = KEY_GT; next = p + 2; }
          else key = KEY_GT;
          break;
        }
        case 47: // /  (`//` starts a comment)
          if (src.charCodeAt(p + 1) === 47) break scan;
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
            if (end >= 0) {
              state = advance(h, state, KEY_IMM, p);
              pushImmediate(h, p, c === 45 ? (scanValue === 0 ? 0 : -scanValue) : scanValue, false);
              p = end;
              afterRaw = false;
              continue;
            }
          } else if (d !== 39) {
            key = PUNCT_KEY[c === 43 ? TK.PLUS : TK.MINUS]!;
          }
          break;
        }
        default:
          if (c < 128) key = CHAR_KEY[c]!;
      }
    }
    if (key >= 0) {
      state = advance(h, state, key, p);
      p = next;
      continue;
    }
    // The general path for this operand.
    lex.pos = p;
    lex.next();
    state = lexedOperand(h, state);
    afterRaw = rawEnd >= 0;
    p = afterRaw ? rawEnd : lex.start;
  }
  lex.pos = p;
  lex.next();
  return complete(h, state);
}

/** Checks registers and immediates of the matched form and builds the instruction. */
function complete(h: ExprHost, state: number): Encodable {
  const entry = ENTRIES[state];
  if (entry === null || entry === undefined) {
    return h.fail(h.lex.start, `incomplete instruction: expected ${expectedAfter(FORM_AUTOMATON, state)}`);
  }
  if (entry.hasZero) {
    const zero = entry.regZero;
    for (let i = 0; i < zero.length; i++) {
      const need = zero[i];
      if (need !== null && need !== undefined && regs[i] !== 0) h.fail(regPos[i]!, `this operand must be register ${need}`);
    }
  }
  let fixups: InstructionFixup[] | null = null;
  for (let i = 0; i < nImms; i++) {
    const v = immVals[i]!;
    const cls = entry.immClasses.charCodeAt(i);
    if (typeof v !== 'object') {
      if ((cls === 111 /* o */ || cls === 98 /* b */ || cls === 103 /* g */)
        && !(typeof v === 'number' ? v >= -32768 && v <= 32767 : fitsSigned(v, 16))) {
        h.fail(immPos[i]!, cls === 111 ? 'memory offset must be a constant in [-32768, 32767]'
          : 'jump offset must be a label or a constant in [-32768, 32767]');
      }
      imms[i] = v;
    } else {
      imms[i] = 0;
      (fixups ??= []).push(symbolicFixup(h, cls, v, i));
    }
  }
  parsed.fixups = fixups;
  parsed.usesR11 = usesR11;
  return entry.value(ops);
}

function symbolicFixup(h: ExprHost, cls: number, v: SymExpr, i: number): InstructionFixup {
  const pos = immPos[i]!;
  let kind: number;
  switch (cls) {
    case 111: // o
      return h.fail(pos, 'memory offset must be a constant in [-32768, 32767], not a symbol');
    case 98: case 103: // b, g
      if (!immBare[i]) h.fail(pos, 'jump target must be a label or a constant in [-32768, 32767]');
      kind = cls === 98 ? FIX.PCREL16 : FIX.GOTOL;
      break;
    case 108: // l
      kind = FIX.LDIMM64;
      break;
    case 99: // c
      if (v.b !== null || v.a === null) h.fail(pos, 'call target must be a symbol plus a constant, not a difference of symbols');
      kind = FIX.CALL;
      break;
    default:
      kind = FIX.IMM16;
  }
  return { kind, expr: v, pos };
}
