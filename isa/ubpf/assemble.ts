// Assembler of the bpf_conformance / uBPF `%rN` syntax (the syntax of the
// conformance suite's `-- asm` sections) into the typed instruction model.
//
// One instruction or one `label:` per line; `#` starts a comment. Mnemonics
// without a suffix are 64-bit, `…32` are ALU/JMP32/32-bit atomics. Jump and
// local-call targets are labels or signed slot offsets (`+N`, `-N`); the first
// `exit` instruction is also the implicit label `exit` unless a label of that
// name is defined. Immediates are decimal (signed range) or hex (bit pattern:
// up to 0xffffffff for 32-bit fields, 0xffffffffffffffff for lddw); memory and
// jump offsets are signed 16-bit (`[%r10-8]`, `+0x10`).
//
// Beyond what the conformance files use, the assembler also accepts the `64`
// suffix on ALU ops, neg and lock ops, `swap16/32/64` as an alias of `bswap…`,
// `lock fetch xchg/cmpxchg` (fetch is implied), and the legacy packet loads
// `ldabs{b,h,w} imm` / `ldind{b,h,w} %rS, imm` (rbpf's spelling).

import { shown } from '../quote-source.js';
import { AsmError } from '../errors.js';
import type { AluOp, Instruction, JumpOp, Operand, Register, Size, Width } from '../instruction.js';
import { splitImm64 } from '../instruction.js';
import { ALU_OPS, JUMP_OPS, LOCK_OPS, type LockOp, SUFFIX_SIZE } from './mnemonics.js';

export interface UbpfAssembleOptions {
  /**
   * File line of the source's first line (default 1), so that errors point
   * into the enclosing file when the source is a section of it (`.data` files).
   */
  firstLine?: number;
}

/** A piece of a line with its 1-based column. */
interface Tok {
  readonly text: string;
  readonly col: number;
}

/** A label reference to resolve once every label is known. */
interface Fixup {
  readonly name: string;
  readonly line: number;
  readonly col: number;
  readonly bits: 16 | 32;
  readonly make: (offset: number) => Instruction;
}

interface Pending {
  /** Slot index of the instruction. */
  readonly pc: number;
  readonly insn: Instruction | Fixup;
}

type Target = { readonly offset: number } | { readonly label: Tok };

const aluRe = new RegExp(`^(${ALU_OPS.join('|')})(32|64)?$`);
const jumpRe = new RegExp(`^(${JUMP_OPS.join('|')})(32)?$`);
const lockRe = new RegExp(`^(${LOCK_OPS.join('|')})(32|64)?$`);
const LABEL_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const INT_RE = /^([+-]?)(0[xX][0-9a-fA-F]+|[0-9]+)$/;

const stripComment = (line: string): string => {
  const hash = line.indexOf('#');
  return hash < 0 ? line : line.slice(0, hash);
};

/** Splits `text` (starting at 0-based index `start` of the line) at commas. */
function splitOperands(line: string, start: number): Tok[] {
  const rest = line.slice(start);
  if (rest.trim() === '') return [];
  const out: Tok[] = [];
  let pos = 0;
  for (const piece of rest.split(',')) {
    const lead = piece.length - piece.trimStart().length;
    out.push({ text: piece.trim(), col: start + pos + lead + 1 });
    pos += piece.length + 1;
  }
  return out;
}

/** The next whitespace-delimited word at or after index `from`, or undefined. */
function nextWord(line: string, from: number): { tok: Tok; end: number } | undefined {
  const re = /\S+/g;
  re.lastIndex = from;
  const m = re.exec(line);
  if (m === null) return undefined;
  return { tok: { text: m[0], col: m.index + 1 }, end: m.index + m[0].length };
}

function parseInt64(text: string): { value: bigint; hex: boolean } | undefined {
  const m = INT_RE.exec(text);
  if (m === null) return undefined;
  const mag = BigInt(m[2]!.toLowerCase());
  return { value: m[1] === '-' ? -mag : mag, hex: /^0x/i.test(m[2]!) };
}

class LineAssembler {
  constructor(readonly file: string, readonly line: number, readonly mn: Tok, readonly ops: readonly Tok[]) {}

  fail(reason: string, col: number): never {
    throw new AsmError(reason, this.file, this.line, col);
  }

  count(n: number, what = `mnemonic: ${shown(this.mn.text)}`): void {
    if (this.ops.length !== n) this.fail(`Invalid number of operands for ${what}`, this.mn.col);
    for (const op of this.ops) if (op.text === '') this.fail('Empty operand', op.col);
  }

  op(i: number): Tok {
    return this.ops[i]!;
  }

  reg(tok: Tok): Register {
    const m = /^%r(0|[1-9][0-9]?)$/.exec(tok.text);
    const n = m === null ? NaN : Number(m[1]);
    if (!(n >= 0 && n <= 10)) this.fail(`Invalid register: ${shown(tok.text)}`, tok.col);
    return n as Register;
  }

  imm32(tok: Tok): number {
    const v = parseInt64(tok.text);
    if (v === undefined) this.fail(`Invalid immediate: ${shown(tok.text)}`, tok.col);
    const max = v.hex ? 0xffffffffn : 0x7fffffffn;
    if (v.value > max || v.value < -0x80000000n) this.fail(`Immediate out of 32-bit range: ${shown(tok.text)}`, tok.col);
    return Number(BigInt.asIntN(32, v.value));
  }

  imm64(tok: Tok): { imm: number; nextImm: number } {
    const v = parseInt64(tok.text);
    if (v === undefined) this.fail(`Invalid immediate: ${shown(tok.text)}`, tok.col);
    const max = v.hex ? (1n << 64n) - 1n : (1n << 63n) - 1n;
    if (v.value > max || v.value < -(1n << 63n)) this.fail(`Immediate out of 64-bit range: ${shown(tok.text)}`, tok.col);
    return splitImm64(v.value);
  }

  operand(tok: Tok): Operand {
    return tok.text.startsWith('%') ? { kind: 'reg', reg: this.reg(tok) } : { kind: 'imm', value: this.imm32(tok) };
  }

  /** `[%rN]`, `[%rN+off]` or `[%rN-off]`. */
  mem(tok: Tok): { reg: Register; offset: number } {
    const m = /^\[(\s*)([^\s+\-\]]+)\s*(?:([+-])\s*([^\s\]]+)\s*)?\]$/.exec(tok.text);
    if (m === null) this.fail(`Failed to decode register and offset: ${shown(tok.text)}`, tok.col);
    const reg = this.reg({ text: m[2]!, col: tok.col + 1 + m[1]!.length });
    if (m[3] === undefined) return { reg, offset: 0 };
    const text = `${m[3]}${m[4]!}`;
    const col = tok.col + tok.text.indexOf(m[3], 1 + m[1]!.length + m[2]!.length);
    return { reg, offset: this.offset16({ text, col }) };
  }

  offset16(tok: Tok): number {
    const v = parseInt64(tok.text);
    if (v === undefined) this.fail(`Invalid offset: ${shown(tok.text)}`, tok.col);
    if (v.value > 0x7fffn || v.value < -0x8000n) this.fail(`Offset out of 16-bit range: ${shown(tok.text)}`, tok.col);
    return Number(v.value);
  }

  /** A jump or local-call target: a label or a signed slot offset `+N` / `-N`. */
  target(tok: Tok, bits: 16 | 32): Target {
    if (/^[+-]/.test(tok.text)) {
      if (bits === 16) return { offset: this.offset16(tok) };
      const v = parseInt64(tok.text);
      if (v === undefined) this.fail(`Invalid offset: ${shown(tok.text)}`, tok.col);
      if (v.value > 0x7fffffffn || v.value < -0x80000000n) this.fail(`Offset out of 32-bit range: ${shown(tok.text)}`, tok.col);
      return { offset: Number(v.value) };
    }
    if (!LABEL_RE.test(tok.text)) this.fail(`Invalid label: ${shown(tok.text)}`, tok.col);
    return { label: tok };
  }

  /** An instruction whose target may still be a label. */
  withTarget(target: Target, bits: 16 | 32, make: (offset: number) => Instruction): Instruction | Fixup {
    if ('offset' in target) return make(target.offset);
    return { name: target.label.text, line: this.line, col: target.label.col, bits, make };
  }
}

/** Assembles one instruction line (not a label, not blank). */
function assembleLine(file: string, line: number, body: string): Instruction | Fixup {
  const first = nextWord(body, 0)!;
  const mn = first.tok;
  const m = mn.text;

  if (m === 'lock') return assembleLock(file, line, body, mn, first.end);
  if (m === 'call') return assembleCall(file, line, body, mn, first.end);

  const a = new LineAssembler(file, line, mn, splitOperands(body, first.end));
  let r: RegExpExecArray | null;

  if ((r = aluRe.exec(m)) !== null) {
    a.count(2);
    const width: Width = r[2] === '32' ? 32 : 64;
    return { kind: 'alu', width, op: r[1] as AluOp, dst: a.reg(a.op(0)), src: a.operand(a.op(1)) };
  }
  if ((r = /^neg(32|64)?$/.exec(m)) !== null) {
    a.count(1);
    return { kind: 'neg', width: r[1] === '32' ? 32 : 64, dst: a.reg(a.op(0)) };
  }
  if ((r = /^movsx(8|16|32)(32|64)$/.exec(m)) !== null && !(r[1] === '32' && r[2] === '32')) {
    a.count(2);
    return {
      kind: 'movsx', width: r[2] === '32' ? 32 : 64, bits: Number(r[1]) as 8 | 16 | 32,
      dst: a.reg(a.op(0)), src: a.reg(a.op(1)),
    };
  }
  if ((r = /^(le|be|bswap|swap)(16|32|64)$/.exec(m)) !== null) {
    a.count(1);
    const order = r[1] === 'le' ? 'le' : r[1] === 'be' ? 'be' : 'swap';
    return { kind: 'endian', order, bits: Number(r[2]) as 16 | 32 | 64, dst: a.reg(a.op(0)) };
  }
  if ((r = /^ldx(s?)(b|h|w|dw)$/.exec(m)) !== null && !(r[1] === 's' && r[2] === 'dw')) {
    a.count(2);
    const dst = a.reg(a.op(0));
    const { reg: src, offset } = a.mem(a.op(1));
    return { kind: 'ldx', size: SUFFIX_SIZE.get(r[2]!)!, signed: r[1] === 's', dst, src, offset };
  }
  if ((r = /^st(b|h|w|dw)$/.exec(m)) !== null) {
    a.count(2);
    const { reg: dst, offset } = a.mem(a.op(0));
    return { kind: 'st', size: SUFFIX_SIZE.get(r[1]!)!, dst, offset, imm: a.imm32(a.op(1)) };
  }
  if ((r = /^stx(b|h|w|dw)$/.exec(m)) !== null) {
    a.count(2);
    const { reg: dst, offset } = a.mem(a.op(0));
    return { kind: 'stx', size: SUFFIX_SIZE.get(r[1]!)!, dst, src: a.reg(a.op(1)), offset };
  }
  if (m === 'lddw') {
    a.count(2);
    const dst = a.reg(a.op(0));
    return { kind: 'ldImm64', dst, pseudo: 0, ...a.imm64(a.op(1)) };
  }
  if ((r = /^ld(abs|ind)(b|h|w)$/.exec(m)) !== null) {
    const size = SUFFIX_SIZE.get(r[2]!)! as 1 | 2 | 4;
    if (r[1] === 'abs') {
      a.count(1);
      return { kind: 'ldAbs', size, imm: a.imm32(a.op(0)) };
    }
    a.count(2);
    return { kind: 'ldInd', size, src: a.reg(a.op(0)), imm: a.imm32(a.op(1)) };
  }
  if (m === 'ja') {
    a.count(1);
    return a.withTarget(a.target(a.op(0), 16), 16, (offset) => ({ kind: 'ja', offset }));
  }
  if (m === 'ja32') {
    a.count(1);
    return a.withTarget(a.target(a.op(0), 32), 32, (imm) => ({ kind: 'gotol', imm }));
  }
  if ((r = jumpRe.exec(m)) !== null) {
    a.count(3);
    const width: Width = r[2] === '32' ? 32 : 64;
    const op = r[1] as JumpOp;
    const dst = a.reg(a.op(0));
    const src = a.operand(a.op(1));
    return a.withTarget(a.target(a.op(2), 16), 16, (offset) => ({ kind: 'jump', width, op, dst, src, offset }));
  }
  if (m === 'exit') {
    a.count(0);
    return { kind: 'exit' };
  }
  return a.fail(`Invalid mnemonic: ${shown(m)}`, mn.col);
}

/** `lock [fetch] {add,or,and,xor}[32] [%rD+off], %rS`, `lock xchg[32] …`, `lock cmpxchg[32] …`. */
function assembleLock(file: string, line: number, body: string, mn: Tok, end: number): Instruction {
  const invalidCount = (): never => {
    throw new AsmError('Invalid number of operands for lock', file, line, mn.col);
  };
  let word = nextWord(body, end) ?? invalidCount();
  let fetch = false;
  if (word.tok.text === 'fetch') {
    fetch = true;
    word = nextWord(body, word.end) ?? invalidCount();
  }
  const r = lockRe.exec(word.tok.text);
  if (r === null) throw new AsmError(`Invalid atomic operation: ${shown(word.tok.text)}`, file, line, word.tok.col);
  const a = new LineAssembler(file, line, mn, splitOperands(body, word.end));
  a.count(2, 'lock');
  const op = r[1] as LockOp;
  const size: Size = r[2] === '32' ? 4 : 8;
  const { reg: dst, offset } = a.mem(a.op(0));
  const src = a.reg(a.op(1));
  // xchg and cmpxchg always return the old value; `fetch` is implied for them.
  return { kind: 'atomic', size, op, fetch: fetch || op === 'xchg' || op === 'cmpxchg', dst, src, offset };
}

/** `call N` (helper), `call local L|+N|-N` (src=1), `call runtime N` (src=2), `call %rN` (callx). */
function assembleCall(file: string, line: number, body: string, mn: Tok, end: number): Instruction | Fixup {
  const word = nextWord(body, end);
  const kind = word?.tok.text === 'local' || word?.tok.text === 'runtime' ? word.tok.text : undefined;
  const a = new LineAssembler(file, line, mn, splitOperands(body, kind === undefined ? end : word!.end));
  a.count(1);
  const tok = a.op(0);
  if (kind === 'local') {
    return a.withTarget(a.target(tok, 32), 32, (imm) => ({ kind: 'call', callee: 'local', imm, offset: 0 }));
  }
  if (kind === 'runtime') return { kind: 'call', callee: 'kfunc', imm: a.imm32(tok), offset: 0 };
  if (tok.text.startsWith('%')) return { kind: 'callx', dst: a.reg(tok) };
  return { kind: 'call', callee: 'helper', imm: a.imm32(tok), offset: 0 };
}

/**
 * Assembles a program in the bpf_conformance / uBPF syntax. Throws AsmError
 * (reason, file, 1-based line and column) on the first error; the reasons are
 * those the conformance suite's negative tests expect (`Invalid register: %r50`,
 * `Invalid label: L`, `Invalid mnemonic: ldxq`, …).
 */
export function assembleUbpf(source: string, file: string, options: UbpfAssembleOptions = {}): Instruction[] {
  const firstLine = options.firstLine ?? 1;
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  let pc = 0;
  let firstExit: number | undefined;

  source.split(/\r?\n/).forEach((raw, i) => {
    const line = firstLine + i;
    const body = stripComment(raw);
    const text = body.trim();
    if (text === '') return;
    if (text.endsWith(':')) {
      const name = text.slice(0, -1);
      const col = body.indexOf(text) + 1;
      if (!LABEL_RE.test(name)) throw new AsmError(`Invalid label: ${shown(name)}`, file, line, col);
      if (labels.has(name)) throw new AsmError(`Duplicate label: ${shown(name)}`, file, line, col);
      labels.set(name, pc);
      return;
    }
    const insn = assembleLine(file, line, body);
    if ('kind' in insn && insn.kind === 'exit' && firstExit === undefined) firstExit = pc;
    pending.push({ pc, insn });
    pc += 'kind' in insn && insn.kind === 'ldImm64' ? 2 : 1;
  });

  return pending.map(({ pc: at, insn }) => {
    if ('kind' in insn) return insn;
    const target = labels.get(insn.name) ?? (insn.name === 'exit' ? firstExit : undefined);
    if (target === undefined) throw new AsmError(`Invalid label: ${shown(insn.name)}`, file, insn.line, insn.col);
    const offset = target - (at + 1);
    const limit = insn.bits === 16 ? 0x8000 : 0x80000000;
    if (offset >= limit || offset < -limit) {
      throw new AsmError(`Jump to ${shown(insn.name)} out of ${insn.bits}-bit offset range: ${offset}`, file, insn.line, insn.col);
    }
    return insn.make(offset);
  });
}
