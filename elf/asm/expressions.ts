// Expressions as LLVM MC parses them in GNU mode: unary - + ~ !, binary
// operators by precedence (lowest first) || ; && ; == != <> < <= > >= ; + - ;
// | ! ^ & ; * / % << >>, parentheses, integers, character literals, symbol
// names (identifiers or quoted strings), `.` for the current location and
// numeric label references `1b`/`1f`. The result is either a constant or
// `a - b + c` over symbols, resolved when the assembly is finished.

import { shown } from '../../isa/index.js';
import { type Lexer, TK } from './lexer.js';
import type { Sym, SymbolTable } from './symbols.js';
import * as V from './values.js';
import type { Const } from './values.js';

/** `a - b + c`, with a or b possibly absent. */
export interface SymExpr {
  readonly a: Sym | null;
  readonly b: Sym | null;
  readonly c: Const;
}

export type ExprValue = Const | SymExpr;

export function isConst(v: ExprValue): v is Const {
  return typeof v !== 'object';
}

export interface ExprHost {
  readonly lex: Lexer;
  readonly symbols: SymbolTable;
  fail(pos: number, message: string): never;
  /** A temporary symbol at the current location (for `.`). */
  here(): Sym;
}

/** Set by parseExpression: the whole expression was one symbol reference (what branch targets allow). */
export let lastExprWasBareSymbol = false;

function precedence(kind: number): number {
  switch (kind) {
    case TK.PIPEPIPE: return 1;
    case TK.AMPAMP: return 2;
    case TK.EQEQ: case TK.EXCLEQ: case TK.LESSGREATER: case TK.LESS: case TK.LESSEQ: case TK.GREATER: case TK.GREATEREQ:
      return 3;
    case TK.PLUS: case TK.MINUS: return 4;
    case TK.PIPE: case TK.EXCL: case TK.CARET: case TK.AMP: return 5;
    case TK.STAR: case TK.SLASH: case TK.PERCENT: case TK.LSHIFT: case TK.RSHIFT: return 6;
    default: return 0;
  }
}

/**
 * Deepest nesting of parentheses and unary operators (docs/isa.md): llvm-mc-19
 * takes about 20,000 levels and then crashes with a stack overflow; nothing
 * written by hand or by a compiler comes near this.
 */
export const MAX_EXPRESSION_DEPTH = 1000;

/** Nesting depth of the primary being parsed. */
let depth = 0;

/** Parses an expression starting at the current token; leaves the lexer on the first token after it. */
export function parseExpression(h: ExprHost): ExprValue {
  const lex = h.lex;
  depth = 0;
  // Fast path: a lone integer followed by a token that cannot continue an expression.
  if (lex.kind === TK.INT && lex.bigValue === null) {
    const start = lex.start;
    const v = lex.intValue;
    lex.next();
    const k = lex.kind;
    if (k === TK.EOS || k === TK.RPAREN || k === TK.COMMA || k === TK.RBRAC || k === TK.EOF) {
      lastExprWasBareSymbol = false;
      return v;
    }
    if (k === TK.IDENT) {
      // `1b`/`1f` are label references; any other identifier ends the expression.
      const t = lex.src.charCodeAt(lex.start);
      if (!(lex.end === lex.start + 1 && (t === 98 || t === 102))) {
        lastExprWasBareSymbol = false;
        return v;
      }
    }
    const prim = finishInteger(h, v, start);
    const bare = typeof prim === 'object';
    const r = parseBinRHS(h, 1, prim);
    lastExprWasBareSymbol = bare && r === prim;
    return r;
  }
  const prim = parsePrimary(h);
  const bare = primaryWasSymbol;
  const r = parseBinRHS(h, 1, prim);
  lastExprWasBareSymbol = bare && r === prim;
  return r;
}

let primaryWasSymbol = false;

/** After an integer token (at `pos`) has been consumed: a `b`/`f` identifier makes it a numeric label reference. */
function finishInteger(h: ExprHost, value: number, pos: number): ExprValue {
  const lex = h.lex;
  if (lex.kind === TK.IDENT && lex.end === lex.start + 1) {
    const t = lex.src.charCodeAt(lex.start);
    if (t === 98 || t === 102) {
      let sym: Sym | null;
      if (t === 98) {
        sym = h.symbols.backward(value);
        if (sym === null) h.fail(pos, `numeric label ${value}b has no earlier definition ('${value}:')`);
      } else {
        sym = h.symbols.forward(value, pos);
      }
      lex.next();
      return { a: sym, b: null, c: 0 };
    }
  }
  return value;
}

function parsePrimary(h: ExprHost): ExprValue {
  // No finally: an error abandons the expression, and parseExpression starts again from 0.
  depth++;
  const v = primary(h);
  depth--;
  return v;
}

function primary(h: ExprHost): ExprValue {
  const lex = h.lex;
  primaryWasSymbol = false;
  const pos = lex.start;
  const k = lex.kind;
  if (depth > MAX_EXPRESSION_DEPTH && (k === TK.LPAREN || k === TK.MINUS || k === TK.PLUS || k === TK.TILDE || k === TK.EXCL)) {
    h.fail(pos, `expression nested more than ${MAX_EXPRESSION_DEPTH} levels deep`);
  }
  switch (k) {
    case TK.INT: {
      if (lex.bigValue !== null) {
        const v = lex.bigValue;
        lex.next();
        return v;
      }
      const v = lex.intValue;
      lex.next();
      const r = finishInteger(h, v, pos);
      primaryWasSymbol = typeof r === 'object';
      return r;
    }
    case TK.IDENT: case TK.STRING: {
      // A quoted name is taken verbatim (llvm-mc does not process escapes in symbol names).
      const name = lex.kind === TK.STRING ? lex.src.slice(lex.start + 1, lex.end - 1) : lex.text();
      const nameEnd = lex.end;
      lex.next();
      if (lex.kind === TK.AT && lex.start === nameEnd) {
        h.fail(lex.start, `symbol variants ('${shown(name)}@...') are not supported by the BPF target`);
      }
      const sym = h.symbols.get(name);
      if (sym.firstRef < 0) sym.firstRef = pos;
      if (sym.constValue !== null) return sym.constValue;
      primaryWasSymbol = true;
      return { a: sym, b: null, c: 0 };
    }
    case TK.DOT: {
      lex.next();
      return { a: h.here(), b: null, c: 0 };
    }
    case TK.LPAREN: {
      lex.next();
      const v = parseBinRHS(h, 1, parsePrimary(h));
      if (lex.kind !== TK.RPAREN) h.fail(lex.start, "expected ')' in parenthesized expression");
      lex.next();
      primaryWasSymbol = false;
      return v;
    }
    case TK.MINUS: {
      lex.next();
      const v = parsePrimary(h);
      primaryWasSymbol = false;
      return negate(h, v, pos);
    }
    case TK.PLUS: {
      lex.next();
      const v = parsePrimary(h);
      primaryWasSymbol = false;
      return v;
    }
    case TK.TILDE: {
      lex.next();
      const v = absolute(h, parsePrimary(h), pos, '~');
      primaryWasSymbol = false;
      return V.not(v);
    }
    case TK.EXCL: {
      lex.next();
      const v = absolute(h, parsePrimary(h), pos, '!');
      primaryWasSymbol = false;
      return V.isZero(v) ? 1 : 0;
    }
    case TK.ERROR:
      return h.fail(pos, lex.error);
    case TK.EOS: case TK.EOF:
      return h.fail(pos, 'expected an expression');
    default:
      return h.fail(pos, `unexpected '${shown(lex.text())}' in expression`);
  }
}

function parseBinRHS(h: ExprHost, minPrec: number, lhs: ExprValue): ExprValue {
  const lex = h.lex;
  let res = lhs;
  for (;;) {
    const op = lex.kind;
    const prec = precedence(op);
    if (prec === 0 || prec < minPrec) return res;
    const opPos = lex.start;
    lex.next();
    let rhs = parsePrimary(h);
    const next = precedence(lex.kind);
    if (prec < next) rhs = parseBinRHS(h, prec + 1, rhs);
    res = binary(h, op, res, rhs, opPos);
  }
}

function absolute(h: ExprHost, v: ExprValue, pos: number, op: string): Const {
  if (typeof v !== 'object') return v;
  return h.fail(pos, `operator '${op}' needs constant operands, not a symbol`);
}

function asSym(v: ExprValue): SymExpr {
  return typeof v === 'object' ? v : { a: null, b: null, c: v };
}

function normalize(a: Sym | null, b: Sym | null, c: Const): ExprValue {
  if (a !== null && a === b) return c;
  if (a === null && b === null) return c;
  return { a, b, c };
}

function negate(h: ExprHost, v: ExprValue, pos: number): ExprValue {
  if (typeof v !== 'object') return V.neg(v);
  void h; void pos;
  return normalize(v.b, v.a, V.neg(v.c));
}

export function addValues(h: ExprHost, l: ExprValue, r: ExprValue, pos: number): ExprValue {
  if (typeof l !== 'object' && typeof r !== 'object') return V.add(l, r);
  const x = asSym(l);
  const y = asSym(r);
  if ((x.a !== null && y.a !== null) || (x.b !== null && y.b !== null)) {
    return h.fail(pos, 'expression is not relocatable: it adds two symbols');
  }
  return normalize(x.a ?? y.a, x.b ?? y.b, V.add(x.c, y.c));
}

function binary(h: ExprHost, op: number, l: ExprValue, r: ExprValue, pos: number): ExprValue {
  if (op === TK.PLUS) return addValues(h, l, r, pos);
  if (op === TK.MINUS) {
    if (typeof l !== 'object' && typeof r !== 'object') return V.sub(l, r);
    return addValues(h, l, negate(h, r, pos), pos);
  }
  const a = absolute(h, l, pos, opName(op));
  const b = absolute(h, r, pos, opName(op));
  switch (op) {
    case TK.STAR: return V.mul(a, b);
    case TK.SLASH: case TK.PERCENT: {
      const q = op === TK.SLASH ? V.div(a, b) : V.mod(a, b);
      if (q === null) return h.fail(pos, V.isZero(b) ? 'division by zero' : 'signed division overflows 64 bits');
      return q;
    }
    case TK.LSHIFT: return V.shl(a, b);
    case TK.RSHIFT: return V.shr(a, b);
    case TK.AMP: return V.and(a, b);
    case TK.PIPE: return V.or(a, b);
    case TK.CARET: return V.xor(a, b);
    case TK.EXCL: return V.or(a, V.not(b));
    case TK.EQEQ: return V.compare(a, b) === 0 ? V.TRUE_CMP : 0;
    case TK.EXCLEQ: case TK.LESSGREATER: return V.compare(a, b) !== 0 ? V.TRUE_CMP : 0;
    case TK.LESS: return V.compare(a, b) < 0 ? V.TRUE_CMP : 0;
    case TK.LESSEQ: return V.compare(a, b) <= 0 ? V.TRUE_CMP : 0;
    case TK.GREATER: return V.compare(a, b) > 0 ? V.TRUE_CMP : 0;
    case TK.GREATEREQ: return V.compare(a, b) >= 0 ? V.TRUE_CMP : 0;
    case TK.AMPAMP: return !V.isZero(a) && !V.isZero(b) ? 1 : 0;
    case TK.PIPEPIPE: return !V.isZero(a) || !V.isZero(b) ? 1 : 0;
    default: return h.fail(pos, 'unknown operator');
  }
}

function opName(op: number): string {
  switch (op) {
    case TK.STAR: return '*';
    case TK.SLASH: return '/';
    case TK.PERCENT: return '%';
    case TK.LSHIFT: return '<<';
    case TK.RSHIFT: return '>>';
    case TK.AMP: return '&';
    case TK.PIPE: return '|';
    case TK.CARET: return '^';
    case TK.EXCL: return '!';
    case TK.EQEQ: return '==';
    case TK.EXCLEQ: return '!=';
    case TK.LESSGREATER: return '<>';
    case TK.LESS: return '<';
    case TK.LESSEQ: return '<=';
    case TK.GREATER: return '>';
    case TK.GREATEREQ: return '>=';
    case TK.AMPAMP: return '&&';
    case TK.PIPEPIPE: return '||';
    default: return '?';
  }
}
