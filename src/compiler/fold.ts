// Constant folding with the language's integer semantics (the same results as the emitted
// instructions): wrap-around at the type's width, division by zero gives 0 and remainder by
// zero gives the dividend (as eBPF defines them), signed division truncates toward zero, shift
// counts are taken modulo the width.

import { type IntType, wrap } from './int-type.js';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh';

export function foldBinary(op: BinaryOp, a: bigint, b: bigint, t: IntType): bigint {
  const bits = BigInt(t.bits);
  switch (op) {
    case 'add': return wrap(a + b, t);
    case 'sub': return wrap(a - b, t);
    case 'mul': return wrap(a * b, t);
    case 'div': return b === 0n ? 0n : wrap(a / b, t);
    case 'mod': return b === 0n ? a : wrap(a % b, t);
    case 'and': return wrap(a & b, t);
    case 'or': return wrap(a | b, t);
    case 'xor': return wrap(a ^ b, t);
    case 'lsh': return wrap(a << (BigInt.asUintN(64, b) & (bits - 1n)), t);
    case 'rsh': return wrap(a >> (BigInt.asUintN(64, b) & (bits - 1n)), t);
  }
}
