// The C-like text of the register-only instructions (ALU, neg, movsx, addr_space_cast, byte
// order), spelled the same in LLVM's assembly and in the kernel's verifier log.

import type { Instruction } from './instruction.js';
import { ALU_TOKENS } from './operator-tokens.js';

export type RegisterOp = Extract<Instruction, { kind: 'alu' | 'neg' | 'movsx' | 'addrSpaceCast' | 'endian' }>;

const KINDS = new Set<Instruction['kind']>(['alu', 'neg', 'movsx', 'addrSpaceCast', 'endian']);

export function isRegisterOp(insn: Instruction): insn is RegisterOp {
  return KINDS.has(insn.kind);
}

/** The text of a register-only instruction. */
export function registerOpText(insn: RegisterOp): string {
  switch (insn.kind) {
    case 'alu': {
      const p = insn.width === 64 ? 'r' : 'w';
      const src = insn.src.kind === 'reg' ? `${p}${insn.src.reg}` : String(insn.src.value);
      return `${p}${insn.dst} ${ALU_TOKENS[insn.op]} ${src}`;
    }
    case 'neg': {
      const p = insn.width === 64 ? 'r' : 'w';
      return `${p}${insn.dst} = -${p}${insn.dst}`;
    }
    case 'movsx': {
      const p = insn.width === 64 ? 'r' : 'w';
      return `${p}${insn.dst} = (s${insn.bits})${p}${insn.src}`;
    }
    case 'addrSpaceCast':
      return `r${insn.dst} = addr_space_cast(r${insn.src}, ${insn.dstAddrSpace}, ${insn.srcAddrSpace})`;
    case 'endian':
      return `r${insn.dst} = ${insn.order === 'swap' ? 'bswap' : insn.order}${insn.bits} r${insn.dst}`;
  }
}
