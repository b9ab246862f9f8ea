// The typed error of the object model: what is wrong, in which section, at which byte offset or instruction.

import { TsbpfError } from '../../isa/index.js';

export class ObjectError extends TsbpfError {
  override readonly name = 'ObjectError';
  constructor(
    readonly reason: string,
    /** ELF section the problem is in ('' for the file as a whole). */
    readonly section: string,
    /** Byte offset in that section (or in the file when section is ''). */
    readonly byteOffset: number,
    /** Instruction (slot) index in the section, when the problem is an instruction. */
    readonly insnIndex?: number,
  ) {
    super(`${section === '' ? 'object' : `section ${section}`} byte offset ${byteOffset}${insnIndex === undefined ? '' : ` (insn ${insnIndex})`}: ${reason}`);
  }
}
