// Comparison operators of the structured layer and the jumps that implement them.

import type { JumpOp } from '../../../isa/index.js';

/** `s` prefix: signed comparison; `&`: any common bit set. */
export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=' | 's>' | 's>=' | 's<' | 's<=' | '&';

export const JUMP_OF: Record<CompareOp, JumpOp> = {
  '==': 'jeq', '!=': 'jne', '>': 'jgt', '>=': 'jge', '<': 'jlt', '<=': 'jle',
  's>': 'jsgt', 's>=': 'jsge', 's<': 'jslt', 's<=': 'jsle', '&': 'jset',
};

/** The jump taken when the comparison is false (none for `&`). */
export const INVERSE: Partial<Record<CompareOp, JumpOp>> = {
  '==': 'jne', '!=': 'jeq', '>': 'jle', '>=': 'jlt', '<': 'jge', '<=': 'jgt',
  's>': 'jsle', 's>=': 'jslt', 's<': 'jsge', 's<=': 'jsgt',
};
