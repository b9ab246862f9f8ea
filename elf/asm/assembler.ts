// The LLVM-syntax BPF assembler: one pass over the source that encodes
// instructions and data straight into section buffers, then a pass over the
// recorded fixups once every label is known (see fixups.ts).

import { AsmError, type ByteOrder, type Instruction, shown, toRawSlot, TsbpfError, writeInstruction, writeSlot } from '../../isa/index.js';
import type { RelocatableObject } from '../object-model.js';
import { runDirective } from './directives.js';
import { type ExprHost, type ExprValue, isConst } from './expressions.js';
import { fastStatements, paddedSourceBytes, type SymbolCache } from './fast.js';
import { finish } from './fixups.js';
import { Lexer, TK, lineColumn } from './lexer.js';
import { parseInstruction, parsed } from './operands.js';
import type { Encodable } from './statements.js';
import { FIX, Section, SizeBudget } from './sections.js';
import { Sym, SymbolTable } from './symbols.js';
import * as V from './values.js';
import type { Const } from './values.js';

// Token kinds as module constants for the statement loop (cheaper than property loads before the JIT warms up).
const K_EOS = TK.EOS;
const K_EOF = TK.EOF;
const K_IDENT = TK.IDENT;
const K_STAR = TK.STAR;
const K_INT = TK.INT;
const K_STRING = TK.STRING;
const K_ERROR = TK.ERROR;

export interface AssembleOptions {
  /** Byte order of the object (llvm-mc's `-triple bpfel`/`bpfeb`); default little endian. */
  readonly byteOrder?: ByteOrder;
  /**
   * The source's bytes when they are all ASCII (so one byte per UTF-16 unit of `source`): the
   * scanner reads these instead of encoding the string back into bytes.
   */
  readonly asciiBytes?: Uint8Array;
}

/** Section attributes as ELF flags + type. */
export interface SectionSpec {
  readonly type: 'progbits' | 'nobits';
  readonly alloc: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  readonly merge: boolean;
}

export class Assembler implements ExprHost {
  readonly lex: Lexer;
  readonly symbols = new SymbolTable();
  readonly sections: Section[] = [];
  private readonly sectionMap = new Map<string, Section>();
  private readonly budget = new SizeBudget();
  cur: Section;
  /** Section before the last switch (for `.previous`). */
  prev: Section | null = null;
  readonly sectionStack: { cur: Section; prev: Section | null }[] = [];
  /** `.file "name"` symbols, in order. */
  readonly fileSymbols: string[] = [];
  readonly le: boolean;
  /** Source offset of the statement being assembled (for errors without a better place). */
  stmtStart = 0;
  /** Instructions emitted so far (EncodeError indices). */
  insnIndex = 0;
  /** The source as bytes, for the fast path (see fast.ts). */
  fastBytes: Uint8Array | null = null;
  fastSymbols: SymbolCache | null = null;
  /** False: every statement takes the general path (tests compare the two paths). */
  fastPath = true;

  constructor(readonly source: string, readonly file: string, readonly order: ByteOrder) {
    this.lex = new Lexer(source);
    this.le = order === 'le';
    // llvm-mc always emits .text (aligned to 4), even when nothing is put in it.
    this.cur = this.section('.text', { type: 'progbits', alloc: true, write: false, exec: true, merge: false }, 4);
  }

  fail(pos: number, message: string): never {
    const { line, column } = lineColumn(this.source, pos);
    throw new AsmError(message, this.file, line, column);
  }

  here(): Sym {
    const s = new Sym('.', true);
    s.section = this.cur;
    s.offset = this.cur.len;
    s.defined = true;
    return s;
  }

  /** Finds or creates a section. */
  section(name: string, spec: SectionSpec, align = 1): Section {
    let s = this.sectionMap.get(name);
    if (s === undefined) {
      s = new Section(name, spec.type, spec.alloc, spec.write, spec.exec, spec.merge, this.sections.length, this.budget, align);
      this.sections.push(s);
      this.sectionMap.set(name, s);
      // As in llvm-mc, the section's name also names its section symbol (unless a label took it).
      const sym = this.symbols.get(name);
      if (!sym.defined && sym.constValue === null) {
        sym.defined = true;
        sym.section = s;
        sym.offset = 0;
        sym.isSection = true;
      }
    }
    return s;
  }

  lookupSection(name: string): Section | undefined {
    return this.sectionMap.get(name);
  }

  switchTo(s: Section): void {
    if (s !== this.cur) {
      this.prev = this.cur;
      this.cur = s;
    }
  }

  defineLabel(sym: Sym, pos: number): void {
    if (sym.defined || sym.constValue !== null) this.fail(pos, `symbol '${shown(sym.name)}' is already defined`);
    sym.defined = true;
    sym.section = this.cur;
    sym.offset = this.cur.len;
    sym.defPos = pos;
    this.symbols.register(sym);
  }

  /** True when a `:` follows source offset `p` (after blanks and block comments: a label definition). */
  private colonFollows(p: number): boolean {
    const src = this.source;
    let c = src.charCodeAt(p);
    for (;;) {
      if (c === 32 || c === 9) {
        c = src.charCodeAt(++p);
      } else if (c === 47 && src.charCodeAt(p + 1) === 42) {
        const q = src.indexOf('*/', p + 2);
        if (q < 0) return false;
        p = q + 2;
        c = src.charCodeAt(p);
      } else {
        return c === 58;
      }
    }
  }

  run(): RelocatableObject {
    try {
      this.statements();
      return finish(this);
    } catch (e) {
      if (e instanceof AsmError) throw e;
      // A typed error about the input (an EncodeError) gets the statement's position; anything
      // else is a bug in tsbpf and must stay one (exit 3), not pass for bad input.
      if (!(e instanceof TsbpfError)) throw e;
      this.fail(this.stmtStart, e.message);
    }
  }

  private statements(): void {
    const lex = this.lex;
    const src = this.source;
    let p = 0;
    for (;;) {
      // Plain instruction statements take the fast path; it stops before anything else.
      if (this.fastPath) p = fastStatements(this, src, p);
      lex.pos = p;
      lex.next();
      const k = lex.kind;
      if (k === K_EOS) { p = lex.pos; continue; }
      if (k === K_EOF) break;
      const start = lex.start;
      this.stmtStart = start;
      if (k === K_IDENT) {
        if (this.colonFollows(lex.end)) {
          this.defineLabel(this.symbols.get(lex.text()), start);
          lex.next(); lex.next();
          p = lex.start;
          continue;
        }
        if (src.charCodeAt(start) === 46) runDirective(this, lex.text(), start);
        else this.emitInstruction(parseInstruction(this));
      } else if (k === K_STAR) {
        this.emitInstruction(parseInstruction(this));
      } else if (k === K_INT && lex.bigValue === null && this.colonFollows(lex.end)) {
        const sym = this.symbols.defineNumeric(lex.intValue);
        this.defineLabel(sym, start);
        lex.next(); lex.next();
        p = lex.start;
        continue;
      } else if (k === K_STRING && this.colonFollows(lex.end)) {
        this.defineLabel(this.symbols.get(src.slice(start + 1, lex.end - 1)), start);
        lex.next(); lex.next();
        p = lex.start;
        continue;
      } else if (k === K_ERROR) {
        this.fail(start, lex.error);
      } else {
        this.fail(start, `unexpected '${shown(lex.text())}' at start of statement`);
      }
      if (lex.kind !== K_EOS && lex.kind !== K_EOF) {
        this.fail(lex.start, lex.kind === K_ERROR ? lex.error : `unexpected '${shown(lex.text())}' at end of statement`);
      }
      p = lex.start;
    }
  }

  /** Encodes the instruction parseInstruction just returned (with its fixups in `parsed`). */
  emitInstruction(insn: Encodable): void {
    const sec = this.cur;
    if (sec.type === 'nobits') this.fail(this.stmtStart, `section '${shown(sec.name)}' is nobits and cannot hold instructions`);
    const off = sec.len;
    sec.ensure(insn.kind === 'ldImm64' || insn.kind === 'raw' ? 16 : 8);
    if (insn.kind === 'raw') {
      let pos = off;
      for (const slot of insn.slots) { writeSlot(sec.view, pos, slot, this.order); pos += 8; }
      sec.len = pos;
    } else if (parsed.usesR11) {
      sec.len = writeWithR11(sec.view, off, insn, this.order);
    } else {
      sec.len = writeInstruction(sec.view, off, insn, this.order, this.insnIndex);
    }
    this.insnIndex++;
    const fx = parsed.fixups;
    if (fx !== null) {
      for (const f of fx) {
        this.registerExpr(f.expr);
        sec.fixups.add(f.kind, off, f.expr, f.pos);
      }
    }
  }

  registerExpr(v: ExprValue): void {
    if (isConst(v)) return;
    if (v.a !== null) this.symbols.register(v.a);
    if (v.b !== null) this.symbols.register(v.b);
  }

  /** Tries to fold `a - b + c` now (both defined in one section); null if it cannot be yet. */
  foldNow(v: ExprValue): Const | null {
    if (isConst(v)) return v;
    const { a, b } = v;
    if (a === null || b === null || !a.defined || !b.defined || a.section !== b.section) return null;
    return V.add(V.sub(a.offset, b.offset), v.c);
  }

  /** Emits an integer datum of `size` bytes (the .byte/.short/.long/.quad family). */
  emitData(size: 1 | 2 | 4 | 8, v: ExprValue, pos: number, directive: string): void {
    const sec = this.cur;
    let c: Const | null = isConst(v) ? v : null;
    if (c === null && (size === 1 || size === 2)) {
      c = this.foldNow(v);
      if (c === null) {
        this.fail(pos, `${directive} needs a constant or a difference of labels defined earlier in one section (BPF has no ${size * 8}-bit relocations)`);
      }
    }
    if (c !== null) {
      if (!V.fitsData(c, size * 8)) this.fail(pos, `value ${V.constToString(c)} does not fit in ${size} byte${size > 1 ? 's' : ''}`);
      if (sec.type === 'nobits') {
        if (!V.isZero(c)) this.fail(pos, `section '${shown(sec.name)}' is nobits and cannot hold non-zero data`);
        sec.ensure(size);
        sec.len += size;
        return;
      }
      sec.ensure(size);
      this.writeInt(sec, sec.len, size, c);
      sec.len += size;
      return;
    }
    if (sec.type === 'nobits') this.fail(pos, `section '${shown(sec.name)}' is nobits and cannot hold relocated data`);
    const e = v as Exclude<ExprValue, Const>;
    this.registerExpr(e);
    sec.ensure(size);
    sec.fixups.add(size === 8 ? FIX.DATA8 : FIX.DATA4, sec.len, e, pos);
    sec.len += size;
  }

  /** Writes the low `size` bytes of a constant in the object's byte order. */
  writeInt(sec: Section, off: number, size: number, c: Const): void {
    const view = sec.view;
    const le = this.le;
    if (size === 8) { view.setBigUint64(off, V.toUint64(c), le); return; }
    const w = V.toInt32(c);
    if (size === 4) view.setInt32(off, w, le);
    else if (size === 2) view.setUint16(off, w & 0xffff, le);
    else view.setUint8(off, w & 0xff);
  }
}

function writeWithR11(view: DataView, off: number, insn: Instruction, order: ByteOrder): number {
  // Encode with a stand-in destination, then put register 11 in the dst field.
  const dst = (insn as { dst?: number }).dst;
  const slot = toRawSlot(dst === 11 ? ({ ...insn, dst: 0 } as Instruction) : insn);
  if (dst === 11) slot.dst = 11;
  writeSlot(view, off, slot, order);
  if (insn.kind === 'ldImm64') {
    writeSlot(view, off + 8, { opcode: 0, dst: 0, src: 0, offset: 0, imm: insn.nextImm }, order);
    return off + 16;
  }
  return off + 8;
}

/**
 * Assembles LLVM BPF assembly (the syntax `llvm-mc -triple bpf -mcpu=v4`
 * accepts and `clang -S -target bpf` emits) into sections, symbols and
 * relocations. Throws AsmError (`file:line:col: error: ...`) on bad input.
 */
export function assembleLlvm(source: string, file: string, options: AssembleOptions = {}): RelocatableObject {
  const as = new Assembler(source, file, options.byteOrder ?? 'le');
  const ascii = options.asciiBytes;
  if (ascii !== undefined && ascii.length === source.length) as.fastBytes = paddedSourceBytes(ascii);
  return as.run();
}

/**
 * Parses one instruction in LLVM syntax (no labels or symbols) into the
 * typed model. Throws AsmError for malformed text and for the encodings the
 * model cannot hold (r11, ld_pseudo with src_reg above 6).
 */
export function parseInstructionLlvm(text: string): Instruction {
  const as = new Assembler(text, '<instruction>', 'le');
  const lex = as.lex;
  try {
    lex.next();
    while (lex.kind === TK.EOS) lex.next();
    if (lex.kind !== TK.IDENT && lex.kind !== TK.STAR) {
      as.fail(lex.start, lex.kind === TK.EOF ? 'expected an instruction' : `unexpected '${shown(lex.text())}' at start of instruction`);
    }
    if (lex.kind === TK.IDENT && lex.src.charCodeAt(lex.start) === 46) as.fail(lex.start, 'expected an instruction, not a directive');
    const start = lex.start;
    const insn = parseInstruction(as);
    while (lex.kind === TK.EOS) lex.next();
    if (lex.kind !== TK.EOF) as.fail(lex.start, 'expected a single instruction');
    if (parsed.fixups !== null) as.fail(parsed.fixups[0]!.pos, 'symbols are not allowed in a single instruction');
    if (insn.kind === 'raw') return as.fail(start, 'ld_pseudo with a source above 6 is not representable in the instruction model');
    if (parsed.usesR11) as.fail(start, 'register 11 is not representable in the instruction model');
    return insn;
  } catch (e) {
    if (e instanceof AsmError || !(e instanceof TsbpfError)) throw e;
    return as.fail(0, e.message);
  }
}
