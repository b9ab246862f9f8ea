// Typed error of the .BTF.ext codec: what is wrong and where.

import { TsbpfError } from '../../isa/index.js';

export class BtfExtError extends TsbpfError {
  override readonly name = 'BtfExtError';
  constructor(
    readonly reason: string,
    /**
     * Byte offset in the .BTF.ext section where the problem was found (for the
     * encoder: where the offending value would be written; for access strings:
     * the character index in the string).
     */
    readonly byteOffset: number,
  ) {
    super(`.BTF.ext byte offset ${byteOffset}: ${reason}`);
  }
}
