import { AsmError } from '../../isa/index.js';

/** The AsmError an action throws (fails the test when it throws nothing or something else). */
export function asmErrorOf(action: () => unknown): AsmError {
  try {
    action();
  } catch (e) {
    if (e instanceof AsmError) return e;
    throw e;
  }
  throw new Error('expected an AsmError, nothing was thrown');
}
