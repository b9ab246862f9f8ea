// Spellings of the bpf_conformance / uBPF assembly syntax, shared by the
// assembler and the printer so that the two cannot drift apart.

import type { AluOp, JumpOp, Size } from '../instruction.js';

export const ALU_OPS: readonly AluOp[] = [
  'add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh',
];

export const JUMP_OPS: readonly JumpOp[] = [
  'jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle',
];

/** Size suffix of loads and stores (`ldxb`, `stxdw`, …). */
export const SIZE_SUFFIX: Record<Size, string> = { 1: 'b', 2: 'h', 4: 'w', 8: 'dw' };

export const SUFFIX_SIZE: ReadonlyMap<string, Size> = new Map([['b', 1], ['h', 2], ['w', 4], ['dw', 8]]);

/** Read-modify-write operations after `lock` (`lock [fetch] add[32]`, `lock xchg`, `lock cmpxchg`). */
export const LOCK_OPS = ['add', 'or', 'and', 'xor', 'xchg', 'cmpxchg'] as const;
export type LockOp = (typeof LOCK_OPS)[number];

/** Byte-order mnemonics; `swap…` is accepted as an alias of `bswap…` and printed as `bswap…`. */
export const ENDIAN_PREFIX = { le: 'le', be: 'be', swap: 'bswap' } as const;
