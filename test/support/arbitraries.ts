// fast-check generators of valid instructions, shared by the property tests.

import fc from 'fast-check';
import type {
  AluOp, AtomicOp, Instruction, JumpOp, Register, Size, Width,
} from '../../isa/index.js';

export const register: fc.Arbitrary<Register> = fc.integer({ min: 0, max: 10 }) as fc.Arbitrary<Register>;
export const int16 = fc.integer({ min: -0x8000, max: 0x7fff });
export const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const width: fc.Arbitrary<Width> = fc.constantFrom(32, 64);
const size: fc.Arbitrary<Size> = fc.constantFrom(1, 2, 4, 8);
/** Every ALU op and conditional jump op of the model, for tests that enumerate forms. */
export const aluOps: readonly AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh'];
export const jumpOps: readonly JumpOp[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const operand = fc.oneof(
  int32.map((value) => ({ kind: 'imm' as const, value })),
  register.map((reg) => ({ kind: 'reg' as const, reg })),
);

/** Arbitrary instructions by kind; every one encodes and is accepted by the strict decoder. */
export const instructionByKind = {
  alu: fc.record({ kind: fc.constant('alu' as const), width, op: fc.constantFrom(...aluOps), dst: register, src: operand }),
  neg: fc.record({ kind: fc.constant('neg' as const), width, dst: register }),
  movsx: fc.oneof(
    fc.record({ kind: fc.constant('movsx' as const), width: fc.constant(64 as const), dst: register, src: register, bits: fc.constantFrom(8 as const, 16 as const, 32 as const) }),
    fc.record({ kind: fc.constant('movsx' as const), width: fc.constant(32 as const), dst: register, src: register, bits: fc.constantFrom(8 as const, 16 as const) }),
  ),
  addrSpaceCast: fc.record({
    kind: fc.constant('addrSpaceCast' as const), dst: register, src: register,
    dstAddrSpace: fc.integer({ min: 0, max: 0xffff }), srcAddrSpace: fc.integer({ min: 0, max: 0xffff }),
  }),
  endian: fc.record({ kind: fc.constant('endian' as const), order: fc.constantFrom('le' as const, 'be' as const, 'swap' as const), bits: fc.constantFrom(16 as const, 32 as const, 64 as const), dst: register }),
  ja: fc.record({ kind: fc.constant('ja' as const), offset: int16 }),
  gotol: fc.record({ kind: fc.constant('gotol' as const), imm: int32 }),
  jump: fc.record({ kind: fc.constant('jump' as const), width, op: fc.constantFrom(...jumpOps), dst: register, src: operand, offset: int16 }),
  call: fc.oneof(
    fc.record({ kind: fc.constant('call' as const), callee: fc.constantFrom('helper' as const, 'local' as const), imm: int32, offset: fc.constant(0) }),
    fc.record({ kind: fc.constant('call' as const), callee: fc.constant('kfunc' as const), imm: int32, offset: int16 }),
  ),
  callx: fc.record({ kind: fc.constant('callx' as const), dst: register }),
  exit: fc.constant({ kind: 'exit' as const }),
  mayGoto: fc.record({ kind: fc.constant('mayGoto' as const), offset: int16 }),
  ldImm64: fc.record({ kind: fc.constant('ldImm64' as const), dst: register, pseudo: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const, 5 as const, 6 as const), imm: int32, nextImm: int32 }),
  ldx: fc.oneof(
    fc.record({ kind: fc.constant('ldx' as const), size, signed: fc.constant(false), dst: register, src: register, offset: int16 }),
    fc.record({ kind: fc.constant('ldx' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), signed: fc.constant(true), dst: register, src: register, offset: int16 }),
  ),
  st: fc.record({ kind: fc.constant('st' as const), size, dst: register, offset: int16, imm: int32 }),
  stx: fc.record({ kind: fc.constant('stx' as const), size, dst: register, src: register, offset: int16 }),
  atomic: fc.oneof(
    fc.record({ kind: fc.constant('atomic' as const), size: fc.constantFrom(4 as const, 8 as const), op: fc.constantFrom<AtomicOp>('add', 'or', 'and', 'xor'), fetch: fc.boolean(), dst: register, src: register, offset: int16 }),
    fc.record({ kind: fc.constant('atomic' as const), size: fc.constantFrom(4 as const, 8 as const), op: fc.constantFrom<AtomicOp>('xchg', 'cmpxchg'), fetch: fc.constant(true), dst: register, src: register, offset: int16 }),
    fc.record({ kind: fc.constant('atomic' as const), size, op: fc.constantFrom<AtomicOp>('loadAcquire', 'storeRelease'), fetch: fc.constant(false), dst: register, src: register, offset: int16 }),
  ),
  ldAbs: fc.record({ kind: fc.constant('ldAbs' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), imm: int32 }),
  ldInd: fc.record({ kind: fc.constant('ldInd' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), src: register, imm: int32 }),
} satisfies { [K in Instruction['kind']]: fc.Arbitrary<Extract<Instruction, { kind: K }>> };

/** Any valid instruction, every kind equally likely. */
export const instruction: fc.Arbitrary<Instruction> = fc.oneof(
  ...(Object.values(instructionByKind) as fc.Arbitrary<Instruction>[]),
);
