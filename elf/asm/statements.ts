// The instruction forms of llvm-mc 19's BPF assembler (-mcpu=v4) as operand
// patterns (see patterns.ts), each with the builder of its typed instruction.
//
// Immediate classes (the letter after `#`) say how an operand is checked and
// what a symbol in it means, as llvm-mc does:
//   i  imm32 (ALU, compare, store, skb[] ...): constants are silently
//      truncated to 32 bits; a symbol becomes a 16-bit pc-relative fixup of
//      the `off` field (LLVM's FK_PCRel_2 — meaningful only for jumps, but
//      that is what llvm-mc does)
//   l  imm64 of `rN = X ll`: 64-bit constant, or a symbol → R_BPF_64_64
//   o  memory offset: a constant in [-32768, 32767]
//   b  branch target: a constant in [-32768, 32767] or a bare label
//   g  `gotol` target: as b, but a label fills the 32-bit imm
//   c  call target: a constant (helper id, truncated to 32 bits) or a symbol (+ constant)
//   p  ld_pseudo source: low 4 bits → src_reg, bits 32..63 → next imm (llvm-mc's encoding)
//   a  address space of addr_space_cast: low 16 bits

import { type AluOp, type Instruction, type JumpOp, LD_IMM64_OPCODE, type RawSlot, type Register, type Size } from '../../isa/index.js';
import { type PatternAutomaton, compilePatterns } from './patterns.js';
import { type Const, toBig, toInt32 } from './values.js';

/** An encoding the instruction model cannot hold (ld_pseudo with src_reg 7..15). */
export interface RawInstruction {
  readonly kind: 'raw';
  readonly slots: readonly RawSlot[];
}

export type Encodable = Instruction | RawInstruction;

export interface FormOperands {
  /** Register numbers in order of appearance (0..11). */
  readonly regs: number[];
  /** Immediates in order of appearance, converted by class (symbols read as 0). */
  readonly imms: Const[];
  /** Reports an error at register operand `i`. */
  failReg(i: number, message: string): never;
  /** Register operand `b` must be the same register as operand `a` (tied operands). */
  tie(a: number, b: number): void;
}

export type Build = (o: FormOperands) => Encodable;

const r = (n: number): Register => n as Register;
const i32 = (v: Const): number => toInt32(v);

function tied(o: FormOperands, a: number, b: number): void {
  o.tie(a, b);
}

const ALU_OPS: readonly (readonly [string, AluOp])[] = [
  ['+ =', 'add'], ['- =', 'sub'], ['* =', 'mul'], ['/ =', 'div'], ['s / =', 'sdiv'], ['| =', 'or'], ['& =', 'and'],
  ['< < =', 'lsh'], ['> > =', 'rsh'], ['% =', 'mod'], ['s % =', 'smod'], ['^ =', 'xor'], ['s > > =', 'arsh'],
];

const JUMP_OPS: readonly (readonly [string, JumpOp])[] = [
  ['= =', 'jeq'], ['! =', 'jne'], ['>', 'jgt'], ['> =', 'jge'], ['<', 'jlt'], ['< =', 'jle'],
  ['s >', 'jsgt'], ['s > =', 'jsge'], ['s <', 'jslt'], ['s < =', 'jsle'], ['&', 'jset'],
];

const U_SIZES: readonly (readonly [string, Size])[] = [['u8', 1], ['u16', 2], ['u32', 4], ['u64', 8]];

function forms(): [string, Build][] {
  const f: [string, Build][] = [];
  const add = (pattern: string, build: Build): void => { f.push([pattern, build]); };

  // ALU64 / ALU32
  for (const [tok, op] of ALU_OPS) {
    add(`R ${tok} R`, (o) => ({ kind: 'alu', width: 64, op, dst: r(o.regs[0]!), src: { kind: 'reg', reg: r(o.regs[1]!) } }));
    add(`R ${tok} #i`, (o) => ({ kind: 'alu', width: 64, op, dst: r(o.regs[0]!), src: { kind: 'imm', value: i32(o.imms[0]!) } }));
    add(`W ${tok} W`, (o) => ({ kind: 'alu', width: 32, op, dst: r(o.regs[0]!), src: { kind: 'reg', reg: r(o.regs[1]!) } }));
    add(`W ${tok} #i`, (o) => ({ kind: 'alu', width: 32, op, dst: r(o.regs[0]!), src: { kind: 'imm', value: i32(o.imms[0]!) } }));
  }
  add('R = R', (o) => ({ kind: 'alu', width: 64, op: 'mov', dst: r(o.regs[0]!), src: { kind: 'reg', reg: r(o.regs[1]!) } }));
  add('R = #i', (o) => ({ kind: 'alu', width: 64, op: 'mov', dst: r(o.regs[0]!), src: { kind: 'imm', value: i32(o.imms[0]!) } }));
  add('W = W', (o) => ({ kind: 'alu', width: 32, op: 'mov', dst: r(o.regs[0]!), src: { kind: 'reg', reg: r(o.regs[1]!) } }));
  add('W = #i', (o) => ({ kind: 'alu', width: 32, op: 'mov', dst: r(o.regs[0]!), src: { kind: 'imm', value: i32(o.imms[0]!) } }));
  add('R = - R', (o) => { tied(o, 0, 1); return { kind: 'neg', width: 64, dst: r(o.regs[0]!) }; });
  add('W = - W', (o) => { tied(o, 0, 1); return { kind: 'neg', width: 32, dst: r(o.regs[0]!) }; });
  for (const bits of [8, 16, 32] as const) {
    add(`R = ( s${bits} ) R`, (o) => ({ kind: 'movsx', width: 64, bits, dst: r(o.regs[0]!), src: r(o.regs[1]!) }));
    if (bits !== 32) add(`W = ( s${bits} ) W`, (o) => ({ kind: 'movsx', width: 32, bits, dst: r(o.regs[0]!), src: r(o.regs[1]!) }));
  }
  add('R = addr_space_cast ( R #a #a )', (o) => ({
    kind: 'addrSpaceCast', dst: r(o.regs[0]!), src: r(o.regs[1]!),
    dstAddrSpace: i32(o.imms[0]!) & 0xffff, srcAddrSpace: i32(o.imms[1]!) & 0xffff,
  }));
  for (const [name, order] of [['le', 'le'], ['be', 'be'], ['bswap', 'swap']] as const) {
    for (const bits of [16, 32, 64] as const) {
      add(`R = ${name}${bits} R`, (o) => { tied(o, 0, 1); return { kind: 'endian', order, bits, dst: r(o.regs[0]!) }; });
    }
  }

  // 64-bit immediate loads
  add('R = #l ll', (o) => {
    const v = toBig(o.imms[0]!);
    return { kind: 'ldImm64', dst: r(o.regs[0]!), pseudo: 0, imm: toInt32(v), nextImm: toInt32(v >> 32n) };
  });
  add('ld_pseudo R #p #i', (o) => {
    const p = toBig(o.imms[0]!);
    const src = Number(p & 0xfn);
    const imm = i32(o.imms[1]!);
    const nextImm = toInt32(p >> 32n);
    const dst = o.regs[0]!;
    if (src <= 6) return { kind: 'ldImm64', dst: r(dst), pseudo: src as 0 | 1 | 2 | 3 | 4 | 5 | 6, imm, nextImm };
    return {
      kind: 'raw',
      slots: [{ opcode: LD_IMM64_OPCODE, dst, src, offset: 0, imm }, { opcode: 0, dst: 0, src: 0, offset: 0, imm: nextImm }],
    };
  });

  // Jumps
  add('goto #b', (o) => ({ kind: 'ja', offset: i32(o.imms[0]!) }));
  add('gotol #g', (o) => ({ kind: 'gotol', imm: i32(o.imms[0]!) }));
  add('may_goto #b', (o) => ({ kind: 'mayGoto', offset: i32(o.imms[0]!) }));
  for (const [tok, op] of JUMP_OPS) {
    add(`if R ${tok} R goto #b`, (o) => ({ kind: 'jump', width: 64, op, dst: r(o.regs[0]!), src: { kind: 'reg', reg: r(o.regs[1]!) }, offset: i32(o.imms[0]!) }));
    add(`if R ${tok} #i goto #b`, (o) => ({ kind: 'jump', width: 64, op, dst: r(o.regs[0]!), src: { kind: 'imm', value: i32(o.imms[0]!) }, offset: i32(o.imms[1]!) }));
    add(`if W ${tok} W goto #b`, (o) => ({ kind: 'jump', width: 32, op, dst: r(o.regs[0]!), src: { kind: 'reg', reg: r(o.regs[1]!) }, offset: i32(o.imms[0]!) }));
    add(`if W ${tok} #i goto #b`, (o) => ({ kind: 'jump', width: 32, op, dst: r(o.regs[0]!), src: { kind: 'imm', value: i32(o.imms[0]!) }, offset: i32(o.imms[1]!) }));
  }
  add('call #c', (o) => ({ kind: 'call', callee: 'helper', imm: i32(o.imms[0]!), offset: 0 }));
  add('callx R', (o) => ({ kind: 'callx', dst: r(o.regs[0]!) }));
  add('exit', () => ({ kind: 'exit' }));

  // Loads and stores
  for (const [u, size] of U_SIZES) {
    add(`R = * ( ${u} * ) ( R #o )`, (o) => ({ kind: 'ldx', size, signed: false, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
    add(`* ( ${u} * ) ( R #o ) = #i`, (o) => ({ kind: 'st', size, dst: r(o.regs[0]!), offset: i32(o.imms[0]!), imm: i32(o.imms[1]!) }));
    add(`* ( ${u} * ) ( R #o ) = R`, (o) => ({ kind: 'stx', size, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
    if (size !== 8) {
      add(`W = * ( ${u} * ) ( R #o )`, (o) => ({ kind: 'ldx', size, signed: false, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
      add(`R = * ( s${size * 8} * ) ( R #o )`, (o) => ({ kind: 'ldx', size, signed: true, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
      add(`* ( ${u} * ) ( R #o ) = W`, (o) => ({ kind: 'stx', size, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
      add(`R0 = * ( ${u} * ) skb [ #i ]`, (o) => ({ kind: 'ldAbs', size: size as 1 | 2 | 4, imm: i32(o.imms[0]!) }));
      add(`R0 = * ( ${u} * ) skb [ R ]`, (o) => ({ kind: 'ldInd', size: size as 1 | 2 | 4, src: r(o.regs[1]!), imm: 0 }));
    }
  }

  // Atomics
  for (const [tok, op] of [['+', 'add'], ['|', 'or'], ['&', 'and'], ['^', 'xor']] as const) {
    add(`lock * ( u32 * ) ( R #o ) ${tok} = W`, (o) => ({ kind: 'atomic', size: 4, op, fetch: false, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
    add(`lock * ( u64 * ) ( R #o ) ${tok} = R`, (o) => ({ kind: 'atomic', size: 8, op, fetch: false, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
    add(`W = atomic_fetch_${op} ( ( u32 * ) ( R #o ) W )`, (o) => {
      tied(o, 0, 2);
      return { kind: 'atomic', size: 4, op, fetch: true, dst: r(o.regs[1]!), src: r(o.regs[2]!), offset: i32(o.imms[0]!) };
    });
    add(`R = atomic_fetch_${op} ( ( u64 * ) ( R #o ) R )`, (o) => {
      tied(o, 0, 2);
      return { kind: 'atomic', size: 8, op, fetch: true, dst: r(o.regs[1]!), src: r(o.regs[2]!), offset: i32(o.imms[0]!) };
    });
  }
  // The pre-alu32 spelling of the 32-bit atomic add takes an r register.
  add('lock * ( u32 * ) ( R #o ) + = R', (o) => ({ kind: 'atomic', size: 4, op: 'add', fetch: false, dst: r(o.regs[0]!), src: r(o.regs[1]!), offset: i32(o.imms[0]!) }));
  add('R = xchg_64 ( R #o R )', (o) => {
    tied(o, 0, 2);
    return { kind: 'atomic', size: 8, op: 'xchg', fetch: true, dst: r(o.regs[1]!), src: r(o.regs[2]!), offset: i32(o.imms[0]!) };
  });
  add('W = xchg32_32 ( R #o W )', (o) => {
    tied(o, 0, 2);
    return { kind: 'atomic', size: 4, op: 'xchg', fetch: true, dst: r(o.regs[1]!), src: r(o.regs[2]!), offset: i32(o.imms[0]!) };
  });
  add('R0 = cmpxchg_64 ( R #o R0 R )', (o) => ({ kind: 'atomic', size: 8, op: 'cmpxchg', fetch: true, dst: r(o.regs[1]!), src: r(o.regs[3]!), offset: i32(o.imms[0]!) }));
  add('W0 = cmpxchg32_32 ( R #o W0 W )', (o) => ({ kind: 'atomic', size: 4, op: 'cmpxchg', fetch: true, dst: r(o.regs[1]!), src: r(o.regs[3]!), offset: i32(o.imms[0]!) }));
  return f;
}

let automaton: PatternAutomaton<Build> | null = null;

/**
 * The forms compiled into their automaton, built on first use: only the
 * assembler needs it, and the CLI should not pay for it at start-up.
 */
export function formAutomaton(): PatternAutomaton<Build> {
  return automaton ??= compilePatterns(forms());
}
