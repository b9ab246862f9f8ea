// The opcode bytes Linux 6.18 knows. Any other byte in a slot that is not the
// second half of an ld_imm64 is rejected with `unknown opcode %02x` before the
// control-flow walk. Measured on the live kernel by loading every one of the
// 256 bytes in an unreachable slot (test/verifier-structure.test.ts repeats
// the sweep). It differs from the RFC/LLVM view: no callx (0x8d), no gotox
// (0x0d), no ALU64 END with the X bit (0xdf), no 32-bit CALL/EXIT/JCOND.

import { AluCode, Class, JmpCode, Mode, SizeCode, SRC_X } from '../isa/index.js';

function buildTable(): ReadonlySet<number> {
  const codes = new Set<number>();
  const sizes = [SizeCode.W, SizeCode.H, SizeCode.B, SizeCode.DW];

  // LD: the 64-bit immediate and the legacy packet loads of 1, 2 and 4 bytes.
  codes.add(Class.LD | Mode.IMM | SizeCode.DW);
  for (const mode of [Mode.ABS, Mode.IND]) for (const size of [SizeCode.W, SizeCode.H, SizeCode.B]) codes.add(Class.LD | mode | size);
  // LDX: plain loads of every size, sign-extending loads of 1, 2 and 4 bytes.
  for (const size of sizes) codes.add(Class.LDX | Mode.MEM | size);
  for (const size of [SizeCode.W, SizeCode.H, SizeCode.B]) codes.add(Class.LDX | Mode.MEMSX | size);
  // ST and STX plain stores; STX atomics of every size (operand size is checked later).
  for (const size of sizes) {
    codes.add(Class.ST | Mode.MEM | size);
    codes.add(Class.STX | Mode.MEM | size);
    codes.add(Class.STX | Mode.ATOMIC | size);
  }
  // ALU and ALU64: binary ops in K and X form; NEG in K form only; END as
  // to-le/to-be in ALU and as the unconditional swap (K form) in ALU64.
  const binary = [AluCode.add, AluCode.sub, AluCode.mul, AluCode.div, AluCode.or, AluCode.and, AluCode.lsh,
    AluCode.rsh, AluCode.mod, AluCode.xor, AluCode.mov, AluCode.arsh];
  for (const cls of [Class.ALU, Class.ALU64]) {
    for (const op of binary) {
      codes.add(cls | op);
      codes.add(cls | op | SRC_X);
    }
    codes.add(cls | AluCode.neg);
  }
  codes.add(Class.ALU | AluCode.end);
  codes.add(Class.ALU | AluCode.end | SRC_X);
  codes.add(Class.ALU64 | AluCode.end);
  // JMP and JMP32: conditional jumps in K and X form, ja / gotol; call, exit
  // and may_goto exist in the 64-bit class only.
  const conditional = [JmpCode.jeq, JmpCode.jgt, JmpCode.jge, JmpCode.jset, JmpCode.jne, JmpCode.jsgt,
    JmpCode.jsge, JmpCode.jlt, JmpCode.jle, JmpCode.jslt, JmpCode.jsle];
  for (const cls of [Class.JMP, Class.JMP32]) {
    for (const op of conditional) {
      codes.add(cls | op);
      codes.add(cls | op | SRC_X);
    }
    codes.add(cls | JmpCode.ja);
  }
  codes.add(Class.JMP | JmpCode.call);
  codes.add(Class.JMP | JmpCode.exit);
  codes.add(Class.JMP | JmpCode.jcond);
  return codes;
}

const table = buildTable();

/** Whether the 6.18 kernel's instruction table contains this opcode byte. */
export function isKnownOpcode(opcode: number): boolean {
  return table.has(opcode);
}

/** The known opcode bytes in ascending order. */
export function knownOpcodes(): number[] {
  return [...table].sort((a, b) => a - b);
}
