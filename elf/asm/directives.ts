// Assembler directives: the subset of GNU/LLVM MC directives that clang -S
// emits for BPF and that hand-written BPF assembly uses. As in llvm-mc, the
// ELF-specific ones (.section, .text, .type, .weak ...) are case-sensitive
// and the generic ones (.byte, .globl, .p2align ...) are not.
//
// Accepted but without effect on the object (documented divergences from
// llvm-mc, which generates extra content for them): `.file N ...`, `.loc`,
// `.cfi_*` (no .debug_line/.debug_frame generation), `.addrsig`/`.addrsig_sym`
// (no .llvm_addrsig section), `.ident` (no .comment section), `.hidden`/
// `.internal`/`.protected` (the object model has no symbol visibility), the
// M/S/R section flags and the entity size (the model has no field for them).
// `.set`/`.equ` symbols act as constants but are not put in the symbol table.

import { shown } from '../../isa/index.js';
import type { Assembler, SectionSpec } from './assembler.js';
import { type ExprValue, parseExpression } from './expressions.js';
import { TK, decodeStringBytes } from './lexer.js';
import { MAX_ALIGNMENT, type Section } from './sections.js';
import type { Sym } from './symbols.js';
import * as V from './values.js';
import type { Const } from './values.js';

type Handler = (as: Assembler, name: string, pos: number) => void;

function expectComma(as: Assembler, what: string): void {
  const lex = as.lex;
  if (lex.kind !== TK.COMMA) as.fail(lex.start, `expected ',' ${what}`);
  lex.next();
}

function atEnd(as: Assembler): boolean {
  const k = as.lex.kind;
  return k === TK.EOS || k === TK.EOF;
}

/** A symbol name: an identifier or a quoted string (taken verbatim). */
function parseSymbolName(as: Assembler, directive: string): { name: string; pos: number } {
  const lex = as.lex;
  const pos = lex.start;
  let name: string;
  if (lex.kind === TK.IDENT) name = lex.text();
  else if (lex.kind === TK.STRING) name = lex.src.slice(lex.start + 1, lex.end - 1);
  else return as.fail(pos, `expected a symbol name after ${directive}`);
  lex.next();
  return { name, pos };
}

function parseExpr(as: Assembler): { value: ExprValue; pos: number } {
  const pos = as.lex.start;
  return { value: parseExpression(as), pos };
}

/** An expression that must be absolute now (counts, alignments, .set values). */
function parseAbsolute(as: Assembler, what: string): { value: Const; pos: number } {
  const { value, pos } = parseExpr(as);
  const c = as.foldNow(value);
  if (c === null) return as.fail(pos, `${what} must be an absolute expression`);
  return { value: c, pos };
}

function parseSmallInt(as: Assembler, what: string): { value: number; pos: number } {
  const { value, pos } = parseAbsolute(as, what);
  if (typeof value !== 'number') return as.fail(pos, `${what} is out of range`);
  return { value, pos };
}

// ---- sections ---------------------------------------------------------------

function hasPrefix(name: string, prefix: string): boolean {
  return name === prefix || name.startsWith(`${prefix}.`);
}

/** Flags llvm-mc gives a section named without a flags string. */
function defaultSpec(as: Assembler, name: string, pos: number): { alloc: boolean; write: boolean; exec: boolean } {
  if (hasPrefix(name, '.tdata') || hasPrefix(name, '.tbss')) as.fail(pos, `thread-local section '${shown(name)}' is not supported`);
  if (hasPrefix(name, '.rodata') || name === '.rodata1') return { alloc: true, write: false, exec: false };
  if (hasPrefix(name, '.text') || name === '.init' || name === '.fini') return { alloc: true, write: false, exec: true };
  if (hasPrefix(name, '.data') || name === '.data1' || hasPrefix(name, '.bss') || hasPrefix(name, '.init_array')
    || hasPrefix(name, '.fini_array') || hasPrefix(name, '.preinit_array')) {
    return { alloc: true, write: true, exec: false };
  }
  return { alloc: false, write: false, exec: false };
}

function defaultType(name: string): 'progbits' | 'nobits' {
  return hasPrefix(name, '.bss') || hasPrefix(name, '.tbss') ? 'nobits' : 'progbits';
}

/** Section name: a quoted string, or the adjacent characters up to a comma or blank. */
function parseSectionName(as: Assembler): { name: string; pos: number } {
  const lex = as.lex;
  const pos = lex.start;
  if (lex.kind === TK.STRING) {
    const name = lex.src.slice(lex.start + 1, lex.end - 1);
    lex.next();
    return { name, pos };
  }
  if (atEnd(as) || lex.kind === TK.COMMA) return as.fail(pos, 'expected a section name');
  const src = as.source;
  let q = pos;
  for (; q < src.length; q++) {
    const c = src.charCodeAt(q);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44 || c === 59 || c === 35) break;
  }
  lex.pos = q;
  lex.next();
  return { name: src.slice(pos, q), pos };
}

function parseSectionDirective(as: Assembler): Section {
  const lex = as.lex;
  const { name, pos } = parseSectionName(as);
  let flags: { alloc: boolean; write: boolean; exec: boolean; merge: boolean } | null = null;
  let type: 'progbits' | 'nobits' | null = null;
  if (lex.kind === TK.COMMA) {
    lex.next();
    if (lex.kind !== TK.STRING) as.fail(lex.start, 'expected a string of section flags');
    const f = { alloc: false, write: false, exec: false, merge: false };
    const text = lex.src.slice(lex.start + 1, lex.end - 1);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      switch (ch) {
        case 'a': f.alloc = true; break;
        case 'w': f.write = true; break;
        case 'x': f.exec = true; break;
        case 'M': f.merge = true; break;
        case 'S': case 'R': break; // strings, retain: not representable, no effect on the encoding

        default: as.fail(lex.start + 1 + i, `unsupported section flag '${ch}'`);
      }
    }
    flags = f;
    lex.next();
    if (lex.kind === TK.COMMA) {
      lex.next();
      const tpos = lex.start;
      let tname: string;
      if (lex.kind === TK.AT || (lex.kind === TK.PERCENT)) {
        lex.next();
        if (lex.kind !== TK.IDENT) as.fail(lex.start, 'expected a section type after @');
        tname = lex.text();
      } else if (lex.kind === TK.STRING) {
        tname = lex.src.slice(lex.start + 1, lex.end - 1);
      } else {
        return as.fail(tpos, 'expected a section type (@progbits or @nobits)');
      }
      if (tname === 'progbits') type = 'progbits';
      else if (tname === 'nobits') type = 'nobits';
      else as.fail(tpos, `unsupported section type '${shown(tname)}' (only @progbits and @nobits)`);
      lex.next();
      if (f.merge) {
        expectComma(as, 'and the entity size of a mergeable section');
        parseSmallInt(as, 'entity size');
      }
    } else if (f.merge) {
      as.fail(lex.start, 'a mergeable section (flag M) needs a type and an entity size');
    }
    if (lex.kind === TK.COMMA) as.fail(lex.start, 'section groups, linked-order and unique sections are not supported');
  }
  const existing = as.lookupSection(name);
  if (existing !== undefined) {
    if (flags !== null && (flags.alloc !== existing.alloc || flags.write !== existing.write || flags.exec !== existing.exec)) {
      as.fail(pos, `changed section flags for ${shown(name)}`);
    }
    if (type !== null && type !== existing.type) as.fail(pos, `changed section type for ${shown(name)}`);
    return existing;
  }
  const spec: SectionSpec = {
    ...(flags ?? { ...defaultSpec(as, name, pos), merge: false }),
    type: type ?? defaultType(name),
  };
  return as.section(name, spec);
}

function simpleSection(name: string): Handler {
  return (as, _n, pos) => {
    const existing = as.lookupSection(name);
    as.switchTo(existing ?? as.section(name, { ...defaultSpec(as, name, pos), merge: false, type: defaultType(name) }));
  };
}

// ---- data -------------------------------------------------------------------

function dataDirective(size: 1 | 2 | 4 | 8): Handler {
  return (as, name) => {
    if (atEnd(as)) return;
    for (;;) {
      const { value, pos } = parseExpr(as);
      as.emitData(size, value, pos, name);
      if (atEnd(as)) return;
      expectComma(as, `between ${name} values`);
    }
  };
}

function asciiDirective(zero: boolean): Handler {
  return (as, name) => {
    const lex = as.lex;
    if (atEnd(as)) return;
    for (;;) {
      if (lex.kind !== TK.STRING) as.fail(lex.start, `expected a string after ${shown(name)}`);
      const r = decodeStringBytes(lex.src, lex.start, lex.end);
      if ('error' in r) return as.fail(r.at, r.error);
      const bytes = r.bytes;
      if (zero) bytes.push(0);
      emitBytes(as, bytes, lex.start);
      lex.next();
      if (atEnd(as)) return;
      if (lex.kind === TK.COMMA) lex.next();
    }
  };
}

function emitBytes(as: Assembler, bytes: readonly number[], pos: number): void {
  const sec = as.cur;
  if (sec.type === 'nobits') {
    if (bytes.some((b) => b !== 0)) as.fail(pos, `section '${shown(sec.name)}' is nobits and cannot hold non-zero data`);
    sec.ensure(bytes.length);
    sec.len += bytes.length;
    return;
  }
  sec.ensure(bytes.length);
  sec.buf.set(bytes, sec.len);
  sec.len += bytes.length;
}

function zeroDirective(as: Assembler, name: string): void {
  const { value: count, pos } = parseAbsolute(as, `${name} size`);
  let fill = 0;
  if (as.lex.kind === TK.COMMA) {
    as.lex.next();
    fill = V.toInt32(parseAbsolute(as, `${name} fill value`).value) & 0xff;
  }
  if (V.compare(count, 0) < 0 || typeof count !== 'number') as.fail(pos, `invalid number of bytes for ${shown(name)}`);
  as.cur.fill(count, fill);
}

function fillDirective(as: Assembler): void {
  const { value: repeat, pos } = parseAbsolute(as, '.fill repeat count');
  let size = 1;
  let value: Const = 0;
  if (as.lex.kind === TK.COMMA) {
    as.lex.next();
    const s = parseSmallInt(as, '.fill size');
    size = s.value;
    if (size < 0) as.fail(s.pos, '.fill size must not be negative');
    if (size > 8) size = 8;
    if (as.lex.kind === TK.COMMA) {
      as.lex.next();
      value = parseAbsolute(as, '.fill value').value;
    }
  }
  if (V.compare(repeat, 0) <= 0 || size === 0) return;
  if (typeof repeat !== 'number') return as.fail(pos, '.fill repeat count is too large');
  const sec = as.cur;
  // GNU semantics: the pattern is at most 4 bytes, in the target byte order, zero-padded to the size.
  const pattern = V.toInt32(value) >>> 0;
  const patternSize = Math.min(size, 4);
  if (sec.type === 'nobits') {
    if (pattern !== 0) as.fail(pos, `section '${shown(sec.name)}' is nobits and cannot hold non-zero data`);
    sec.ensure(repeat * size);
    sec.len += repeat * size;
    return;
  }
  sec.ensure(repeat * size);
  for (let i = 0; i < repeat; i++) {
    for (let b = 0; b < patternSize; b++) {
      const shift = as.le ? b : patternSize - 1 - b;
      sec.buf[sec.len + b] = (pattern >>> (shift * 8)) & 0xff;
    }
    sec.len += size;
  }
}

function lebDirective(signed: boolean): Handler {
  return (as, name) => {
    for (;;) {
      const { value, pos } = parseAbsolute(as, `${name} value`);
      let v = V.toBig(value);
      if (!signed) v = BigInt.asUintN(64, v);
      const bytes: number[] = [];
      for (;;) {
        const byte = Number(v & 0x7fn);
        v >>= 7n;
        const done = signed ? (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0) : v === 0n;
        bytes.push(done ? byte : byte | 0x80);
        if (done) break;
      }
      emitBytes(as, bytes, pos);
      if (atEnd(as)) return;
      expectComma(as, `between ${name} values`);
    }
  };
}

// ---- alignment --------------------------------------------------------------

function alignDirective(kind: 'p2' | 'bytes'): Handler {
  return (as, name) => {
    const lex = as.lex;
    const { value: v, pos } = parseSmallInt(as, `${name} alignment`);
    let align: number;
    if (kind === 'p2') {
      if (v < 0 || v >= 32) as.fail(pos, 'invalid alignment value');
      align = 2 ** v;
    } else {
      if (v < 0 || (v !== 0 && (v & (v - 1)) !== 0) || v > 2 ** 32) as.fail(pos, 'alignment must be a power of 2');
      align = v === 0 ? 1 : v;
    }
    let fill: number | null = null;
    let max = 0;
    if (lex.kind === TK.COMMA) {
      lex.next();
      if (lex.kind !== TK.COMMA && !atEnd(as)) fill = V.toInt32(parseAbsolute(as, `${name} fill value`).value) & 0xff;
      if (lex.kind === TK.COMMA) {
        lex.next();
        max = parseSmallInt(as, `${name} maximum`).value;
      }
    }
    if (align > MAX_ALIGNMENT) as.fail(pos, `alignment ${align} is over the limit of ${MAX_ALIGNMENT} (a page)`);
    const sec = as.cur;
    if (align > sec.align) sec.align = align;
    const pad = (align - (sec.len % align)) % align;
    if (pad === 0 || (max > 0 && pad > max)) return;
    if (sec.exec && fill === null && sec.type !== 'nobits') {
      // Code alignment pads with the 8-byte BPF "nop" llvm-mc writes (0x15000000 as a u64).
      if (pad % 8 !== 0) as.fail(pos, `unable to pad ${pad} bytes with 8-byte nop instructions`);
      sec.ensure(pad);
      for (let p = 0; p < pad; p += 8) sec.view.setBigUint64(sec.len + p, 0x15000000n, as.le);
      sec.len += pad;
      return;
    }
    sec.fill(pad, fill ?? 0);
  };
}

// ---- symbols ----------------------------------------------------------------

function symbolList(as: Assembler, name: string, apply: (s: Sym) => void): void {
  for (;;) {
    const { name: sym, pos } = parseSymbolName(as, name);
    const s = as.symbols.get(sym);
    if (s.constValue !== null) as.fail(pos, `'${shown(sym)}' is an absolute (.set) symbol`);
    as.symbols.register(s);
    apply(s);
    if (atEnd(as)) return;
    expectComma(as, `between ${name} symbols`);
  }
}

function typeDirective(as: Assembler): void {
  const lex = as.lex;
  const { name } = parseSymbolName(as, '.type');
  if (lex.kind === TK.COMMA) lex.next();
  const tpos = lex.start;
  let t: string;
  if (lex.kind === TK.AT || lex.kind === TK.PERCENT) {
    lex.next();
    if (lex.kind !== TK.IDENT) as.fail(lex.start, 'expected a symbol type');
    t = lex.text();
  } else if (lex.kind === TK.STRING) {
    t = lex.src.slice(lex.start + 1, lex.end - 1);
  } else if (lex.kind === TK.IDENT) {
    t = lex.text();
  } else {
    return as.fail(tpos, "expected STT_<TYPE>, '@<type>', '%<type>' or \"<type>\"");
  }
  lex.next();
  let type: 'func' | 'object' | 'notype';
  switch (t) {
    case 'function': case 'STT_FUNC': type = 'func'; break;
    case 'object': case 'STT_OBJECT': type = 'object'; break;
    case 'notype': case 'STT_NOTYPE': type = 'notype'; break;
    default: return as.fail(tpos, `unsupported symbol type '${shown(t)}'`);
  }
  const s = as.symbols.get(name);
  as.symbols.register(s);
  s.type = type;
}

function sizeDirective(as: Assembler): void {
  const { name } = parseSymbolName(as, '.size');
  expectComma(as, 'after the symbol name of .size');
  const { value, pos } = parseExpr(as);
  const s = as.symbols.get(name);
  s.size = value;
  s.sizePos = pos;
}

function setDirective(as: Assembler, name: string): void {
  const { name: sym, pos } = parseSymbolName(as, name);
  expectComma(as, `after the symbol name of ${name}`);
  const { value } = parseAbsolute(as, `${name} value`);
  const s = as.symbols.get(sym);
  if (s.defined) as.fail(pos, `symbol '${shown(sym)}' is already defined`);
  if (name === '.equiv' && s.constValue !== null) as.fail(pos, `symbol '${shown(sym)}' is already defined`);
  s.constValue = value;
}

/** `.comm sym, size[, align]` (local symbols only) and `.lcomm sym, size`: zeroed space in .bss. */
function commonDirective(as: Assembler, name: string, pos: number): void {
  const lex = as.lex;
  const { name: symName, pos: symPos } = parseSymbolName(as, name);
  expectComma(as, `after the symbol name of ${name}`);
  const { value: size, pos: sizePos } = parseSmallInt(as, `${name} size`);
  if (size < 0) as.fail(sizePos, `${shown(name)} size must not be negative`);
  let align = 1;
  if (lex.kind === TK.COMMA) {
    lex.next();
    const a = parseSmallInt(as, `${name} alignment`);
    if (name === '.lcomm') as.fail(a.pos, 'alignment not supported on this target');
    align = a.value;
    if (align < 0 || (align !== 0 && (align & (align - 1)) !== 0)) as.fail(a.pos, 'alignment must be a power of 2');
    if (align === 0) align = 1;
    if (align > MAX_ALIGNMENT) as.fail(a.pos, `alignment ${align} is over the limit of ${MAX_ALIGNMENT} (a page)`);
  }
  const s = as.symbols.get(symName);
  as.symbols.register(s);
  if (name === '.lcomm') s.binding = 'local';
  if (s.binding !== 'local') {
    as.fail(pos, `common symbol '${shown(symName)}' is not supported (the object model has no SHN_COMMON); declare it .local or put it in .bss`);
  }
  if (s.defined) as.fail(symPos, `symbol '${shown(symName)}' is already defined`);
  const saved = as.cur;
  const bss = as.lookupSection('.bss') ?? as.section('.bss', { type: 'nobits', alloc: true, write: true, exec: false, merge: false });
  if (align > bss.align) bss.align = align;
  bss.fill((align - (bss.len % align)) % align, 0);
  as.cur = bss;
  as.defineLabel(s, symPos);
  as.cur = saved;
  bss.fill(size, 0);
  s.type = 'object';
  s.size = size;
}

function fileDirective(as: Assembler): void {
  const lex = as.lex;
  if (lex.kind === TK.STRING) {
    as.fileSymbols.push(lex.src.slice(lex.start + 1, lex.end - 1));
    lex.next();
    return;
  }
  // `.file N "dir" "name" [md5 ...]`: a DWARF file entry, not a symbol.
  lex.skipStatement();
}

function ignore(as: Assembler): void {
  as.lex.skipStatement();
}

// ---- tables -----------------------------------------------------------------

/** ELF directives (case-sensitive in llvm-mc). */
const ELF_DIRECTIVES = new Map<string, Handler>([
  ['.text', simpleSection('.text')],
  ['.data', simpleSection('.data')],
  ['.bss', simpleSection('.bss')],
  ['.rodata', simpleSection('.rodata')],
  ['.section', (as) => as.switchTo(parseSectionDirective(as))],
  ['.pushsection', (as) => {
    const saved = { cur: as.cur, prev: as.prev };
    const s = parseSectionDirective(as);
    as.sectionStack.push(saved);
    as.switchTo(s);
  }],
  ['.popsection', (as, _n, pos) => {
    const top = as.sectionStack.pop();
    if (top === undefined) return as.fail(pos, '.popsection without a matching .pushsection');
    as.cur = top.cur;
    as.prev = top.prev;
  }],
  ['.previous', (as, _n, pos) => {
    const p = as.prev;
    if (p === null) return as.fail(pos, '.previous without a previous section');
    as.prev = as.cur;
    as.cur = p;
  }],
  ['.type', typeDirective],
  ['.size', sizeDirective],
  ['.weak', (as, n) => symbolList(as, n, (s) => { s.binding = 'weak'; })],
  ['.local', (as, n) => symbolList(as, n, (s) => { s.binding = 'local'; })],
  ['.hidden', (as, n) => symbolList(as, n, () => {})],
  ['.internal', (as, n) => symbolList(as, n, () => {})],
  ['.protected', (as, n) => symbolList(as, n, () => {})],
  ['.ident', ignore],
]);

/** Generic directives (case-insensitive in llvm-mc). */
const GENERIC_DIRECTIVES = new Map<string, Handler>([
  ['.byte', dataDirective(1)],
  ['.short', dataDirective(2)],
  ['.value', dataDirective(2)],
  ['.2byte', dataDirective(2)],
  ['.long', dataDirective(4)],
  ['.int', dataDirective(4)],
  ['.4byte', dataDirective(4)],
  ['.quad', dataDirective(8)],
  ['.8byte', dataDirective(8)],
  ['.ascii', asciiDirective(false)],
  ['.asciz', asciiDirective(true)],
  ['.string', asciiDirective(true)],
  ['.zero', zeroDirective],
  ['.space', zeroDirective],
  ['.skip', zeroDirective],
  ['.fill', fillDirective],
  ['.uleb128', lebDirective(false)],
  ['.sleb128', lebDirective(true)],
  ['.p2align', alignDirective('p2')],
  ['.align', alignDirective('bytes')],
  ['.balign', alignDirective('bytes')],
  ['.globl', (as, n) => symbolList(as, n, (s) => { s.binding = 'global'; })],
  ['.global', (as, n) => symbolList(as, n, (s) => { s.binding = 'global'; })],
  ['.extern', ignore],
  ['.set', setDirective],
  ['.equ', setDirective],
  ['.equiv', setDirective],
  ['.comm', commonDirective],
  ['.common', commonDirective],
  ['.lcomm', commonDirective],
  ['.file', fileDirective],
  ['.loc', ignore],
  ['.addrsig', ignore],
  ['.addrsig_sym', ignore],
]);

export function runDirective(as: Assembler, name: string, pos: number): void {
  as.lex.next();
  let h = ELF_DIRECTIVES.get(name);
  if (h === undefined) {
    const lower = name.toLowerCase();
    h = GENERIC_DIRECTIVES.get(lower);
    if (h === undefined && lower.startsWith('.cfi_')) h = ignore;
    if (h === undefined) return as.fail(pos, `unknown directive '${shown(name)}'`);
    name = lower;
  }
  h(as, name, pos);
}

