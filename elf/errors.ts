// Typed errors of the elf subsystem: what is wrong and at which byte offset.

import { TsbpfError } from '../isa/index.js';

export class ElfError extends TsbpfError {
  override readonly name = 'ElfError';
  constructor(
    readonly reason: string,
    /** Byte offset in the file where the problem was found. */
    readonly byteOffset: number,
  ) {
    super(`byte offset ${byteOffset}: ${reason}`);
  }
}
