// A hand-rolled scanner over the whole source string, modelled on the token
// rules of LLVM's MC assembly lexer as the BPF target configures it: `#` and
// `//` comment to the end of the line, `/* */` comments (which may span lines
// without ending the statement) are skipped like blanks, `;` and
// newlines end a statement, integers may be decimal, 0x hex, 0b binary or
// leading-0 octal with ignored U/L suffixes, and `1b`/`1f` lex as an integer
// followed by an identifier. The scanner keeps the current token in fields
// (no token objects) so that the assembler can run over megabytes quickly.

/** Token kinds. Plain numbers (not an enum) so that they inline everywhere. */
const TOKEN_KINDS = {
  EOF: 0,
  /** End of statement: newline, `;` or a comment running to the end of the line. */
  EOS: 1,
  IDENT: 2,
  INT: 3,
  STRING: 4,
  /** A malformed token (bad number, unterminated string...); `error` says why. */
  ERROR: 5,
  EQUAL: 10, EQEQ: 11, EXCL: 12, EXCLEQ: 13, LESS: 14, LESSEQ: 15, LSHIFT: 16, LESSGREATER: 17,
  GREATER: 18, GREATEREQ: 19, RSHIFT: 20, PLUS: 21, MINUS: 22, STAR: 23, SLASH: 24, PERCENT: 25,
  AMP: 26, AMPAMP: 27, PIPE: 28, PIPEPIPE: 29, CARET: 30, TILDE: 31, LPAREN: 32, RPAREN: 33,
  LBRAC: 34, RBRAC: 35, LCURLY: 36, RCURLY: 37, COMMA: 38, COLON: 39, DOT: 40, DOLLAR: 41, AT: 42,
  OTHER: 43,
} as const;

/** Typed as plain numbers so that comparing a token kind does not narrow it across lexer calls. */
export const TK: Readonly<Record<keyof typeof TOKEN_KINDS, number>> = TOKEN_KINDS;

// Module constants for the scanner's own use: cheaper than property loads before the JIT warms up.
const EOF: number = TOKEN_KINDS.EOF;
const EOS: number = TOKEN_KINDS.EOS;
const IDENT: number = TOKEN_KINDS.IDENT;
const INT: number = TOKEN_KINDS.INT;
const DOT: number = TOKEN_KINDS.DOT;

const C_NL = 10;
const C_CR = 13;
const C_SP = 32;
const C_TAB = 9;
const C_HASH = 35;
const C_SEMI = 59;
const C_SLASH = 47;
const C_STAR = 42;
const C_QUOTE = 34;
const C_APOS = 39;
const C_BSLASH = 92;

/** Character classes: bit 1 identifier start, bit 2 identifier continuation, bit 4 decimal digit. */
const CLS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_.]/.test(ch)) CLS[c]! |= 1;
  if (/[A-Za-z0-9_.$?]/.test(ch)) CLS[c]! |= 2;
  if (/[0-9]/.test(ch)) CLS[c]! |= 4;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Saved scanner position, for one-token lookahead. */
export interface LexState {
  pos: number;
  kind: number;
  start: number;
  end: number;
  intValue: number;
  bigValue: bigint | null;
}

export class Lexer {
  readonly src: string;
  readonly length: number;
  /** Offset of the next unread character. */
  pos = 0;
  kind: number = TK.EOS;
  /** Source offsets of the current token. */
  start = 0;
  end = 0;
  /** Value of an INT token when it is a safe integer (else bigValue holds it, as int64). */
  intValue = 0;
  bigValue: bigint | null = null;
  /** Why the current token is an ERROR token. */
  error = '';

  constructor(src: string, pos = 0) {
    this.src = src;
    this.length = src.length;
    this.pos = pos;
  }

  save(): LexState {
    return { pos: this.pos, kind: this.kind, start: this.start, end: this.end, intValue: this.intValue, bigValue: this.bigValue };
  }

  restore(s: LexState): void {
    this.pos = s.pos; this.kind = s.kind; this.start = s.start; this.end = s.end;
    this.intValue = s.intValue; this.bigValue = s.bigValue;
  }

  /** Text of the current token. */
  text(): string {
    return this.src.slice(this.start, this.end);
  }

  /** Kind of the token after the current one, without consuming anything. */
  peekKind(): number {
    const s = this.save();
    const err = this.error;
    this.next();
    const k = this.kind;
    this.restore(s);
    this.error = err;
    return k;
  }

  /** Skips to the end of the current statement (the EOS/EOF token becomes current). */
  skipStatement(): void {
    while (this.kind !== TK.EOS && this.kind !== TK.EOF) this.next();
  }

  /** Scans the next token. */
  next(): void {
    const src = this.src;
    const n = this.length;
    let p = this.pos;
    let c = 0;
    // Whitespace (a carriage return counts as whitespace; the newline ends the statement) and
    // /* */ comments. (Where llvm-mc's own operand loop lexes, it rejects a comment: operands.ts.)
    while (p < n) {
      c = src.charCodeAt(p);
      if (c === C_SP || c === C_TAB || c === C_CR || c === 11 || c === 12) {
        p++;
      } else if (c === C_SLASH && src.charCodeAt(p + 1) === C_STAR) {
        const q = src.indexOf('*/', p + 2);
        if (q < 0) return this.fail(p, n, 'unterminated comment');
        p = q + 2;
      } else {
        break;
      }
    }
    this.start = p;
    if (p >= n) {
      this.kind = EOF; this.pos = p; this.end = p;
      return;
    }
    if (c === C_NL || c === C_SEMI) {
      this.kind = EOS; this.pos = p + 1; this.end = p + 1;
      return;
    }
    if (c === C_HASH || (c === C_SLASH && src.charCodeAt(p + 1) === C_SLASH)) {
      // A comment runs to the end of the line; the newline ends the statement.
      let q = src.indexOf('\n', p);
      if (q < 0) q = n;
      this.kind = q < n ? EOS : EOF;
      this.end = q < n ? q + 1 : q;
      this.pos = this.end;
      return;
    }
    if (c < 128 && (CLS[c]! & 1) !== 0) {
      let q = p + 1;
      while (q < n) {
        const d = src.charCodeAt(q);
        if (d < 128 && (CLS[d]! & 2) !== 0) q++;
        else break;
      }
      if (c === 46 && q === p + 1) {
        this.kind = DOT;
      } else {
        this.kind = IDENT;
      }
      this.end = q; this.pos = q;
      return;
    }
    if (c >= 48 && c <= 57) {
      this.lexNumber(p);
      return;
    }
    if (c === C_QUOTE) {
      this.lexString(p);
      return;
    }
    if (c === C_APOS) {
      this.lexChar(p);
      return;
    }
    const d = p + 1 < n ? src.charCodeAt(p + 1) : 0;
    let kind: number = TK.OTHER;
    let len = 1;
    switch (c) {
      case 61: if (d === 61) { kind = TK.EQEQ; len = 2; } else kind = TK.EQUAL; break; // =
      case 33: if (d === 61) { kind = TK.EXCLEQ; len = 2; } else kind = TK.EXCL; break; // !
      case 60: // <
        if (d === 61) { kind = TK.LESSEQ; len = 2; } else if (d === 60) { kind = TK.LSHIFT; len = 2; } else if (d === 62) { kind = TK.LESSGREATER; len = 2; } else kind = TK.LESS;
        break;
      case 62: // >
        if (d === 61) { kind = TK.GREATEREQ; len = 2; } else if (d === 62) { kind = TK.RSHIFT; len = 2; } else kind = TK.GREATER;
        break;
      case 43: kind = TK.PLUS; break;
      case 45: kind = TK.MINUS; break;
      case 42: kind = TK.STAR; break;
      case 47: kind = TK.SLASH; break;
      case 37: kind = TK.PERCENT; break;
      case 38: if (d === 38) { kind = TK.AMPAMP; len = 2; } else kind = TK.AMP; break;
      case 124: if (d === 124) { kind = TK.PIPEPIPE; len = 2; } else kind = TK.PIPE; break;
      case 94: kind = TK.CARET; break;
      case 126: kind = TK.TILDE; break;
      case 40: kind = TK.LPAREN; break;
      case 41: kind = TK.RPAREN; break;
      case 91: kind = TK.LBRAC; break;
      case 93: kind = TK.RBRAC; break;
      case 123: kind = TK.LCURLY; break;
      case 125: kind = TK.RCURLY; break;
      case 44: kind = TK.COMMA; break;
      case 58: kind = TK.COLON; break;
      case 36: kind = TK.DOLLAR; break;
      case 64: kind = TK.AT; break;
      default: kind = TK.OTHER;
    }
    this.kind = kind; this.end = p + len; this.pos = p + len;
  }

  private fail(start: number, end: number, why: string): void {
    this.kind = TK.ERROR; this.start = start; this.end = end; this.pos = end; this.error = why;
  }

  private lexNumber(p: number): void {
    const src = this.src;
    const n = this.length;
    let q = p;
    let radix = 10;
    let digitsStart = p;
    const c1 = src.charCodeAt(p + 1);
    if (src.charCodeAt(p) === 48 && (c1 === 120 || c1 === 88)) { // 0x
      radix = 16; digitsStart = p + 2; q = digitsStart;
      while (q < n && hexValue(src.charCodeAt(q)) >= 0) q++;
      if (q === digitsStart) return this.fail(p, q, 'invalid hexadecimal number');
    } else if (src.charCodeAt(p) === 48 && (c1 === 98 || c1 === 66)) { // 0b
      const c2 = src.charCodeAt(p + 2);
      if (c2 === 48 || c2 === 49) {
        radix = 2; digitsStart = p + 2; q = digitsStart;
        while (q < n && (src.charCodeAt(q) === 48 || src.charCodeAt(q) === 49)) q++;
        if (q < n && src.charCodeAt(q) >= 50 && src.charCodeAt(q) <= 57) return this.fail(p, q + 1, 'invalid binary number');
      } else {
        // `0b` is a backward reference to the numeric label 0: an integer, then `b`.
        this.kind = INT; this.intValue = 0; this.bigValue = null; this.end = p + 1; this.pos = p + 1;
        return;
      }
    } else {
      q = p + 1;
      while (q < n) {
        const d = src.charCodeAt(q);
        if (d >= 48 && d <= 57) q++;
        else break;
      }
      if (src.charCodeAt(p) === 48 && q > p + 1) {
        radix = 8; digitsStart = p + 1;
        for (let i = digitsStart; i < q; i++) {
          if (src.charCodeAt(i) > 55) return this.fail(p, q, 'invalid octal number');
        }
      }
    }
    const digitsEnd = q;
    // Ignored integer suffixes: U, L, UL, LL, ULL (either case).
    let s = src.charCodeAt(q);
    if (s === 85 || s === 117) { q++; s = src.charCodeAt(q); }
    if (s === 76 || s === 108) { q++; s = src.charCodeAt(q); }
    if (s === 76 || s === 108) { q++; }
    this.kind = INT; this.end = q; this.pos = q;
    const count = digitsEnd - digitsStart;
    const safe = radix === 16 ? count <= 13 : radix === 2 ? count <= 52 : radix === 8 ? count <= 17 : count <= 15;
    if (safe) {
      let v = 0;
      for (let i = digitsStart; i < digitsEnd; i++) v = v * radix + hexValue(src.charCodeAt(i));
      this.intValue = v; this.bigValue = null;
      return;
    }
    const prefix = radix === 16 ? '0x' : radix === 2 ? '0b' : radix === 8 ? '0o' : '';
    const big = BigInt(prefix + src.slice(digitsStart, digitsEnd));
    if (big > 0xffffffffffffffffn) return this.fail(p, q, 'integer literal does not fit in 64 bits');
    const v = BigInt.asIntN(64, big);
    if (v >= -9007199254740991n && v <= 9007199254740991n) { this.intValue = Number(v); this.bigValue = null; }
    else { this.intValue = 0; this.bigValue = v; }
  }

  private lexChar(p: number): void {
    const src = this.src;
    let q = p + 1;
    let c = src.charCodeAt(q);
    if (q >= this.length || c === C_NL) return this.fail(p, q, 'unterminated character literal');
    let value = c;
    if (c === C_BSLASH) {
      q++;
      c = src.charCodeAt(q);
      if (q >= this.length || c === C_NL) return this.fail(p, q, 'unterminated character literal');
      switch (c) {
        case 116: value = 9; break; // \t
        case 110: value = 10; break; // \n
        case 98: value = 8; break; // \b
        case 102: value = 12; break; // \f
        case 114: value = 13; break; // \r
        default: value = c;
      }
    }
    q++;
    if (src.charCodeAt(q) !== C_APOS) return this.fail(p, q, 'character literal must hold exactly one character');
    this.kind = TK.INT; this.intValue = value; this.bigValue = null; this.end = q + 1; this.pos = q + 1;
  }

  private lexString(p: number): void {
    const src = this.src;
    let q = p + 1;
    for (;;) {
      if (q >= this.length) return this.fail(p, q, 'unterminated string');
      const c = src.charCodeAt(q);
      if (c === C_QUOTE) break;
      if (c === C_NL) return this.fail(p, q, 'unterminated string');
      q += c === C_BSLASH ? 2 : 1;
    }
    this.kind = TK.STRING; this.end = q + 1; this.pos = q + 1;
  }
}

/**
 * Decodes the current STRING token's escapes (\b \f \n \r \t \\ \" , up to
 * three octal digits, \x with any number of hex digits keeping the low byte)
 * into bytes. Returns an error message instead for an unknown escape.
 */
export function decodeStringBytes(src: string, start: number, end: number): { bytes: number[] } | { error: string; at: number } {
  const out: number[] = [];
  let q = start + 1;
  const stop = end - 1;
  while (q < stop) {
    const c = src.charCodeAt(q);
    if (c !== C_BSLASH) {
      if (c < 0x80) { out.push(c); q++; continue; }
      // Non-ASCII text is stored as UTF-8, as the source bytes would be.
      const cp = src.codePointAt(q)!;
      for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) out.push(b);
      q += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = src.charCodeAt(q + 1);
    if (e === 120 || e === 88) { // \x
      let r = q + 2;
      let v = 0;
      while (r < stop && hexValue(src.charCodeAt(r)) >= 0) { v = ((v << 4) | hexValue(src.charCodeAt(r))) & 0xff; r++; }
      if (r === q + 2) return { error: 'invalid hexadecimal escape sequence', at: q };
      out.push(v); q = r; continue;
    }
    if (e >= 48 && e <= 55) { // octal
      let r = q + 1;
      let v = 0;
      while (r < stop && r < q + 4 && src.charCodeAt(r) >= 48 && src.charCodeAt(r) <= 55) { v = v * 8 + (src.charCodeAt(r) - 48); r++; }
      out.push(v & 0xff); q = r; continue;
    }
    switch (e) {
      case 98: out.push(8); break;
      case 102: out.push(12); break;
      case 110: out.push(10); break;
      case 114: out.push(13); break;
      case 116: out.push(9); break;
      case 34: out.push(34); break;
      case 92: out.push(92); break;
      default: return { error: 'invalid escape sequence in string', at: q };
    }
    q += 2;
  }
  return { bytes: out };
}

/** 1-based line and column of a source offset. */
export function lineColumn(src: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  let i = src.indexOf('\n');
  while (i >= 0 && i < offset) {
    line++;
    lineStart = i + 1;
    i = src.indexOf('\n', lineStart);
  }
  return { line, column: offset - lineStart + 1 };
}
