// The C-like operator tokens of eBPF's text syntax, shared by LLVM's (asm-format.ts) and the
// kernel's (disasm/kernel.ts): `r1 += 7`, `if r1 s> r2 goto +1`, `*(u32 *)(r1 + 0)`.

import type { AluOp, JumpOp, Size } from './instruction.js';

/** The assignment operator of each ALU operation. */
export const ALU_TOKENS: Readonly<Record<AluOp, string>> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  mod: '%=', smod: 's%=', xor: '^=', mov: '=', arsh: 's>>=',
};

/** The comparison of each conditional jump. */
export const JUMP_TOKENS: Readonly<Record<JumpOp, string>> = {
  jeq: '==', jne: '!=', jgt: '>', jge: '>=', jlt: '<', jle: '<=', jsgt: 's>', jsge: 's>=', jslt: 's<', jsle: 's<=', jset: '&',
};

/** The unsigned C type of each access size. */
export const UNSIGNED_TYPES: Readonly<Record<Size, string>> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };
