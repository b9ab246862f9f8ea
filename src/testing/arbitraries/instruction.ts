// Single instructions of any form the isa model has, by opcode class: each encodes, and decodes
// back to itself. For programs that also pass the verifier, see arbProgram.

import fc from 'fast-check';
import type { AluOp, Instruction, JumpOp, Register, Size } from '../../../isa/index.js';

export type InstructionClass = 'ld' | 'ldx' | 'st' | 'stx' | 'alu' | 'jmp' | 'jmp32' | 'alu64';
export const INSTRUCTION_CLASSES: readonly InstructionClass[] = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'];

const ALU_OPS: AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh'];
const JUMP_OPS: JumpOp[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];

const reg = fc.integer({ min: 0, max: 10 }) as fc.Arbitrary<Register>;
const int32 = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.constantFrom(0, 1, -1, 31, 32, 63, 64, -2147483648, 2147483647));
const int16 = fc.integer({ min: -32768, max: 32767 });
const size = fc.constantFrom<Size>(1, 2, 4, 8);
const operand = fc.oneof(int32.map((value) => ({ kind: 'imm' as const, value })), reg.map((r) => ({ kind: 'reg' as const, reg: r })));

function alu(width: 32 | 64): fc.Arbitrary<Instruction> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('alu' as const), width: fc.constant(width), op: fc.constantFrom(...ALU_OPS), dst: reg, src: operand }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('neg' as const), width: fc.constant(width), dst: reg }) },
    // le/be are ALU-class, the unconditional swap ALU64-class.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('endian' as const), order: width === 32 ? fc.constantFrom('le' as const, 'be' as const) : fc.constant('swap' as const), bits: fc.constantFrom(16 as const, 32 as const, 64 as const), dst: reg }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('movsx' as const), width: fc.constant(width), dst: reg, src: reg, bits: width === 32 ? fc.constantFrom(8 as const, 16 as const) : fc.constantFrom(8 as const, 16 as const, 32 as const) }) },
    ...(width === 64 ? [{ weight: 1, arbitrary: fc.record({ kind: fc.constant('addrSpaceCast' as const), dst: reg, src: reg, dstAddrSpace: fc.constantFrom(0, 1), srcAddrSpace: fc.constantFrom(0, 1) }) }] : []),
  );
}

function jump(width: 32 | 64): fc.Arbitrary<Instruction> {
  const cond = fc.record({ kind: fc.constant('jump' as const), width: fc.constant(width), op: fc.constantFrom(...JUMP_OPS), dst: reg, src: operand, offset: int16 });
  if (width === 32) return fc.oneof({ weight: 8, arbitrary: cond }, { weight: 1, arbitrary: fc.record({ kind: fc.constant('gotol' as const), imm: int32 }) });
  return fc.oneof(
    { weight: 8, arbitrary: cond },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ja' as const), offset: int16 }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('call' as const), callee: fc.constantFrom('helper' as const, 'local' as const), imm: int32, offset: fc.constant(0) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('call' as const), callee: fc.constant('kfunc' as const), imm: int32, offset: int16 }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('callx' as const), dst: reg }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'exit' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('mayGoto' as const), offset: int16 }) },
  );
}

const byClass: Record<InstructionClass, fc.Arbitrary<Instruction>> = {
  ld: fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('ldImm64' as const), dst: reg, pseudo: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const, 5 as const, 6 as const), imm: int32, nextImm: int32 }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ldAbs' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), imm: int32 }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ldInd' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), src: reg, imm: int32 }) },
  ),
  ldx: fc.record({ kind: fc.constant('ldx' as const), size, signed: fc.boolean(), dst: reg, src: reg, offset: int16 }).map((i) => (i.size === 8 ? { ...i, signed: false } : i)),
  st: fc.record({ kind: fc.constant('st' as const), size, dst: reg, offset: int16, imm: int32 }),
  stx: fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('stx' as const), size, dst: reg, src: reg, offset: int16 }) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(4 as const, 8 as const), fc.constantFrom('add' as const, 'or' as const, 'and' as const, 'xor' as const, 'xchg' as const, 'cmpxchg' as const), fc.boolean(), reg, reg, int16)
      .map(([s, op, fetch, dst, src, offset]) => ({ kind: 'atomic' as const, size: s, op, fetch: op === 'xchg' || op === 'cmpxchg' ? true : fetch, dst, src, offset })) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('atomic' as const), size, op: fc.constantFrom('loadAcquire' as const, 'storeRelease' as const), fetch: fc.constant(false), dst: reg, src: reg, offset: int16 }) },
  ),
  alu: alu(32),
  alu64: alu(64),
  jmp: jump(64),
  jmp32: jump(32),
};

export interface InstructionOptions {
  /** One opcode class, or several; default all. */
  readonly class?: InstructionClass | readonly InstructionClass[];
}

/** Any instruction of the isa model (of the given classes): well-formed, not necessarily verifiable. */
export function arbInstruction(options: InstructionOptions = {}): fc.Arbitrary<Instruction> {
  const classes = options.class === undefined ? INSTRUCTION_CLASSES : typeof options.class === 'string' ? [options.class] : options.class;
  return fc.oneof(...classes.map((c) => byClass[c]));
}
