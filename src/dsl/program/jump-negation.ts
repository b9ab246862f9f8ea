// The conditional jump taken exactly when another is not: what a rewrite that swaps a jump's
// outcomes emits. `jset` has none (no "none of these bits" jump).

import type { JumpOp } from '../../../isa/index.js';

export const NEGATED_JUMP: Readonly<Partial<Record<JumpOp, JumpOp>>> = {
  jeq: 'jne', jne: 'jeq', jgt: 'jle', jle: 'jgt', jge: 'jlt', jlt: 'jge',
  jsgt: 'jsle', jsle: 'jsgt', jsge: 'jslt', jslt: 'jsge',
};
